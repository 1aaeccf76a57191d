// Run by sdk/js/test/node18.test.mjs on Node.js 18 (the oldest the SDK claims; no global
// WebCrypto there, so the SDK's node:crypto fallback is what signs, seals and verifies).
// Only Node built-ins and the packed package: the test packages need a newer Node.
// Input: one JSON object on stdin; output: JSON lines on stdout ({step, ...} each, and
// {push} when the parent's phone should approve), ending with {done: true}.
import http from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
let input = '';
for await (const c of process.stdin) input += c;
const cfg = JSON.parse(input);
const imp = (entry) => import(pathToFileURL(path.join(cfg.consumer, `${entry}.mjs`)).href);
const sdk = await imp('sdk');
const server = await imp('server');
const next = await imp('next');
const req = createRequire(path.join(cfg.consumer, 'x.cjs'));
const cjs = req('./sdk.cjs');
const cjsServer = req('./server.cjs');
say({ step: 'runtime', node: process.versions.node, globalCrypto: typeof globalThis.crypto, esm: typeof sdk.AuthGate, cjs: typeof cjs.AuthGate });

const refused = async (p) => {
  try {
    await p;
    return null;
  } catch (e) {
    return { name: e.constructor.name, code: e.code, status: e.status, isAuthGateError: e instanceof sdk.AuthGateError };
  }
};

// The core client with the API key: sign-up, token verification at AuthGate and locally.
const ag = new sdk.AuthGate({ baseUrl: cfg.url, apiKey: cfg.apiKey, appId: cfg.appId, signingSecret: cfg.signingSecret });
const up = await ag.emailSignup({ email: cfg.email, password: cfg.password });
const remote = await ag.verifyToken(up.token);
const local = await ag.verifyTokenLocally(up.token);
const forged = up.token.slice(0, -3) + (up.token.endsWith('AAA') ? 'BBB' : 'AAA');
say({
  step: 'client', user: up.user.id, remoteValid: remote.valid, remoteUser: remote.valid && remote.user.id, localSub: local.sub,
  forgedLocal: await refused(ag.verifyTokenLocally(forged)), forgedRemote: (await ag.verifyToken(forged)).valid,
  wrongPassword: await refused(ag.emailSignin({ email: cfg.email, password: 'not the password' })),
  cjsInstance: (await refused(new cjs.AuthGate({ baseUrl: cfg.url, apiKey: 'agk_wrong' }).getProject())),
});

// The session cookie (AES-256-GCM under an HKDF key) and the route handlers (fetch Request/Response).
const secret = 'node18-session-secret-0123456789abcdef';
const h = next.createAuthHandlers({ authgateUrl: cfg.url, apiKey: cfg.apiKey, session: { secret } });
const origin = 'http://localhost:3000';
const res = await h.POST(new Request(`${origin}/api/auth/email/signin`, {
  method: 'POST', headers: { 'Content-Type': 'application/json', Origin: origin }, body: JSON.stringify({ email: cfg.email, password: cfg.password }),
}));
const cookie = (res.headers.get('set-cookie') || '').split(';')[0];
const who = await (await h.GET(new Request(`${origin}/api/auth/session`, { headers: { Cookie: cookie } }))).json();
const tampered = await server.getSession({ headers: { cookie: cookie.slice(0, -4) + 'AAAA' } }, { secret });
// The same seal through the CommonJS build.
const sealedCjs = (await cjsServer.createSessionCookie({ user: who.user }, { secret })).split(';')[0];
const cjsSession = await cjsServer.getSession({ headers: { cookie: sealedCjs } }, { secret });
say({ step: 'next', status: res.status, httpOnly: /HttpOnly/.test(res.headers.get('set-cookie') || ''), sessionEmail: who.user && who.user.email, tampered,
  cjsEmail: cjsSession && cjsSession.user.email });

// A webhook receiver on the raw body, and push sign-in settled over the event stream.
const deliveries = [];
const rx = http.createServer(async (req, res2) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks);
  const entry = { headers: req.headers };
  try {
    const v = await sdk.verifyWebhook(raw, req.headers, wh.secret);
    entry.event = v.event;
    entry.verified = v.verified;
    entry.altered = await refused(sdk.verifyWebhook(Buffer.concat([raw, Buffer.from(' ')]), req.headers, wh.secret));
  } catch (e) {
    entry.error = e.code;
  }
  deliveries.push(entry);
  res2.writeHead(entry.error ? 400 : 200, { 'Content-Type': 'application/json' }).end('{}');
});
await new Promise((r) => rx.listen(0, '127.0.0.1', r));
const wh = await ag.webhooks.create({ url: `http://127.0.0.1:${rx.address().port}/hook`, events: ['approved'] });
const started = await ag.push.start(cfg.pushEmail);
say({ push: { session_id: started.session_id, code: started.code } });
const decision = await ag.push.waitForDecision(started.session_id, { transport: 'sse', signal: AbortSignal.timeout(60000) });
const verified = decision.token ? await ag.push.verify(decision.token) : null;
for (let i = 0; i < 200 && !deliveries.some((d) => d.event === 'approved'); i++) await new Promise((r) => setTimeout(r, 50));
rx.close();
say({ step: 'push', status: decision.status, verifiedEmail: verified && verified.user && verified.user.email, delivery: deliveries.find((d) => d.event === 'approved') || deliveries[0] || null });
say({ done: true });
