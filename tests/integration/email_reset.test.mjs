// Password reset (seed 001): always 200, a single-use 1-hour link to the project's page,
// confirm sets the password, ends existing sessions (their tokens stop verifying) and
// mails "your password was changed".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { startMailbox, codeOf, linkOf } from '../lib/mailbox.mjs';
import { client, shiftClock, RELAXED, uniqueEmail } from '../lib/email.mjs';

const CB = 'https://myapp.com/auth/callback';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('password reset', () => {
  let s, mb, api, apiB;
  before(async () => {
    mb = await startMailbox();
    s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_DEV: 'true' });
    const p = await s.project('rs-app', { callbacks: [CB, 'https://myapp.com/reset'] });
    const q = await s.project('rs-other', { callbacks: [CB] });
    api = client(s, p.key);
    apiB = client(s, q.key);
  });
  after(async () => {
    await s.cleanup();
    await mb.close();
  });

  async function account(tag = 'r') {
    const email = uniqueEmail(tag);
    const r = await api('POST', '/api/proxy/email/signup', { email, password: 'securePassword1' });
    assert.equal(r.status, 200);
    await mb.next(email);
    return { email, token: r.body.token };
  }
  async function requestReset(email, body = {}) {
    const r = await api('POST', '/api/proxy/email/reset-password', { email, callback_url: CB, ...body });
    assert.equal(r.status, 200, r.text);
    const m = await mb.next(email);
    return { mail: m, token: new URL(linkOf(m)).searchParams.get('reset_token'), link: linkOf(m) };
  }

  test('seed 001 samples: request (200) and confirm with the mailed token', async () => {
    const { email, token: oldSession } = await account();
    const { mail, token, link } = await requestReset(email);
    assert.ok(link.startsWith(CB + '?reset_token='), link);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.match(mail.subject, /Reset your .* password/);
    const r = await api('POST', '/api/proxy/email/reset-password/confirm', { token, password: 'newSecurePassword1' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.success, true);
    const changed = await mb.next(email);
    assert.match(changed.subject, /password was changed/);
    assert.equal((await api('POST', '/api/proxy/email/signin', { email, password: 'securePassword1' })).status, 401);
    const si = await api('POST', '/api/proxy/email/signin', { email, password: 'newSecurePassword1' });
    assert.equal(si.status, 200);
    assert.equal(si.body.user.email_verified, true, 'the reset proved the mailbox');
    // Existing sessions ended: the token issued before the reset no longer verifies...
    const v = await api('POST', '/api/v1/token/verify', { token: oldSession });
    assert.equal(v.status, 401);
    assert.deepEqual(v.body, { valid: false, error: 'Invalid or expired token' });
    // ...and one issued after it does.
    assert.equal((await api('POST', '/api/v1/token/verify', { token: si.body.token })).status, 200);
  });

  test('the token is single use', async () => {
    const { email } = await account();
    const { token } = await requestReset(email);
    assert.equal((await api('POST', '/api/proxy/email/reset-password/confirm', { token, password: 'newSecurePassword1' })).status, 200);
    const again = await api('POST', '/api/proxy/email/reset-password/confirm', { token, password: 'otherPassword2' });
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_token');
  });

  test('concurrent confirmations: one wins', async () => {
    const { email } = await account();
    const { token } = await requestReset(email);
    const rs = await Promise.all([1, 2, 3, 4].map((i) => api('POST', '/api/proxy/email/reset-password/confirm', { token, password: `racePassword${i}` })));
    assert.equal(rs.filter((r) => r.status === 200).length, 1);
  });

  test('a newer reset link retires the older one', async () => {
    const { email } = await account();
    const first = await requestReset(email);
    const second = await requestReset(email);
    assert.equal((await api('POST', '/api/proxy/email/reset-password/confirm', { token: first.token, password: 'newSecurePassword1' })).status, 400);
    assert.equal((await api('POST', '/api/proxy/email/reset-password/confirm', { token: second.token, password: 'newSecurePassword1' })).status, 200);
  });

  test('tokens expire after 1 hour', async () => {
    const { email } = await account();
    const { token } = await requestReset(email);
    await shiftClock(s, 3600_000 + 5_000);
    try {
      assert.equal((await api('POST', '/api/proxy/email/reset-password/confirm', { token, password: 'newSecurePassword1' })).status, 400);
    } finally {
      await shiftClock(s, 0);
    }
  });

  test("another project's API key cannot use the token", async () => {
    const { email } = await account();
    const { token } = await requestReset(email);
    assert.equal((await apiB('POST', '/api/proxy/email/reset-password/confirm', { token, password: 'newSecurePassword1' })).status, 400);
    assert.equal((await api('POST', '/api/proxy/email/reset-password/confirm', { token, password: 'newSecurePassword1' })).status, 200);
  });

  test('unknown email: the same 200 and no mail', async () => {
    const { email } = await account();
    const a = await api('POST', '/api/proxy/email/reset-password', { email, callback_url: CB });
    const b = await api('POST', '/api/proxy/email/reset-password', { email: 'ghost.reset@example.com', callback_url: CB });
    assert.equal(a.status, 200);
    assert.equal(a.text, b.text);
    await mb.next(email);
    await sleep(400);
    assert.equal(mb.to('ghost.reset@example.com').length, 0);
  });

  test('the link goes to the callback_url given (registered), or the first registered one', async () => {
    const { email } = await account();
    const a = await requestReset(email, { callback_url: 'https://myapp.com/reset' });
    assert.ok(a.link.startsWith('https://myapp.com/reset?reset_token='));
    const r = await api('POST', '/api/proxy/email/reset-password', { email });
    assert.equal(r.status, 200);
    const m = await mb.next(email);
    assert.ok(linkOf(m).startsWith(CB + '?reset_token='));
    const bad = await api('POST', '/api/proxy/email/reset-password', { email, callback_url: 'https://evil.example/x' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_callback_url');
  });

  test('confirm validates the new password and the token', async () => {
    const { email } = await account();
    const { token } = await requestReset(email);
    const weak = await api('POST', '/api/proxy/email/reset-password/confirm', { token, password: 'short' });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.error, 'weak_password');
    for (const t of ['nope', 'x'.repeat(43), '']) {
      const r = await api('POST', '/api/proxy/email/reset-password/confirm', { token: t, password: 'securePassword9' });
      assert.equal(r.status, 400, t);
    }
    assert.equal((await api('POST', '/api/proxy/email/reset-password/confirm', { token, password: 'securePassword9' })).status, 200, 'the failed tries did not burn it');
  });

  test('the reset also invalidates an outstanding verification code', async () => {
    const email = uniqueEmail('vc');
    await api('POST', '/api/proxy/email/signup', { email, password: 'securePassword1' });
    const code = codeOf(await mb.next(email));
    const { token } = await requestReset(email);
    await api('POST', '/api/proxy/email/reset-password/confirm', { token, password: 'newSecurePassword1' });
    // verified by the reset already: the old code is retired
    const v = await api('POST', '/api/proxy/email/verify', { email, code });
    assert.equal(v.status, 400);
    const si = await api('POST', '/api/proxy/email/signin', { email, password: 'newSecurePassword1' });
    assert.equal(si.body.user.email_verified, true);
  });
});
