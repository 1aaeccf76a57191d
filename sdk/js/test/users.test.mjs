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
// Seed 004 answers /openapi.json does not describe yet (no response schema): their
// types in the SDK are `unknown`-free only once the spec gains them (docs: notes/issue-14).
const UNDESCRIBED = ['POST /users/generate-api-key', 'GET /users/api-keys', 'DELETE /users/api-keys/{key_id}', 'GET /users/sessions', 'POST /users/auth/refresh', 'POST /users/logout'];
after(async () => {
  const real = f.failures.map(String).filter((m) => !UNDESCRIBED.some((u) => m === `Error: ${u} 200: /openapi.json has no schema for this JSON answer`));
  assert.deepEqual(real, []);
  await s?.cleanup();
  await mb?.close();
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
  assert.ok(JSON.stringify(keys).includes(k.id) && !JSON.stringify(keys).includes(k.apiKey));
  const e = await ag.users.as({ apiKey: k.apiKey }).generateApiKey().then(() => null, (x) => x);
  assert.ok(e instanceof sdk.AuthGateError && e.status >= 400, 'an API key cannot mint keys');
  await me.revokeApiKey(k.id);
  assert.equal((await ag.users.as({ apiKey: k.apiKey }).status()).isAuthenticated, false);

  const sess = await me.sessions();
  assert.ok(JSON.stringify(sess).length > 2);
  const r = await me.refresh();
  assert.ok(r.token && r.token !== signed.token);
  assert.equal((await me.status()).isAuthenticated, false, 'the refreshed-away token stops');
  const me2 = ag.users.as({ token: r.token });
  await me2.logout();
  assert.equal((await me2.status()).isAuthenticated, false);
});
