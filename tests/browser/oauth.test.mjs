// OAuth / OpenID Connect sign-in as a person does it, in real Chromium: start on an
// app's page, sign in and consent at a real OpenID provider (`oidc-provider`, standing
// in for Google and for a self-hosted provider), land on the app's callback with a
// token that /api/v1/token/verify accepts, with the provider's picture. Also: the
// provider rotating its signing key between two sign-ins, seed 001's getOAuthUrl (POST
// → {url}), Apple's form_post answer with an ES256 client-secret JWT, and a callback URL
// carried into another browser (login CSRF) refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../lib/server.mjs';
import { startOidcProvider, approveInBrowser, account } from '../lib/oidc.mjs';
import { startFakeProvider, signInFlow } from '../lib/oauth_fake.mjs';
import { client, signingSecret, verifyJwt, RELAXED } from '../lib/email.mjs';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

let s, appServer, cb, appOrigin, admin, key, browser, profile;

before(async () => {
  // The app: a start page with sign-in links and the callback page.
  appServer = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    res.writeHead(200, { 'Content-Type': 'text/html' });
    if (u.pathname === '/') {
      res.end(`<!doctype html><title>app</title>${(u.searchParams.get('links') || '').split(',').map((l, i) =>
        `<a id="l${i}" href="${l}">sign in ${i}</a>`).join(' ')}`);
    } else {
      res.end('<!doctype html><title>app</title><p id="ok">back at the app</p>');
    }
  });
  await new Promise((r) => appServer.listen(0, '127.0.0.1', r));
  appOrigin = `http://127.0.0.1:${appServer.address().port}`;
  cb = `${appOrigin}/auth/callback`;
  s = await startServer({ ...RELAXED, AUTHGATE_ALLOW_PRIVATE_NETWORK: 'true' });
  key = (await s.project('web', { name: 'Web', callbacks: [cb] })).key;
  admin = await s.adminToken();
  profile = mkdtempSync(path.join(tmpdir(), 'ag-chromium-'));
  browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
});

after(async () => {
  if (browser) await browser.close();
  rmSync(profile, { recursive: true, force: true });
  await s.cleanup();
  appServer.close();
});

async function configure(provider, settings) {
  const r = await s.req('PUT', `/admin/api/projects/web/oauth/${provider}`, { headers: { Authorization: `Bearer ${admin}` }, body: settings });
  assert.equal(r.status, 200, r.text);
}

async function newPage() {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  return { page, problems };
}

// From the app's page, follow a sign-in link through the provider back to the app.
async function signInFromApp(page, link, login) {
  await page.goto(`${appOrigin}/?links=${encodeURIComponent(link)}`);
  await page.click('#l0');
  if (login) await approveInBrowser(page, login);
  await page.waitForURL((u) => u.toString().startsWith(cb), { timeout: 20000 });
  assert.equal(await page.locator('#ok').textContent(), 'back at the app');
  return new URL(page.url());
}

async function verify(token) {
  return client(s, key)('POST', '/api/v1/token/verify', { token });
}

test('Google via a real OpenID provider in Chromium: consent, land signed in, picture; then a key rotation', async () => {
  const redirect = `${s.url}/api/proxy/google/callback`;
  const clientConf = { client_id: 'authgate-web', client_secret: 'a-long-enough-client-secret-for-tests', redirect_uris: [redirect] };
  let op = await startOidcProvider({ clients: [clientConf] });
  const { page, problems } = await newPage();
  try {
    await configure('google', { client_id: clientConf.client_id, client_secret: clientConf.client_secret, issuer: op.issuer, enabled: true });
    const link = `${s.url}/api/proxy/google?callback_url=${encodeURIComponent(cb)}&locale=it`;
    const landed = await signInFromApp(page, link, 'alice');
    const token = landed.searchParams.get('token');
    assert.ok(token, landed.toString());
    const v = await verify(token);
    assert.equal(v.status, 200);
    assert.equal(v.body.user.provider, 'google');
    assert.equal(v.body.user.email, 'alice@example.com');
    assert.equal(v.body.user.picture, account('alice').picture);
    const claims = await verifyJwt(token, await signingSecret(s, 'web'));
    assert.equal(claims.email_verified, true);
    assert.equal(op.stats.jwks, 1);

    // The provider restarts with a new signing key (same issuer): the unknown kid makes
    // AuthGate refetch the JWKS once, and the sign-in works.
    const port = op.port;
    await op.close();
    op = await startOidcProvider({ clients: [clientConf], port });
    const again = await signInFromApp(page, link, 'alice');
    const v2 = await verify(again.searchParams.get('token'));
    assert.equal(v2.status, 200);
    assert.equal(v2.body.user.id, v.body.user.id);
    assert.equal(op.stats.jwks, 1);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await op.close();
  }
});

test('generic OIDC provider through seed 001\'s getOAuthUrl: POST → {url}, opened in the browser', async () => {
  const clientConf = { client_id: 'authgate-generic', client_secret: 'another-long-client-secret-for-tests', redirect_uris: [`${s.url}/api/proxy/oidc/callback`] };
  const op = await startOidcProvider({ clients: [clientConf] });
  const { page } = await newPage();
  try {
    await configure('oidc', { client_id: clientConf.client_id, client_secret: clientConf.client_secret, issuer: op.issuer, enabled: true });
    const r = await client(s, key)('POST', '/api/proxy/oidc', { callback_url: cb, locale: 'fr' });
    assert.equal(r.status, 200);
    const landed = await signInFromApp(page, r.body.url, 'bob');
    const v = await verify(landed.searchParams.get('token'));
    assert.equal(v.status, 200);
    assert.equal(v.body.user.provider, 'oidc');
    assert.equal(v.body.user.email, 'bob@example.com');
    assert.equal(v.body.user.name, 'Bob Example');
    // the ticket was used: opening it again shows AuthGate's page, not the provider
    const again = await page.goto(r.body.url);
    assert.equal(again.status(), 410);
  } finally {
    await page.close();
    await op.close();
  }
});

test('Apple-shaped provider: response_mode=form_post (a cross-site POST) and an ES256 client-secret JWT', async () => {
  const fake = await startFakeProvider({ clientId: 'com.example.web', apple: true });
  const { page } = await newPage();
  try {
    fake.account = { sub: '001234.abcdef', email: 'ann@privaterelay.example', email_verified: 'true', name: undefined, picture: undefined };
    await configure('apple', { client_id: fake.clientId, private_key: fake.apple.pem, team_id: fake.apple.teamId,
      key_id: fake.apple.keyId, issuer: fake.issuer, enabled: true });
    const landed = await signInFromApp(page, `${s.url}/api/proxy/apple?callback_url=${encodeURIComponent(cb)}`, null);
    const token = landed.searchParams.get('token');
    assert.ok(token, landed.toString());
    assert.equal(fake.authorizeParams.at(-1).response_mode, 'form_post');
    assert.equal(fake.appleSecretProblem, null);
    const claims = await verifyJwt(token, await signingSecret(s, 'web'));
    assert.equal(claims.provider, 'apple');
    assert.equal(claims.email, 'ann@privaterelay.example');
    assert.equal(claims.email_verified, true); // Apple's "true" string
    assert.equal(claims.name, 'Ann Apple'); // from the form's "user" field, first sign-in only
  } finally {
    await page.close();
    await fake.close();
  }
});

test('login CSRF: a callback URL from someone else\'s flow, opened in this browser, is refused', async () => {
  const fake = await startFakeProvider({ clientId: 'csrf-client' });
  const { page } = await newPage();
  try {
    await configure('gitlab', { client_id: fake.clientId, client_secret: fake.clientSecret, issuer: fake.issuer, enabled: true });
    // the attacker runs a flow with their own cookie jar and keeps the callback URL
    const attacker = await signInFlow(s, 'gitlab', { callbackUrl: cb, tamper: (u) => { stolen = u; return `${s.url}/healthz`; } });
    assert.ok(attacker.cookie);
    await page.goto(stolen);
    await page.waitForURL((u) => u.toString().startsWith(cb));
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('error'), 'invalid_state');
    assert.equal(landed.searchParams.get('token'), null);
  } finally {
    await page.close();
    await fake.close();
  }
});
let stolen;
