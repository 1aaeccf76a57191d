// Seed 004's end-user API against the dev project of `make run` (no prefix, as the seed
// writes its URLs): the curl, fetch and Python `requests` samples with only the base URL
// changed; 30-day tokens with their own audience and a server-side session; refresh with
// rotation and reuse detection; logout everywhere at once; users' API keys (prefix,
// hashed, listed, revoked, usable as X-API-Key, unable to mint keys); plans and features
// with the JSON access check; which project a request is for; the seed's error shape.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { startServer } from '../lib/server.mjs';
import { devProject, signIn, mailedCode, claims, bearer, dbQuery } from '../lib/users.mjs';
import { CURL_MAGIC_REQUEST, FETCH_MAGIC_REQUEST, PYTHON_MAGIC_REQUEST, runCurl, runJs, runPython } from '../lib/seed004.mjs';

let s, dev;

before(async () => {
  s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_AUTH_RATE_PERCENT: '1000' });
  dev = devProject(s);
});

after(async () => {
  await s?.cleanup();
});

const sqlite = (sql) => dbQuery(s, sql);

test('the samples: curl, fetch and Python requests work with only the base URL changed', async () => {
  const expected = { success: true, message: 'Magic link sent to your email' };
  assert.deepEqual(JSON.parse(await runCurl(CURL_MAGIC_REQUEST, s.url)), expected);
  assert.deepEqual(await runJs(FETCH_MAGIC_REQUEST, s.url, 'return data;'), expected);
  assert.deepEqual(JSON.parse(await runPython(PYTHON_MAGIC_REQUEST, s.url, 'print(json.dumps(data))')), expected);

  // Step 2, as the seed's HTTP example: POST {email, code} -> {success, token, user}
  const code = await mailedCode(s, 'user@example.com');
  const verify = `import requests
response = requests.post('${s.url}/users/auth/magic-link/verify', json={'email': 'user@example.com', 'code': '${code}'})
data = response.json()`;
  const v = JSON.parse(await runPython(verify, s.url, 'print(json.dumps(data))'));
  assert.equal(v.success, true);
  assert.match(v.token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.equal(v.user.email, 'user@example.com');

  // Checking auth status / generating an API key / logout, as the seed's requests show them
  const h = `-H "Authorization: Bearer ${v.token}"`;
  const status = JSON.parse(await runCurl(`curl https://api.agnt.gg/users/auth/status ${h}`, s.url));
  assert.deepEqual(status.user, { id: v.user.id, email: 'user@example.com', auth_type: 'magic-link', plan: 'free', features: [] });
  assert.equal(status.isAuthenticated, true);
  const gen = JSON.parse(await runCurl(`curl -X POST https://api.agnt.gg/users/generate-api-key ${h}`, s.url));
  assert.equal(gen.success, true);
  assert.match(gen.apiKey, /^agnt_sk_[\w-]{43}$/, '256 random bits after the prefix');
  const viaKey = await runJs(`const r = await fetch('https://api.agnt.gg/users/auth/status', { headers: { 'X-API-Key': '${gen.apiKey}' } });`,
    s.url, 'return r.json();');
  assert.deepEqual([viaKey.isAuthenticated, viaKey.user.auth_type], [true, 'api-key']);
  const out = JSON.parse(await runCurl(`curl -X POST https://api.agnt.gg/users/logout ${h}`, s.url));
  assert.deepEqual(out, { success: true, message: 'Logged out successfully' });
  const after = JSON.parse(await runCurl(`curl https://api.agnt.gg/users/auth/status ${h}`, s.url));
  assert.deepEqual(after, { isAuthenticated: false });
});

test('tokens: 30 days, audience "user", a server-side session; /api/v1/token/verify and these routes refuse each other\'s', async () => {
  const { token, user } = await signIn(s, 'aud@example.com');
  const c = claims(token);
  assert.equal(c.aud, 'user');
  assert.equal(c.iss, 'authgate');
  assert.equal(c.exp - c.iat, 30 * 86400);
  assert.match(c.sid, /^ses_/);
  assert.equal(c.sub, user.id);
  const v = await s.req('POST', '/api/v1/token/verify', { headers: bearer(dev.key), body: { token } });
  assert.equal(v.status, 401, 'a user token is not a seed 002 session token');
  // a seed 001/002 session token (5 minutes, aud "session") is refused here
  const su = await s.req('POST', '/api/proxy/email/signup', { headers: bearer(dev.key),
    body: { email: 'aud2@example.com', password: 'securePassword1' } });
  assert.equal(su.status, 200, su.text);
  assert.equal(claims(su.body.token).aud, 'session');
  assert.deepEqual((await s.req('GET', '/users/auth/status', { headers: bearer(su.body.token) })).body, { isAuthenticated: false });
  const k = await s.req('POST', '/users/generate-api-key', { headers: bearer(su.body.token) });
  assert.equal(k.status, 401);
  assert.equal(k.body.error, 'Invalid token');
  // the payload changed under a signature already verified (and cached) is refused
  const [h64, p64, sig] = token.split('.');
  const other = Buffer.from(JSON.stringify({ ...c, sub: 'user_someone_else' })).toString('base64url');
  assert.equal((await s.req('GET', '/users/auth/status', { headers: bearer(token) })).body.isAuthenticated, true);
  assert.deepEqual((await s.req('GET', '/users/auth/status', { headers: bearer(`${h64}.${other}.${sig}`) })).body,
    { isAuthenticated: false });
  assert.notEqual(p64, other);
  // a token of the right shape signed with another key
  const forged = token.slice(0, token.lastIndexOf('.') + 1) + Buffer.alloc(32).toString('base64url');
  assert.deepEqual((await s.req('GET', '/users/auth/status', { headers: bearer(forged) })).body, { isAuthenticated: false });
  // the session row exists, listed for the user and for the dashboard
  const mine = await s.req('GET', '/users/sessions', { headers: bearer(token) });
  assert.equal(mine.body.sessions.length, 1);
  assert.deepEqual([mine.body.sessions[0].id, mine.body.sessions[0].current, mine.body.sessions[0].auth_type], [c.sid, true, 'magic-link']);
  const adm = await s.req('GET', `/admin/api/projects/my-app/users/${user.id}/sessions`, { headers: bearer(dev.admin) });
  assert.equal(adm.body.sessions[0].id, c.sid);
  assert.equal(adm.body.sessions[0].ip, '127.0.0.1');
});

test('refresh rotates the session: the old token stops at once; replaying it ends the family', async () => {
  const { token } = await signIn(s, 'refresh@example.com');
  const r1 = await s.req('POST', '/users/auth/refresh', { headers: bearer(token) });
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r1.body.success, true);
  assert.ok(Date.parse(r1.body.expiresAt) > Date.now() + 29 * 86400e3);
  assert.notEqual(claims(r1.body.token).sid, claims(token).sid);
  assert.equal(claims(r1.body.token).auth_type, 'magic-link', 'the sign-in method carries over');
  assert.equal((await s.req('GET', '/users/auth/status', { headers: bearer(token) })).body.isAuthenticated, false);
  assert.equal((await s.req('GET', '/users/auth/status', { headers: bearer(r1.body.token) })).body.isAuthenticated, true);
  // someone replays the rotated token: both it and its successor end
  const replay = await s.req('POST', '/users/auth/refresh', { headers: bearer(token) });
  assert.equal(replay.status, 401);
  assert.equal(replay.body.code, 'invalid_token');
  assert.equal((await s.req('GET', '/users/auth/status', { headers: bearer(r1.body.token) })).body.isAuthenticated, false);
  assert.equal((await s.req('POST', '/users/auth/refresh')).status, 401);
});

test('logout?all=true ends every session of the user; an admin can end them too', async () => {
  const a = await signIn(s, 'many@example.com'), b = await signIn(s, 'many@example.com');
  const r = await s.req('POST', '/users/logout?all=true', { headers: bearer(a.token) });
  assert.equal(r.status, 200);
  for (const t of [a.token, b.token]) assert.equal((await s.req('GET', '/users/auth/status', { headers: bearer(t) })).body.isAuthenticated, false);
  const c = await signIn(s, 'many@example.com');
  const end = await s.req('DELETE', `/admin/api/projects/my-app/users/${c.user.id}/sessions`, { headers: bearer(dev.admin) });
  assert.deepEqual(end.body, { ended: 1 });
  assert.equal((await s.req('GET', '/users/auth/status', { headers: bearer(c.token) })).body.isAuthenticated, false);
});

test('API keys: the prefix is a project setting; stored hashed; listed; revoked at once; an API key cannot mint keys', async () => {
  const { token, user } = await signIn(s, 'keys@example.com');
  const set = await s.req('PATCH', '/admin/api/projects/my-app/users-config', { headers: bearer(dev.admin), body: { api_key_prefix: 'acme_sk_' } });
  assert.equal(set.status, 200, set.text);
  try {
    const k = await s.req('POST', '/users/generate-api-key', { headers: bearer(token), body: { name: 'laptop' } });
    assert.equal(k.status, 200, k.text);
    assert.match(k.body.apiKey, /^acme_sk_[\w-]{43}$/);
    const hash = createHash('sha256').update(k.body.apiKey).digest('hex');
    assert.equal(sqlite(`SELECT key_hash FROM user_api_keys WHERE id = '${k.body.id}'`), hash);
    assert.equal(sqlite(`SELECT COUNT(*) FROM user_api_keys WHERE key_hash LIKE '%${k.body.apiKey.slice(8, 20)}%' OR prefix = '${k.body.apiKey}'`), '0');
    const list = await s.req('GET', '/users/api-keys', { headers: bearer(token) });
    assert.deepEqual(list.body.apiKeys.map((x) => [x.id, x.name, x.prefix]), [[k.body.id, 'laptop', k.body.apiKey.slice(0, 14)]]);
    assert.ok(!list.text.includes(k.body.apiKey));
    const kh = { 'X-API-Key': k.body.apiKey };
    assert.equal((await s.req('GET', '/users/auth/status', { headers: kh })).body.user.id, user.id);
    const mint = await s.req('POST', '/users/generate-api-key', { headers: kh });
    assert.equal(mint.status, 403);
    assert.equal(mint.body.code, 'session_required');
    assert.equal((await s.req('GET', '/users/api-keys', { headers: kh })).status, 403);
    const fa = await s.req('GET', '/forward-auth', { headers: kh });
    assert.equal(fa.status, 200);
    assert.equal(fa.headers.get('x-auth-user-id'), user.id);
    const rv = await s.req('DELETE', `/users/api-keys/${k.body.id}`, { headers: bearer(token) });
    assert.equal(rv.status, 200, rv.text);
    assert.deepEqual((await s.req('GET', '/users/auth/status', { headers: kh })).body, { isAuthenticated: false });
    const fa2 = await s.req('GET', '/forward-auth', { headers: kh });
    assert.equal(fa2.status, 401);
    assert.equal((await s.req('DELETE', `/users/api-keys/${k.body.id}`, { headers: bearer(token) })).status, 404);
    // another user's key id is not this user's to revoke
    const other = await signIn(s, 'keys2@example.com');
    const k2 = await s.req('POST', '/users/generate-api-key', { headers: bearer(other.token) });
    assert.equal((await s.req('DELETE', `/users/api-keys/${k2.body.id}`, { headers: bearer(token) })).status, 404);
    assert.equal((await s.req('GET', '/users/auth/status', { headers: { 'X-API-Key': k2.body.apiKey } })).body.isAuthenticated, true);
    const bad = await s.req('PATCH', '/admin/api/projects/my-app/users-config', { headers: bearer(dev.admin), body: { api_key_prefix: 'agk_' } });
    assert.equal(bad.status, 400);
  } finally {
    await s.req('PATCH', '/admin/api/projects/my-app/users-config', { headers: bearer(dev.admin), body: { api_key_prefix: null } });
  }
});

test('plans and features: the ladder, set by an admin or by the backend; status and the JSON check show them', async () => {
  const h = bearer(dev.admin);
  const cfg = await s.req('PATCH', '/admin/api/projects/my-app/users-config', { headers: h, body: {
    plans: [{ name: 'free' }, { name: 'personal', features: ['export'] }, { name: 'business', features: ['advanced_analytics'] }, { name: 'enterprise' }],
    rules: [{ path: '/advanced-feature', plan: 'business' }, { path: '/premium-feature', feature: 'advanced_analytics', methods: ['POST'] }],
  } });
  assert.equal(cfg.status, 200, cfg.text);
  assert.deepEqual(cfg.body.plans[2], { name: 'business', features: ['export', 'advanced_analytics'] }, 'a plan has the features below it');
  const bad = await s.req('PATCH', '/admin/api/projects/my-app/users-config', { headers: h, body: { rules: [{ path: '/x', plan: 'gold' }] } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /not in plans/);
  const { token, user } = await signIn(s, 'plans@example.com');
  let st = await s.req('GET', '/users/auth/status', { headers: bearer(token) });
  assert.deepEqual([st.body.user.plan, st.body.user.features], ['free', []]);
  const p1 = await s.req('PUT', `/admin/api/projects/my-app/users/${user.id}/plan`, { headers: h, body: { plan: 'personal' } });
  assert.equal(p1.status, 200, p1.text);
  st = await s.req('GET', '/users/auth/status', { headers: bearer(token) });
  assert.deepEqual([st.body.user.plan, st.body.user.features], ['personal', ['export']]);
  const check = (body) => s.req('POST', '/api/v1/access/check', { headers: bearer(dev.key), body: { token, ...body } });
  let c = await check({ path: '/advanced-feature/reports?x=1' });
  assert.deepEqual(c.body.allowed, false);
  assert.deepEqual([c.body.status, c.body.error, c.body.message, c.body.currentPlan, c.body.requiredPlan],
    [403, 'Upgrade required', 'This feature requires business plan or higher', 'personal', 'business']);
  c = await check({ path: '/premium-feature', method: 'POST' });
  assert.deepEqual([c.body.error, c.body.requiredFeature], ['Feature not available', 'advanced_analytics']);
  assert.equal((await check({ path: '/premium-feature', method: 'GET' })).body.allowed, true, 'the rule is for POST only');
  // the backend (its billing) grants a feature of its own and upgrades
  const be = await s.req('PUT', `/api/v1/users/${user.id}/plan`, { headers: bearer(dev.key), body: { features: ['advanced_analytics'] } });
  assert.equal(be.status, 200, be.text);
  assert.equal((await check({ path: '/premium-feature', method: 'POST' })).body.allowed, true);
  await s.req('PUT', `/api/v1/users/${user.id}/plan`, { headers: bearer(dev.key), body: { plan: 'business', features: [] } });
  c = await check({ path: '/advanced-feature' });
  assert.equal(c.body.allowed, true);
  assert.deepEqual(c.body.user, { id: user.id, email: 'plans@example.com', auth_type: 'magic-link', plan: 'business',
    features: ['export', 'advanced_analytics'] });
  assert.equal((await check({ path: '/advanced-feature', token: undefined })).body.status, 401);
  assert.equal((await s.req('PUT', `/api/v1/users/${user.id}/plan`, { headers: bearer(dev.key), body: { plan: 'gold' } })).status, 400);
  assert.equal((await s.req('PUT', '/api/v1/users/user_nope/plan', { headers: bearer(dev.key), body: { plan: 'free' } })).status, 404);
  // the token carries the plan it was issued under; status shows the current one
  assert.equal(claims(token).plan, 'free');
});

function rawGet(path, headers) {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    http.get({ host: u.hostname, port: u.port, path, headers }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(b) }));
    }).on('error', reject);
  });
}

test('which project: /p/{app_id}, a host the project claims, else the default project; nothing else', async () => {
  await s.cliJSON('project', 'create', 'other', 'Other');
  const o = await signIn(s, 'p@example.com', { base: '/p/other' });
  assert.equal(claims(o.token).app, 'other');
  const mine = await s.req('GET', '/p/other/users/auth/status', { headers: bearer(o.token) });
  assert.equal(mine.body.isAuthenticated, true);
  assert.deepEqual((await s.req('GET', '/users/auth/status', { headers: bearer(o.token) })).body, { isAuthenticated: false },
    'without the prefix the default project (my-app) does not know the token');
  assert.equal((await s.req('GET', '/p/nope/users/auth/status')).status, 404);
  assert.equal((await s.req('GET', '/p/other/healthz')).status, 404, 'only the end-user routes take the prefix');
  // a claimed host
  const adm = bearer(dev.admin);
  const claim = await s.req('PATCH', '/admin/api/projects/other/users-config', { headers: adm, body: { hosts: ['api.other.test'] } });
  assert.equal(claim.status, 200, claim.text);
  const dup = await s.req('PATCH', '/admin/api/projects/my-app/users-config', { headers: adm, body: { hosts: ['api.other.test'] } });
  assert.equal(dup.status, 409);
  const viaHost = await rawGet('/users/auth/status', { Host: 'API.other.test', Authorization: `Bearer ${o.token}` });
  assert.equal(viaHost.body.isAuthenticated, true);
  const unknownHost = await rawGet('/users/auth/status', { Host: 'elsewhere.test', Authorization: `Bearer ${o.token}` });
  assert.equal(unknownHost.body.isAuthenticated, false, 'an unclaimed host is the default project');
  await s.req('PATCH', '/admin/api/projects/other/users-config', { headers: adm, body: { hosts: [] } });
  assert.equal((await rawGet('/users/auth/status', { Host: 'api.other.test', Authorization: `Bearer ${o.token}` })).body.isAuthenticated, false);
});

test('errors: the seed envelope on these routes, 429 with Retry-After', async () => {
  const r = await s.req('POST', '/users/generate-api-key');
  assert.equal(r.status, 401);
  assert.deepEqual(Object.keys(r.body).sort(), ['code', 'error', 'message', 'statusCode', 'success', 'timestamp']);
  assert.deepEqual([r.body.success, r.body.error, r.body.statusCode], [false, 'Authentication required', 401]);
  assert.ok(Math.abs(Date.parse(r.body.timestamp) - Date.now()) < 60000);
  const bad = await s.req('POST', '/users/auth/magic-link/request', { body: { email: 'x', extra: 1 } });
  assert.deepEqual([bad.status, bad.body.success, bad.body.statusCode], [400, false, 400]);
  assert.match(bad.body.message, /extra/);
  const code = await s.req('POST', '/users/auth/magic-link/verify', { body: { email: 'nobody@example.com', code: '123456' } });
  assert.deepEqual([code.status, code.body.code], [400, 'invalid_code']);
  let limited;
  for (let i = 0; i < 60 && !limited; i++) {
    const x = await s.req('POST', '/users/auth/magic-link/request', { body: { email: 'flood@example.com' } });
    if (x.status === 429) limited = x;
    else assert.equal(x.status, 200);
  }
  assert.ok(limited, 'the per-email limit answers 429');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.deepEqual([limited.body.success, limited.body.error, limited.body.statusCode], [false, 'Too Many Requests', 429]);
});
