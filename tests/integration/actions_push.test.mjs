// Push as an authenticator of the Authsignal-compatible API: AuthGate's device app
// (simulated with WebCrypto, tests/lib/push.mjs) approves a push challenge started with
// the client API as @authsignal/browser calls it (push.challenge / push.verify), with
// number matching; @authsignal/node validates the result.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { RELAXED } from '../lib/email.mjs';
import { mailbox, Device } from '../lib/push.mjs';
import { serverSdk, clientApi } from '../lib/actions.mjs';

describe('actions: push approval by the device app', () => {
  let s, mb, as, device;
  const email = `push.${process.pid}@example.com`;
  before(async () => {
    mb = await mailbox();
    s = await startServer({ ...mb.env, ...RELAXED });
    const { key } = await s.project('shop', { name: 'Shop' });
    as = serverSdk(s, key);
    device = await Device.create();
    await device.enroll(s, mb, email, { name: 'Jane phone' });
  });
  after(async () => {
    await s.cleanup();
    await mb.close();
  });

  test('PUSH is enrolled when a device is enrolled for the verified address the app set', async () => {
    await as.updateUser({ userId: 'unverified-1', attributes: { email } });
    assert.ok(!(await as.getUser({ userId: 'unverified-1' })).enrolledVerificationMethods.includes('PUSH'),
      'an address the app did not verify names nobody\'s device');
    await as.updateUser({ userId: 'jane-1', attributes: { email, emailVerified: true } });
    const u = await as.getUser({ userId: 'jane-1' });
    assert.deepEqual(u.enrolledVerificationMethods, ['PUSH']);
    const auths = await as.getAuthenticators({ userId: 'jane-1' });
    assert.deepEqual(auths.map((x) => [x.verificationMethod, x.userAuthenticatorId, x.displayName]), [['PUSH', device.id, 'Jane phone']]);
    const t = await as.track({ userId: 'jane-1', action: 'signIn' });
    assert.equal(t.state, 'CHALLENGE_REQUIRED');
    assert.equal(t.defaultVerificationMethod, 'PUSH');
  });

  test('challenge -> pending -> the device approves with the number shown -> verify -> validate', async () => {
    const t = await as.track({ userId: 'jane-1', action: 'transfer' });
    const c = clientApi(s, { token: t.token });
    const ch = await c('POST', '/challenge/push', { action: 'transfer' });
    assert.equal(ch.status, 200, ch.text);
    assert.match(ch.body.code, /^\d{6}$/, 'the number to show for number matching');
    const pending = await c('POST', '/verify/push', { challengeId: ch.body.challengeId });
    assert.deepEqual(pending.body, { isVerified: false, isConsumed: false });
    const req = await device.request(s, { appId: 'shop' });
    assert.equal(req.app_name, 'Shop');
    assert.equal(req.code, undefined, 'the phone never sees the number');
    const d = await device.decide(s, req.request_id, 'approve', ch.body.code);
    assert.equal(d.status, 200, d.text);
    const ok = await c('POST', '/verify/push', { challengeId: ch.body.challengeId });
    assert.equal(ok.body.isVerified, true, ok.text);
    assert.equal(ok.body.isConsumed, true);
    const v = await as.validateChallenge({ token: ok.body.accessToken, userId: 'jane-1', action: 'transfer' });
    assert.deepEqual([v.isValid, v.state, v.verificationMethod], [true, 'CHALLENGE_SUCCEEDED', 'PUSH']);
    const a = await as.getAction({ userId: 'jane-1', action: 'transfer', idempotencyKey: t.idempotencyKey });
    assert.equal(a.verifiedByAuthenticatorId, device.id);
  });

  test('a denial is consumed, not verified; another action\'s challengeId is refused', async () => {
    const t = await as.track({ userId: 'jane-1', action: 'signIn' });
    const c = clientApi(s, { token: t.token });
    const ch = await c('POST', '/challenge/push', {});
    const req = await device.request(s, { appId: 'shop' });
    assert.equal((await device.decide(s, req.request_id, 'deny')).status, 200);
    const r = await c('POST', '/verify/push', { challengeId: ch.body.challengeId });
    assert.deepEqual(r.body, { isVerified: false, isConsumed: true });
    const other = clientApi(s, { token: (await as.track({ userId: 'jane-1', action: 'signIn' })).token });
    const foreign = await other('POST', '/verify/push', { challengeId: ch.body.challengeId });
    assert.equal(foreign.status, 410);
    assert.equal(foreign.body.error, 'challenge_expired');
    const none = clientApi(s, { token: (await as.track({ userId: 'no-device', action: 'signIn' })).token });
    assert.equal((await none('POST', '/challenge/push', {})).status, 400, 'no device for this user');
  });
});
