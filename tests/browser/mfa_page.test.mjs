// AuthGate's hosted page for the MFA step (/mfa?mfa_token=…) in real Chromium: a magic
// link whose user has a second factor lands on the app's callback with an mfa_token; the
// browser is sent to the page, answers with a TOTP code from oathtool or with a passkey
// (virtual authenticator), and comes back to the callback with a session token.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer } from '../lib/server.mjs';
import { startMailbox, linkOf } from '../lib/mailbox.mjs';
import { client, signingSecret, verifyJwt, patchProject, RELAXED } from '../lib/email.mjs';
import { oathtool, signUp, enrollTotp } from '../lib/factors.mjs';
import { startRp, browserWithAuthenticator, freePort } from '../lib/passkey_app.mjs';

describe('the hosted MFA step page', () => {
  let s, mb, rp, b, key, api, secret, agPort, cb;
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
  async function magicLanding(email) {
    assert.equal((await api('POST', '/api/proxy/email/magic-link/send', { email, callback_url: cb })).status, 200);
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
});
