// The end user's address (docs/EMAIL.md, "The end user's address") through the SDK,
// against the real binary: the core client's `clientIp` option sends
// X-AuthGate-Client-IP (declared by /openapi.json for the operation: test/lib.mjs checks),
// so AuthGate's per-address limits count each end user and not the app's server; the
// Next.js handlers forward the visitor's address — the last X-Forwarded-For entry by
// default, never an entry the visitor wrote before it — or what `clientIp` says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../../tests/lib/server.mjs';
import { uniqueEmail } from '../../../tests/lib/email.mjs';
import { load, contractOf } from './lib.mjs';

const APP = 'http://localhost:3000';
const SECRET = 'test-session-secret-0123456789abcdef';
let s, sdk, next, project, fetchChecked;

before(async () => {
  sdk = await load('sdk');
  next = await load('next');
  // sign-in: 60 per minute per address scaled to 3; 10 per email to 1 (each attempt a new email)
  s = await startServer({ AUTHGATE_AUTH_RATE_PERCENT: '5' });
  project = await s.project('ip-sdk', { origins: [APP], callbacks: [`${APP}/api/auth/callback`] });
  fetchChecked = (await contractOf(s)).fetch();
});
after(async () => {
  assert.deepEqual(fetchChecked.failures.map(String), [], 'every request and answer matches /openapi.json');
  await s?.cleanup();
});

const wrong = { password: 'wrongPassword1' };

// The access lines of sign-ins since log line `from`, once done(lines) holds (they are
// written after the answer; a line of an earlier test may still land after `from`).
async function signinLines(from, done) {
  const lines = () => s.logLines().slice(from).filter((l) => l.access === 'POST' && l.path === '/api/proxy/email/signin');
  for (let i = 0; i < 100 && !done(lines()); i++) await new Promise((r) => setTimeout(r, 20));
  return lines();
}

test('core client: clientIp keys the per-address limits of that call; a bad one is refused before sending', async () => {
  const ag = new sdk.AuthGate({ baseUrl: s.url, apiKey: project.key, fetch: fetchChecked });
  const signin = (clientIp) => ag.emailSignin({ email: uniqueEmail('sdkip'), ...wrong, clientIp }).then(() => 200, (e) => e.status);
  for (let i = 0; i < 3; i++) assert.equal(await signin('203.0.113.10'), 401);
  assert.equal(await signin('203.0.113.10'), 429, 'this user is stopped');
  assert.equal(await signin('203.0.113.11'), 401, 'another user of the same app is not');
  assert.equal(await signin(undefined), 401, 'nor the app server itself');
  const v = await ag.verifyToken('not.a.token', { clientIp: '2001:db8::7' });
  assert.equal(v.valid, false);
  for (const bad of ['localhost', '203.0.113.10:80', '203.0.113.10, 198.51.100.1', '[::1]', ' 203.0.113.10', '0177.0.0.1']) {
    await assert.rejects(ag.emailSignin({ email: 'a@example.com', ...wrong, clientIp: bad }), TypeError, bad);
  }
  assert.equal(sdk.isIpAddress('::ffff:203.0.113.10'), true);
});

test('core client: clientIp is sent only with the API key', async () => {
  const seen = [];
  const spy = (input, init) => { seen.push(init.headers['X-AuthGate-Client-IP']); return fetch(input, init); };
  const browserish = new sdk.AuthGate({ baseUrl: s.url, appId: 'ip-sdk', fetch: spy });
  await browserish.http.call('post', '/auth/start', { body: { app_id: 'ip-sdk', email: uniqueEmail('push') }, clientIp: '203.0.113.12' });
  assert.deepEqual(seen, [undefined]);
});

test('Next.js handlers: the visitor\'s address is the last X-Forwarded-For entry; earlier entries are the visitor\'s words', async () => {
  const h = next.createAuthHandlers({ authgateUrl: s.url, apiKey: project.key, appId: 'ip-sdk', session: { secret: SECRET }, fetch: fetchChecked });
  const signin = (xff) => h.POST(new Request(`${APP}/api/auth/email/signin`, { method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: APP, ...(xff ? { 'X-Forwarded-For': xff } : {}) },
    body: JSON.stringify({ email: uniqueEmail('nextip'), ...wrong }) }));
  const from = s.logLines().length;
  // the proxy in front of the app appended 198.51.100.30; the visitor wrote the rest
  assert.equal((await signin('10.0.0.1, 192.0.2.1, 198.51.100.30')).status, 401);
  assert.equal((await signin('198.51.100.31')).status, 401);
  assert.equal((await signin('not-an-address')).status, 401, 'not an address: not forwarded, the sign-in still runs');
  assert.equal((await signin(undefined)).status, 401);
  const lines = await signinLines(from, (ls) => ls.filter((l) => l.client_ip).length >= 2 && ls.filter((l) => !l.client_ip).length >= 2);
  assert.deepEqual(lines.map((l) => l.client_ip).filter(Boolean).sort(), ['198.51.100.30', '198.51.100.31']);
  // two visitors behind one app have their own limits
  for (let i = 0; i < 2; i++) assert.equal((await signin('198.51.100.30')).status, 401);
  const over = await signin('198.51.100.30');
  assert.equal(over.status, 429);
  assert.ok(Number(over.headers.get('retry-after')) >= 1);
  assert.equal((await signin('198.51.100.32')).status, 401);
});

test('Next.js handlers: clientIp chooses the header (or none)', async () => {
  const from = s.logLines().length;
  const cf = next.createAuthHandlers({ authgateUrl: s.url, apiKey: project.key, session: { secret: SECRET },
    clientIp: (req) => req.headers.get('cf-connecting-ip') });
  const off = next.createAuthHandlers({ authgateUrl: s.url, apiKey: project.key, session: { secret: SECRET }, clientIp: false });
  const req = () => new Request(`${APP}/api/auth/email/signin`, { method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: APP, 'CF-Connecting-IP': '2001:db8::99', 'X-Forwarded-For': '198.51.100.40' },
    body: JSON.stringify({ email: uniqueEmail('nextcf'), ...wrong }) });
  assert.equal((await cf.POST(req())).status, 401);
  // the app server's own address: its budget is nearly spent by the unnamed calls above
  assert.ok([401, 429].includes((await off.POST(req())).status));
  const lines = await signinLines(from, (ls) => ls.some((l) => l.client_ip === '2001:db8::99') && ls.some((l) => !l.client_ip));
  assert.ok(!lines.some((l) => l.client_ip === '198.51.100.40'), 'neither handler forwarded X-Forwarded-For');
  assert.equal(next.lastForwardedFor(new Request(APP, { headers: { 'X-Forwarded-For': 'a, b ,  203.0.113.5 ' } })), '203.0.113.5');
});
