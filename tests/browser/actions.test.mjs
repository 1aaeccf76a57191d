// The official @authsignal/browser package in real Chromium against AuthGate, only
// baseUrl changed, with @authsignal/node on the app's backend side (only apiUrl
// changed): passkey.signUp and passkey.signIn({token}) with a virtual authenticator
// (DevTools WebAuthn domain), usernameless signIn({action}), TOTP through the SDK, and
// launch(url) through AuthGate's hosted page in redirect and popup modes, each ending
// in validateChallenge answering CHALLENGE_SUCCEEDED.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { startServer } from '../lib/server.mjs';
import { RELAXED } from '../lib/email.mjs';
import { oathtool, midStep } from '../lib/factors.mjs';
import { browserWithAuthenticator, freePort } from '../lib/passkey_app.mjs';
import { serverSdk } from '../lib/actions.mjs';
import { mailbox, Device } from '../lib/push.mjs';

const require = createRequire(import.meta.url);
const SDK = readFileSync(path.join(path.dirname(require.resolve('@authsignal/browser/package.json')), 'dist/index.js'));

// The app: a page that loads the browser SDK as a module, and the redirect target.
async function startApp(agUrl, tenantId) {
  const page = `<!doctype html><meta charset="utf-8"><title>app</title><body><h1>shop</h1>
<script type="module">
import { Authsignal } from '/sdk.js';
window.authsignal = new Authsignal({ tenantId: ${JSON.stringify(tenantId)}, baseUrl: ${JSON.stringify(agUrl + '/v1')} });
window.sdkReady = true;
</script>`;
  const server = http.createServer((req, res) => {
    if (req.url === '/sdk.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      return res.end(SDK);
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(req.url.startsWith('/callback') ? '<!doctype html><title>cb</title><p id="ok">back</p>' : page);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://localhost:${server.address().port}`;
  return { origin, close: () => new Promise((r) => server.close(r)) };
}

describe('@authsignal/browser in Chromium against AuthGate', () => {
  let s, app, b, as, agPort, mb, uid = 0;
  const userId = () => `buyer-${process.pid}-${++uid}`;
  before(async () => {
    agPort = await freePort();
    mb = await mailbox(); // the device app's enrollment mail
    // AuthGate's public URL is under the RP ID (localhost): its hosted page runs ceremonies
    s = await startServer({ ...RELAXED, ...mb.env, AUTHGATE_DEV: 'true', AUTHGATE_PORT: String(agPort), AUTHGATE_PUBLIC_URL: `http://localhost:${agPort}` });
    app = await startApp(`http://localhost:${agPort}`, 'shop');
    const { key } = await s.project('shop', { name: 'Shop', origins: [app.origin], callbacks: [`${app.origin}/callback`] });
    as = serverSdk(s, key);
    b = await browserWithAuthenticator();
    await midStep(s); // the server's clock moves once, far: tokens issued after it stay live
    await home();
  });
  after(async () => {
    await b?.ctx.close();
    if (b) rmSync(b.profile, { recursive: true, force: true });
    await app?.close();
    await s.cleanup();
    await mb?.close();
  });

  async function home() {
    await b.page.goto(app.origin + '/');
    await b.page.waitForFunction(() => window.sdkReady);
  }
  const sdk = (fn, arg) => b.page.evaluate(fn, arg);
  const clearPasskeys = () => b.cdp.send('WebAuthn.clearCredentials', { authenticatorId: b.authenticatorId });

  // A user with a passkey registered through passkey.signUp.
  async function withPasskey(id) {
    const t = await as.track({ userId: id, action: 'signUp' });
    const r = await sdk((token) => window.authsignal.passkey.signUp({ token, username: 'jane@example.com', displayName: 'Jane' }), t.token);
    assert.ok(r.data?.token, JSON.stringify(r));
    return r;
  }

  test('passkey.signUp({token}) then validateChallenge: CHALLENGE_SUCCEEDED by PASSKEY', async () => {
    await clearPasskeys();
    const id = userId();
    const r = await withPasskey(id);
    assert.equal(r.data.userAuthenticator.verificationMethod, 'PASSKEY');
    assert.equal(r.data.registrationResponse.type, 'public-key');
    const v = await as.validateChallenge({ token: r.data.token, userId: id, action: 'signUp' });
    assert.equal(v.isValid, true);
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(v.verificationMethod, 'PASSKEY');
    const creds = (await b.cdp.send('WebAuthn.getCredentials', { authenticatorId: b.authenticatorId })).credentials;
    assert.equal(creds.length, 1);
    assert.ok(creds[0].isResidentCredential && creds[0].rpId === 'localhost');
    const u = await as.getUser({ userId: id });
    assert.deepEqual(u.enrolledVerificationMethods, ['PASSKEY']);
  });

  test('passkey.signIn({token}) for an enrolled user: CHALLENGE_REQUIRED -> CHALLENGE_SUCCEEDED', async () => {
    await clearPasskeys();
    const id = userId();
    await withPasskey(id);
    const t = await as.track({ userId: id, action: 'signIn' });
    assert.equal(t.state, 'CHALLENGE_REQUIRED');
    assert.deepEqual(t.enrolledVerificationMethods, ['PASSKEY']);
    const r = await sdk((token) => window.authsignal.passkey.signIn({ token }), t.token);
    assert.equal(r.data?.isVerified, true, JSON.stringify(r));
    assert.equal(r.data.userId, id);
    const v = await as.validateChallenge({ token: r.data.token, userId: id, action: 'signIn' });
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(v.isValid, true);
  });

  test('usernameless passkey.signIn({action}): the passkey names the user', async () => {
    await clearPasskeys();
    const id = userId();
    await withPasskey(id);
    const r = await sdk(() => window.authsignal.passkey.signIn({ action: 'signInWithPasskey' }));
    assert.equal(r.data?.isVerified, true, JSON.stringify(r));
    assert.equal(r.data.userId, id);
    const v = await as.validateChallenge({ token: r.data.token, action: 'signInWithPasskey' });
    assert.equal(v.userId, id);
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(v.verificationMethod, 'PASSKEY');
    const available = await sdk((u) => window.authsignal.passkey.isAvailableOnDevice({ userId: u }), id);
    assert.equal(available, true, 'GET /client/user-authenticators/passkey finds the stored credential');

    // An administrator disables the user: the passkey still names them, the action it
    // makes is blocked by the built-in rule, and no token comes back.
    const h = { Authorization: `Bearer ${await s.adminToken()}` };
    const users = '/admin/api/projects/shop/users';
    const agId = (await s.req('GET', `${users}?q=${encodeURIComponent(id)}`, { headers: h })).body.users[0].id;
    assert.equal((await s.req('PATCH', `${users}/${agId}`, { body: { disabled: true }, headers: h })).status, 200);
    const blocked = await sdk(() => window.authsignal.passkey.signIn({ action: 'signInWithPasskey' }));
    assert.equal(blocked.data?.isVerified, false, JSON.stringify(blocked));
    assert.equal(blocked.data.token, undefined);
    const [last] = await as.queryUserActions({ userId: id, actionCodes: ['signInWithPasskey'] });
    assert.equal(last.state, 'BLOCK');
  });

  test('TOTP through the SDK: enroll, a wrong code is isVerified false, the right one validates', async () => {
    const id = userId();
    const t = await as.track({ userId: id, action: 'signIn' });
    await sdk((token) => window.authsignal.setToken(token), t.token);
    const en = await sdk(() => window.authsignal.totp.enroll());
    assert.ok(en.data?.secret && en.data.uri.startsWith('otpauth://'), JSON.stringify(en));
    const now = await midStep(s);
    const right = oathtool(en.data.secret, now);
    const wrong = await sdk((code) => window.authsignal.totp.verify({ code }), right === '000000' ? '111111' : '000000');
    assert.equal(wrong.data?.isVerified, false, JSON.stringify(wrong));
    const ok = await sdk((code) => window.authsignal.totp.verify({ code }), right);
    assert.equal(ok.data?.isVerified, true, JSON.stringify(ok));
    const v = await as.validateChallenge({ token: ok.data.token, userId: id });
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(v.verificationMethod, 'AUTHENTICATOR_APP');
  });

  test('launch(url) in redirect mode: the hosted page, a passkey, back to redirectUrl?token= -> validate', async () => {
    await clearPasskeys();
    const id = userId();
    await withPasskey(id);
    const t = await as.track({ userId: id, action: 'signIn', attributes: { redirectUrl: `${app.origin}/callback` } });
    assert.equal(t.state, 'CHALLENGE_REQUIRED');
    await Promise.all([b.page.waitForURL(/\/challenge\?token=/), sdk((url) => window.authsignal.launch(url), t.url)]);
    assert.equal(await b.page.locator('h1').first().textContent(), 'Verify it\'s you');
    await Promise.all([b.page.waitForURL(/\/callback\?token=/, { timeout: 20000 }), b.page.locator('#passkey').click()]);
    const token = new URL(b.page.url()).searchParams.get('token');
    const v = await as.validateChallenge({ token, userId: id, action: 'signIn' });
    assert.equal(v.isValid, true);
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(v.verificationMethod, 'PASSKEY');
    await home();
  });

  test('launch(url) in redirect mode enrolls a first authenticator (TOTP) on the hosted page', async () => {
    const id = userId();
    const t = await as.track({ userId: id, action: 'signIn', attributes: { redirectUrl: `${app.origin}/callback` } });
    assert.equal(t.isEnrolled, false);
    await Promise.all([b.page.waitForURL(/\/challenge\?token=/), sdk((url) => window.authsignal.launch(url), t.url)]);
    await b.page.locator('button[data-method="AUTHENTICATOR_APP"]').click();
    const secret = (await b.page.locator('#secret').textContent()).trim();
    assert.ok(await b.page.locator('#qr').isVisible(), 'the QR code is shown');
    const now = await midStep(s);
    await b.page.locator('#code').fill(oathtool(secret, now));
    await Promise.all([b.page.waitForURL(/\/callback\?token=/, { timeout: 20000 }), b.page.locator('#verify').click()]);
    const v = await as.validateChallenge({ token: new URL(b.page.url()).searchParams.get('token'), userId: id });
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(v.verificationMethod, 'AUTHENTICATOR_APP');
    await home();
  });

  test('launch(url, {mode: "popup"}): the page in the SDK iframe answers AUTHSIGNAL_CLOSE_POPUP with the token', async () => {
    const id = userId();
    const first = await as.track({ userId: id, action: 'signIn' });
    await sdk((token) => window.authsignal.setToken(token), first.token);
    const en = await sdk(() => window.authsignal.totp.enroll());
    const now = await midStep(s);
    assert.equal((await sdk((code) => window.authsignal.totp.verify({ code }), oathtool(en.data.secret, now))).data.isVerified, true);
    const t = await as.track({ userId: id, action: 'transfer' });
    assert.equal(t.state, 'CHALLENGE_REQUIRED');
    const done = sdk((url) => window.authsignal.launch(url, { mode: 'popup' }).then((r) => (window.__popup = r)), t.url);
    const frame = b.page.frameLocator('#__authsignal-popup-iframe');
    const later = await midStep(s);
    await frame.locator('#code').fill(oathtool(en.data.secret, later));
    await frame.locator('#verify').click();
    await done;
    const { token } = await b.page.evaluate(() => window.__popup);
    assert.ok(token, 'the SDK resolved with the token');
    assert.equal(await b.page.locator('#__authsignal-popup-iframe').count(), 0, 'the popup closed');
    const v = await as.validateChallenge({ token, userId: id, action: 'transfer' });
    assert.equal(v.isValid, true);
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
  });

  test('launch(url): a push to the device app, the number shown on the hosted page typed into the phone', async () => {
    const id = userId();
    const email = `buyer.${process.pid}.${uid}@example.com`;
    const phone = await Device.create();
    await phone.enroll(s, mb, email);
    await as.updateUser({ userId: id, attributes: { email, emailVerified: true } });
    const t = await as.track({ userId: id, action: 'signIn', attributes: { redirectUrl: `${app.origin}/callback` } });
    assert.deepEqual([t.state, t.defaultVerificationMethod], ['CHALLENGE_REQUIRED', 'PUSH']);
    await Promise.all([b.page.waitForURL(/\/challenge\?token=/), sdk((url) => window.authsignal.launch(url), t.url)]);
    const code = (await b.page.locator('#push-code').textContent()).trim();
    assert.match(code, /^\d{6}$/);
    const req = await phone.request(s, { appId: 'shop' });
    const back = b.page.waitForURL(/\/callback\?token=/, { timeout: 20000 });
    const serverNow = await midStep(s); // the device signs with the server's clock (moved by the tests)
    const d = await phone.decide(s, req.request_id, 'approve', code, { ts: serverNow * 1000 });
    assert.equal(d.status, 200, d.text);
    await back.catch(async (e) => { throw new Error(`${e.message}; the page says: ${await b.page.locator('#app').textContent()}`); });
    const v = await as.validateChallenge({ token: new URL(b.page.url()).searchParams.get('token'), userId: id });
    assert.deepEqual([v.isValid, v.verificationMethod], [true, 'PUSH']);
    await home();
  });
});
