// Seed 004's provider registry, connections, provider keys, valid-token, plans and the
// access check, and the MFA step of its sign-ins, through the SDK (packed) against the
// real binary and a real OpenID provider (`oidc-provider`, standing in for Google: PKCE,
// refresh tokens, RFC 7009 revocation). Every request the SDK sends and every answer it
// gets is checked against the server's /openapi.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from '../../../tests/lib/server.mjs';
import { startOidcProvider } from '../../../tests/lib/oidc.mjs';
import { Agent, confirmForm, submitConfirm } from '../../../tests/lib/oidc_agent.mjs';
import { devProject, mailedCode, bearer } from '../../../tests/lib/users.mjs';
import { oathtool, midStep } from '../../../tests/lib/factors.mjs';
import { shiftClock, uniqueEmail } from '../../../tests/lib/email.mjs';
import { load, contractOf } from './lib.mjs';

const APP = 'my-app'; // the dev project; the SDK addresses it at /p/my-app
const client = { client_id: 'sdk-app', client_secret: 'sdk-secret-0123456789abcdef' };
let s, op, dev, sdk, f, ag, appServer, appCb;

async function admin(method, path, body) {
  const r = await s.req(method, path, { headers: bearer(dev.admin), body });
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  return r.body;
}

before(async () => {
  sdk = await load('sdk');
  appServer = http.createServer((req, res) => { res.writeHead(200); res.end('app'); });
  await new Promise((r) => appServer.listen(0, '127.0.0.1', r));
  appCb = `http://127.0.0.1:${appServer.address().port}/connected`;
  s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_AUTH_RATE_PERCENT: '1000' });
  dev = devProject(s);
  op = await startOidcProvider({
    clients: [{ ...client, redirect_uris: [`${s.url}/p/${APP}/auth/callback/google`, appCb] }],
    rotateRefreshToken: true,
    revocation: true,
    accessTokenTtl: () => 3600,
  });
  await admin('PUT', `/admin/api/projects/${APP}/oauth/google`, { ...client, issuer: op.issuer, enabled: true });
  await admin('PATCH', `/admin/api/projects/${APP}`, { callback_urls: [appCb] });
  f = (await contractOf(s)).fetch();
  ag = new sdk.AuthGate({ baseUrl: s.url, apiKey: dev.key, appId: APP, fetch: f });
});

after(async () => {
  const failures = f?.failures.map(String) ?? [];
  await op?.close();
  await s?.cleanup();
  appServer?.close();
  assert.deepEqual(failures, [], 'every request and answer matches /openapi.json');
});

async function signIn(email) {
  await ag.users.requestMagicLink(email);
  const r = await ag.users.verifyMagicLink(email, await mailedCode(s, email));
  assert.equal(r.success, true);
  return r;
}

test('the registry: users read it; the project key creates, changes and deletes custom providers', async () => {
  const { token } = await signIn(uniqueEmail('registry'));
  const me = ag.users.as({ token });
  const list = await me.providers();
  const google = list.find((p) => p.id === 'google');
  assert.equal(google?.builtin, true);
  const made = await ag.users.providers.create({ id: 'openai', name: 'OpenAI', connectionType: 'api_key', categories: ['ai'] });
  assert.equal(made.id, 'openai');
  assert.equal((await ag.users.providers.update('openai', { name: 'OpenAI API' })).name, 'OpenAI API');
  assert.equal((await me.provider('openai')).name, 'OpenAI API');
  await ag.users.providers.delete('openai');
  await assert.rejects(me.provider('openai'), (e) => e instanceof sdk.NotFoundError && e.status === 404);
  // Built-ins stay; a browser-side client has no key to change anything with.
  await assert.rejects(ag.users.providers.delete('google'), (e) => e instanceof sdk.ForbiddenError && e.code === 'builtin_provider');
  const keyless = new sdk.AuthGate({ baseUrl: s.url, appId: APP, fetch: f });
  await assert.rejects(keyless.users.providers.create({ id: 'x', name: 'X', connectionType: 'api_key' }), (e) => e.code === 'api_key_required');
});

test('connections: connect (AuthGate\'s page, then the app\'s page with completeConnection), connected, validToken, validTokenFor, disconnect', async () => {
  const email = uniqueEmail('conn');
  const { token, user } = await signIn(email);
  const me = ag.users.as({ token });
  const { authUrl } = await me.connect('google');
  assert.equal(new URL(authUrl).searchParams.get('code_challenge_method'), 'S256');
  const agent = new Agent();
  const back = await agent.walk(authUrl, 'alice', `${s.url}/p/${APP}/auth/callback/google`);
  const ask = await agent.fetch(back);
  const page = await submitConfirm(agent, confirmForm(back, await ask.text())); // the page asks; Connect
  assert.equal(page.status, 200, await page.clone().text());
  const list = await me.connected();
  assert.equal(list.connectedApps.length, 1);
  assert.deepEqual([list.connectedApps[0].provider, list.connectedApps[0].email, list.connectedApps[0].status], ['google', 'alice@example.com', 'active']);
  const t1 = await me.validToken('google');
  assert.ok(t1.access_token.length > 10);
  const t2 = await ag.users.validTokenFor(user.id, 'google');
  assert.equal(t2.access_token, t1.access_token, 'the backend gets the same live token');
  assert.equal((await me.disconnect('google')).revokedAtProvider, true);
  assert.deepEqual((await me.connected()).connectedApps, []);
  await assert.rejects(me.validToken('google'), (e) => e.status === 404 && e.code === 'not_connected');

  // The app's own page receives code and state and finishes with the user's token.
  const again = await me.connect('google', { redirectUri: appCb });
  const landed = new URL(await new Agent().walk(again.authUrl, 'alice', appCb));
  const done = await me.completeConnection({ code: landed.searchParams.get('code'), state: landed.searchParams.get('state') });
  assert.deepEqual([done.success, done.provider, done.email], [true, 'google', 'alice@example.com']);
  // The state was single use.
  await assert.rejects(me.completeConnection({ code: landed.searchParams.get('code'), state: landed.searchParams.get('state') }), (e) => e.code === 'invalid_state');
  await me.disconnect('google');
});

test('provider keys: stored sealed, read back with the session token only, deleted; google-search-keys', async () => {
  const { token } = await signIn(uniqueEmail('keys'));
  const me = ag.users.as({ token });
  await ag.users.providers.create({ id: 'openai', name: 'OpenAI', connectionType: 'api_key' });
  try {
    await me.setProviderKey('openai', 'sk-test-0123456789');
    assert.equal(await me.providerKey('openai'), 'sk-test-0123456789');
    const { apiKey } = await me.generateApiKey({ name: 'cli' });
    await assert.rejects(ag.users.as({ apiKey }).providerKey('openai'), (e) => e instanceof sdk.ForbiddenError && e.code === 'session_required');
    await me.deleteProviderKey('openai');
    await assert.rejects(me.providerKey('openai'), (e) => e.status === 404);
  } finally {
    await ag.users.providers.delete('openai');
  }
  await assert.rejects(me.googleSearchKeys(), (e) => e.status === 404);
  await admin('PATCH', `/admin/api/projects/${APP}/users-config`, { google_search: { apiKey: 'AIza-sdk', searchEngineId: 'cx-sdk' } });
  assert.deepEqual(await me.googleSearchKeys(), { apiKey: 'AIza-sdk', searchEngineId: 'cx-sdk' });
});

test('plans and the access check: the seed\'s 403 bodies as answers, setPlan from the backend, a user API key, a bad token', async () => {
  await admin('PATCH', `/admin/api/projects/${APP}/users-config`, {
    plans: [{ name: 'free' }, { name: 'personal', features: ['export'] }, { name: 'business', features: ['advanced_analytics'] }, { name: 'enterprise', features: ['sso'] }],
    rules: [{ path: '/advanced-feature', plan: 'business' }, { path: '/premium-feature', feature: 'advanced_analytics', methods: ['POST'] }],
  });
  const { token, user } = await signIn(uniqueEmail('plan'));
  const no = await ag.users.checkAccess({ token, path: '/advanced-feature' });
  assert.deepEqual({ ...no, user: undefined }, { allowed: false, status: 403, error: 'Upgrade required', message: 'This feature requires business plan or higher',
    currentPlan: 'free', requiredPlan: 'business', user: undefined });
  const set = await ag.users.setPlan(user.id, { plan: 'business' });
  assert.equal(set.plan, 'business');
  assert.ok(set.features.includes('advanced_analytics'));
  const yes = await ag.users.checkAccess({ token, path: '/advanced-feature' });
  assert.deepEqual([yes.allowed, yes.status, yes.user?.plan], [true, 200, 'business']);
  const { apiKey } = await ag.users.as({ token }).generateApiKey();
  const byKey = await ag.users.checkAccess({ apiKey, path: '/premium-feature', method: 'POST' });
  assert.deepEqual([byKey.allowed, byKey.user?.auth_type], [true, 'api-key']);
  const feature = await ag.users.checkAccess({ token, feature: 'sso' });
  assert.deepEqual([feature.allowed, feature.error, feature.requiredFeature], [false, 'Feature not available', 'sso']);
  const bad = await ag.users.checkAccess({ token: token.slice(0, -2) + (token.endsWith('xx') ? 'yy' : 'xx'), path: '/advanced-feature' });
  assert.deepEqual([bad.allowed, bad.status], [false, 401]);
  await assert.rejects(ag.users.setPlan(user.id, { plan: 'platinum' }), (e) => e instanceof sdk.BadRequestError);
  await assert.rejects(ag.users.setPlan('user_nobody', { plan: 'free' }), (e) => e instanceof sdk.NotFoundError);
});

test('the MFA step of these sign-ins: enroll with the mfa_token when required, then users.mfaVerify', async () => {
  await admin('PATCH', `/admin/api/projects/${APP}`, { mfa: 'required' });
  try {
    const email = uniqueEmail('usermfa');
    const now = await midStep(s);
    const first = await signInStep(email);
    assert.equal(first.mfa_required, true);
    const en = await ag.factors(first.mfa_token).enrollTotp();
    const ok = await ag.factors(first.mfa_token).confirm(en.id, oathtool(en.secret, now));
    assert.ok(ok.token, 'enrolling ends in the 30-day token');

    const now2 = await midStep(s);
    const step = await signInStep(email, now2);
    assert.ok(step.methods.includes('totp'));
    await assert.rejects(ag.users.mfaVerify({ mfaToken: step.mfa_token, method: 'totp', code: '000000' }), (e) => e.status === 401 && e.code === 'invalid_code');
    const done = await ag.users.mfaVerify({ mfaToken: step.mfa_token, method: 'totp', code: oathtool(en.secret, now2) });
    assert.equal(done.user.email, email);
    assert.equal((await ag.users.as({ token: done.token }).status()).isAuthenticated, true);
    // mfaChallenge: a method the user does not have is refused with AuthGate's code.
    const step2 = await signInStep(email, (await midStep(s)));
    await assert.rejects(ag.users.mfaChallenge({ mfaToken: step2.mfa_token, method: 'sms' }), (e) => e instanceof sdk.AuthGateError && e.status >= 400 && e.status < 500);
  } finally {
    await admin('PATCH', `/admin/api/projects/${APP}`, { mfa: 'off' });
    await shiftClock(s, 0);
  }
});

// A magic-link sign-in that stops at the MFA step; `since`: server time (s) of the request.
async function signInStep(email, since = 0) {
  await ag.users.requestMagicLink(email);
  const code = await mailedCode(s, email, { after: since * 1000 - 1000 });
  const r = await ag.users.verifyMagicLink(email, code);
  assert.equal(r.mfa_required, true, JSON.stringify(r));
  assert.equal(r.token, undefined, 'no token before the second factor');
  return r;
}

test('signInUrl: the browser start URL of an OAuth sign-in at the per-project base', async () => {
  const u = new URL(ag.users.signInUrl('google', { callbackUrl: appCb, locale: 'it' }));
  assert.equal(u.pathname, `/p/${APP}/users/auth/google`);
  assert.equal(u.searchParams.get('callback_url'), appCb);
  const r = await fetch(u, { redirect: 'manual' });
  assert.equal(r.status, 302);
  assert.ok(r.headers.get('location').startsWith(op.issuer));
});
