// The Authsignal-compatible API (seed 003, docs/ACTIONS.md) with the official
// @authsignal/node package pointed at the real binary, only apiUrl changed: track,
// validate, users, authenticators, actions; the client API as @authsignal/browser calls
// it (the browser package itself runs in tests/browser/actions.test.mjs); TOTP codes
// from oathtool.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer } from '../lib/server.mjs';
import { RELAXED, patchProject } from '../lib/email.mjs';
import { oathtool, midStep, signUp } from '../lib/factors.mjs';
import { serverSdk, clientApi, sdkError, resettingProxy } from '../lib/actions.mjs';

const ORIGIN = 'http://localhost:5173';
const CALLBACK = `${ORIGIN}/callback`;
let uid = 0;
const userId = (t = 'u') => `${t}-${process.pid}-${++uid}`;

describe('Authsignal server API with @authsignal/node', () => {
  let s, key, as;
  before(async () => {
    s = await startServer({ ...RELAXED, AUTHGATE_DEV: 'true' });
    ({ key } = await s.project('shop', { origins: [ORIGIN], callbacks: [CALLBACK] }));
    await patchProject(s, 'shop', { providers: { sms: true } });
    as = serverSdk(s, key);
    await midStep(s); // the server's clock moves once, far: tokens issued after it stay live
  });
  after(async () => { await s.cleanup(); });

  // Enroll TOTP with a track token the way the browser SDK does; returns {secret, access}.
  async function enrollTotp(token, now) {
    const c = clientApi(s, { token });
    const en = await c('POST', '/user-authenticators/totp');
    assert.equal(en.status, 200, en.text);
    assert.match(en.body.uri, /^otpauth:\/\/totp\//);
    assert.ok(en.body.userAuthenticatorId && en.body.secret);
    const v = await c('POST', '/verify/totp', { verificationCode: oathtool(en.body.secret, now) });
    assert.equal(v.status, 200, v.text);
    assert.equal(v.body.isVerified, true);
    assert.equal(v.body.userAuthenticator.verificationMethod, 'AUTHENTICATOR_APP');
    return { secret: en.body.secret, access: v.body.accessToken, authenticatorId: en.body.userAuthenticatorId };
  }

  test('a user without an authenticator: ALLOW, isEnrolled false, a hosted-page url with a query string', async () => {
    const id = userId();
    const t = await as.track({ userId: id, action: 'signIn', attributes: { redirectUrl: CALLBACK } });
    assert.equal(t.state, 'ALLOW');
    assert.equal(t.isEnrolled, false);
    assert.deepEqual(t.enrolledVerificationMethods, []);
    assert.ok(t.allowedVerificationMethods.includes('AUTHENTICATOR_APP') && t.allowedVerificationMethods.includes('PASSKEY'));
    assert.deepEqual(t.ruleIds, []);
    assert.match(t.idempotencyKey, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const u = new URL(t.url);
    assert.equal(u.origin, s.url);
    assert.equal(u.searchParams.get('token'), t.token);
    assert.ok(t.url.includes('?'), 'the browser SDK appends &mode=popup');
    const v = await as.validateChallenge({ token: t.token });
    assert.equal(v.isValid, false, 'nothing was completed');
    assert.equal(v.state, 'ALLOW');
  });

  test('track -> enroll TOTP (oathtool) -> validate: CHALLENGE_SUCCEEDED once, for its user and action only', async () => {
    const id = userId();
    const now = await midStep(s);
    const t = await as.track({ userId: id, action: 'signIn', attributes: { idempotencyKey: `ik-${id}` } });
    const { access } = await enrollTotp(t.token, now);
    assert.match(access, /^asa\./);
    // another user's or action's token is refused without a state an app could misread
    for (const [req, why] of [[{ userId: 'someone-else' }, /another user/], [{ action: 'transfer' }, /another action/]]) {
      const bad = await as.validateChallenge({ token: access, ...req });
      assert.equal(bad.isValid, false);
      assert.equal(bad.state, undefined);
      assert.match(bad.error, why);
    }
    const v = await as.validateChallenge({ token: access, userId: id, action: 'signIn' });
    assert.equal(v.isValid, true);
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(v.userId, id);
    assert.equal(v.action, 'signIn', 'the SDK renames actionCode to action');
    assert.equal(v.idempotencyKey, `ik-${id}`);
    assert.equal(v.verificationMethod, 'AUTHENTICATOR_APP');
    assert.ok(Date.parse(v.stateUpdatedAt) > 0);
    const again = await as.validateChallenge({ token: access });
    assert.equal(again.isValid, false, 'a result is valid once');
    assert.equal(again.state, undefined);
    const forged = await as.validateChallenge({ token: access.slice(0, -2) + (access.endsWith('AA') ? 'BB' : 'AA') });
    assert.equal(forged.isValid, false);
    assert.match(forged.error, /not valid/);
  });

  test('an enrolled user is challenged: a wrong code is 200 isVerified false, the right one meets it', async () => {
    const id = userId();
    const now = await midStep(s);
    const { secret } = await enrollTotp((await as.track({ userId: id, action: 'signIn' })).token, now);
    const later = await midStep(s);
    const t = await as.track({ userId: id, action: 'signIn', attributes: { redirectUrl: CALLBACK } });
    assert.equal(t.state, 'CHALLENGE_REQUIRED');
    assert.equal(t.isEnrolled, true);
    assert.deepEqual(t.enrolledVerificationMethods, ['AUTHENTICATOR_APP']);
    assert.equal(t.defaultVerificationMethod, 'AUTHENTICATOR_APP');
    const c = clientApi(s, { token: t.token });
    const right = oathtool(secret, later);
    const wrong = await c('POST', '/verify/totp', { verificationCode: right === '000000' ? '111111' : '000000' });
    assert.equal(wrong.status, 200, wrong.text);
    assert.equal(wrong.body.isVerified, false);
    assert.equal(wrong.body.accessToken, undefined);
    const pending = await as.validateChallenge({ token: t.token });
    assert.equal(pending.isValid, false);
    assert.equal(pending.state, 'CHALLENGE_REQUIRED');
    const ok = await c('POST', '/verify/totp', { verificationCode: right });
    assert.equal(ok.body.isVerified, true, ok.text);
    const v = await as.validateChallenge({ token: ok.body.accessToken, userId: id });
    assert.equal(v.isValid, true);
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
    const replay = await c('POST', '/verify/totp', { verificationCode: right });
    assert.equal(replay.status, 403, 'a validated action takes no more attempts');
  });

  test('wrong secret: 401 unauthorized as JSON the SDK reads', async () => {
    const bad = serverSdk(s, 'agk_' + 'x'.repeat(43));
    const e = await sdkError(bad.getUser({ userId: 'anyone' }));
    assert.equal(e.statusCode, 401);
    assert.equal(e.errorCode, 'unauthorized');
    assert.ok(e.errorDescription);
    const r = await s.req('POST', '/v1/validate', { body: { token: 'x' } });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'unauthorized');
    assert.ok(r.body.errorDescription);
  });

  test('getUser, updateUser, queryUsers, getAuthenticators, enrollVerifiedAuthenticator, deleteAuthenticator, deleteUser', async () => {
    const id = userId('profile');
    assert.equal((await sdkError(as.getUser({ userId: id }))).statusCode, 404);
    const up = await as.updateUser({ userId: id, attributes: { email: 'Jane@Example.com', username: 'jane', displayName: 'Jane D', custom: { tier: 'gold' } } });
    assert.equal(up.email, 'jane@example.com');
    assert.equal(up.emailVerified, false);
    const u = await as.getUser({ userId: id });
    assert.equal(u.isEnrolled, false);
    assert.equal(u.username, 'jane');
    assert.equal(u.displayName, 'Jane D');
    assert.deepEqual(u.custom, { tier: 'gold' });
    const en = await as.enrollVerifiedAuthenticator({ userId: id, attributes: { verificationMethod: 'SMS', phoneNumber: '+14155550123' } });
    assert.equal(en.authenticator.verificationMethod, 'SMS');
    assert.equal(en.authenticator.phoneNumber, '+14155550123');
    const after = await as.getUser({ userId: id });
    assert.equal(after.isEnrolled, true);
    assert.equal(after.phoneNumber, '+14155550123');
    assert.equal(after.phoneNumberVerified, true);
    assert.deepEqual(after.enrolledVerificationMethods, ['SMS']);
    const list = await as.getAuthenticators({ userId: id });
    assert.equal(list.length, 1);
    assert.equal(list[0].userAuthenticatorId, en.authenticator.userAuthenticatorId);
    assert.equal(list[0].userId, id);
    const q = await as.queryUsers({ username: 'jane' });
    assert.ok(q.users.some((x) => x.userId === id && x.email === 'jane@example.com'));
    assert.equal((await sdkError(as.enrollVerifiedAuthenticator({ userId: id, attributes: { verificationMethod: 'SMS', phoneNumber: '0415' } }))).statusCode, 400);
    await as.deleteAuthenticator({ userId: id, userAuthenticatorId: en.authenticator.userAuthenticatorId });
    assert.deepEqual(await as.getAuthenticators({ userId: id }), []);
    await as.deleteUser({ userId: id });
    assert.equal((await sdkError(as.getUser({ userId: id }))).statusCode, 404);
  });

  test('users an app names by id have no AuthGate address (users.email NULL), any number of them per project', async () => {
    const ids = [userId('noaddr'), userId('noaddr')];
    for (const id of ids) assert.equal((await as.track({ userId: id, action: 'signIn' })).state, 'ALLOW');
    const h = { Authorization: `Bearer ${await s.adminToken()}` };
    const r = await s.req('GET', '/admin/api/projects/shop/users', { headers: h });
    assert.equal(r.status, 200, r.text);
    const none = r.body.users.filter((u) => u.email === null);
    assert.ok(none.length >= 2, r.text);
    assert.ok(r.body.users.every((u) => u.email === null || u.email.includes('@')), r.text);
    for (const u of none) {
      const d = await s.req('GET', `/admin/api/projects/shop/users/${u.id}`, { headers: h });
      assert.equal(d.status, 200, d.text);
      assert.equal(d.body.user.email ?? null, null); // absent in the detail, as before
    }
    if (!s.env.AUTHGATE_DATABASE_URL) { // SQLite: the column itself
      const n = execFileSync('sqlite3', [`${s.dataDir}/authgate.db`, "SELECT COUNT(*) FROM users WHERE app_id = 'shop' AND email IS NULL"], { encoding: 'utf8' });
      assert.equal(Number(n), none.length);
    }
  });

  test('getAction, updateAction, queryUserActions', async () => {
    const id = userId();
    const t = await as.track({ userId: id, action: 'transfer', attributes: { idempotencyKey: `tr-${id}`, custom: { amount: 50 } } });
    const a = await as.getAction({ userId: id, action: 'transfer', idempotencyKey: t.idempotencyKey });
    assert.equal(a.state, 'ALLOW');
    assert.ok(Date.parse(a.createdAt) > 0 && Date.parse(a.stateUpdatedAt) > 0);
    assert.deepEqual(a.rules, []);
    const u = await as.updateAction({ userId: id, action: 'transfer', idempotencyKey: t.idempotencyKey, attributes: { state: 'REVIEW_REQUIRED' } });
    assert.equal(u.state, 'REVIEW_REQUIRED');
    assert.equal((await as.getAction({ userId: id, action: 'transfer', idempotencyKey: t.idempotencyKey })).state, 'REVIEW_REQUIRED');
    const bad = await sdkError(as.updateAction({ userId: id, action: 'transfer', idempotencyKey: t.idempotencyKey, attributes: { state: 'DONE' } }));
    assert.equal(bad.statusCode, 400);
    assert.match(bad.errorDescription, /state must be one of/);
    assert.equal((await sdkError(as.getAction({ userId: id, action: 'signIn', idempotencyKey: t.idempotencyKey }))).statusCode, 404);
    await as.track({ userId: id, action: 'signIn' });
    const all = await as.queryUserActions({ userId: id });
    assert.deepEqual(all.map((x) => x.actionCode).sort(), ['signIn', 'transfer']);
    const some = await as.queryUserActions({ userId: id, actionCodes: ['transfer'], state: 'REVIEW_REQUIRED' });
    assert.equal(some.length, 1);
    assert.equal(some[0].idempotencyKey, `tr-${id}`);
  });

  test('a retried track (connection reset after the request was served) does not make a second action', async () => {
    const proxy = await resettingProxy(s.url, 1);
    try {
      const id = userId();
      const retrying = serverSdk({ url: proxy.url }, key, 2);
      const t = await retrying.track({ userId: id, action: 'signIn', attributes: { idempotencyKey: `retry-${id}` } });
      assert.equal(proxy.connections, 2, 'the SDK retried after the reset');
      assert.equal(t.idempotencyKey, `retry-${id}`);
      const actions = await as.queryUserActions({ userId: id });
      assert.equal(actions.length, 1, 'one action for one idempotency key');
      const again = await as.track({ userId: id, action: 'signIn', attributes: { idempotencyKey: `retry-${id}` } });
      assert.equal(again.token, t.token, 'the same action, the same token');
      const other = await sdkError(as.track({ userId: 'another', action: 'signIn', attributes: { idempotencyKey: `retry-${id}` } }));
      assert.equal(other.statusCode, 409);
    } finally {
      await proxy.close();
    }
  });

  test('bad input is a 400 naming what is wrong', async () => {
    const cases = [
      [() => as.track({ userId: 'x', action: 'sign in' }), /action must match/],
      [() => as.track({ userId: 'x', action: 'signIn', attributes: { unknownField: 1 } }), /unknown field 'unknownField'/],
      [() => as.track({ userId: 'x', action: 'signIn', attributes: { redirectUrl: 'https://evil.example/cb' } }), /redirectUrl/, 'invalid_redirect_url'],
      [() => as.track({ userId: 'x', action: 'signIn', attributes: { scope: 'admin:everything' } }), /scope/],
      [() => as.updateUser({ userId: 'x', attributes: { email: 'not-an-email' } }), /email/],
      [() => as.updateUser({ userId: 'x', attributes: { custom: { nested: { a: 1 } } } }), /custom values/],
    ];
    for (const [call, why, code = 'invalid_request'] of cases) {
      const e = await sdkError(call());
      assert.equal(e.statusCode, 400, e.errorDescription);
      assert.equal(e.errorCode, code);
      assert.match(e.errorDescription, why);
    }
  });

  test('adding a second authenticator needs add:authenticators and a met challenge', async () => {
    const id = userId();
    const now = await midStep(s);
    const { secret } = await enrollTotp((await as.track({ userId: id, action: 'signIn' })).token, now);
    const plain = await as.track({ userId: id, action: 'signIn' });
    const r1 = await clientApi(s, { token: plain.token })('POST', '/user-authenticators/email-otp', { email: 'two@example.com' });
    assert.equal(r1.status, 403);
    assert.match(r1.body.error, /forbidden/);
    assert.match(r1.body.errorDescription, /add:authenticators/);
    const scoped = await as.track({ userId: id, action: 'signIn', attributes: { scope: 'add:authenticators' } });
    const c = clientApi(s, { token: scoped.token });
    const r2 = await c('POST', '/user-authenticators/email-otp', { email: 'two@example.com' });
    assert.equal(r2.status, 403, 'not before the challenge is met');
    assert.match(r2.body.errorDescription, /verify/);
    const later = await midStep(s);
    const v = await c('POST', '/verify/totp', { verificationCode: oathtool(secret, later) });
    assert.equal(v.body.isVerified, true, v.text);
    const r3 = await clientApi(s, { token: v.body.accessToken })('POST', '/user-authenticators/email-otp', { email: 'two@example.com' });
    assert.equal(r3.status, 200, r3.text);
    assert.ok(r3.body.userAuthenticatorId);
  });

  test('sessions: create from a met challenge (once), validate, refresh (the old tokens end), revoke, revoke all', async () => {
    const id = userId();
    const { access } = await enrollTotp((await as.track({ userId: id, action: 'signIn' })).token, await midStep(s));
    const ses = await as.createSession({ clientId: 'web', token: access, action: 'signIn' });
    assert.match(ses.refreshToken, /^asr_/);
    assert.equal((await sdkError(as.createSession({ clientId: 'web', token: access }))).statusCode, 403, 'a met challenge is spent once');
    assert.equal((await as.validateChallenge({ token: access })).isValid, false, 'spent by the session too');
    const v = await as.validateSession({ accessToken: ses.accessToken, clientIds: ['web', 'ios'] });
    assert.equal(v.user.userId, id);
    assert.equal(v.verificationMethod, 'AUTHENTICATOR_APP');
    assert.ok(v.expiresAt > Date.now() / 1000);
    assert.equal((await sdkError(as.validateSession({ accessToken: ses.accessToken, clientIds: ['ios'] }))).statusCode, 401);
    const next = await as.refreshSession({ refreshToken: ses.refreshToken });
    assert.notEqual(next.refreshToken, ses.refreshToken);
    assert.equal((await sdkError(as.validateSession({ accessToken: ses.accessToken }))).statusCode, 401, 'the older access token ended');
    assert.equal((await sdkError(as.refreshSession({ refreshToken: ses.refreshToken }))).statusCode, 401, 'the used refresh token ended');
    assert.equal((await as.validateSession({ accessToken: next.accessToken })).user.userId, id);
    await as.revokeSession({ accessToken: next.accessToken });
    assert.equal((await sdkError(as.validateSession({ accessToken: next.accessToken }))).statusCode, 401);
    assert.equal((await sdkError(as.refreshSession({ refreshToken: next.refreshToken }))).statusCode, 401);
    const two = await enrollTotp((await as.track({ userId: userId(), action: 'signIn' })).token, await midStep(s));
    const other = await as.createSession({ clientId: 'web', token: two.access });
    await as.revokeUserSessions({ userId: id });
    assert.equal((await as.validateSession({ accessToken: other.accessToken })).user.userId !== id, true, 'another user keeps theirs');
    assert.equal((await sdkError(as.validateSession({ accessToken: 'eyJhbGciOiJIUzI1NiJ9.e30.x' }))).statusCode, 401);
  });

  test("an admin's disable and end-all-sessions end the user's /v1/sessions; a disabled user gets no new one", async () => {
    const h = { Authorization: `Bearer ${await s.adminToken()}` };
    const admin = `/admin/api/projects/shop/users`;
    const id = (await signUp(s, key)).user.id; // an AuthGate user: its id is its id here too
    const ended = async (ses) => {
      assert.equal((await sdkError(as.validateSession({ accessToken: ses.accessToken }))).statusCode, 401);
      assert.equal((await sdkError(as.refreshSession({ refreshToken: ses.refreshToken }))).statusCode, 401);
    };
    const { secret, access } = await enrollTotp((await as.track({ userId: id, action: 'signIn' })).token, await midStep(s));
    const challenged = async () => { // a met TOTP challenge: its token
      const t = await as.track({ userId: id, action: 'signIn' });
      assert.equal(t.state, 'CHALLENGE_REQUIRED');
      const v = await clientApi(s, { token: t.token })('POST', '/verify/totp', { verificationCode: oathtool(secret, await midStep(s)) });
      assert.equal(v.body.isVerified, true, v.text);
      return v.body.accessToken;
    };
    const first = await as.createSession({ clientId: 'web', token: access });
    let r = await s.req('POST', `${admin}/${id}/sessions/end`, { headers: h });
    assert.equal(r.status, 200, r.text);
    await ended(first);

    const second = await as.createSession({ clientId: 'web', token: await challenged() });
    assert.equal((await as.validateSession({ accessToken: second.accessToken })).user.userId, id);
    const pending = await challenged(); // met before the disable, turned into a session after
    r = await s.req('PATCH', `${admin}/${id}`, { body: { disabled: true }, headers: h });
    assert.equal(r.status, 200, r.text);
    await ended(second);
    const refused = await sdkError(as.createSession({ clientId: 'web', token: pending }));
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.errorCode, 'user_disabled');

    r = await s.req('PATCH', `${admin}/${id}`, { body: { disabled: false }, headers: h });
    assert.equal(r.status, 200, r.text);
    await ended(second); // enabling again starts from nothing
    const third = await as.createSession({ clientId: 'web', token: await challenged() });
    assert.equal((await as.validateSession({ accessToken: third.accessToken })).user.userId, id);
  });

  test('a disabled user: track answers BLOCK by the built-in rule user_disabled, nothing pending validates, the client API refuses', async () => {
    const h = { Authorization: `Bearer ${await s.adminToken()}` };
    const admin = `/admin/api/projects/shop/users`;
    const id = userId('dis'); // a user the app names: found in the dashboard by its id
    const now = await midStep(s);
    const { secret, access: met } = await enrollTotp((await as.track({ userId: id, action: 'signIn' })).token, now);
    const pending = await as.track({ userId: id, action: 'signIn', attributes: { idempotencyKey: `ik-${id}` } });
    assert.equal(pending.state, 'CHALLENGE_REQUIRED');
    const found = await s.req('GET', `${admin}?q=${encodeURIComponent(id)}`, { headers: h });
    assert.equal(found.body.users.length, 1, found.text);
    const agId = found.body.users[0].id;
    let r = await s.req('PATCH', `${admin}/${agId}`, { body: { disabled: true }, headers: h });
    assert.equal(r.status, 200, r.text);

    // a new action: BLOCK, named by the built-in rule (no project rule has an id without rul_)
    const t = await as.track({ userId: id, action: 'transfer', attributes: { redirectUrl: CALLBACK } });
    assert.equal(t.state, 'BLOCK');
    assert.deepEqual(t.ruleIds, ['user_disabled']);
    assert.equal(t.isEnrolled, true, 'the user is what they are: only the outcome changes');
    const got = await as.getAction({ userId: id, action: 'transfer', idempotencyKey: t.idempotencyKey });
    assert.equal(got.state, 'BLOCK');
    assert.equal(got.priorityRuleId, 'user_disabled');
    assert.deepEqual(got.rules.map((x) => [x.ruleId, x.name, x.outcome]), [['user_disabled', 'User disabled', 'BLOCK']]);
    assert.deepEqual(got.output, { state: 'BLOCK', ruleIds: ['user_disabled'] });
    const vt = await as.validateChallenge({ token: t.token, userId: id });
    assert.deepEqual([vt.isValid, vt.state], [false, 'BLOCK']);

    // what was pending before the disable: a met challenge and an open one validate as BLOCK
    for (const token of [met, pending.token]) {
      const v = await as.validateChallenge({ token, userId: id, action: 'signIn' });
      assert.equal(v.isValid, false);
      assert.equal(v.state, 'BLOCK', 'an app reading only state sees a blocked action');
      assert.match(v.error, /disabled/);
    }

    // the client API refuses every call with the user's tokens, the right code included
    for (const token of [pending.token, t.token, met]) {
      const c = clientApi(s, { token, origin: ORIGIN });
      for (const [path, body] of [['/verify/totp', { verificationCode: oathtool(secret, await midStep(s)) }],
        ['/challenge/email-otp', undefined], ['/user-authenticators/passkey/authentication-options', {}],
        ['/user-authenticators/totp', undefined]]) {
        const x = await c('POST', path, body);
        assert.equal(x.status, 403, `${path}: ${x.text}`);
        assert.equal(x.body.error, 'user_disabled');
        assert.equal(x.headers.get('access-control-allow-origin'), ORIGIN, 'the SDK can read the refusal');
      }
    }
    // the hosted page says blocked and hands no access token
    const page = await s.req('GET', `/challenge?token=${encodeURIComponent(met)}`);
    const ctx = JSON.parse(page.text.match(/<script type="application\/json" id="ctx">(.*?)<\/script>/s)[1]);
    assert.equal(ctx.state, 'BLOCK');
    assert.equal(ctx.accessToken, undefined);

    // enabled again: the project's outcome, and the open challenge can be met
    r = await s.req('PATCH', `${admin}/${agId}`, { body: { disabled: false }, headers: h });
    assert.equal(r.status, 200, r.text);
    const again = await as.track({ userId: id, action: 'signIn' });
    assert.equal(again.state, 'CHALLENGE_REQUIRED');
    assert.deepEqual(again.ruleIds, []);
    const ok = await clientApi(s, { token: pending.token })('POST', '/verify/totp', { verificationCode: oathtool(secret, await midStep(s)) });
    assert.equal(ok.body.isVerified, true, ok.text);
    assert.equal((await as.validateChallenge({ token: ok.body.accessToken, userId: id })).state, 'CHALLENGE_SUCCEEDED');
  });
});
