// Seed 004's OAuth against a real OpenID provider (`oidc-provider`: PKCE required,
// refresh tokens, rotation on every refresh, RFC 7009 revocation) standing in for
// Google: sign-in at /users/auth/google, connections (connect, the browser's GET
// callback that asks before it connects and refuses forged confirmations, the app's
// POST callback, single-use state bound to the user), 50
// concurrent valid-token calls that cause exactly one refresh at the provider, the
// rotated refresh token stored, invalid_grant -> 409 reconnect required, disconnect
// revoking at the provider, provider keys, the registry's admin rule, and the MFA step
// of these sign-ins. The dev project of `make run` serves it all without a prefix.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from '../lib/server.mjs';
import { startOidcProvider } from '../lib/oidc.mjs';
import { Agent, confirmForm, submitConfirm } from '../lib/oidc_agent.mjs';
import { devProject, signIn, claims, bearer, dbQuery } from '../lib/users.mjs';
import { oathtool, midStep } from '../lib/factors.mjs';

let s, op, dev, appServer, appCb;
const client = { client_id: 'agnt-app', client_secret: 'agnt-secret-0123456789' };

async function startOp(port = 0) {
  return startOidcProvider({
    port,
    clients: [{ ...client, redirect_uris: [`${s.url}/users/auth/google/callback`, `${s.url}/auth/callback/google`,
      `${s.url}/p/my-app/users/auth/google/callback`, appCb] }],
    rotateRefreshToken: true,
    revocation: true,
    // a connection's first token is near expiry at once; refreshed ones live an hour
    accessTokenTtl: (grant) => (grant === 'refresh_token' ? 3600 : 30),
  });
}

before(async () => {
  appServer = http.createServer((req, res) => { res.writeHead(200); res.end('app'); });
  await new Promise((r) => appServer.listen(0, '127.0.0.1', r));
  appCb = `http://127.0.0.1:${appServer.address().port}/connected`;
  s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_AUTH_RATE_PERCENT: '1000' });
  dev = devProject(s);
  op = await startOp();
  const h = bearer(dev.admin);
  let r = await s.req('PUT', '/admin/api/projects/my-app/oauth/google',
    { headers: h, body: { ...client, issuer: op.issuer, enabled: true } });
  assert.equal(r.status, 200, r.text);
  r = await s.req('PATCH', '/admin/api/projects/my-app', { headers: h, body: { callback_urls: [appCb] } });
  assert.equal(r.status, 200, r.text);
});

after(async () => {
  await op?.close();
  await s?.cleanup();
  appServer?.close();
});

async function devClock(offsetMs) {
  const r = await s.req('POST', '/_dev/clock', { headers: bearer(dev.admin), body: { offset_ms: offsetMs } });
  assert.equal(r.status, 200, r.text);
}

// Connect the user's google account through the browser's GET callback: the page asks,
// its Connect button confirms; returns the question and the answer.
async function connectGoogle(token, login = 'alice') {
  const c = await s.req('GET', '/auth/connect/google', { headers: bearer(token) });
  assert.equal(c.status, 200, c.text);
  const agent = new Agent();
  const back = await agent.walk(c.body.authUrl, login, `${s.url}/auth/callback/google`);
  const ask = await agent.fetch(back);
  const askHtml = await ask.text();
  assert.equal(ask.status, 200, askHtml);
  const page = await submitConfirm(agent, confirmForm(back, askHtml));
  return { status: page.status, html: await page.text(), askHtml, back, authUrl: c.body.authUrl };
}

function validToken(token, query = 'providerId=google') {
  return s.req('GET', `/auth/valid-token?${query}`, { headers: bearer(token) });
}

test('Google sign-in at /users/auth/google: the seed JSON with a 30-day user token; state single use and bound to the browser', async () => {
  const agent = new Agent();
  const cb = `${s.url}/users/auth/google/callback`;
  const back = await agent.walk(`${s.url}/users/auth/google`, 'gina', cb);
  const res = await agent.fetch(back);
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.success, true);
  assert.equal(body.user.email, 'gina@example.com');
  const c = claims(body.token);
  assert.equal(c.aud, 'user');
  assert.equal(c.exp - c.iat, 30 * 86400);
  assert.equal(c.auth_type, 'google-login');
  const st = await s.req('GET', '/users/auth/status', { headers: bearer(body.token) });
  assert.deepEqual([st.body.isAuthenticated, st.body.user.auth_type], [true, 'google-login']);
  const again = await agent.fetch(back);
  assert.equal(again.status, 400, 'the state is single use');
  assert.equal((await again.json()).code, 'invalid_state');

  // a callback carried into another browser (no binding cookie) is refused
  const a1 = new Agent();
  const back2 = await a1.walk(`${s.url}/users/auth/google`, 'gina', cb);
  const other = await new Agent().fetch(back2);
  assert.equal(other.status, 403);
  assert.equal((await other.json()).code, 'invalid_state');

  // the per-project base URL works the same (its own redirect URI)
  const a3 = new Agent();
  const back3 = await a3.walk(`${s.url}/p/my-app/users/auth/google`, 'gina', `${s.url}/p/my-app/users/auth/google/callback`);
  const r3 = await a3.fetch(back3);
  assert.equal(r3.status, 200);
  assert.equal(claims((await r3.json()).token).sub, body.user.id, 'the same user');
});

test('connect: PKCE S256, offline access, sealed tokens; 50 concurrent valid-token calls refresh once; the rotated refresh token is stored', async () => {
  const { token, user } = await signIn(s, 'alice@example.com');
  const { status, html, askHtml, back, authUrl } = await connectGoogle(token);
  assert.match(askHtml, /<h1>Connect Google\?<\/h1>/);
  assert.match(askHtml, /signed in as alice@example\.com/);
  assert.equal(status, 200, html);
  assert.match(html, /google account alice@example\.com is now connected to alice@example\.com/);
  const u = new URL(authUrl);
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  assert.match(u.searchParams.get('code_challenge'), /^[\w-]{43}$/);
  assert.equal(u.searchParams.get('access_type'), 'offline');
  assert.equal(u.searchParams.get('redirect_uri'), `${s.url}/auth/callback/google`);
  assert.match(u.searchParams.get('state'), /^[\w-]{43}$/, 'an opaque handle, not provider:origin');
  const replay = await new Agent().fetch(back);
  assert.equal(replay.status, 400, 'state is single use');

  const list = await s.req('GET', '/auth/connected', { headers: bearer(token) });
  assert.equal(list.body.success, true);
  assert.equal(list.body.connectedApps.length, 1);
  assert.equal(list.body.connectedApps[0].provider, 'google');
  assert.equal(list.body.connectedApps[0].email, 'alice@example.com');
  assert.ok(Date.parse(list.body.connectedApps[0].connectedAt));

  const before = op.stats.refreshGrants;
  const answers = await Promise.all(Array.from({ length: 50 }, () => validToken(token)));
  for (const a of answers) assert.equal(a.status, 200, a.text);
  const tokens = new Set(answers.map((a) => a.body.access_token));
  assert.equal(tokens.size, 1, 'every caller got the one refreshed token');
  assert.equal(op.stats.refreshGrants - before, 1, 'exactly one refresh at the provider');
  const [at] = tokens;

  // sealed at rest: the stored values are not the token
  const stored = dbQuery(s, "SELECT access_sealed || ' ' || refresh_sealed FROM connections");
  assert.ok(stored.length > 100 && !stored.includes(at), 'the access token is not stored in plaintext');

  // an hour later the token is near expiry again: the refresh uses the rotated refresh
  // token (the provider retired the first one), so it must have been stored
  await devClock(3590 * 1000);
  try {
    const r = await validToken(token);
    assert.equal(r.status, 200, r.text);
    assert.notEqual(r.body.access_token, at);
    assert.equal(op.stats.refreshGrants - before, 2);
  } finally {
    await devClock(0);
  }
  // backend and other users
  const other = await signIn(s, 'mallory@example.com');
  assert.equal((await validToken(other.token, `providerId=google&userId=${user.id}`)).status, 403);
  assert.equal((await validToken(other.token)).status, 404, 'mallory has no connection');
  const be = await s.req('GET', `/auth/valid-token?providerId=google&userId=${user.id}`, { headers: bearer(dev.key) });
  assert.equal(be.status, 200, be.text);
  assert.equal((await s.req('GET', '/auth/valid-token?providerId=google', { headers: bearer(dev.key) })).status, 400);
});

test('invalid_grant marks the connection reconnect-required (409); connecting again heals it; disconnect revokes at the provider', async () => {
  const { token } = await signIn(s, 'bob@example.com');
  assert.equal((await connectGoogle(token, 'bob')).status, 200);
  assert.equal((await validToken(token)).status, 200);
  // the provider forgets every grant (a restart of its in-memory store)
  const port = op.port;
  await op.close();
  op = await startOp(port);
  await devClock(3590 * 1000);
  try {
    const r = await validToken(token);
    assert.equal(r.status, 409, r.text);
    assert.equal(r.body.code, 'reconnect_required');
    assert.equal(r.body.success, false);
    const again = await validToken(token);
    assert.equal(again.status, 409, 'no second refresh attempt');
  } finally {
    await devClock(0);
  }
  const list = await s.req('GET', '/auth/connected', { headers: bearer(token) });
  assert.equal(list.body.connectedApps[0].status, 'reconnect_required');
  assert.equal((await connectGoogle(token, 'bob')).status, 200);
  assert.equal((await validToken(token)).status, 200);

  const revs = op.stats.revocations;
  const d = await s.req('POST', '/auth/disconnect/google', { headers: bearer(token) });
  assert.equal(d.status, 200, d.text);
  assert.deepEqual(d.body, { success: true, revokedAtProvider: true });
  assert.equal(op.stats.revocations - revs, 1);
  assert.deepEqual((await s.req('GET', '/auth/connected', { headers: bearer(token) })).body.connectedApps, []);
  assert.equal((await validToken(token)).status, 404);
  assert.equal((await s.req('POST', '/auth/disconnect/google', { headers: bearer(token) })).status, 404);
});

test('the browser callback asks first: a connect link opened by someone else connects nothing without its page', async () => {
  // Mallory starts a connection and sends its authUrl to Victor, who signs in at the
  // provider: his browser lands on AuthGate's callback with Mallory's state and his code.
  const mallory = await signIn(s, 'mallory@example.com');
  const start = async () => {
    const c = await s.req('GET', '/auth/connect/google', { headers: bearer(mallory.token) });
    assert.equal(c.status, 200, c.text);
    const victor = new Agent();
    const back = await victor.walk(c.body.authUrl, 'victor', `${s.url}/auth/callback/google`);
    return { victor, back, u: new URL(back) };
  };
  const connected = async () => (await s.req('GET', '/auth/connected', { headers: bearer(mallory.token) })).body.connectedApps;
  const form = (u) => ({ action: `${s.url}/auth/callback/google/confirm`,
    fields: { state: u.searchParams.get('state'), code: u.searchParams.get('code'), iss: u.searchParams.get('iss') || '' } });

  // 1. The provider made to POST the answer (response_mode=form_post, or any form on
  //    another site): no nonce cookie, no token -> refused, the flow left alone.
  let { victor, back, u } = await start();
  let r = await submitConfirm(victor, form(u));
  assert.equal(r.status, 403);
  assert.match(await r.text(), /did not come from the page AuthGate showed/);
  r = await submitConfirm(victor, { ...form(u), fields: { ...form(u).fields, csrf: 'f'.repeat(64) } });
  assert.equal(r.status, 403, 'a made-up token');
  // 2. The GET shows a page naming Mallory's account, with a Cancel button; nothing yet.
  const ask = await victor.fetch(back);
  const html = await ask.text();
  assert.equal(ask.status, 200);
  assert.match(html, /signed in as mallory@example\.com/);
  assert.match(html, /If someone sent you this link, choose Cancel/);
  assert.match(ask.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  assert.match(ask.headers.get('set-cookie'), /^ag_connect=[\w-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Strict/);
  assert.deepEqual(await connected(), []);
  const f = confirmForm(back, html);
  // the page's token is bound to this browser's nonce: in another browser it is worthless
  assert.equal((await submitConfirm(new Agent(), f)).status, 403);
  // and a cross-site request is refused even with the cookie (Sec-Fetch-Site)
  assert.equal((await submitConfirm(victor, f, 'connect', { 'Sec-Fetch-Site': 'cross-site' })).status, 403);
  // 3. Victor cancels: the flow is spent, nothing is connected
  r = await submitConfirm(victor, f, 'cancel');
  assert.equal(r.status, 200);
  assert.match(await r.text(), /Nothing was connected/);
  assert.equal((await submitConfirm(victor, f)).status, 400, 'the state is spent');
  assert.equal((await victor.fetch(back)).status, 400);
  assert.deepEqual(await connected(), []);
  // 4. The token of one flow does not confirm another flow in the same browser
  ({ victor, back, u } = await start());
  const f2 = confirmForm(back, await (await victor.fetch(back)).text());
  const again = await start();
  const f3 = confirmForm(again.back, await (await again.victor.fetch(again.back)).text());
  r = await submitConfirm(victor, { action: f2.action, fields: { ...f2.fields, csrf: f3.fields.csrf } });
  assert.equal(r.status, 403);
  assert.deepEqual(await connected(), []);
  assert.match(s.stdout + s.stderr, /connect_confirm_refused/);
  assert.match(s.stdout + s.stderr, /connect_declined/);
});

test('the app callback: POST /auth/callback {code, state} with the user who started it, and no one else', async () => {
  const alice = await signIn(s, 'carol@example.com'), eve = await signIn(s, 'eve@example.com');
  const start = async () => {
    const c = await s.req('GET', `/auth/connect/google?redirect_uri=${encodeURIComponent(appCb)}`, { headers: bearer(alice.token) });
    assert.equal(c.status, 200, c.text);
    const back = new URL(await new Agent().walk(c.body.authUrl, 'carol', appCb));
    return { code: back.searchParams.get('code'), state: back.searchParams.get('state') };
  };
  const bad = await s.req('GET', '/auth/connect/google?redirect_uri=https://evil.example/cb', { headers: bearer(alice.token) });
  assert.equal(bad.status, 400);
  let cs = await start();
  const stolen = await s.req('POST', '/auth/callback', { headers: bearer(eve.token), body: cs });
  assert.equal(stolen.status, 403, stolen.text);
  assert.equal(stolen.body.code, 'invalid_state');
  cs = await start();
  const ok = await s.req('POST', '/auth/callback', { headers: bearer(alice.token), body: cs });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual([ok.body.success, ok.body.provider], [true, 'google']);
  const replay = await s.req('POST', '/auth/callback', { headers: bearer(alice.token), body: cs });
  assert.equal(replay.status, 400);
  assert.equal((await s.req('GET', '/auth/connected', { headers: bearer(eve.token) })).body.connectedApps.length, 0);
});

test('the registry: users list and read; only the project API key or an admin changes it; built-ins stay', async () => {
  const { token } = await signIn(s, 'dave@example.com');
  const openai = { id: 'openai', name: 'OpenAI', connectionType: 'api_key', categories: ['ai'], icon: 'https://img.example/openai.png' };
  const denied = await s.req('POST', '/auth/providers', { headers: bearer(token), body: openai });
  assert.equal(denied.status, 403, denied.text);
  assert.equal(denied.body.code, 'admin_required');
  const created = await s.req('POST', '/auth/providers', { headers: bearer(dev.key), body: openai });
  assert.equal(created.status, 201, created.text);
  const custom = { id: 'custom-service', name: 'Custom Service', connectionType: 'oauth', authorizeUrl: `${op.issuer}/auth`,
    tokenUrl: `${op.issuer}/token`, clientId: 'x', clientSecret: 'y', scopes: 'read' };
  assert.equal((await s.req('POST', '/auth/providers', { headers: bearer(dev.admin), body: custom })).status, 201);
  assert.equal((await s.req('POST', '/auth/providers', { headers: bearer(dev.key), body: custom })).status, 409);
  assert.equal((await s.req('POST', '/auth/providers', { headers: bearer(dev.key), body: { ...custom, id: 'google' } })).status, 409);
  assert.equal((await s.req('POST', '/auth/providers', { headers: bearer(dev.key),
    body: { ...custom, id: 'x2', tokenUrl: 'file:///etc/passwd' } })).status, 400);
  const list = await s.req('GET', '/auth/providers', { headers: bearer(token) });
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.map((p) => p.id), ['google', 'custom-service', 'openai']);
  assert.deepEqual(list.body[0], { id: 'google', name: 'Google', icon: null, categories: ['productivity'], connectionType: 'oauth', builtin: true });
  const got = await s.req('GET', '/auth/providers/custom-service', { headers: bearer(token) });
  assert.equal(got.body.clientSecretSet, true);
  assert.ok(!JSON.stringify(got.body).includes('"y"'), 'no secret shown');
  assert.equal((await s.req('PUT', '/auth/providers/custom-service', { headers: bearer(token), body: { name: 'X' } })).status, 403);
  const upd = await s.req('PUT', '/auth/providers/custom-service', { headers: bearer(dev.key), body: { name: 'Custom 2' } });
  assert.equal(upd.status, 200, upd.text);
  assert.equal(upd.body.name, 'Custom 2');
  assert.equal((await s.req('PUT', '/auth/providers/google', { headers: bearer(dev.key), body: { name: 'G' } })).status, 403);
  assert.equal((await s.req('DELETE', '/auth/providers/google', { headers: bearer(dev.key) })).status, 403);
  assert.equal((await s.req('DELETE', '/auth/providers/custom-service', { headers: bearer(dev.key) })).status, 200);
  assert.equal((await s.req('GET', '/auth/providers/custom-service', { headers: bearer(token) })).status, 404);
});

test('provider keys: sealed, read back with the session token only, rate limited, in the security log', async () => {
  const { token } = await signIn(s, 'erin@example.com');
  if ((await s.req('GET', '/auth/providers/openai', { headers: bearer(token) })).status === 404) {
    await s.req('POST', '/auth/providers', { headers: bearer(dev.key), body: { id: 'openai', name: 'OpenAI', connectionType: 'api_key' } });
  }
  const secret = `sk-test-${Date.now()}-secret`;
  const put = await s.req('POST', '/auth/apikeys/openai', { headers: bearer(token), body: { apiKey: secret } });
  assert.equal(put.status, 200, put.text);
  assert.equal((await s.req('POST', '/auth/apikeys/nope', { headers: bearer(token), body: { apiKey: 'x' } })).status, 404);
  const got = await s.req('GET', '/auth/apikeys/openai', { headers: bearer(token) });
  assert.deepEqual(got.body, { success: true, apiKey: secret });
  const k = await s.req('POST', '/users/generate-api-key', { headers: bearer(token) });
  const viaKey = await s.req('GET', '/auth/apikeys/openai', { headers: { 'X-API-Key': k.body.apiKey } });
  assert.equal(viaKey.status, 403, 'an API key cannot read stored secrets');
  assert.equal(viaKey.body.code, 'session_required');
  const stored = dbQuery(s, "SELECT key_sealed FROM provider_keys WHERE provider = 'openai'");
  assert.ok(stored.length > 40 && !stored.includes(secret), 'sealed at rest');
  let limited;
  for (let i = 0; i < 12 && !limited; i++) {
    const r = await s.req('GET', '/auth/apikeys/openai', { headers: bearer(token) });
    if (r.status === 429) limited = r;
  }
  assert.ok(limited, 'reads are rate limited');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.equal(limited.body.statusCode, 429);
  await new Promise((r) => setTimeout(r, 1500)); // the security log is written once a second
  const ev = await s.req('GET', '/admin/api/security-events?limit=200', { headers: bearer(dev.admin) });
  assert.equal(ev.status, 200, ev.text);
  assert.ok(JSON.stringify(ev.body).includes('provider_key_read'), 'reads are in the security log');
  assert.ok(!JSON.stringify(ev.body).includes(secret));
});

test('google-search-keys: 404 until the project sets them', async () => {
  const { token } = await signIn(s, 'frank@example.com');
  const none = await s.req('GET', '/auth/google-search-keys', { headers: bearer(token) });
  assert.equal(none.status, 404);
  assert.equal(none.body.success, false);
  const set = await s.req('PATCH', '/admin/api/projects/my-app/users-config',
    { headers: bearer(dev.admin), body: { google_search: { apiKey: 'AIza-test', searchEngineId: 'cx-1' } } });
  assert.equal(set.status, 200, set.text);
  const got = await s.req('GET', '/auth/google-search-keys', { headers: bearer(token) });
  assert.deepEqual(got.body, { apiKey: 'AIza-test', searchEngineId: 'cx-1' });
});

test('the MFA step applies to these sign-ins: mfa_required, then enrolling ends in a 30-day user token', async () => {
  const h = bearer(dev.admin);
  assert.equal((await s.req('PATCH', '/admin/api/projects/my-app', { headers: h, body: { mfa: 'required' } })).status, 200);
  try {
    const email = 'mfa-user@example.com';
    const now = await midStep(s); // before the codes: the step moves the clock hours ahead
    await s.req('POST', '/users/auth/magic-link/request', { body: { email } });
    const { mailedCode } = await import('../lib/users.mjs');
    const code = await mailedCode(s, email);
    const v = await s.req('POST', '/users/auth/magic-link/verify', { body: { email, code } });
    assert.equal(v.status, 200, v.text);
    assert.equal(v.body.mfa_required, true);
    assert.equal(v.body.enroll_required, true);
    assert.ok(!v.body.token, 'no session before the second factor');
    const en = await s.req('POST', '/api/mfa/enroll/totp', { headers: bearer(v.body.mfa_token), body: {} });
    assert.equal(en.status, 201, en.text);
    const ok = await s.req('POST', `/api/mfa/factors/${en.body.id}/confirm`, { headers: bearer(v.body.mfa_token),
      body: { code: oathtool(en.body.secret, now) } });
    assert.equal(ok.status, 200, ok.text);
    const c = claims(ok.body.token);
    assert.equal(c.aud, 'user');
    assert.equal(c.exp - c.iat, 30 * 86400);
    assert.deepEqual(c.amr, ['email', 'otp', 'mfa']);
    assert.equal((await s.req('GET', '/users/auth/status', { headers: bearer(ok.body.token) })).body.isAuthenticated, true);
    // the 30-day token manages the user's factors (an API key does not)
    const mine = await s.req('GET', '/api/mfa/factors', { headers: bearer(ok.body.token) });
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.body.methods, ['totp']);
    const k = await s.req('POST', '/users/generate-api-key', { headers: bearer(ok.body.token) });
    assert.equal((await s.req('GET', '/api/mfa/factors', { headers: bearer(k.body.apiKey) })).status, 401);

    // the next sign-in asks for the factor at /users/auth/mfa/verify
    const now2 = await midStep(s);
    await s.req('POST', '/users/auth/magic-link/request', { body: { email } });
    const code2 = await mailedCode(s, email, { after: now2 * 1000 - 1000 });
    const v2 = await s.req('POST', '/users/auth/magic-link/verify', { body: { email, code: code2 } });
    assert.equal(v2.body.mfa_required, true, v2.text);
    assert.ok(v2.body.methods.includes('totp'), v2.text);
    const done = await s.req('POST', '/users/auth/mfa/verify', { body: { mfa_token: v2.body.mfa_token, method: 'totp',
      code: oathtool(en.body.secret, now2) } });
    assert.equal(done.status, 200, done.text);
    assert.equal(claims(done.body.token).aud, 'user');
  } finally {
    await s.req('PATCH', '/admin/api/projects/my-app', { headers: h, body: { mfa: 'off' } });
    await devClock(0);
  }
});
