// SMS and email OTP challenges an app runs from its backend with @authsignal/node
// (challenge, verify, claim, getChallenge), and the client API's email and SMS codes
// (enroll, challenge, verify) as @authsignal/browser calls them: codes read from a real
// SMTP server and from the SMS capture of dev mode.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { startMailbox, codeOf, linkOf } from '../lib/mailbox.mjs';
import { RELAXED, patchProject, uniqueEmail } from '../lib/email.mjs';
import { serverSdk, clientApi, sdkError } from '../lib/actions.mjs';

const waitFor = async (fn, what, ms = 10000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const v = await fn();
    if (v) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
};
const codeIn = (text) => text.match(/\b(\d{6})\b/)[1];
const other = (code) => (code === '000000' ? '111111' : '000000');

describe('actions: SMS and email codes', () => {
  let s, mb, as, uid = 0;
  const userId = () => `c-${process.pid}-${++uid}`;
  let phoneN = 100;
  const phone = () => `+1415555${String(++phoneN).padStart(4, '0')}`;
  before(async () => {
    mb = await startMailbox();
    s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_DEV: 'true' });
    const { key } = await s.project('shop', { name: 'Shop' });
    await patchProject(s, 'shop', { providers: { sms: true } });
    as = serverSdk(s, key);
  });
  after(async () => {
    await s.cleanup();
    await mb.close();
  });
  const lastSms = (to) => waitFor(async () => (await s.cliJSON('sms', 'list', '--json')).find((m) => m.to === to), `an SMS to ${to}`);

  test('challenge by phone -> verify (wrong, then right) -> claim for a user -> validate', async () => {
    const to = phone();
    const ch = await as.challenge({ verificationMethod: 'SMS', action: 'signInWithSms', phoneNumber: to });
    assert.match(ch.challengeId, /^chl_/);
    assert.ok(ch.expiresAt > Date.now() / 1000 && ch.expiresAt <= Date.now() / 1000 + 301, 'expiresAt in Unix seconds');
    const got = await as.getChallenge({ challengeId: ch.challengeId });
    assert.deepEqual([got.verificationMethod, got.phoneNumber, got.action], ['SMS', to, 'signInWithSms']);
    const code = codeIn((await lastSms(to)).body);
    const early = await sdkError(as.claimChallenge({ challengeId: ch.challengeId, userId: 'x' }));
    assert.equal(early.statusCode, 403, 'not verified: nothing to claim');
    const wrong = await as.verify({ challengeId: ch.challengeId, verificationCode: other(code) });
    assert.deepEqual(wrong, { isVerified: false, failureReason: 'CODE_INVALID_OR_EXPIRED' });
    const ok = await as.verify({ challengeId: ch.challengeId, verificationCode: code });
    assert.deepEqual(ok, { isVerified: true, phoneNumber: to, verificationMethod: 'SMS' });
    assert.equal((await as.verify({ challengeId: ch.challengeId, verificationCode: code })).isVerified, false, 'single use');
    const id = userId();
    const claimed = await as.claimChallenge({ challengeId: ch.challengeId, userId: id });
    assert.equal(claimed.verificationMethod, 'SMS');
    const again = await sdkError(as.claimChallenge({ challengeId: ch.challengeId, userId: id }));
    assert.equal(again.statusCode, 403, 'claimed once');
    const v = await as.validateChallenge({ token: claimed.token, userId: id, action: 'signInWithSms' });
    assert.equal(v.isValid, true);
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(v.verificationMethod, 'SMS');
    const u = await as.getUser({ userId: id });
    assert.deepEqual(u.enrolledVerificationMethods, ['SMS'], 'the verified number is their authenticator');
    assert.equal(u.phoneNumber, to);
    const skip = await sdkError(as.claimChallenge({ challengeId: ch.challengeId, userId: id, skipVerificationCheck: true }));
    assert.equal(skip.statusCode, 400);
  });

  test('three wrong codes kill a challenge; an email challenge by address; getChallenge by user', async () => {
    const email = uniqueEmail('otp');
    const id = userId();
    const ch = await as.challenge({ verificationMethod: 'EMAIL_OTP', action: 'verifyEmail', email, userId: id });
    const code = codeOf(await mb.next(email));
    const open = await as.getChallenge({ userId: id, action: 'verifyEmail' });
    assert.equal(open.challengeId, ch.challengeId);
    assert.equal(open.email, email);
    for (let i = 0; i < 3; i++) assert.equal((await as.verify({ challengeId: ch.challengeId, verificationCode: other(code) })).isVerified, false);
    assert.equal((await as.verify({ challengeId: ch.challengeId, verificationCode: code })).isVerified, false, 'dead after 3 attempts');
    assert.equal((await sdkError(as.getChallenge({ challengeId: ch.challengeId }))).statusCode, 410);
    const bad = await sdkError(as.challenge({ verificationMethod: 'SMS', phoneNumber: '0151 1234' }));
    assert.equal(bad.statusCode, 400);
    const bad2 = await sdkError(as.challenge({ verificationMethod: 'WHATSAPP', phoneNumber: '+14155550100' }));
    assert.equal(bad2.statusCode, 400);
  });

  test('a claim for another user than the challenge was started for is refused', async () => {
    const to = phone();
    const ch = await as.challenge({ verificationMethod: 'SMS', phoneNumber: to, userId: 'alice-x' });
    await as.verify({ challengeId: ch.challengeId, verificationCode: codeIn((await lastSms(to)).body) });
    assert.equal((await sdkError(as.claimChallenge({ challengeId: ch.challengeId, userId: 'mallory-x' }))).statusCode, 403);
  });

  test('client API: email OTP enroll (its own address) -> verify; then challenge -> verify on a later action', async () => {
    const id = userId();
    const email = uniqueEmail('client');
    const t = await as.track({ userId: id, action: 'signIn' });
    const c = clientApi(s, { token: t.token });
    const en = await c('POST', '/user-authenticators/email-otp', { email });
    assert.equal(en.status, 200, en.text);
    const code = codeOf(await mb.next(email));
    const wrong = await c('POST', '/verify/email-otp', { verificationCode: other(code) });
    assert.deepEqual([wrong.status, wrong.body.isVerified], [200, false]);
    const ok = await c('POST', '/verify/email-otp', { verificationCode: code });
    assert.equal(ok.body.isVerified, true, ok.text);
    assert.equal(ok.body.userAuthenticator.email, email);
    assert.equal((await as.validateChallenge({ token: ok.body.accessToken })).verificationMethod, 'EMAIL_OTP');
    const t2 = await as.track({ userId: id, action: 'signIn' });
    assert.deepEqual(t2.enrolledVerificationMethods, ['EMAIL_OTP']);
    const c2 = clientApi(s, { token: t2.token });
    const ch = await c2('POST', '/challenge/email-otp');
    assert.equal(ch.status, 200, ch.text);
    const v = await c2('POST', '/verify/email-otp', { verificationCode: codeOf(await mb.next(email)) });
    assert.equal(v.body.isVerified, true, v.text);
  });

  test('client API: SMS enroll -> verify; a bad number is a 400 with an error key', async () => {
    const id = userId();
    const to = phone();
    const c = clientApi(s, { token: (await as.track({ userId: id, action: 'signIn' })).token });
    const bad = await c('POST', '/user-authenticators/sms', { phoneNumber: '12345' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_phone');
    assert.ok(bad.body.errorDescription);
    assert.equal((await c('POST', '/user-authenticators/sms', { phoneNumber: to })).status, 200);
    const v = await c('POST', '/verify/sms', { verificationCode: codeIn((await lastSms(to)).body) });
    assert.equal(v.body.isVerified, true, v.text);
    assert.equal(v.body.userAuthenticator.phoneNumber, to);
  });

  test('client API: email magic link — enroll mails a link, a GET does not spend it, the click does, finalize meets the challenge', async () => {
    const id = userId();
    const email = uniqueEmail('link');
    const t = await as.track({ userId: id, action: 'signIn' });
    const c = clientApi(s, { token: t.token });
    const en = await c('POST', '/user-authenticators/email-magic-link', { email });
    assert.equal(en.status, 200, en.text);
    const pending = await c('POST', '/verify/email-magic-link/finalize', {});
    assert.deepEqual([pending.status, pending.body.isVerified], [200, false], 'not clicked yet');
    const link = new URL(linkOf(await mb.next(email)));
    assert.equal(link.origin + link.pathname, `${s.url}/challenge/link`);
    for (let i = 0; i < 2; i++) { // a mail scanner's fetch shows the page and spends nothing
      const page = await s.req('GET', link.pathname + link.search);
      assert.equal(page.status, 200);
      assert.match(page.text, /<button type="submit" id="confirm">/);
    }
    const click = await s.fetch('/challenge/link', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `t=${link.searchParams.get('t')}` });
    assert.equal(click.status, 200);
    const again = await s.fetch('/challenge/link', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `t=${link.searchParams.get('t')}` });
    assert.equal(again.status, 410, 'a link works once');
    const done = await c('POST', '/verify/email-magic-link/finalize', {});
    assert.equal(done.body.isVerified, true, done.text);
    assert.equal(done.body.userAuthenticator.verificationMethod, 'EMAIL_MAGIC_LINK');
    assert.equal(done.body.userAuthenticator.email, email);
    const v = await as.validateChallenge({ token: done.body.accessToken, userId: id });
    assert.deepEqual([v.isValid, v.verificationMethod], [true, 'EMAIL_MAGIC_LINK']);
    // enrolled now: a later action challenges by link
    const t2 = await as.track({ userId: id, action: 'signIn' });
    assert.deepEqual([t2.state, t2.enrolledVerificationMethods], ['CHALLENGE_REQUIRED', ['EMAIL_MAGIC_LINK']]);
    const c2 = clientApi(s, { token: t2.token });
    assert.equal((await c2('POST', '/challenge/email-magic-link')).status, 200);
    const l2 = new URL(linkOf(await mb.next(email)));
    assert.equal((await s.fetch('/challenge/link', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `t=${l2.searchParams.get('t')}` })).status, 200);
    assert.equal((await c2('POST', '/verify/email-magic-link/finalize', {})).body.isVerified, true);
    const bogus = await s.req('GET', '/challenge/link?t=nope');
    assert.equal(bogus.status, 410);
  });

  test('a disabled user: no code is sent, verified or claimed for them; enabled again, the claim works', async () => {
    const h = { Authorization: `Bearer ${await s.adminToken()}` };
    const admin = '/admin/api/projects/shop/users';
    const id = userId();
    await as.track({ userId: id, action: 'signIn' });
    const agId = (await s.req('GET', `${admin}?q=${encodeURIComponent(id)}`, { headers: h })).body.users[0].id;
    const [mine, free] = [phone(), phone()];
    const bound = await as.challenge({ verificationMethod: 'SMS', phoneNumber: mine, userId: id });
    const boundCode = codeIn((await lastSms(mine)).body);
    const unbound = await as.challenge({ verificationMethod: 'SMS', phoneNumber: free });
    assert.equal((await as.verify({ challengeId: unbound.challengeId, verificationCode: codeIn((await lastSms(free)).body) })).isVerified, true);
    const disable = (disabled) => s.req('PATCH', `${admin}/${agId}`, { body: { disabled }, headers: h });
    assert.equal((await disable(true)).status, 200);

    for (const [what, call] of [
      ['challenge', () => as.challenge({ verificationMethod: 'SMS', phoneNumber: phone(), userId: id })],
      ['verify of a code started for them', () => as.verify({ challengeId: bound.challengeId, verificationCode: boundCode })],
      ['claim', () => as.claimChallenge({ challengeId: unbound.challengeId, userId: id })],
    ]) {
      const e = await sdkError(call()).catch((x) => assert.fail(`${what}: ${x.message}`));
      assert.deepEqual([e.statusCode, e.errorCode], [403, 'user_disabled'], what);
    }
    assert.equal((await as.getUser({ userId: id })).enrolledVerificationMethods.length, 0, 'the refused claim enrolled nothing');

    assert.equal((await disable(false)).status, 200);
    const claimed = await as.claimChallenge({ challengeId: unbound.challengeId, userId: id });
    assert.equal((await as.validateChallenge({ token: claimed.token, userId: id })).state, 'CHALLENGE_SUCCEEDED');
  });
});
