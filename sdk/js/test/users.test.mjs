// Seed 004 through the SDK (docs/USERS.md): magic-link code sign-in for a 30-day token,
// status with the token and with a user API key (X-API-Key), keys, sessions, refresh
// and logout — every request and answer checked against /openapi.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../../tests/lib/server.mjs';
import { startMailbox, codeOf } from '../../../tests/lib/mailbox.mjs';
import { RELAXED, uniqueEmail } from '../../../tests/lib/email.mjs';
import { load, contractOf } from './lib.mjs';

let s, mb, sdk, ag, f;
before(async () => {
  sdk = await load('sdk');
  mb = await startMailbox();
  s = await startServer({ ...mb.env, ...RELAXED });
  await s.project('users-app');
  f = (await contractOf(s)).fetch();
  ag = new sdk.AuthGate({ baseUrl: s.url, appId: 'users-app', fetch: f }); // /p/users-app: the per-project base URL
});
after(async () => {
  const failures = f?.failures.map(String) ?? [];
  await s?.cleanup();
  await mb?.close();
  assert.deepEqual(failures, [], 'every request and answer matches /openapi.json');
});

test('magic-link code → 30-day token; status, API key, sessions, refresh, logout', async () => {
  const email = uniqueEmail('seed4');
  assert.deepEqual(await ag.users.requestMagicLink(email), { success: true, message: 'Magic link sent to your email' });
  const signed = await ag.users.verifyMagicLink(email, codeOf(await mb.next(email)));
  assert.equal(signed.success, true);
  const me = ag.users.as({ token: signed.token });
  const st = await me.status();
  assert.equal(st.isAuthenticated, true);
  assert.equal(st.user.email, email);
  assert.equal(st.user.auth_type, 'magic-link');
  // The seed's 30-day token is not a seed 002 session token, and the other way round.
  assert.equal((await ag.users.as({ token: 'x.y.z' }).status()).isAuthenticated, false);

  const k = await me.generateApiKey({ name: 'laptop' });
  assert.match(k.apiKey, /^agnt_sk_/);
  const byKey = await ag.users.as({ apiKey: k.apiKey }).status();
  assert.equal(byKey.user.auth_type, 'api-key');
  const keys = await me.apiKeys();
  assert.deepEqual(keys.apiKeys.map((x) => [x.id, x.name]), [[k.id, 'laptop']]);
  assert.ok(!JSON.stringify(keys).includes(k.apiKey), 'never the key itself');
  const e = await ag.users.as({ apiKey: k.apiKey }).generateApiKey().then(() => null, (x) => x);
  assert.ok(e instanceof sdk.AuthGateError && e.status >= 400, 'an API key cannot mint keys');
  await me.revokeApiKey(k.id);
  assert.equal((await ag.users.as({ apiKey: k.apiKey }).status()).isAuthenticated, false);

  const sess = await me.sessions();
  const current = sess.sessions.filter((x) => x.current);
  assert.equal(current.length, 1);
  assert.deepEqual([current[0].auth_type, current[0].active], ['magic-link', true]);
  const r = await me.refresh();
  assert.ok(r.token && r.token !== signed.token);
  assert.equal((await me.status()).isAuthenticated, false, 'the refreshed-away token stops');
  const me2 = ag.users.as({ token: r.token });
  // A second sign-in, ended from the first session's list.
  const other = await ag.users.verifyMagicLink(email, codeOf(await (ag.users.requestMagicLink(email), mb.next(email))));
  const otherId = (await ag.users.as({ token: other.token }).sessions()).sessions.find((x) => x.current).id;
  await me2.revokeSession(otherId);
  assert.equal((await ag.users.as({ token: other.token }).status()).isAuthenticated, false);
  assert.deepEqual(await me2.logout(), { success: true, message: 'Logged out successfully' });
  assert.equal((await me2.status()).isAuthenticated, false);
});
