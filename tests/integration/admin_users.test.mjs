// The dashboard's Users and Devices API (also on PostgreSQL): search by email or id;
// a user's identities, factors, devices, push sign-ins and security events; disable
// (sessions end, every sign-in path refuses, every token fails), end all sessions,
// reset factors, delete with the data removed (rows gone, old tokens refused); devices
// listed and removed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer } from '../lib/server.mjs';
import { client, RELAXED, shiftClock } from '../lib/email.mjs';
import { Device, mailbox } from '../lib/push.mjs';
import { enrollTotp, midStep, signUp } from '../lib/factors.mjs';


let s, mb, h, key, api, jane, dev;
const APP = 'users-app';
const base = `/admin/api/projects/${APP}`;

before(async () => {
  mb = await mailbox();
  s = await startServer({ ...RELAXED, AUTHGATE_DEV: 'true', ...mb.env });
  h = { Authorization: `Bearer ${await s.adminToken()}` };
  ({ key } = await s.project(APP, { name: 'Users App' }));
  api = client(s, key);
  // The device first (its enrollment mail must not meet the sign-up's code mail).
  const email = `jane.${Date.now()}@example.com`;
  dev = await Device.create();
  await dev.enroll(s, mb, email, { name: 'Jane Phone' });
  const now = await midStep(s); // the dev clock moves first: tokens are issued under it
  const password = 'securePassword1';
  const up = await api('POST', '/api/proxy/email/signup', { email, password, name: 'Jane' });
  jane = { email, password, token: up.body.token, user: up.body.user };
  await enrollTotp(s, jane.token, now);
  await shiftClock(s, 0); // back to real time: the device signs with it
  jane.token = (await api('POST', '/api/proxy/email/signin', { email, password })).body.token;
  // One push sign-in, approved.
  const st = await s.req('POST', '/auth/start', { body: { app_id: APP, email: jane.email } });
  const req = await dev.request(s, { appId: APP });
  const d = await dev.decide(s, req.request_id, 'approve', st.body.code);
  assert.equal(d.status, 200, d.text);
  await signUp(s, key); // someone else
});
after(async () => {
  await s?.cleanup();
  await mb?.close();
});

const verify = async (token) => (await api('POST', '/api/v1/token/verify', { token })).body.valid;
const signin = () => api('POST', '/api/proxy/email/signin', { email: jane.email, password: jane.password });

test('search by email or id', async () => {
  let r = await s.req('GET', `${base}/users?q=${encodeURIComponent(jane.email.slice(0, 12).toUpperCase())}`, { headers: h });
  assert.equal(r.status, 200);
  assert.ok(r.body.users.some((u) => u.id === jane.user.id));
  r = await s.req('GET', `${base}/users?q=${jane.user.id}`, { headers: h });
  assert.deepEqual(r.body.users.map((u) => u.email), [jane.email]);
  assert.deepEqual(r.body.users[0].mfa_methods, ['totp']);
  r = await s.req('GET', `${base}/users`, { headers: h });
  assert.equal(r.body.users.length, 2);
  r = await s.req('GET', `${base}/users?q=%25`, { headers: h });
  assert.equal(r.body.users.length, 0, 'a % is a character, not a wildcard');
  assert.equal((await s.req('GET', `${base}/users?limit=0`, { headers: h })).status, 400);
  assert.equal((await s.req('GET', '/admin/api/projects/nope/users', { headers: h })).status, 404);
});

test('a user in full: factors, devices, push sign-ins, security events', async () => {
  const r = await s.req('GET', `${base}/users/${jane.user.id}`, { headers: h });
  assert.equal(r.status, 200);
  assert.equal(r.body.user.email, jane.email);
  assert.equal(r.body.user.has_password, true);
  assert.equal(r.body.user.disabled, false);
  assert.deepEqual(r.body.factors.map((f) => [f.type, f.status]), [['totp', 'active']]);
  assert.deepEqual(r.body.devices.map((d) => d.name), ['Jane Phone']);
  assert.ok(r.body.devices[0].first_approved_at);
  assert.equal(r.body.push_sessions[0].status, 'approved');
  assert.equal(r.body.push_sessions[0].device_id, dev.id);
  assert.deepEqual(r.body.identities, []);
  assert.ok(r.body.factor_log.some((e) => e.event === 'factor.enrolled'));
  assert.equal((await s.req('GET', `${base}/users/user_nope`, { headers: h })).status, 404);
});

test('disable: sessions end at once, every path refuses, tokens fail; enable again', async () => {
  const before = (await signin()).body;
  // optional MFA is off for this project: sign-in answers a token
  assert.ok(before.token || before.mfa_token);
  const tok = before.token || jane.token;
  assert.equal(await verify(jane.token), true);
  let r = await s.req('PATCH', `${base}/users/${jane.user.id}`, { body: { disabled: true }, headers: h });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.disabled, true);
  assert.equal(await verify(tok), false, 'a token from before');
  r = await signin();
  assert.equal(r.status, 403);
  assert.equal(r.body.error, 'user_disabled');
  const st = await s.req('POST', '/auth/start', { body: { app_id: APP, email: jane.email } });
  const req = await dev.request(s, { appId: APP });
  r = await dev.decide(s, req.request_id, 'approve', st.body.code);
  assert.equal(r.status, 403, 'the phone is told');
  assert.equal(r.body.error, 'user_disabled');
  assert.equal((await s.req('GET', `/auth/check/${st.body.session_id}`)).body.status, 'pending');
  r = await s.req('GET', `${base}/users?q=${jane.user.id}`, { headers: h });
  assert.equal(r.body.users[0].disabled, true);
  r = await s.req('PATCH', `${base}/users/${jane.user.id}`, { body: { disabled: false }, headers: h });
  assert.equal(r.body.disabled, false);
  r = await signin();
  assert.equal(r.status, 200, r.text);
  if (r.body.token) assert.equal(await verify(r.body.token), true);
  assert.equal(await verify(tok), false, 'tokens from before stay ended');
  assert.equal((await s.req('PATCH', `${base}/users/${jane.user.id}`, { body: {}, headers: h })).status, 400);
});

test('end all sessions; reset factors', async () => {
  const a = await signUp(s, key);
  assert.equal(await verify(a.token), true);
  let r = await s.req('POST', `${base}/users/${a.user.id}/sessions/end`, { headers: h });
  assert.equal(r.status, 200);
  assert.equal(await verify(a.token), false);
  r = await s.req('DELETE', `${base}/users/${jane.user.id}/factors`, { headers: h });
  assert.equal(r.status, 204);
  r = await s.req('GET', `${base}/users/${jane.user.id}`, { headers: h });
  assert.deepEqual(r.body.factors, []);
  assert.deepEqual(r.body.user.mfa_methods, []);
});

test('devices: listed by email, removed', async () => {
  let r = await s.req('GET', `${base}/devices?email=${encodeURIComponent(jane.email)}`, { headers: h });
  assert.deepEqual(r.body.devices.map((d) => d.id), [dev.id]);
  r = await s.req('DELETE', `${base}/devices/${dev.id}`, { headers: h });
  assert.equal(r.status, 200);
  r = await s.req('GET', `${base}/devices`, { headers: h });
  assert.equal(r.body.devices.some((d) => d.id === dev.id), false);
  assert.equal((await dev.login(s)).status, 401, 'the removed device cannot sign in to the app');
  assert.equal((await s.req('DELETE', `${base}/devices/ag-nope`, { headers: h })).status, 404);
});

test('delete: the user and the data that names them are gone; old tokens are refused', async () => {
  const si = await signin();
  const tok = si.body.token;
  let r = await s.req('DELETE', `${base}/users/${jane.user.id}`, { headers: h });
  assert.equal(r.status, 200, r.text);
  if (tok) assert.equal(await verify(tok), false);
  assert.equal((await s.req('GET', `${base}/users/${jane.user.id}`, { headers: h })).status, 404);
  r = await s.req('GET', `${base}/users?q=${encodeURIComponent(jane.email)}`, { headers: h });
  assert.equal(r.body.users.length, 0);
  assert.equal((await signin()).status, 401, 'no such account any more');
  if (process.env.AUTHGATE_TEST_STORE === 'postgres') return;
  const db = `${s.dataDir}/authgate.db`;
  const count = (sql) => Number(execFileSync('sqlite3', [db, sql], { encoding: 'utf8' }).trim());
  const id = jane.user.id, email = jane.email;
  assert.equal(count(`SELECT COUNT(*) FROM users WHERE email = '${email}' OR name IS NOT NULL AND id = '${id}'`), 0);
  for (const t of ['factors', 'recovery_codes', 'email_codes', 'email_tokens', 'security_log', 'oauth_identities']) {
    assert.equal(count(`SELECT COUNT(*) FROM ${t} WHERE user_id = '${id}'`), 0, t);
  }
  assert.equal(count(`SELECT COUNT(*) FROM push_sessions WHERE email = '${email}' OR user_id = '${id}'`), 0);
  assert.equal(count(`SELECT COUNT(*) FROM security_events WHERE message LIKE '%${id}%'`), 0);
  assert.equal(count(`SELECT COUNT(*) FROM push_device_apps WHERE app_id = '${APP}'`), 0);
  // Audited, without the email.
  const log = (await s.req('GET', `/admin/api/audit?app_id=${APP}`, { headers: h })).body.entries;
  assert.ok(log.some((e) => e.action === 'DELETE /admin/api/projects/{app_id}/users/{user_id}' && e.status === 200));
});
