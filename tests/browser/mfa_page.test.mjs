// AuthGate's hosted page for the MFA step (/mfa?mfa_token=…) in real Chromium: a magic
// link whose user has a second factor lands on the app's callback with an mfa_token; the
// browser is sent to the page, answers with a TOTP code from oathtool or with a passkey
// (virtual authenticator), and comes back to the callback with a session token. Under
// the `required` policy a user without a factor enrolls one on the same page (TOTP from
// the QR code's key, or a passkey), is shown recovery codes, and comes back the same way.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer } from '../lib/server.mjs';
import { startMailbox, linkOf, codeOf } from '../lib/mailbox.mjs';
import { client, signingSecret, verifyJwt, patchProject, RELAXED } from '../lib/email.mjs';
import { oathtool, signUp, enrollTotp, userApi } from '../lib/factors.mjs';
import { startRp, browserWithAuthenticator, freePort } from '../lib/passkey_app.mjs';

describe('the hosted MFA step page', () => {
  let s, mb, rp, b, key, api, secret, agPort, cb, reqApi, reqKey;
  before(async () => {
    mb = await startMailbox();
    agPort = await freePort();
    s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_PORT: String(agPort), AUTHGATE_PUBLIC_URL: `http://localhost:${agPort}` });
    rp = await startRp(s.url);
    cb = `${rp.origin}/auth/callback`;
    ({ key } = await s.project('pk-app', { origins: [rp.origin], callbacks: [cb] }));
    api = client(s, key);
    secret = await signingSecret(s, 'pk-app');
    await patchProject(s, 'pk-app', { mfa: 'optional' });
    ({ key: reqKey } = await s.project('req-app', { origins: [rp.origin], callbacks: [cb] }));
    reqApi = client(s, reqKey);
    await patchProject(s, 'req-app', { mfa: 'required' });
    b = await browserWithAuthenticator();
    await b.page.goto(rp.origin + '/');
  });
  after(async () => {
    await b?.ctx.close();
    if (b) rmSync(b.profile, { recursive: true, force: true });
    await rp?.close();
    await s.cleanup();
    await mb.close();
  });

  // A magic link for email, followed by the browser: the callback URL it lands on.
  async function magicLanding(email, via = api) {
    assert.equal((await via('POST', '/api/proxy/email/magic-link/send', { email, callback_url: cb })).status, 200);
    const link = linkOf(await mb.next(email));
    await b.page.goto(link);
    await Promise.all([b.page.waitForURL(/\/auth\/callback\?/), b.page.locator('button[type=submit]').click()]);
    return new URL(b.page.url());
  }

  test('a TOTP code on the page completes a magic-link sign-in', async () => {
    const now = Date.now() / 1000;
    const { token, email } = await signUp(s, key);
    await mb.next(email);
    const { secret: totp } = await enrollTotp(s, token, now);
    const landed = await magicLanding(email);
    assert.equal(landed.searchParams.get('token'), null);
    const mfaToken = landed.searchParams.get('mfa_token');
    assert.match(mfaToken, /^mfa_/);
    await b.page.goto(`http://localhost:${agPort}/mfa?mfa_token=${mfaToken}`);
    assert.equal(await b.page.locator('#app').textContent(), 'Test App');
    await b.page.locator('#code').fill(oathtool(totp, now + 30)); // the enrollment used this step
    await Promise.all([b.page.waitForURL(/\/auth\/callback\?token=/), b.page.locator('#verify').click()]);
    const claims = await verifyJwt(new URL(b.page.url()).searchParams.get('token'), secret);
    assert.deepEqual(claims.amr, ['email', 'otp', 'mfa']);
    assert.equal(claims.provider, 'magic-link');
    // spent: the page says so
    await b.page.goto(`http://localhost:${agPort}/mfa?mfa_token=${mfaToken}`);
    await b.page.getByText(/cannot continue/).waitFor();
  });

  test('a passkey on the page completes it too', async () => {
    const { token, email } = await signUp(s, key);
    await mb.next(email);
    await b.page.goto(rp.origin + '/');
    assert.equal((await b.page.evaluate((t) => window.register(t), token)).status, 200);
    const landed = await magicLanding(email);
    await b.page.goto(`http://localhost:${agPort}/mfa?mfa_token=${landed.searchParams.get('mfa_token')}`);
    const button = b.page.locator('button[data-method=passkey]');
    await Promise.all([b.page.waitForURL(/\/auth\/callback\?token=/), button.click()]);
    const claims = await verifyJwt(new URL(b.page.url()).searchParams.get('token'), secret);
    assert.deepEqual(claims.amr, ['email', 'hwk', 'user', 'mfa']);
  });

  // A user of the required-policy project without a factor: the magic link lands with
  // an enrollment mfa_token; the page is opened with it.
  async function enrollLanding({ offers = true } = {}) {
    const { email } = await signUp(s, reqKey); // answers mfa_required + enroll_required (no token)
    await mb.next(email);
    const landed = await magicLanding(email, reqApi);
    assert.equal(landed.searchParams.get('token'), null);
    assert.equal(landed.searchParams.get('enroll_required'), 'true');
    const mfaToken = landed.searchParams.get('mfa_token');
    await b.page.goto(`http://localhost:${agPort}/mfa?mfa_token=${mfaToken}`);
    if (offers) await b.page.locator('button[data-enroll]').first().waitFor();
    return { email, mfaToken };
  }

  // The recovery codes the page shows, then "continue" to the callback: its token's claims.
  async function savedCodesThenBack() {
    await b.page.locator('#recovery-codes li').first().waitFor();
    const codes = await b.page.locator('#recovery-codes li').allTextContents();
    assert.equal(codes.length, 10);
    for (const c of codes) assert.match(c, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
    await Promise.all([b.page.waitForURL(/\/auth\/callback\?token=/), b.page.locator('#continue').click()]);
    const token = new URL(b.page.url()).searchParams.get('token');
    return { codes, token, claims: await verifyJwt(token, await signingSecret(s, 'req-app')) };
  }

  test('required policy: a user without a factor enrolls TOTP on the page (QR code, oathtool) and is signed in', async () => {
    const { email, mfaToken } = await enrollLanding();
    const offered = await b.page.locator('button[data-enroll]').evaluateAll((bs) => bs.map((x) => x.dataset.enroll));
    assert.deepEqual(offered, ['passkey', 'totp', 'email']); // sms is off by default
    await b.page.locator('button[data-enroll=totp]').click();
    // the QR code is the server's SVG, and it holds the same key the page prints
    const src = await b.page.locator('#qr').getAttribute('src');
    const svg = Buffer.from(src.replace(/^data:image\/svg\+xml;base64,/, ''), 'base64').toString();
    assert.match(svg, /^<\?xml|^<svg/);
    assert.ok(await b.page.locator('#qr').evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR image renders');
    const key = (await b.page.locator('#secret').textContent()).trim();
    assert.match(key, /^[A-Z2-7]{32}$/);
    const uri = await b.page.locator('#otpauth').getAttribute('href');
    assert.equal(new URL(uri).searchParams.get('secret'), key);
    // a wrong code first: refused, the page stays
    await b.page.locator('#code').fill('000000' === oathtool(key, Date.now() / 1000) ? '111111' : '000000');
    await b.page.locator('#verify').click();
    await b.page.waitForFunction(() => document.getElementById('status').textContent !== '');
    assert.match(await b.page.locator('#status').textContent(), /code/i);
    assert.equal(await b.page.locator('#recovery-codes').count(), 0);
    await b.page.locator('#code').fill(oathtool(key, Date.now() / 1000));
    await b.page.locator('#verify').click();
    const { codes, claims } = await savedCodesThenBack();
    assert.deepEqual(claims.amr, ['email', 'otp', 'mfa']);
    assert.deepEqual(claims.mfa, { enrolled: true, methods: ['totp'] });
    // the mfa_token is spent
    const again = await s.req('GET', '/api/mfa/step', { headers: { Authorization: `Bearer ${mfaToken}` } });
    assert.equal(again.status, 401);
    // the next sign-in asks for the factor, and a recovery code the page showed works
    const landed = await magicLanding(email, reqApi);
    assert.equal(landed.searchParams.get('enroll_required'), null);
    assert.equal(landed.searchParams.get('mfa_methods'), 'totp,recovery');
    const v = await reqApi('POST', '/api/proxy/mfa/verify', { mfa_token: landed.searchParams.get('mfa_token'), method: 'recovery', code: codes[3] });
    assert.equal(v.status, 200, v.text);
    assert.deepEqual((await verifyJwt(v.body.token, await signingSecret(s, 'req-app'))).amr, ['email', 'rec', 'mfa']);
  });

  test('required policy: a user without a factor creates a passkey on the page (virtual authenticator)', async () => {
    await enrollLanding();
    await b.page.locator('button[data-enroll=passkey]').click();
    const { claims, token } = await savedCodesThenBack();
    assert.deepEqual(claims.amr, ['email', 'hwk', 'mfa']);
    assert.deepEqual(claims.mfa, { enrolled: true, methods: ['passkey'] });
    const list = await userApi(s, token)('GET', '/api/mfa/factors');
    assert.equal(list.body.factors.length, 1);
    assert.equal(list.body.factors[0].type, 'passkey');
    assert.equal(list.body.recovery_codes_left, 10);
  });

  test('required policy: an email code enrolls too, and a project that allows nothing here says so', async () => {
    const { email } = await enrollLanding();
    await b.page.locator('button[data-enroll=email]').click();
    await b.page.getByText('A code is on its way by email.').waitFor();
    await b.page.locator('#code').fill(codeOf(await mb.next(email)));
    await b.page.locator('#verify').click();
    const { claims } = await savedCodesThenBack();
    assert.deepEqual(claims.amr, ['email', 'email', 'mfa']);
    // every factor switched off: nothing to enroll, the page says so instead of a dead end
    await patchProject(s, 'req-app', { providers: { totp: false, passkey: false, 'email-code': false } });
    try {
      await enrollLanding({ offers: false });
      await b.page.getByText(/none can be set up on this page/).waitFor();
    } finally {
      await patchProject(s, 'req-app', { providers: { totp: true, passkey: true, 'email-code': true } });
    }
  });
});
