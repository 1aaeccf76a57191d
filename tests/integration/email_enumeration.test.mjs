// Sign-in with an unknown email, with a wrong password and on an account without a
// password must be indistinguishable (no user enumeration): the same status and body,
// and the same password-hash work — the server verifies its dummy hash for an address it
// does not know. Checked without a clock: the server counts every argon2id computation
// (authgate_argon2id_total in /metrics), and each of those sign-ins must add exactly one
// verification and no hash. How long the two paths take side by side is a row of
// `make bench` (signin-enumeration, docs/BENCH.md), never a pass/fail test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { client, RELAXED, uniqueEmail } from '../lib/email.mjs';

let s, api, admin;
const known = uniqueEmail('known');
const password = 'securePassword1';

before(async () => {
  s = await startServer({ ...RELAXED, AUTHGATE_DEV: 'true' });
  const p = await s.project('enum-app', { callbacks: ['http://localhost:3000/cb'] });
  api = client(s, p.key);
  admin = { Authorization: `Bearer ${await s.adminToken()}` };
  assert.equal((await api('POST', '/api/proxy/email/signup', { email: known, password })).status, 200);
});
after(async () => { await s?.cleanup(); });

// The argon2id counters, by operation.
async function argon2() {
  const text = await (await s.fetch('/metrics')).text();
  const count = (op) => {
    const m = text.match(new RegExp(`^authgate_argon2id_total\\{op="${op}"\\} (\\d+)$`, 'm'));
    assert.ok(m, `no authgate_argon2id_total{op="${op}"} in /metrics`);
    return Number(m[1]);
  };
  return { hash: count('hash'), verify: count('verify') };
}

// One sign-in and the argon2id work it caused.
async function signin(email, pw) {
  const before = await argon2();
  const r = await api('POST', '/api/proxy/email/signin', { email, password: pw });
  const after = await argon2();
  const { date, ...headers } = r.headers; // every header but the date
  return { status: r.status, body: r.text, headers,
    work: { hash: after.hash - before.hash, verify: after.verify - before.verify } };
}

test('the counter counts: a right password is one verification, a sign-up one hash', async () => {
  const ok = await signin(known, password);
  assert.equal(ok.status, 200, ok.body);
  assert.deepEqual(ok.work, { hash: 0, verify: 1 });
  const before = await argon2();
  assert.equal((await api('POST', '/api/proxy/email/signup', { email: uniqueEmail(), password })).status, 200);
  const after = await argon2();
  assert.deepEqual({ hash: after.hash - before.hash, verify: after.verify - before.verify }, { hash: 1, verify: 0 });
});

test('unknown email, wrong password, no password: same status, same body, one verification each', async () => {
  // an account without a password: made by a magic link (the send job creates the user)
  const passwordless = uniqueEmail('nopw');
  const m = await api('POST', '/api/proxy/email/magic-link/send', { email: passwordless, callback_url: 'http://localhost:3000/cb' });
  assert.equal(m.status, 200, m.text);
  for (let i = 0; ; i++) {
    const r = await s.req('GET', `/admin/api/projects/enum-app/users?q=${encodeURIComponent(passwordless)}`, { headers: admin });
    if (r.body.users.length === 1) break;
    assert.ok(i < 100, 'the magic link job made no user');
    await new Promise((res) => setTimeout(res, 50));
  }
  const wrong = await signin(known, 'wrongPassword1');
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.work, { hash: 0, verify: 1 }, 'a wrong password is verified once');
  const cases = {
    unknown: () => signin(uniqueEmail('nobody'), 'wrongPassword1'),
    'unknown, the right password of another account': () => signin(uniqueEmail('nobody'), password),
    'no password': () => signin(passwordless, 'wrongPassword1'),
    'wrong password again': () => signin(known, 'wrongPassword1'),
  };
  for (const [name, run] of Object.entries(cases)) {
    const r = await run();
    assert.equal(r.status, wrong.status, `${name}: status`);
    assert.equal(r.body, wrong.body, `${name}: body`);
    assert.deepEqual(r.headers, wrong.headers, `${name}: headers`);
    assert.deepEqual(r.work, wrong.work, `${name}: the same argon2id work as a wrong password`);
  }
});
