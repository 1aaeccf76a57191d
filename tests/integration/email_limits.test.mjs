// Attempt limits on the email endpoints (per client address and per email, 429 with
// Retry-After), and their durability: the counters live in the store and survive a
// restart. The server runs at AUTHGATE_AUTH_RATE_PERCENT=50 (half the documented
// limits) to keep the test short; each test uses its own 127.0.0.x source address.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { startMailbox } from '../lib/mailbox.mjs';
import { client, uniqueEmail } from '../lib/email.mjs';

const CB = 'https://myapp.com/auth/callback';
const PCT = 50;
// The documented table (docs/EMAIL.md): [per address per minute, per email per 15 min].
const LIMITS = { signup: [20, 5], signin: [60, 10], verify: [60, 10], resend: [20, 5], reset: [20, 5], confirm: [20, null], magic: [20, 5] };
const lim = (n) => Math.max(1, Math.floor((n * PCT) / 100));

function assert429(r, what) {
  assert.equal(r.status, 429, `${what}: ${r.status} ${r.text}`);
  assert.match(r.headers['retry-after'], /^[1-9]\d*$/, what);
  assert.equal(r.body.error, 'rate_limited');
}

describe('attempt limits', () => {
  let s, first, mb, api, key, dataDir;
  const env = () => ({ ...mb.env, AUTHGATE_AUTH_RATE_PERCENT: String(PCT) });
  before(async () => {
    mb = await startMailbox();
    s = first = await startServer(env());
    dataDir = s.dataDir;
    key = (await s.project('lim-app', { callbacks: [CB] })).key;
    api = client(s, key);
  });
  after(async () => {
    await s.cleanup();
    await first.cleanup();
    await mb.close();
  });

  test('sign-in: per email, whatever the address', async () => {
    const email = uniqueEmail('si');
    const n = lim(LIMITS.signin[1]);
    for (let i = 0; i < n; i++) {
      const r = await api('POST', '/api/proxy/email/signin', { email, password: 'wrongPass1' }, { ip: `127.0.1.${1 + (i % 5)}` });
      assert.equal(r.status, 401, `attempt ${i + 1}`);
    }
    assert429(await api('POST', '/api/proxy/email/signin', { email, password: 'wrongPass1' }, { ip: '127.0.1.9' }), 'email over the limit');
    // The same address, another email: not limited.
    const other = await api('POST', '/api/proxy/email/signin', { email: uniqueEmail('si2'), password: 'wrongPass1' }, { ip: '127.0.1.1' });
    assert.equal(other.status, 401);
  });

  test('sign-in: per client address, whatever the email', async () => {
    const n = lim(LIMITS.signin[0]);
    for (let i = 0; i < n; i++) {
      const r = await api('POST', '/api/proxy/email/signin', { email: uniqueEmail('ip'), password: 'wrongPass1' }, { ip: '127.0.2.1' });
      assert.equal(r.status, 401, `attempt ${i + 1}`);
    }
    assert429(await api('POST', '/api/proxy/email/signin', { email: uniqueEmail('ip'), password: 'wrongPass1' }, { ip: '127.0.2.1' }), 'address over the limit');
    const other = await api('POST', '/api/proxy/email/signin', { email: uniqueEmail('ip'), password: 'wrongPass1' }, { ip: '127.0.2.2' });
    assert.equal(other.status, 401, 'another address is not limited');
  });

  test('verify, resend, reset, magic-link send and sign-up: per email', async () => {
    const cases = [
      ['verify', (email) => ['/api/proxy/email/verify', { email, code: '000000' }], LIMITS.verify[1], 400],
      ['resend', (email) => ['/api/proxy/email/verify/resend', { email }], LIMITS.resend[1], 200],
      ['reset', (email) => ['/api/proxy/email/reset-password', { email, callback_url: CB }], LIMITS.reset[1], 200],
      ['magic', (email) => ['/api/proxy/email/magic-link/send', { email, callback_url: CB }], LIMITS.magic[1], 200],
      ['signup', (email) => ['/api/proxy/email/signup', { email, password: 'securePassword1' }], LIMITS.signup[1], null],
    ];
    let ipn = 1;
    for (const [name, mk, perEmail, okStatus] of cases) {
      const email = uniqueEmail(name);
      for (let i = 0; i < lim(perEmail); i++) {
        const [path, body] = mk(email);
        const r = await api('POST', path, body, { ip: `127.0.3.${ipn++}` });
        if (okStatus) assert.equal(r.status, okStatus, `${name} attempt ${i + 1}: ${r.text}`);
        else assert.notEqual(r.status, 429, `${name} attempt ${i + 1}`);
      }
      const [path, body] = mk(email);
      assert429(await api('POST', path, body, { ip: `127.0.3.${ipn++}` }), name);
    }
  });

  test('reset confirm: per client address', async () => {
    for (let i = 0; i < lim(LIMITS.confirm[0]); i++) {
      const r = await api('POST', '/api/proxy/email/reset-password/confirm', { token: 'x'.repeat(43), password: 'securePassword1' }, { ip: '127.0.4.1' });
      assert.equal(r.status, 400);
    }
    assert429(await api('POST', '/api/proxy/email/reset-password/confirm', { token: 'x'.repeat(43), password: 'securePassword1' }, { ip: '127.0.4.1' }), 'confirm');
  });

  test('magic-link send: per client address', async () => {
    for (let i = 0; i < lim(LIMITS.magic[0]); i++) {
      const r = await api('POST', '/api/proxy/email/magic-link/send', { email: uniqueEmail('mip'), callback_url: CB }, { ip: '127.0.5.1' });
      assert.equal(r.status, 200);
    }
    assert429(await api('POST', '/api/proxy/email/magic-link/send', { email: uniqueEmail('mip'), callback_url: CB }, { ip: '127.0.5.1' }), 'magic ip');
  });

  test('a 429 reveals nothing: same answer for known and unknown emails', async () => {
    const known = uniqueEmail('known');
    await api('POST', '/api/proxy/email/signup', { email: known, password: 'securePassword1' }, { ip: '127.0.6.1' });
    const unknown = uniqueEmail('unknown');
    const res = {};
    for (const email of [known, unknown]) {
      let r;
      for (let i = 0; i <= lim(LIMITS.reset[1]); i++) r = await api('POST', '/api/proxy/email/reset-password', { email, callback_url: CB }, { ip: `127.0.6.${10 + i}` });
      res[email] = r;
    }
    assert.equal(res[known].status, 429);
    assert.equal(res[unknown].status, 429);
    assert.equal(res[known].body.error, res[unknown].body.error);
  });

  test('counters survive a restart', async () => {
    const email = uniqueEmail('durable');
    for (let i = 0; i < lim(LIMITS.signin[1]); i++) await api('POST', '/api/proxy/email/signin', { email, password: 'wrongPass1' }, { ip: '127.0.7.1' });
    assert429(await api('POST', '/api/proxy/email/signin', { email, password: 'wrongPass1' }, { ip: '127.0.7.2' }), 'before restart');
    await s.stop();
    s = await startServer(env(), { dataDir });
    api = client(s, key);
    assert429(await api('POST', '/api/proxy/email/signin', { email, password: 'wrongPass1' }, { ip: '127.0.7.3' }), 'after restart');
  });
});
