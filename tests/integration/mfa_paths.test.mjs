// The MFA step in every sign-in path besides email + password (mfa_totp.test.mjs):
// magic links and OAuth callbacks redirect to callback_url?mfa_token=…&mfa_methods=…,
// push approval answers mfa_required in /auth/check; each completes with an oathtool
// code at POST /api/proxy/mfa/verify, and the session token's amr names both factors.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../lib/server.mjs';
import { startMailbox, linkOf } from '../lib/mailbox.mjs';
import { client, signingSecret, verifyJwt, patchProject, RELAXED, uniqueEmail } from '../lib/email.mjs';
import { oathtool, midStep, signUp, enrollTotp } from '../lib/factors.mjs';
import { Device, waitFor } from '../lib/push.mjs';
import { startFakeProvider, signInFlow } from '../lib/oauth_fake.mjs';

const CB = 'https://myapp.com/auth/callback';

describe('the MFA step in magic links, push and OAuth', () => {
  let s, mb, key, api, secret, fake, admin;
  before(async () => {
    mb = await startMailbox();
    fake = await startFakeProvider();
    s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_DEV: 'true', AUTHGATE_ALLOW_PRIVATE_NETWORK: 'true' });
    ({ key } = await s.project('paths-app', { callbacks: [CB], origins: ['http://app.example.test'] }));
    api = client(s, key);
    secret = await signingSecret(s, 'paths-app');
    admin = await s.adminToken();
    await patchProject(s, 'paths-app', { mfa: 'optional' });
    const r = await s.req('PUT', '/admin/api/projects/paths-app/oauth/google', { headers: { Authorization: `Bearer ${admin}` },
      body: { client_id: fake.clientId, client_secret: fake.clientSecret, issuer: fake.issuer, enabled: true } });
    assert.equal(r.status, 200, r.text);
  });
  after(async () => {
    await s.cleanup();
    await mb.close();
    await fake.close();
  });

  // when: the Unix time whose code to send (default: a fresh step on the dev clock)
  async function finish(mfaToken, totp, amr, when) {
    const t = when ?? (await midStep(s));
    const v = await api('POST', '/api/proxy/mfa/verify', { mfa_token: mfaToken, method: 'totp', code: oathtool(totp, t) });
    assert.equal(v.status, 200, v.text);
    const claims = await verifyJwt(v.body.token, secret);
    assert.deepEqual(claims.amr, amr);
    return claims;
  }

  test('push approval: /auth/check answers mfa_required; the token comes from the step', async () => {
    // device signatures carry the real time: the real clock (these tests run before any
    // shift of the dev clock), and the next step to finish
    const now = Date.now() / 1000;
    const { token, email } = await signUp(s, key);
    await mb.next(email);
    const { secret: totp } = await enrollTotp(s, token, now);
    const phone = await Device.create();
    await phone.enroll(s, mb, email);
    const st = await s.req('POST', '/auth/start', { body: { app_id: 'paths-app', email } });
    assert.equal(st.status, 200, st.text);
    const req = await phone.request(s, { appId: 'paths-app' });
    const d = await phone.decide(s, req.request_id, 'approve', st.body.code);
    assert.equal(d.status, 200, d.text);
    const c = await s.req('GET', `/auth/check/${st.body.session_id}`);
    assert.equal(c.body.status, 'approved');
    assert.equal(c.body.token, undefined);
    assert.equal(c.body.mfa_required, true, c.text);
    assert.deepEqual(c.body.methods, ['totp']);
    const claims = await finish(c.body.mfa_token, totp, ['push', 'otp', 'mfa'], now + 30);
    assert.equal(claims.provider, 'push');
    assert.equal(typeof claims.device_id, 'string', 'the push claims survive the step');
  });

  test('OAuth callback: callback_url?mfa_token=… once the user has a factor', async () => {
    // ID tokens carry the real time (no dev clock shift yet)
    fake.account = { sub: `sub-${crypto.randomBytes(4).toString('hex')}`, email: uniqueEmail('oauth'), email_verified: true, name: 'O' };
    const first = await signInFlow(s, 'google', { callbackUrl: CB, appId: 'paths-app' });
    assert.ok(first.token, JSON.stringify(first.steps));
    const now = Date.now() / 1000;
    const { secret: totp } = await enrollTotp(s, first.token, now);
    const again = await signInFlow(s, 'google', { callbackUrl: CB, appId: 'paths-app' });
    assert.equal(again.token, null);
    const loc = new URL(again.location);
    assert.equal(loc.searchParams.get('mfa_methods'), 'totp');
    const claims = await finish(loc.searchParams.get('mfa_token'), totp, ['fed', 'otp', 'mfa'], now + 30);
    assert.equal(claims.provider, 'google');
  });
  test('magic link: the redirect carries an mfa_token instead of a token', async () => {
    const now = await midStep(s);
    const { token, email } = await signUp(s, key);
    await mb.next(email);
    const { secret: totp } = await enrollTotp(s, token, now);
    assert.equal((await api('POST', '/api/proxy/email/magic-link/send', { email, callback_url: CB })).status, 200);
    const link = linkOf(await mb.next(email));
    const res = await fetch(s.url + '/api/proxy/email/magic-link/verify', {
      method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: new URL(link).searchParams.get('token') }).toString(),
    });
    assert.equal(res.status, 303);
    const loc = new URL(res.headers.get('location'));
    assert.equal(loc.origin + loc.pathname, CB);
    assert.equal(loc.searchParams.get('token'), null);
    assert.equal(loc.searchParams.get('mfa_methods'), 'totp');
    const claims = await finish(loc.searchParams.get('mfa_token'), totp, ['email', 'otp', 'mfa']);
    assert.equal(claims.provider, 'magic-link');
  });
});
