// Email + password (seed 001): sign-up, sign-in, verification codes and resend. Mail is
// received by a real SMTP server and parsed with mailparser; JWTs are checked with jose.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { startMailbox, codeOf } from '../lib/mailbox.mjs';
import { client, signingSecret, verifyJwt, patchProject, shiftClock, RELAXED, uniqueEmail } from '../lib/email.mjs';

const CB = 'https://myapp.com/auth/callback';

describe('email + password', () => {
  let s, mb, api, secret;
  before(async () => {
    mb = await startMailbox();
    s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_DEV: 'true' });
    const p = await s.project('email-app', { callbacks: [CB] });
    api = client(s, p.key);
    secret = await signingSecret(s, 'email-app');
  });
  after(async () => {
    await s.cleanup();
    await mb.close();
  });

  test('seed 001 sign-up sample: token + user, a verification mail with a 6-digit code', async () => {
    const r = await api('POST', '/api/proxy/email/signup', {
      email: 'user@example.com', password: 'securePassword1', name: 'Jane Doe', callback_url: CB,
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body).sort(), ['token', 'user']);
    assert.match(r.body.user.id, /^user_/);
    assert.deepEqual({ ...r.body.user, id: 'x' }, { id: 'x', email: 'user@example.com', name: 'Jane Doe', email_verified: false });
    const claims = await verifyJwt(r.body.token, secret);
    assert.equal(claims.sub, r.body.user.id);
    assert.equal(claims.provider, 'email');
    assert.equal(claims.email_verified, false);
    assert.equal(claims.exp - claims.iat, 300);
    const m = await mb.next('user@example.com');
    assert.match(codeOf(m), /^\d{6}$/);
    assert.ok(m.html.includes(codeOf(m)), 'the code is in the HTML part too');
    assert.equal(m.parsed.headers.get('content-language'), 'en');
  });

  test('seed 001 verify sample: the mailed code verifies the email once', async () => {
    const email = uniqueEmail();
    await api('POST', '/api/proxy/email/signup', { email, password: 'securePassword1' });
    const code = codeOf(await mb.next(email));
    const r = await api('POST', '/api/proxy/email/verify', { email, code });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.user.email_verified, true);
    assert.equal((await verifyJwt(r.body.token, secret)).email_verified, true);
    const again = await api('POST', '/api/proxy/email/verify', { email, code });
    assert.equal(again.status, 400, 'single use');
    assert.equal(again.body.error, 'invalid_code');
    const si = await api('POST', '/api/proxy/email/signin', { email, password: 'securePassword1' });
    assert.equal(si.body.user.email_verified, true, 'sign-in reports the current state');
  });

  test('seed 001 sign-in sample: same shape, current email_verified, valid JWT', async () => {
    const r = await api('POST', '/api/proxy/email/signin', { email: 'user@example.com', password: 'securePassword1', callback_url: CB });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body).sort(), ['token', 'user']);
    assert.equal(r.body.user.email, 'user@example.com');
    assert.equal(r.body.user.email_verified, false);
    const c = await verifyJwt(r.body.token, secret);
    assert.equal(c.iss, 'authgate');
    assert.equal(c.aud, 'session');
    assert.equal(c.email, 'user@example.com');
  });

  test('emails are case-insensitive and trimmed', async () => {
    const r = await api('POST', '/api/proxy/email/signin', { email: '  USER@Example.COM ', password: 'securePassword1' });
    assert.equal(r.status, 200, r.text);
  });

  test('unknown email and wrong password: same status and body', async () => {
    const a = await api('POST', '/api/proxy/email/signin', { email: 'nobody@example.com', password: 'securePassword1' });
    const b = await api('POST', '/api/proxy/email/signin', { email: 'user@example.com', password: 'wrongPassword9' });
    assert.equal(a.status, 401);
    assert.equal(b.status, 401);
    assert.equal(a.text, b.text);
    assert.deepEqual(a.body, { error: 'invalid_credentials', message: 'Invalid email or password' });
  });

  test('a magic-link user without a password cannot sign in with any password', async () => {
    const email = uniqueEmail('ml');
    await api('POST', '/api/proxy/email/magic-link/send', { email, callback_url: CB });
    await mb.next(email);
    const r = await api('POST', '/api/proxy/email/signin', { email, password: 'anything123' });
    assert.equal(r.status, 401);
  });

  test('password rules: 8-128 characters, a letter and a number', async () => {
    const cases = [
      ['short1a', /at least 8/], ['12345678', /letter/], ['abcdefgh', /number/],
      ['a1' + 'x'.repeat(127), /at most 128/], ['abc\u0001defg1', /control/],
    ];
    for (const [pw, why] of cases) {
      const r = await api('POST', '/api/proxy/email/signup', { email: uniqueEmail(), password: pw });
      assert.equal(r.status, 400, pw);
      assert.equal(r.body.error, 'weak_password');
      assert.match(r.body.message, why);
    }
    for (const pw of ['abcdefg1', 'a1' + 'x'.repeat(126), 'пароль123', 'パスワード12345']) {
      const r = await api('POST', '/api/proxy/email/signup', { email: uniqueEmail(), password: pw });
      assert.equal(r.status, 200, `${pw}: ${r.text}`);
    }
  });

  test('signing up an existing email: 409 with no account details, and no mail to the owner', async () => {
    const before = mb.to('user@example.com').length;
    const r = await api('POST', '/api/proxy/email/signup', { email: 'User@example.com', password: 'otherPassword2' });
    assert.equal(r.status, 409);
    assert.deepEqual(Object.keys(r.body).sort(), ['error', 'message']);
    assert.equal(r.body.error, 'email_unavailable');
    assert.ok(!/verified|user_/.test(r.text));
    const si = await api('POST', '/api/proxy/email/signin', { email: 'user@example.com', password: 'otherPassword2' });
    assert.equal(si.status, 401, 'the existing password is unchanged');
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(mb.to('user@example.com').length, before);
  });

  test('bad input: clear 4xx errors', async () => {
    const bad = [
      [{ email: 'not-an-email', password: 'securePassword1' }, 400, /email/],
      [{ password: 'securePassword1' }, 400, /email/],
      [{ email: 'a@b.co', password: 'securePassword1', extra: 1 }, 400, /extra/],
      [{ email: 'a@b.co', password: 12345678 }, 400, /password/],
      [{ email: 'a@b.co', password: 'securePassword1', callback_url: 'https://evil.example/cb' }, 400, /callback_url/],
      [{ email: 'a@b.co', password: 'securePassword1', locale: 'x<script>' }, 400, /locale/],
    ];
    for (const [body, status, why] of bad) {
      const r = await api('POST', '/api/proxy/email/signup', body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.match(r.body.message, why);
    }
    const nojson = await api('POST', '/api/proxy/email/signin', 'email=a', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(nojson.status, 415);
  });

  test('API key required on every endpoint', async () => {
    const anon = client(s, null);
    const wrong = client(s, 'agk_' + 'x'.repeat(43));
    const bodies = {
      signup: { email: 'a@b.co', password: 'securePassword1' },
      signin: { email: 'a@b.co', password: 'securePassword1' },
      verify: { email: 'a@b.co', code: '123456' },
      'verify/resend': { email: 'a@b.co' },
      'reset-password': { email: 'a@b.co' },
      'reset-password/confirm': { token: 'abc', password: 'securePassword1' },
      'magic-link/send': { email: 'a@b.co', callback_url: CB },
    };
    for (const [path, body] of Object.entries(bodies)) {
      const r1 = await anon('POST', `/api/proxy/email/${path}`, body);
      assert.equal(r1.status, 401, path);
      const r2 = await wrong('POST', `/api/proxy/email/${path}`, body);
      assert.equal(r2.status, 401, path);
      assert.deepEqual(r2.body, { error: 'unauthorized', message: 'Missing or invalid API key' });
    }
  });

  test('a wrong code spends an attempt; the third wrong one kills the code', async () => {
    const email = uniqueEmail();
    await api('POST', '/api/proxy/email/signup', { email, password: 'securePassword1' });
    const code = codeOf(await mb.next(email));
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) {
      const r = await api('POST', '/api/proxy/email/verify', { email, code: wrong });
      assert.equal(r.status, 400);
    }
    const r = await api('POST', '/api/proxy/email/verify', { email, code });
    assert.equal(r.status, 400, 'dead after 3 failed attempts even with the right code');
  });

  test('concurrent guesses cannot get more than 3 compares out of one code', async () => {
    const email = uniqueEmail();
    await api('POST', '/api/proxy/email/signup', { email, password: 'securePassword1' });
    const code = codeOf(await mb.next(email));
    const guesses = [];
    for (let i = 0; i < 30; i++) guesses.push(String((Number(code) + 1 + i) % 1000000).padStart(6, '0'));
    const rs = await Promise.all(guesses.map((g) => api('POST', '/api/proxy/email/verify', { email, code: g })));
    assert.ok(rs.every((r) => r.status === 400));
    const r = await api('POST', '/api/proxy/email/verify', { email, code });
    assert.equal(r.status, 400, 'the code died after 3 attempts');
  });

  test('codes expire after 5 minutes', async () => {
    const email = uniqueEmail();
    await api('POST', '/api/proxy/email/signup', { email, password: 'securePassword1' });
    const code = codeOf(await mb.next(email));
    await shiftClock(s, 301_000);
    try {
      const r = await api('POST', '/api/proxy/email/verify', { email, code });
      assert.equal(r.status, 400);
    } finally {
      await shiftClock(s, 0);
    }
  });

  test('a code is still good just before 5 minutes', async () => {
    const email = uniqueEmail();
    await api('POST', '/api/proxy/email/signup', { email, password: 'securePassword1' });
    const code = codeOf(await mb.next(email));
    await shiftClock(s, 290_000);
    try {
      const r = await api('POST', '/api/proxy/email/verify', { email, code });
      assert.equal(r.status, 200, r.text);
    } finally {
      await shiftClock(s, 0);
    }
  });

  test('seed 001 resend sample: a new code supersedes the old; always 200', async () => {
    const email = uniqueEmail();
    await api('POST', '/api/proxy/email/signup', { email, password: 'securePassword1' });
    const first = codeOf(await mb.next(email));
    const r = await api('POST', '/api/proxy/email/verify/resend', { email, callback_url: CB });
    assert.equal(r.status, 200, r.text);
    const second = codeOf(await mb.next(email));
    if (first !== second) {
      const old = await api('POST', '/api/proxy/email/verify', { email, code: first });
      assert.equal(old.status, 400, 'the old code is superseded');
    }
    const ok = await api('POST', '/api/proxy/email/verify', { email, code: second });
    assert.equal(ok.status, 200);
    const unknown = await api('POST', '/api/proxy/email/verify/resend', { email: 'ghost@example.com' });
    assert.equal(unknown.status, 200);
    assert.equal(unknown.text, r.text, 'same answer for an unknown email');
    const verified = await api('POST', '/api/proxy/email/verify/resend', { email });
    assert.equal(verified.text, r.text, 'same answer for a verified account');
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(mb.to('ghost@example.com').length, 0);
    assert.equal(mb.to(email).length, 2, 'no code for an already verified account');
  });

  test('verify with an unknown email: the same error as a wrong code', async () => {
    const a = await api('POST', '/api/proxy/email/verify', { email: 'ghost@example.com', code: '123456' });
    const b = await api('POST', '/api/proxy/email/verify', { email: 'user@example.com', code: 'abcdef' });
    assert.equal(a.status, 400);
    assert.equal(a.text, b.text);
  });

  test('the email provider switched off: 403 with a clear error; magic link unaffected', async () => {
    await patchProject(s, 'email-app', { providers: { email: false } });
    try {
      for (const [path, body] of [
        ['signup', { email: uniqueEmail(), password: 'securePassword1' }],
        ['signin', { email: 'user@example.com', password: 'securePassword1' }],
        ['verify', { email: 'user@example.com', code: '123456' }],
        ['verify/resend', { email: 'user@example.com' }],
        ['reset-password', { email: 'user@example.com' }],
        ['reset-password/confirm', { token: 'x'.repeat(43), password: 'securePassword1' }],
      ]) {
        const r = await api('POST', `/api/proxy/email/${path}`, body);
        assert.equal(r.status, 403, path);
        assert.equal(r.body.error, 'provider_disabled');
        assert.match(r.body.message, /email \+ password sign-in is disabled/);
      }
      const ml = await api('POST', '/api/proxy/email/magic-link/send', { email: uniqueEmail(), callback_url: CB });
      assert.equal(ml.status, 200);
    } finally {
      await patchProject(s, 'email-app', { providers: { email: true } });
    }
  });

  test('no password, code or token in any log line', async () => {
    const email = uniqueEmail();
    const pw = 'logCheckPassword77';
    const r = await api('POST', '/api/proxy/email/signup', { email, password: pw });
    const code = codeOf(await mb.next(email));
    await api('POST', '/api/proxy/email/verify', { email, code });
    await api('POST', '/api/proxy/email/signin', { email, password: pw + 'x' });
    await new Promise((res) => setTimeout(res, 200));
    const log = s.stderr;
    assert.ok(!log.includes(pw), 'password');
    assert.ok(!log.includes(code), 'code');
    assert.ok(!log.includes(r.body.token), 'token');
    assert.ok(!log.includes(r.body.token.split('.')[2]), 'token signature');
  });
});

describe('argon2id parameters', () => {
  test('a hash with old parameters is replaced at sign-in', async () => {
    const mb = await startMailbox();
    const s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_PWHASH_MEM_KIB: '4096', AUTHGATE_PWHASH_OPS: '1' });
    const dir = s.dataDir;
    try {
      const p = await s.project('rehash-app');
      let api = client(s, p.key);
      const r = await api('POST', '/api/proxy/email/signup', { email: 'old@example.com', password: 'securePassword1' });
      assert.equal(r.status, 200);
      await s.stop();
      const s2 = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_PWHASH_MEM_KIB: '8192', AUTHGATE_PWHASH_OPS: '2' }, { dataDir: dir });
      try {
        api = client(s2, p.key);
        const a = await api('POST', '/api/proxy/email/signin', { email: 'old@example.com', password: 'securePassword1' });
        assert.equal(a.status, 200, a.text);
        await new Promise((res) => setTimeout(res, 100));
        assert.equal(s2.logLines().filter((l) => l.event === 'password_rehashed' || /password_rehashed/.test(JSON.stringify(l))).length, 1);
        const b = await api('POST', '/api/proxy/email/signin', { email: 'old@example.com', password: 'securePassword1' });
        assert.equal(b.status, 200, 'the new hash verifies');
        assert.equal(s2.logLines().filter((l) => /password_rehashed/.test(JSON.stringify(l))).length, 1, 'rehashed once');
        const c = await api('POST', '/api/proxy/email/signin', { email: 'old@example.com', password: 'securePassword2' });
        assert.equal(c.status, 401);
      } finally {
        await s2.cleanup();
      }
    } finally {
      await s.cleanup();
      await mb.close();
    }
  });
});
