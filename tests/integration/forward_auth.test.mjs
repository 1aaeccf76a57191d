// Forward-auth behind a real nginx (`auth_request`) and a real Caddy (`forward_auth`),
// each configured as docs/FORWARD_AUTH.md shows, in front of a small app: no token 401
// with the seed's body, a personal plan on a business route 403 with the seed's body, a
// business plan 200 with the user's headers passed to the app (a client's own copies
// never reach it), a revoked key 401 within a second — on SQLite, and (nginx) on two
// nodes sharing PostgreSQL (a change made on one node counts on the other within a second).
// The seed's AgntAuth class and its X-API-Key sample run unchanged but for the base URL
// (the app's origin, which serves AuthGate's /users/ API too).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { startServer, freshPgDatabase } from '../lib/server.mjs';
import { startNginx } from '../lib/nginx_forward.mjs';
import { startCaddy } from '../lib/caddy_forward.mjs';
import { devProject, signIn, mailedCode, bearer } from '../lib/users.mjs';
import { AGNT_AUTH_CLASS, FETCH_WITH_API_KEY, runJs } from '../lib/seed004.mjs';

let app, appUrl;
const PLANS = {
  plans: [{ name: 'free' }, { name: 'personal' }, { name: 'business', features: ['advanced_analytics'] }, { name: 'enterprise' }],
  rules: [{ path: '/advanced-feature', plan: 'business' }, { path: '/premium-feature', feature: 'advanced_analytics', methods: ['POST'] },
    { path: '/public', public: true }],
};

before(async () => {
  // The app: says who nginx told it the caller is.
  app = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, method: req.method, user: req.headers['x-user-id'] || null,
      email: req.headers['x-user-email'] || null, plan: req.headers['x-user-plan'] || null,
      features: req.headers['x-user-features'] || null }));
  });
  await new Promise((r) => app.listen(0, '127.0.0.1', r));
  appUrl = `http://127.0.0.1:${app.address().port}`;
});

after(() => app?.close());

async function get(url, headers = {}, method = 'GET') {
  const r = await fetch(url, { method, headers });
  const text = await r.text();
  let body;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: r.status, body, headers: r.headers };
}

// Poll until fn() is true or a second has passed; returns how long it took (ms).
async function within1s(fn) {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > 1000) throw new Error('not within a second');
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
}

async function configure(s, admin) {
  const r = await s.req('PATCH', '/admin/api/projects/my-app/users-config', { headers: bearer(admin), body: PLANS });
  assert.equal(r.status, 200, r.text);
}

// What every proxy in front of the app must do, asked through its origin (base): the
// seed's 401/403 bodies, the user's headers passed to the app (a client's own copies
// overwritten), the rules' normalisation, API keys, revocation and logout within a
// second. forgedUriHeader: the original-URI header this proxy does not set itself.
async function throughProxy(s, dev, base, forgedUriHeader) {
  const none = await get(`${base}/agents`);
  assert.equal(none.status, 401);
  assert.deepEqual(Object.keys(none.body), ['success', 'error', 'statusCode', 'timestamp']);
  assert.deepEqual([none.body.success, none.body.error, none.body.statusCode], [false, 'Authentication required', 401]);
  const pub = await get(`${base}/public/page`, { 'X-User-Id': 'forged', 'X-Auth-User-Id': 'forged' });
  assert.equal(pub.status, 200, 'a public rule needs no credential');
  assert.equal(pub.body.user || null, null, 'and the app sees no user on it');

  // the seed's AgntAuth class, unchanged but for the base URL, against the app's origin
  const email = `agnt-${randomBytes(3).toString('hex')}@example.com`;
  const t0 = Date.now() - 1000;
  const auth = await runJs(AGNT_AUTH_CLASS, base, 'const auth = new AgntAuth(); await auth.requestMagicLink(EMAIL); return auth;',
    { EMAIL: email });
  const code = await mailedCode(s, email, { after: t0 });
  const data = await auth.verifyMagicLink(email, code);
  assert.equal(data.success, true);
  const agents = await auth.makeAuthenticatedRequest(`${base}/agents`);
  assert.equal(agents.status, 200);
  const seen = await agents.json();
  assert.deepEqual([seen.user, seen.email, seen.plan], [data.user.id, email, 'free']);
  // a user without features: X-Auth-User-Features is blank, and a client's own copies
  // of the headers the app trusts never reach it
  const forged = await get(`${base}/agents`, { ...bearer(auth.token), 'X-User-Features': 'sso', 'X-Auth-User-Features': 'sso',
    'X-User-Plan': 'enterprise', 'X-Auth-User-Plan': 'enterprise' });
  assert.deepEqual([forged.status, forged.body.plan, forged.body.features || null], [200, 'free', null]);

  const h = bearer(auth.token);
  const admin = bearer(dev.admin);
  await s.req('PUT', `/admin/api/projects/my-app/users/${data.user.id}/plan`, { headers: admin, body: { plan: 'personal' } });
  const upg = await get(`${base}/advanced-feature`, h);
  assert.equal(upg.status, 403);
  assert.equal(JSON.stringify(upg.body),
    '{"error":"Upgrade required","message":"This feature requires business plan or higher","currentPlan":"personal","requiredPlan":"business"}');
  const feat = await get(`${base}/premium-feature`, h, 'POST');
  assert.equal(feat.status, 403);
  assert.equal(JSON.stringify(feat.body),
    '{"error":"Feature not available","message":"This feature is not available on your current plan","currentPlan":"personal","requiredFeature":"advanced_analytics"}');
  assert.equal((await get(`${base}/premium-feature`, h)).status, 200, 'the feature rule is for POST');
  assert.equal((await get(`${base}/public/../advanced-feature`, h)).status, 403, 'dot segments do not dodge a rule');
  assert.equal((await get(`${base}/%61dvanced-feature`, h)).status, 403, 'nor do escapes');
  // every proxy passes the client's own headers on: a client could add the other
  // proxies' header to name another path; two different originals are refused
  assert.equal((await get(`${base}/advanced-feature`, { ...h, [forgedUriHeader]: '/public/x' })).status, 403);
  const direct = await s.req('GET', '/forward-auth', { headers: { ...h, 'X-Forwarded-Uri': '/advanced-feature',
    'X-Original-URI': '/public' } });
  assert.equal(direct.status, 403, 'a refusal the proxies pass on (their auth answers other than 401/403 are 500s)');
  assert.equal(direct.body.code, 'invalid_uri');

  await s.req('PUT', `/admin/api/projects/my-app/users/${data.user.id}/plan`, { headers: admin, body: { plan: 'business' } });
  const ok = await get(`${base}/advanced-feature/reports?q=1`, { ...h, 'X-User-Id': 'forged', 'X-User-Features': 'sso',
    'X-Auth-User-Features': 'sso' });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { path: '/advanced-feature/reports?q=1', method: 'GET', user: data.user.id, email,
    plan: 'business', features: 'advanced_analytics' });
  assert.equal((await get(`${base}/premium-feature`, h, 'POST')).status, 200);

  // the seed's X-API-Key sample (its key swapped for a real one)
  const gen = await get(`${base}/users/generate-api-key`, h, 'POST');
  assert.equal(gen.status, 200);
  const res = await runJs(FETCH_WITH_API_KEY.replace('agnt_sk_1234567890abcdef', gen.body.apiKey), base, '', {});
  assert.equal(res, undefined); // the sample discards its promise; ask again to read the answer
  const viaKey = await get(`${base}/agents`, { 'X-API-Key': gen.body.apiKey });
  assert.deepEqual([viaKey.status, viaKey.body.user, viaKey.body.plan], [200, data.user.id, 'business']);
  const rv = await get(`${base}/users/api-keys/${gen.body.id}`, h, 'DELETE');
  assert.equal(rv.status, 200);
  await within1s(async () => (await get(`${base}/agents`, { 'X-API-Key': gen.body.apiKey })).status === 401);

  // logout (through the app's origin) ends the token at the proxy at once
  await get(`${base}/users/logout`, h, 'POST');
  await within1s(async () => (await get(`${base}/agents`, h)).status === 401);
}

test('nginx auth_request on SQLite: 401, 403 with the seed bodies, 200 with the user passed on, revoked key 401 at once', async () => {
  const s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_AUTH_RATE_PERCENT: '1000' });
  const ng = await startNginx({ authgate: s.url, app: appUrl });
  try {
    const dev = devProject(s);
    await configure(s, dev.admin);
    await throughProxy(s, dev, ng.url, 'X-Forwarded-Uri');
    assert.equal(ng.errors().includes('[emerg]'), false);
  } finally {
    await ng.stop();
    await s.cleanup();
  }
});

test('Caddy forward_auth (Debian\'s caddy) on SQLite: the same answers through the Caddyfile of FORWARD_AUTH.md', async () => {
  const s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_AUTH_RATE_PERCENT: '1000' });
  const cd = await startCaddy({ authgate: s.url, app: appUrl });
  try {
    const dev = devProject(s);
    await configure(s, dev.admin);
    await throughProxy(s, dev, cd.url, 'X-Original-URI');
    assert.equal(cd.errors(), '');
  } finally {
    await cd.stop();
    await s.cleanup();
  }
});

// An absolute-form original URI (a proxy passes the request target as the client wrote
// it) is read by the one URL parser (net/url.c): the path is what the application will
// see. Cut at the first '/' after "://", http://app.example?/public read as /public
// while the application serves / (which needs a user here): a way past the rules.
test('an absolute-form original URI: its path by the URL parser; what the parser refuses is invalid_uri', async () => {
  const s = await startServer({ AUTHGATE_DEV: 'true' });
  try {
    const dev = devProject(s);
    await configure(s, dev.admin);
    const fa = (uri) => s.req('GET', '/p/my-app/forward-auth', { headers: { 'X-Original-URI': uri } });
    for (const [uri, status, why] of [
      ['/public', 200, 'a public rule'],
      ['http://app.example/public/x', 200, 'the path of an absolute URI'],
      ['https://app.example:8443/public?x=1', 200, 'with a port and a query'],
      ['http://[::1]/public', 200, 'an IPv6 literal host'],
      ['http://app.example?/public', 401, 'the path is /, the rest is the query'],
      ['http://app.example#/public', 401, 'the path is /, the rest is the fragment'],
      ['http://app.example/', 401, 'the root needs a user'],
    ]) {
      const r = await fa(uri);
      assert.equal(r.status, status, `${uri}: ${why} (${r.text})`);
    }
    // strings the parser refuses are refused, not guessed at
    for (const uri of ['http://evil@app.example/public', 'http://app.example./public', 'http://app.example:0/public',
      'http://app.example/a/../public', 'https:/app.example/public']) {
      const r = await fa(uri);
      assert.equal(r.status, 403, uri);
      assert.equal(r.body.code, 'invalid_uri', uri);
    }
  } finally {
    await s.cleanup();
  }
});

test('two nodes sharing PostgreSQL behind nginx: revocation, logout and plan changes on one node count on the other within a second',
  { skip: !process.env.AUTHGATE_TEST_PG_URL && 'needs AUTHGATE_TEST_PG_URL (tests/run_all.sh starts PostgreSQL)' }, async () => {
    const db = await freshPgDatabase();
    const env = { AUTHGATE_DEV: 'true', AUTHGATE_AUTH_RATE_PERCENT: '1000', AUTHGATE_DATABASE_URL: db,
      AUTHGATE_MASTER_KEY: randomBytes(32).toString('base64') };
    const a = await startServer(env);
    const b = await startServer(env);
    // nginx asks node A; the user and the admin talk to node B
    const ng = await startNginx({ authgate: a.url, app: appUrl });
    try {
      const dev = devProject(a);
      await configure(b, dev.admin);
      const { token, user } = await signIn(b, 'nodes@example.com');
      const h = bearer(token);
      assert.equal((await get(`${ng.url}/agents`, h)).status, 200);
      assert.equal((await get(`${ng.url}/advanced-feature`, h)).status, 403);
      const took = await (async () => {
        await b.req('PUT', `/admin/api/projects/my-app/users/${user.id}/plan`, { headers: bearer(dev.admin), body: { plan: 'business' } });
        return within1s(async () => (await get(`${ng.url}/advanced-feature`, h)).status === 200);
      })();
      assert.ok(took <= 1000);
      const k = await b.req('POST', '/users/generate-api-key', { headers: h });
      const kh = { 'X-API-Key': k.body.apiKey };
      assert.equal((await get(`${ng.url}/agents`, kh)).status, 200);
      const rv = await b.req('DELETE', `/users/api-keys/${k.body.id}`, { headers: h });
      assert.equal(rv.status, 200, rv.text);
      await within1s(async () => (await get(`${ng.url}/agents`, kh)).status === 401);
      const other = await signIn(b, 'nodes2@example.com');
      assert.equal((await get(`${ng.url}/agents`, bearer(other.token))).status, 200);
      assert.equal((await b.req('POST', '/users/logout', { headers: bearer(other.token) })).status, 200);
      await within1s(async () => (await get(`${ng.url}/agents`, bearer(other.token))).status === 401);
      assert.equal((await get(`${ng.url}/agents`, h)).status, 200, 'other sessions are untouched');
    } finally {
      await ng.stop();
      await a.cleanup();
      await b.cleanup();
    }
  });
