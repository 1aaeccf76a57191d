// OAuth / OpenID Connect sign-in, black-box: the real binary against a programmable
// provider (tests/lib/oauth_fake.mjs) that can misbehave one way at a time. Each test
// asserts where the browser is sent (app callback with ?token= or ?error=, or an error
// page) and what was stored. The whole flows in Chromium against the real
// `oidc-provider` live in tests/browser/oauth.test.mjs.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../lib/server.mjs';
import { startFakeProvider, signInFlow } from '../lib/oauth_fake.mjs';
import { client, signingSecret, verifyJwt, shiftClock, RELAXED } from '../lib/email.mjs';

const CB = 'http://127.0.0.1:9/app/callback';
let s, fake, fake2, gh, app, admin, api;
const ENV = { ...RELAXED, AUTHGATE_ALLOW_PRIVATE_NETWORK: 'true', AUTHGATE_OAUTH_TIMEOUT: '2' };

async function configure(appId, provider, settings) {
  const r = await s.req('PUT', `/admin/api/projects/${appId}/oauth/${provider}`, { headers: { Authorization: `Bearer ${admin}` }, body: settings });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

const fakeSettings = (f) => ({ client_id: f.clientId, client_secret: f.clientSecret, issuer: f.issuer, enabled: true });
const ghSettings = (f) => ({
  client_id: f.clientId, client_secret: f.clientSecret, enabled: true,
  authorization_endpoint: `${f.issuer}/login/oauth/authorize`, token_endpoint: `${f.issuer}/login/oauth/access_token`,
  userinfo_endpoint: `${f.issuer}/user`, emails_endpoint: `${f.issuer}/user/emails`,
});

before(async () => {
  fake = await startFakeProvider();
  fake2 = await startFakeProvider({ clientId: 'second-client' }); // ES256/EdDSA keys, RFC 9207 iss
  fake2.issParam = true;
  fake2.publishExtraKeys = true;
  gh = await startFakeProvider({ clientId: 'gh-client' });
  s = await startServer(ENV);
  app = await s.project('oauth-app', { callbacks: [CB] });
  admin = await s.adminToken();
  api = client(s, app.key);
  await configure('oauth-app', 'google', fakeSettings(fake));
  await configure('oauth-app', 'oidc', fakeSettings(fake2));
  await configure('oauth-app', 'github', ghSettings(gh));
});

after(async () => {
  await s.cleanup();
  await Promise.all([fake.close(), fake2.close(), gh.close()]);
});

let n = 0;
beforeEach(() => {
  // A new provider account per test unless the test says otherwise.
  n++;
  for (const f of [fake, fake2]) {
    f.account = { sub: `sub-${n}-${crypto.randomBytes(3).toString('hex')}`, email: `user${n}.${Date.now()}@example.com`, email_verified: true,
      name: `User ${n}`, picture: `https://img.example/u${n}.png` };
    f.spoil = null;
    f.delayMs = 0;
    f.down = false;
    f.authorizeError = null;
    f.issParamValue = null;
  }
  gh.github = { id: 1000 + n, login: `octo${n}`, name: null, avatar_url: `https://avatars.example/u/${1000 + n}`, email: null,
    emails: [{ email: `octo${n}.${Date.now()}@example.com`, primary: true, verified: true }, { email: 'x@example.com', primary: false, verified: false }] };
  gh.githubTokenError = null;
});

async function verify(token) {
  const r = await api('POST', '/api/v1/token/verify', { token });
  return r;
}

test('Google-shaped OIDC sign-in: PKCE S256, state, nonce; the token verifies with the picture', async () => {
  const out = await signInFlow(s, 'google', { callbackUrl: CB });
  assert.equal(out.status, 303);
  assert.ok(out.token, JSON.stringify(out.steps));
  assert.ok(out.location.startsWith(`${CB}?token=`));
  const auth = fake.authorizeParams.at(-1);
  assert.equal(auth.response_type, 'code');
  assert.equal(auth.code_challenge_method, 'S256');
  assert.match(auth.code_challenge, /^[A-Za-z0-9_-]{43}$/);
  assert.match(auth.state, /^[A-Za-z0-9_-]{43}$/); // 256 bits
  assert.match(auth.nonce, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(auth.redirect_uri, `${s.url}/api/proxy/google/callback`);
  assert.ok(auth.scope.split(' ').includes('openid'));
  // the verifier sent at the token endpoint hashes to the challenge (the fake checks it too)
  const tb = fake.tokenBodies.at(-1);
  assert.equal(crypto.createHash('sha256').update(tb.code_verifier).digest('base64url'), auth.code_challenge);
  assert.notEqual(tb.code_verifier, auth.state);
  const v = await verify(out.token);
  assert.equal(v.status, 200);
  assert.equal(v.body.user.provider, 'google');
  assert.equal(v.body.user.picture, fake.account.picture);
  assert.equal(v.body.user.email, fake.account.email);
  assert.equal(v.body.user.name, fake.account.name);
  const claims = await verifyJwt(out.token, await signingSecret(s, 'oauth-app'));
  assert.equal(claims.email_verified, true);
  assert.equal(claims.provider, 'google');
  // the cookie binding the browser: HttpOnly, scoped to /api/proxy/
  const set = out.steps[0];
  assert.equal(set.status, 302);
  // the same provider account signs in to the same user
  const again = await signInFlow(s, 'google', { callbackUrl: CB });
  assert.equal((await verify(again.token)).body.user.id, v.body.user.id);
});

test('the binding cookie is HttpOnly, SameSite=Lax and scoped to /api/proxy/', async () => {
  const res = await fetch(`${s.url}/api/proxy/google?callback_url=${encodeURIComponent(CB)}`, { redirect: 'manual' });
  assert.equal(res.status, 302);
  const c = res.headers.get('set-cookie');
  assert.match(c, /^ag_oauth=[A-Za-z0-9_-]{43}; Path=\/api\/proxy\/; Max-Age=600; HttpOnly; SameSite=Lax$/);
});

test('a replayed state and a made-up state get an error page, never a token', async () => {
  const out = await signInFlow(s, 'google', { callbackUrl: CB });
  assert.ok(out.token);
  const replay = await fetch(out.callback, { redirect: 'manual', headers: { Cookie: out.cookie } });
  assert.equal(replay.status, 400);
  assert.match(replay.headers.get('content-type'), /text\/html/);
  assert.match(await replay.text(), /invalid or was already used/);
  const made = new URL(out.callback);
  made.searchParams.set('state', crypto.randomBytes(32).toString('base64url'));
  const r2 = await fetch(made, { redirect: 'manual', headers: { Cookie: out.cookie } });
  assert.equal(r2.status, 400);
  assert.equal(r2.headers.get('location'), null);
});

test('a callback opened in another browser (no or another binding cookie) is refused', async () => {
  for (const other of ['', `ag_oauth=${crypto.randomBytes(32).toString('base64url')}`]) {
    const res = await fetch(`${s.url}/api/proxy/google?callback_url=${encodeURIComponent(CB)}`, { redirect: 'manual' });
    const back = (await fetch(res.headers.get('location'), { redirect: 'manual' })).headers.get('location');
    const r = await fetch(back, { redirect: 'manual', headers: other ? { Cookie: other } : {} });
    assert.equal(r.status, 303);
    const loc = new URL(r.headers.get('location'));
    assert.equal(loc.searchParams.get('error'), 'invalid_state');
    assert.equal(loc.searchParams.get('token'), null);
  }
  assert.ok(s.stderr.includes('oauth_state_unbound'));
});

const spoiled = [
  ['nonce', 'nonce'], ['no-nonce', 'nonce'], ['iss', 'another issuer'], ['aud', 'another client'],
  ['aud-multi-no-azp', 'another client'], ['azp', 'another client'], ['expired', 'expired'], ['future-iat', 'future'],
  ['hs256-public-key', 'algorithm'], ['none', 'algorithm'], ['wrong-key', 'signature'],
];
for (const [spoil, why] of spoiled) {
  test(`an ID token with ${spoil} is refused (invalid_id_token)`, async () => {
    fake.spoil = spoil;
    const out = await signInFlow(s, 'google', { callbackUrl: CB });
    assert.equal(out.status, 303);
    assert.equal(out.token, null);
    assert.equal(out.error, 'invalid_id_token');
    assert.match(new URL(out.location).searchParams.get('error_description'), new RegExp(why));
  });
}

test('an unknown kid refetches the JWKS at most once a minute, and a rotated key then verifies', async () => {
  // a fresh provider so this test owns its key cache entry
  const f = await startFakeProvider({ clientId: 'kid-client' });
  try {
    const p = await s.project('kid-app', { callbacks: [`${CB}/kid`] });
    await configure('kid-app', 'google', fakeSettings(f));
    let out = await signInFlow(s, 'google', { callbackUrl: `${CB}/kid`, appId: 'kid-app' });
    assert.ok(out.token, JSON.stringify(out));
    assert.equal(f.hits.jwks, 1);
    // a token under a key the JWKS does not have: one refetch, then refused
    f.spoil = 'unknown-kid';
    out = await signInFlow(s, 'google', { callbackUrl: `${CB}/kid`, appId: 'kid-app' });
    assert.equal(out.error, 'invalid_id_token');
    assert.equal(f.hits.jwks, 2);
    out = await signInFlow(s, 'google', { callbackUrl: `${CB}/kid`, appId: 'kid-app' });
    assert.equal(out.error, 'invalid_id_token');
    assert.equal(f.hits.jwks, 2, 'a second unknown kid within the minute does not refetch');
    // cached keys still serve good tokens without a fetch
    f.spoil = null;
    out = await signInFlow(s, 'google', { callbackUrl: `${CB}/kid`, appId: 'kid-app' });
    assert.ok(out.token);
    assert.equal(f.hits.jwks, 2);
    assert.ok(p.key);
  } finally {
    await f.close();
  }
});

test('ES256 and EdDSA ID tokens verify; RFC 9207 iss is checked when the provider sends it', async () => {
  for (const spoil of ['es256', 'eddsa', null]) {
    fake2.spoil = spoil;
    const out = await signInFlow(s, 'oidc', { callbackUrl: CB });
    assert.ok(out.token, `${spoil}: ${JSON.stringify(out)}`);
    assert.equal((await verify(out.token)).body.user.provider, 'oidc');
  }
  fake2.issParamValue = 'https://attacker.example';
  let out = await signInFlow(s, 'oidc', { callbackUrl: CB });
  assert.equal(out.error, 'invalid_issuer');
  fake2.issParamValue = null;
  // the provider advertises iss in responses: a response without it is refused
  out = await signInFlow(s, 'oidc', { callbackUrl: CB, tamper: (u) => { const x = new URL(u); x.searchParams.delete('iss'); return x.toString(); } });
  assert.equal(out.error, 'invalid_issuer');
  assert.ok(s.stderr.includes('oauth_mixup'));
});

test('mix-up: a flow sent to one provider cannot complete at another provider\'s callback', async () => {
  const out = await signInFlow(s, 'google', { callbackUrl: CB, tamper: (u) => u.replace('/api/proxy/google/callback', '/api/proxy/oidc/callback') });
  assert.equal(out.error, 'invalid_state');
  assert.equal(out.token, null);
});

test('unregistered callback_url: 400 before anyone is redirected (GET and POST)', async () => {
  const res = await fetch(`${s.url}/api/proxy/google?callback_url=${encodeURIComponent('https://evil.example/cb')}&app_id=oauth-app`, { redirect: 'manual' });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('location'), null);
  assert.equal((await res.json()).error, 'invalid_callback_url');
  const nobody = await fetch(`${s.url}/api/proxy/google?callback_url=${encodeURIComponent('https://evil.example/cb')}`, { redirect: 'manual' });
  assert.equal(nobody.status, 400);
  const r = await api('POST', '/api/proxy/google', { callback_url: 'https://evil.example/cb' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error, 'invalid_callback_url');
  assert.equal(fake.authorizeParams.filter((p) => p.redirect_uri.includes('evil')).length, 0);
});

test('disabled provider: 403 provider_disabled; unknown provider 404; enabled without settings 403', async () => {
  await configure('oauth-app', 'github', { enabled: false });
  try {
    const res = await fetch(`${s.url}/api/proxy/github?callback_url=${encodeURIComponent(CB)}`, { redirect: 'manual' });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error, 'provider_disabled');
    const r = await api('POST', '/api/proxy/github', { callback_url: CB });
    assert.equal(r.status, 403);
    assert.equal(r.body.error, 'provider_disabled');
  } finally {
    await configure('oauth-app', 'github', { enabled: true });
  }
  const u = await api('POST', '/api/proxy/myspace', { callback_url: CB });
  assert.equal(u.status, 404);
  assert.equal(u.body.error, 'unknown_provider');
  const patch = await s.req('PATCH', '/admin/api/projects/oauth-app', { headers: { Authorization: `Bearer ${admin}` }, body: { providers: { gitlab: true } } });
  assert.equal(patch.status, 200);
  const nc = await api('POST', '/api/proxy/gitlab', { callback_url: CB });
  assert.equal(nc.status, 403);
  assert.equal(nc.body.error, 'provider_not_configured');
});

test('POST /api/proxy/{provider} answers {url}: a single-use start at AuthGate that binds the browser opening it', async () => {
  const r = await api('POST', '/api/proxy/google', { callback_url: CB, locale: 'it' });
  assert.equal(r.status, 200);
  assert.match(r.body.url, new RegExp(`^${s.url}/api/proxy/google/start\\?ticket=[A-Za-z0-9_-]{43}$`));
  const out = await signInFlow(s, 'google', { startUrl: r.body.url });
  assert.ok(out.token, JSON.stringify(out));
  const again = await fetch(r.body.url, { redirect: 'manual' });
  assert.equal(again.status, 410);
  const claims = await verifyJwt(out.token, await signingSecret(s, 'oauth-app'));
  // locale=it was stored on the user
  const u = await s.req('GET', `/admin/api/projects/oauth-app`, { headers: { Authorization: `Bearer ${admin}` } });
  assert.equal(u.status, 200);
  assert.ok(claims.sub);
});

test('linking by email: only when the provider and the user both verified the address', async () => {
  // a GitHub user with a verified primary address
  const email = gh.github.emails[0].email;
  const first = await signInFlow(s, 'github', { callbackUrl: CB });
  assert.ok(first.token, JSON.stringify(first));
  const ghUser = (await verify(first.token)).body.user;
  assert.equal(ghUser.provider, 'github');
  assert.equal(ghUser.email, email);
  assert.equal(ghUser.picture, gh.github.avatar_url);
  assert.equal(ghUser.name, gh.github.login); // name null: the login
  // Google says the same address, unverified: account_exists, nothing linked
  fake.account.email = email;
  fake.account.email_verified = false;
  let out = await signInFlow(s, 'google', { callbackUrl: CB });
  assert.equal(out.error, 'account_exists');
  assert.equal(out.token, null);
  // verified on both sides: linked to the same user
  fake.account.email_verified = true;
  out = await signInFlow(s, 'google', { callbackUrl: CB });
  assert.ok(out.token);
  assert.equal((await verify(out.token)).body.user.id, ghUser.id);
  const ids = await api('POST', '/api/v1/identities', { token: out.token });
  assert.equal(ids.status, 200);
  assert.deepEqual(ids.body.identities.map((i) => i.provider).sort(), ['github', 'google']);
  assert.ok(s.stderr.includes('oauth_identity_linked'));
});

test('an unverified provider email never takes over an existing account (nor starts one the owner then cannot reach)', async () => {
  // The owner signs in with Google (verified).
  const owner = await signInFlow(s, 'google', { callbackUrl: CB });
  const ownerId = (await verify(owner.token)).body.user.id;
  // An attacker's GitHub account claims the owner's address, unverified.
  gh.github.emails = [{ email: fake.account.email, primary: true, verified: false }];
  const out = await signInFlow(s, 'github', { callbackUrl: CB });
  assert.equal(out.error, 'account_exists');
  const ids = await api('POST', '/api/v1/identities', { token: owner.token });
  assert.deepEqual(ids.body.identities.map((i) => i.provider), ['google']);
  assert.equal(ids.body.user_id, ownerId);
});

test('GitHub: the primary verified address of /user/emails counts; an unverified primary is not verified', async () => {
  gh.github.email = 'public-but-unverified@example.com';
  let out = await signInFlow(s, 'github', { callbackUrl: CB });
  let claims = await verifyJwt(out.token, await signingSecret(s, 'oauth-app'));
  assert.equal(claims.email, gh.github.emails[0].email);
  assert.equal(claims.email_verified, true);
  gh.github = { ...gh.github, id: gh.github.id + 500000, emails: [{ email: `unv${n}@example.com`, primary: true, verified: false }] };
  out = await signInFlow(s, 'github', { callbackUrl: CB });
  claims = await verifyJwt(out.token, await signingSecret(s, 'oauth-app'));
  assert.equal(claims.email_verified, false);
  // the token request asked for JSON and sent the PKCE verifier
  assert.ok(gh.tokenBodies.at(-1).code_verifier);
});

test('GitHub quirks: an error inside a 200 reply goes back as provider_error', async () => {
  gh.githubTokenError = 'bad_verification_code';
  const out = await signInFlow(s, 'github', { callbackUrl: CB });
  assert.equal(out.error, 'provider_error');
  assert.match(new URL(out.location).searchParams.get('error_description'), /bad_verification_code/);
});

test('the provider declines, is down, or is slow: the app gets an error, never a token', async () => {
  fake.authorizeError = 'access_denied';
  let out = await signInFlow(s, 'google', { callbackUrl: CB });
  assert.equal(out.error, 'access_denied');
  fake.authorizeError = null;
  fake.down = true;
  out = await signInFlow(s, 'google', { callbackUrl: CB });
  assert.equal(out.error, 'provider_unavailable');
  fake.down = false;
  fake.delayMs = 3000; // AUTHGATE_OAUTH_TIMEOUT is 2 s here
  const t0 = Date.now();
  out = await signInFlow(s, 'google', { callbackUrl: CB });
  assert.equal(out.error, 'provider_unavailable');
  assert.ok(Date.now() - t0 < 2900 + 1000);
  // a provider that cannot be reached at all (nothing listens there)
  const p = await s.project('down-app', { callbacks: [`${CB}/down`] });
  await configure('down-app', 'oidc', { client_id: 'x', client_secret: 'y', issuer: 'http://127.0.0.1:9', enabled: true });
  const res = await fetch(`${s.url}/api/proxy/oidc?callback_url=${encodeURIComponent(`${CB}/down`)}&app_id=down-app`, { redirect: 'manual' });
  assert.equal(res.status, 303);
  assert.equal(new URL(res.headers.get('location')).searchParams.get('error'), 'provider_unavailable');
  assert.ok(p.key);
});

test('link and unlink while signed in; identity_in_use; last_sign_in_method', async () => {
  const g = await signInFlow(s, 'google', { callbackUrl: CB });
  const user = (await verify(g.token)).body.user;
  // link GitHub (an address different from the Google one: linking needs no email match)
  const r = await api('POST', '/api/proxy/github/link', { token: g.token, callback_url: CB });
  assert.equal(r.status, 200);
  const linked = await signInFlow(s, 'github', { startUrl: r.body.url });
  assert.ok(linked.token, JSON.stringify(linked));
  assert.equal((await verify(linked.token)).body.user.id, user.id);
  // the GitHub account now signs in to this user
  const viaGh = await signInFlow(s, 'github', { callbackUrl: CB });
  assert.equal((await verify(viaGh.token)).body.user.id, user.id);
  // someone else cannot link the same GitHub account
  fake.account = { ...fake.account, sub: `other-${n}`, email: `other${n}@example.com` };
  const other = await signInFlow(s, 'google', { callbackUrl: CB });
  const r2 = await api('POST', '/api/proxy/github/link', { token: other.token, callback_url: CB });
  const stolen = await signInFlow(s, 'github', { startUrl: r2.body.url });
  assert.equal(stolen.error, 'identity_in_use');
  // unlink GitHub: Google remains
  const un = await api('POST', '/api/proxy/github/unlink', { token: g.token });
  assert.equal(un.status, 200, un.text);
  assert.deepEqual(un.body.identities.map((i) => i.provider), ['google']);
  const again = await api('POST', '/api/proxy/github/unlink', { token: g.token });
  assert.equal(again.status, 404);
  assert.equal(again.body.error, 'not_linked');
  // a user whose only way in is one identity with an unproven address keeps it
  fake.account = { ...fake.account, sub: `lonely-${n}`, email: `lonely${n}@example.com`, email_verified: false };
  const lonely = await signInFlow(s, 'google', { callbackUrl: CB });
  const last = await api('POST', '/api/proxy/google/unlink', { token: lonely.token });
  assert.equal(last.status, 409);
  assert.equal(last.body.error, 'last_sign_in_method');
  // link/unlink need a valid session token
  const bad = await api('POST', '/api/proxy/github/link', { token: 'x.y.z', callback_url: CB });
  assert.equal(bad.status, 401);
  assert.equal(bad.body.error, 'invalid_token');
});

test('admin API: secrets are never shown; settings are validated', async () => {
  const list = await s.req('GET', '/admin/api/projects/oauth-app/oauth', { headers: { Authorization: `Bearer ${admin}` } });
  assert.equal(list.status, 200);
  assert.ok(!list.text.includes(fake.clientSecret));
  const g = list.body.providers.find((p) => p.provider === 'google');
  assert.equal(g.client_secret_set, true);
  assert.equal(g.redirect_uri, `${s.url}/api/proxy/google/callback`);
  const put = (provider, body) => s.req('PUT', `/admin/api/projects/oauth-app/oauth/${provider}`, { headers: { Authorization: `Bearer ${admin}` }, body });
  let r = await put('discord', { client_secret: 'x' });
  assert.equal(r.status, 400);
  assert.match(r.body.message, /client_id is required/);
  r = await put('apple', { client_id: 'com.example.web', team_id: 'ABCDE12345', key_id: 'KEY1234567', private_key: 'not a key' });
  assert.equal(r.status, 400);
  assert.match(r.body.message, /private_key/);
  r = await put('oidc', { issuer: 'ftp://x' });
  assert.equal(r.status, 400);
  r = await put('github', { issuer: 'https://github.com' });
  assert.equal(r.status, 400);
  r = await put('google', { token_endpoint: 'https://x.example/token' });
  assert.equal(r.status, 400);
  r = await put('nope', { client_id: 'x' });
  assert.equal(r.status, 404);
  // the secret is sealed at rest: not in the database file
  const { execFileSync } = await import('node:child_process');
  if (!process.env.AUTHGATE_TEST_STORE) {
    const dump = execFileSync('sqlite3', [`${s.dataDir}/authgate.db`, 'SELECT secret_sealed FROM oauth_clients'], { encoding: 'utf8' });
    assert.ok(dump.includes('v1.'));
    assert.ok(!dump.includes(fake.clientSecret));
  }
});

test('a flow that takes longer than 10 minutes expires (dev clock)', async () => {
  const d = await startServer({ ...ENV, AUTHGATE_DEV: 'true' });
  try {
    await d.project('exp-app', { callbacks: [CB] });
    const a = await d.adminToken();
    const r = await d.req('PUT', '/admin/api/projects/exp-app/oauth/google', { headers: { Authorization: `Bearer ${a}` }, body: fakeSettings(fake) });
    assert.equal(r.status, 200);
    const out = await signInFlow(d, 'google', { callbackUrl: CB, appId: 'exp-app', tamper: (u) => u });
    assert.ok(out.token);
    const start = await fetch(`${d.url}/api/proxy/google?callback_url=${encodeURIComponent(CB)}&app_id=exp-app`, { redirect: 'manual' });
    const cookie = start.headers.get('set-cookie').split(';')[0];
    const back = (await fetch(start.headers.get('location'), { redirect: 'manual' })).headers.get('location');
    await shiftClock(d, 601 * 1000);
    const res = await fetch(back, { redirect: 'manual', headers: { Cookie: cookie } });
    assert.equal(new URL(res.headers.get('location')).searchParams.get('error'), 'flow_expired');
  } finally {
    await d.cleanup();
  }
});

test('CLI: authgate oauth set (secret from a file) / show / list / remove, used by the running server', async () => {
  const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/ag-oauth-cli-`);
  try {
    await s.project('cli-app', { callbacks: [`${CB}/cli`] });
    writeFileSync(`${dir}/secret`, `${fake.clientSecret}\n`);
    const set = await s.cli('oauth', 'set', 'cli-app', 'google', '--client-id', fake.clientId, '--client-secret-file', `${dir}/secret`,
      '--issuer', fake.issuer, '--enable');
    assert.equal(set.code, 0, set.stderr);
    const shown = JSON.parse(set.stdout);
    assert.equal(shown.enabled, true);
    assert.equal(shown.client_secret_set, true);
    assert.ok(!set.stdout.includes(fake.clientSecret));
    const out = await signInFlow(s, 'google', { callbackUrl: `${CB}/cli`, appId: 'cli-app' });
    assert.ok(out.token, JSON.stringify(out));
    const list = await s.cliJSON('oauth', 'list', 'cli-app');
    assert.deepEqual(list.map((p) => p.provider), ['google']);
    const bad = await s.cli('oauth', 'set', 'cli-app', 'google', '--client-secret', 'on-the-command-line');
    assert.equal(bad.code, 2);
    const wrong = await s.cli('oauth', 'set', 'cli-app', 'oidc', '--client-id', 'x', '--client-secret-file', `${dir}/secret`);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /issuer is required/);
    const off = await s.cli('oauth', 'set', 'cli-app', 'google', '--disable');
    assert.equal(JSON.parse(off.stdout).enabled, false);
    const res = await fetch(`${s.url}/api/proxy/google?callback_url=${encodeURIComponent(`${CB}/cli`)}&app_id=cli-app`, { redirect: 'manual' });
    assert.equal(res.status, 403);
    assert.equal((await s.cli('oauth', 'remove', 'cli-app', 'google')).code, 0);
    assert.equal((await s.cli('oauth', 'show', 'cli-app', 'google')).code, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('JWKS: Cache-Control max-age is honoured, and the last good keys survive a failed fetch (dev clock)', async () => {
  const d = await startServer({ ...ENV, AUTHGATE_DEV: 'true' });
  const f = await startFakeProvider({ clientId: 'cache-client' });
  try {
    f.jwksCacheControl = 'public, max-age=600';
    await d.project('cache-app', { callbacks: [CB] });
    const a = await d.adminToken();
    const r = await d.req('PUT', '/admin/api/projects/cache-app/oauth/google', { headers: { Authorization: `Bearer ${a}` }, body: fakeSettings(f) });
    assert.equal(r.status, 200);
    const flow = () => signInFlow(d, 'google', { callbackUrl: CB, appId: 'cache-app' });
    assert.ok((await flow()).token);
    assert.equal(f.hits.jwks, 1);
    await shiftClock(d, 240 * 1000); // within max-age: the cached keys serve
    assert.ok((await flow()).token);
    assert.equal(f.hits.jwks, 1);
    // past max-age the keys are fetched again; with the JWKS endpoint down, the last good
    // keys keep verifying
    f.jwksDown = true;
    await shiftClock(d, 660 * 1000);
    f.clockOffsetS = 660;
    const out = await flow();
    assert.equal(f.hits.jwks, 2, 'expired keys were refetched');
    assert.ok(out.token, `the last good keys still verify after the failed fetch: ${JSON.stringify(out)}`);
  } finally {
    await d.cleanup();
    await f.close();
  }
});

test('Discord-shaped provider: /users/@me gives the subject, the verified flag and the avatar as picture', async () => {
  const d = await startFakeProvider({ clientId: 'discord-client' });
  try {
    await s.project('discord-app', { callbacks: [`${CB}/discord`] });
    await configure('discord-app', 'discord', { client_id: d.clientId, client_secret: d.clientSecret, enabled: true,
      authorization_endpoint: `${d.issuer}/authorize`, token_endpoint: `${d.issuer}/token`, userinfo_endpoint: `${d.issuer}/api/users/@me` });
    const out = await signInFlow(s, 'discord', { callbackUrl: `${CB}/discord`, appId: 'discord-app' });
    assert.ok(out.token, JSON.stringify(out));
    const claims = await verifyJwt(out.token, await signingSecret(s, 'discord-app'));
    assert.equal(claims.provider, 'discord');
    assert.equal(claims.email, 'nelly@example.com');
    assert.equal(claims.email_verified, true);
    assert.equal(claims.name, 'Nelly');
    assert.equal(claims.picture, 'https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png');
    assert.equal(d.authorizeParams.at(-1).nonce, undefined); // plain OAuth 2.0: no nonce
    assert.equal(d.authorizeParams.at(-1).code_challenge_method, 'S256');
    // an unverified Discord address stays unverified
    d.discord = { ...d.discord, id: '80351110224678913', email: 'nelly2@example.com', verified: false };
    const out2 = await signInFlow(s, 'discord', { callbackUrl: `${CB}/discord`, appId: 'discord-app' });
    assert.equal((await verifyJwt(out2.token, await signingSecret(s, 'discord-app'))).email_verified, false);
  } finally {
    await d.close();
  }
});
