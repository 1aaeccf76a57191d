// The core client against the real binary: every method once, each request the SDK
// sends and each answer checked against the server's /openapi.json (test/lib.mjs), and
// the results checked for what they mean (mail arrives, tokens verify with jose, the
// phone's approval settles the promise, the webhook log fills).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { startServer } from '../../../tests/lib/server.mjs';
import { startMailbox, codeOf, linkOf } from '../../../tests/lib/mailbox.mjs';
import { RELAXED, uniqueEmail, patchProject } from '../../../tests/lib/email.mjs';
import { Device, receiver, waitFor } from '../../../tests/lib/push.mjs';
import { oathtool } from '../../../tests/lib/factors.mjs';
import { startFakeProvider, signInFlow } from '../../../tests/lib/oauth_fake.mjs';
import { load, contractOf } from './lib.mjs';

const CB = 'https://myapp.example/auth/callback';
let s, mb, sdk, ag, contract, fetchChecked, project, admin, secret, fake;
const password = 'securePassword1';

before(async () => {
  sdk = await load('sdk');
  mb = await startMailbox();
  s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_ALLOW_PRIVATE_NETWORK: 'true' });
  project = await s.project('sdk-app', { callbacks: [CB], origins: ['http://localhost:3000'] });
  admin = await s.adminToken();
  contract = await contractOf(s);
  fetchChecked = contract.fetch();
  secret = (await s.req('GET', '/admin/api/projects/sdk-app/signing-secret', { headers: { Authorization: `Bearer ${admin}` } })).body.signing_secret;
  ag = new sdk.AuthGate({ baseUrl: s.url, apiKey: project.key, appId: 'sdk-app', signingSecret: secret, fetch: fetchChecked });
  fake = await startFakeProvider();
  const put = await s.req('PUT', '/admin/api/projects/sdk-app/oauth/google', { headers: { Authorization: `Bearer ${admin}` },
    body: { client_id: fake.clientId, client_secret: fake.clientSecret, issuer: fake.issuer, enabled: true } });
  assert.equal(put.status, 200, put.text);
});
after(async () => {
  assert.deepEqual(fetchChecked.failures.map(String), [], 'every request and answer matches /openapi.json');
  await fake?.close?.();
  await s?.cleanup();
  await mb?.close();
});

const key = async () => jose.base64url.decode(secret);

test('email: signup, verify, resend, signin, reset, confirm (seed 001 names, locale passed)', async () => {
  const email = uniqueEmail('sdk');
  const up = await ag.emailSignup({ email, password, name: 'Jane Doe', callbackUrl: CB, locale: 'it' });
  assert.equal(up.user.email, email);
  assert.equal(up.user.email_verified, false);
  const claims = (await jose.jwtVerify(up.token, await key(), { issuer: 'authgate', audience: 'session' })).payload;
  assert.equal(claims.provider, 'email');
  const mail = await mb.next(email);
  assert.match(mail.subject, /codice|verific/i, 'the Italian template (locale: it)');

  const resent = await ag.emailResend({ email });
  assert.equal(resent.success, true);
  const code = codeOf(await mb.next(email));
  const v = await ag.emailVerify({ email, code });
  assert.equal(v.user.email_verified, true);
  assert.equal(v.success, true);

  const inr = await ag.emailSignin({ email, password });
  assert.ok(!sdk.isMfaRequired(inr));
  assert.equal(inr.user.email_verified, true);

  const reset = await ag.emailResetPassword({ email, callbackUrl: CB });
  assert.equal(reset.success, true);
  const link = linkOf(await mb.next(email, { pred: (m) => /reset_token=/.test(m.text) }));
  const resetToken = new URL(link).searchParams.get('reset_token');
  const ok = await ag.emailResetPasswordConfirm({ token: resetToken, password: 'newSecurePassword1' });
  assert.equal(ok.success, true);
  const again = await ag.emailSignin({ email, password: 'newSecurePassword1' });
  assert.equal(again.user.email, email);
  // The reset ended the older sessions: the server knows, a local check cannot.
  assert.equal((await ag.verifyToken(inr.token)).valid, false);
  assert.equal((await ag.verifyTokenLocally(inr.token)).sub, inr.user.id);
});

test('magic link: sendMagicLink, the landing page, and the token it hands to the callback', async () => {
  const email = uniqueEmail('magic');
  assert.equal((await ag.sendMagicLink({ email, callbackUrl: CB })).success, true);
  const link = linkOf(await mb.next(email));
  const r = await fetch(s.url + '/api/proxy/email/magic-link/verify', { method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: new URL(link).searchParams.get('token') }).toString() });
  assert.equal(r.status, 303);
  const token = new URL(r.headers.get('location')).searchParams.get('token');
  const v = await ag.verifyToken(token);
  assert.equal(v.valid, true);
  assert.equal(v.user.provider, 'magic-link');
  assert.equal(v.user.email, email);
});

test('OAuth: getOAuthUrl (server: single-use ticket URL; browser: the GET start URL), the sign-in, identities, link and unlink', async () => {
  const url = await ag.getOAuthUrl('google', CB, { locale: 'it' });
  assert.match(url, new RegExp(`^${s.url}/api/proxy/google/start\\?ticket=`));
  const flow = await signInFlow(s, 'google', { startUrl: url });
  assert.ok(flow.token, JSON.stringify(flow));
  const v = await ag.verifyToken(flow.token);
  assert.equal(v.user.provider, 'google');

  const browser = new sdk.AuthGate({ baseUrl: s.url, appId: 'sdk-app' });
  const get = await browser.getOAuthUrl('google', CB, { locale: 'it' });
  assert.equal(get, `${s.url}/api/proxy/google?callback_url=${encodeURIComponent(CB)}&locale=it&app_id=sdk-app`);
  const flow2 = await signInFlow(s, 'google', { startUrl: get });
  assert.ok(flow2.token, JSON.stringify(flow2));

  const ids = await ag.listIdentities(flow.token);
  assert.deepEqual(ids.identities.map((i) => i.provider), ['google']);
  const linkUrl = await ag.linkOAuth('github', { token: flow.token, callbackUrl: CB }).catch((e) => e);
  assert.ok(linkUrl instanceof sdk.ForbiddenError && linkUrl.code === 'provider_disabled', String(linkUrl));
  assert.equal(linkUrl.status, 403);
  // The Google address is proven, so a magic link still lets the user in: unlinking is allowed.
  const un = await ag.unlinkOAuth('google', { token: flow.token });
  assert.deepEqual(un, { unlinked: true, user_id: v.user.id, identities: [] });
  const again = await ag.unlinkOAuth('google', { token: flow.token }).catch((e) => e);
  assert.ok(again instanceof sdk.NotFoundError, String(again));
  assert.equal(again.code, 'not_linked');
});

test('factors and the MFA step: TOTP and email codes, recovery codes, rename, remove, security log', async () => {
  const email = uniqueEmail('mfa');
  const up = await ag.emailSignup({ email, password });
  await mb.next(email); // the verification code of the sign-up
  const f = ag.factors(up.token);
  const totp = await f.enrollTotp({ name: 'Phone app' });
  assert.equal(totp.status, 'pending');
  const now = Date.now() / 1000;
  const confirmed = await f.confirm(totp.id, oathtool(totp.secret, now));
  assert.equal(confirmed.factor.status, 'active');
  const emailFactor = await f.enrollEmail({ name: 'Mail' });
  const c2 = await f.confirm(emailFactor.id, codeOf(await mb.next(email)));
  assert.equal(c2.factor.type, 'email');
  assert.equal((await f.rename(totp.id, 'Authenticator')).name, 'Authenticator');
  const codes = await f.recoveryCodes();
  assert.equal(codes.codes.length, 10);
  const list = await f.list();
  assert.deepEqual(list.methods, ['totp', 'email']);
  assert.equal(list.recovery_codes_left, 10);
  assert.ok((await f.securityLog()).events.some((e) => e.event === 'factor.enrolled'));

  await patchProject(s, 'sdk-app', { mfa: 'optional' });
  try {
    const step = await ag.emailSignin({ email, password });
    assert.ok(sdk.isMfaRequired(step), JSON.stringify(step));
    assert.deepEqual(step.methods, ['totp', 'email', 'recovery']);
    const sent = await ag.mfaChallenge({ mfaToken: step.mfa_token, method: 'email' });
    assert.equal(sent.sent, true);
    const done = await ag.mfaVerify({ mfaToken: step.mfa_token, method: 'email', code: codeOf(await mb.next(email)) });
    assert.deepEqual(jose.decodeJwt(done.token).amr, ['pwd', 'email', 'mfa']);
    const step2 = await ag.emailSignin({ email, password });
    const rec = await ag.mfaVerify({ mfaToken: step2.mfa_token, method: 'recovery', code: codes.codes[0] });
    assert.equal(rec.user.email, email);
  } finally {
    await patchProject(s, 'sdk-app', { mfa: 'off' });
  }
  await f.remove(emailFactor.id);
  assert.deepEqual((await f.list()).factors.map((x) => x.type), ['totp']);
});

test('tokens: verifyToken (valid / refused), verifyTokenLocally pins alg, issuer, audience and project', async () => {
  const up = await ag.emailSignup({ email: uniqueEmail('tok'), password });
  const v = await ag.verifyToken(up.token);
  assert.equal(v.valid, true);
  assert.deepEqual(v.mfa, { enrolled: false, methods: [] });
  assert.deepEqual(await ag.verifyToken(up.token + 'x'), { valid: false, error: 'Invalid or expired token' });
  assert.deepEqual(await ag.verifyToken(''), { valid: false, error: 'Missing token' });

  const c = await ag.verifyTokenLocally(up.token);
  assert.equal(c.sub, up.user.id);
  assert.equal(c.app, 'sdk-app');
  const k = await key();
  const claims = jose.decodeJwt(up.token);
  const refused = async (t, opts = {}) => {
    const e = await ag.verifyTokenLocally(t, opts).then(() => null, (x) => x);
    assert.ok(e instanceof sdk.AuthGateError && e.code === 'invalid_token', `refused: ${t.slice(0, 40)} ${e}`);
    return e.message;
  };
  assert.match(await refused(new jose.UnsecuredJWT(claims).encode()), /algorithm none/);
  assert.match(await refused(await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).sign(k)), /HS512/);
  assert.match(await refused(await new jose.SignJWT({ ...claims, aud: 'link' }).setProtectedHeader({ alg: 'HS256' }).sign(k)), /audience/);
  assert.match(await refused(await new jose.SignJWT({ ...claims, iss: 'other' }).setProtectedHeader({ alg: 'HS256' }).sign(k)), /issuer/);
  assert.match(await refused(await new jose.SignJWT({ ...claims, exp: claims.iat - 60 }).setProtectedHeader({ alg: 'HS256' }).sign(k)), /expired/);
  assert.match(await refused(up.token, { appId: 'another-app' }), /another project/);
  assert.match(await refused(up.token.slice(0, -3) + (up.token.at(-3) === 'A' ? 'BAA' : 'AAA')), /signature/);
  // The same verifier works through require() (the CommonJS build).
  const cjs = (await import('./lib.mjs')).loadCjs('sdk');
  assert.equal((await cjs.verifyTokenLocally(up.token, { secret, appId: 'sdk-app' })).sub, up.user.id);
});

test('push: start, check, long-poll and SSE, waitForDecision settles on approval and on denial, verify', async () => {
  const email = uniqueEmail('push');
  const phone = await Device.create();
  // Enroll the phone with the code AuthGate mails (the device app's two calls).
  const r = await s.req('POST', '/app/api/enroll', { body: { email } });
  const v = await s.req('POST', '/app/api/enroll/verify', { body: { enrollment_id: r.body.enrollment_id, code: codeOf(await mb.next(email)), name: 'Phone', public_key: phone.jwk } });
  assert.equal(v.status, 201, v.text);
  Object.assign(phone, { id: v.body.device_id, email, token: v.body.token });
  // SSE
  const started = await ag.push.start(email);
  assert.match(started.code, /^\d{6}$/);
  assert.deepEqual((await ag.push.check(started.session_id)).status, 'pending');
  const seen = [];
  const decision = ag.push.waitForDecision(started.session_id, { transport: 'sse', onStatus: (x) => seen.push(x.status) });
  const req = await phone.request(s);
  assert.equal((await phone.decide(s, req.request_id, 'approve', started.code)).status, 200);
  const d = await decision;
  assert.equal(d.status, 'approved');
  assert.ok(d.token);
  assert.deepEqual(seen, ['pending', 'approved']);
  const pv = await ag.push.verify(d.token);
  assert.equal(pv.device_id, phone.id);
  assert.equal((await ag.push.check(started.session_id)).token_claimed, true);

  // long-poll, with the seed's alias startAuth; denial settles the promise too
  const s2 = await ag.startAuth(email);
  const lp = ag.push.waitForDecision(s2.session_id, { transport: 'long-poll' });
  const req2 = await waitFor(async () => (await phone.pending(s)).body.requests.find((q) => q.request_id !== req.request_id), 'second request');
  assert.equal((await phone.decide(s, req2.request_id, 'not_me')).status, 200);
  assert.deepEqual(await lp, { status: 'denied', reason: 'not_me' });

  // watch(): the raw event stream, and check(wait) on a decided sign-in answers at once
  const events = [];
  for await (const st of ag.push.watch(s2.session_id)) events.push(st.status);
  assert.deepEqual(events, ['denied']);
  assert.equal((await ag.push.check(s2.session_id, { wait: 20 })).status, 'denied');
});

test('passkeys (server side): sign-in options and a refused check map to typed errors', async () => {
  const c = await ag.passkeys.signInOptions();
  assert.match(c.ceremony_id, /^cer_/);
  assert.equal(c.options.userVerification, 'required');
  const e = await ag.passkeys.signInVerify({ ceremonyId: c.ceremony_id, credential: { id: 'x', rawId: 'x', type: 'public-key', response: {} } }).catch((x) => x);
  assert.ok(e instanceof sdk.BadRequestError, String(e));
  assert.equal(e.code, 'invalid_credential');
});

test('webhooks API: create, list, get, update, test delivery, deliveries, redeliver, rotate, delete; getProject', async () => {
  const rx = await receiver({});
  try {
    const wh = await ag.webhooks.create({ url: rx.url, description: 'sdk test' });
    assert.match(wh.secret, /^whsec_/);
    assert.deepEqual((await ag.webhooks.list()).map((w) => w.id), [wh.id]);
    assert.equal((await ag.webhooks.get(wh.id)).description, 'sdk test');
    assert.deepEqual((await ag.webhooks.update(wh.id, { events: ['approved'] })).events, ['approved']);
    const t = await ag.webhooks.test(wh.id);
    await waitFor(() => rx.got.length === 1, 'the test event');
    const dels = await waitFor(async () => { const l = await ag.webhooks.deliveries(wh.id); return l[0]?.status === 'delivered' && l; }, 'delivered');
    assert.equal(dels[0].id, t.delivery_id);
    const one = await ag.webhooks.delivery(wh.id, t.delivery_id);
    assert.equal(one.event, 'test');
    assert.equal((await ag.webhooks.redeliver(wh.id, t.delivery_id)).status, 'pending');
    await waitFor(() => rx.got.length === 2, 'the redelivery');
    assert.equal(rx.got[1].headers['webhook-id'], rx.got[0].headers['webhook-id']);
    const rot = await ag.webhooks.rotateSecret(wh.id);
    assert.notEqual(rot.secret, wh.secret);
    await ag.webhooks.delete(wh.id);
    assert.deepEqual(await ag.webhooks.list(), []);
  } finally {
    await rx.close();
  }
  const p = await ag.getProject();
  assert.equal(p.app_id, 'sdk-app');
});

test('the contract covered every operation the SDK calls', () => {
  const want = ['POST /api/proxy/email/signup', 'POST /api/proxy/email/signin', 'POST /api/proxy/email/verify', 'POST /api/proxy/email/verify/resend',
    'POST /api/proxy/email/reset-password', 'POST /api/proxy/email/reset-password/confirm', 'POST /api/proxy/email/magic-link/send',
    'POST /api/proxy/{provider}', 'POST /api/v1/identities', 'POST /api/proxy/mfa/challenge', 'POST /api/proxy/mfa/verify', 'POST /api/v1/token/verify',
    'GET /api/mfa/factors', 'POST /api/mfa/enroll/totp', 'POST /api/mfa/enroll/email', 'POST /api/mfa/factors/{id}/confirm', 'PATCH /api/mfa/factors/{id}',
    'POST /api/mfa/recovery-codes', 'GET /api/mfa/security-log', 'POST /auth/start', 'GET /auth/check/{session_id}', 'GET /auth/verify',
    'POST /api/proxy/passkey/options', 'POST /api/webhooks', 'GET /api/webhooks', 'GET /api/webhooks/{id}', 'PATCH /api/webhooks/{id}',
    'POST /api/webhooks/{id}/test', 'GET /api/webhooks/{id}/deliveries', 'GET /api/webhooks/{id}/deliveries/{delivery_id}',
    'POST /api/webhooks/{id}/deliveries/{delivery_id}/redeliver', 'POST /api/webhooks/{id}/rotate-secret', 'DELETE /api/webhooks/{id}', 'GET /api/v1/project'];
  const missing = want.filter((w) => !contract.seen.has(w));
  assert.deepEqual(missing, []);
});
