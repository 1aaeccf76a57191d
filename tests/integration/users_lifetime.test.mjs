// The absolute lifetime of seed 004's refreshed user sessions, with the dev clock: a
// session refreshed before every expiry still ends `session_max_days` (users-config, 90
// by default) after its sign-in; a setting shorter than 30 days caps the first token
// too; lowering the setting ends a session already past the new cap at its next
// refresh (401 session_expired). Its own server: the clock only moves forward here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { devProject, signIn, claims, bearer, dbQuery } from '../lib/users.mjs';

const DAY = 86400e3;
let s, dev, offset = 0;

before(async () => {
  s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_AUTH_RATE_PERCENT: '1000' });
  dev = devProject(s);
});

after(async () => {
  await s?.cleanup();
});

// Move the server's clock forward by ms (offsets are from the real clock).
async function advance(ms) {
  offset += ms;
  const r = await s.req('POST', '/_dev/clock', { headers: bearer(dev.admin), body: { offset_ms: offset } });
  assert.equal(r.status, 200, r.text);
}

const setCap = (days) => s.req('PATCH', '/admin/api/projects/my-app/users-config', { headers: bearer(dev.admin), body: { session_max_days: days } });
const refresh = (token) => s.req('POST', '/users/auth/refresh', { headers: bearer(token) });
const live = async (token) => (await s.req('GET', '/users/auth/status', { headers: bearer(token) })).body.isAuthenticated;
const near = (a, b, what) => assert.ok(Math.abs(a - b) < 5000, `${what}: ${new Date(a).toISOString()} vs ${new Date(b).toISOString()}`);

test('the setting: 90 days by default, whole days from 1 to 3650', async () => {
  const get = await s.req('GET', '/admin/api/projects/my-app/users-config', { headers: bearer(dev.admin) });
  assert.equal(get.body.session_max_days, 90);
  for (const bad of [0, 3651, 1.5, '30', true]) {
    const r = await setCap(bad);
    assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${r.text}`);
    assert.match(r.body.message, /session_max_days/);
  }
  assert.equal((await setCap(3650)).body.session_max_days, 3650);
  assert.equal((await setCap(null)).body.session_max_days, 90, 'null resets it');
});

test('a session refreshed before each expiry ends 90 days after its sign-in', async () => {
  const { token } = await signIn(s, 'cap90@example.com');
  const c0 = claims(token), start = c0.iat * 1000;
  assert.equal(c0.exp - c0.iat, 30 * 86400);
  let t = token;
  for (const day of [29, 58]) { // each refresh: 30 more days
    await advance(day * DAY - offset);
    const r = await refresh(t);
    assert.equal(r.status, 200, r.text);
    near(Date.parse(r.body.expiresAt), start + (day + 30) * DAY, `refresh on day ${day}`);
    t = r.body.token;
  }
  await advance(87 * DAY - offset);
  const last = await refresh(t);
  assert.equal(last.status, 200, last.text);
  near(Date.parse(last.body.expiresAt), start + 90 * DAY, 'the refresh on day 87 stops at day 90, not day 117');
  near(claims(last.body.token).exp * 1000, start + 90 * DAY, 'and so does its token');
  t = last.body.token;
  // the row keeps the family's sign-in time
  const sid = claims(t).sid;
  near(Number(dbQuery(s, `SELECT family_started_at FROM user_sessions WHERE id = '${sid}'`)), start, 'family_started_at');
  await advance(89 * DAY - offset);
  assert.equal(await live(t), true);
  near(Date.parse((await refresh(t)).body.expiresAt), start + 90 * DAY, 'a refresh on day 89 gives the last day only');
  await advance(90 * DAY + 60e3 - offset);
  const r = await refresh(t);
  assert.equal(r.status, 401, 'past day 90 nothing refreshes');
  assert.equal(r.body.success, false);
});

test('a cap shorter than 30 days caps the first token, and refreshes stay within it', async () => {
  assert.equal((await setCap(10)).status, 200);
  try {
    const { token } = await signIn(s, 'cap10@example.com');
    const c = claims(token);
    assert.equal(c.exp - c.iat, 10 * 86400);
    await advance(9 * DAY);
    const r = await refresh(token);
    assert.equal(r.status, 200, r.text);
    near(Date.parse(r.body.expiresAt), c.iat * 1000 + 10 * DAY, 'the refresh on day 9');
    await advance(DAY + 60e3);
    assert.equal(await live(r.body.token), false);
    assert.equal((await refresh(r.body.token)).status, 401);
  } finally {
    await setCap(null);
  }
});

test('lowering the setting: a live session past the new cap ends at its next refresh (session_expired)', async () => {
  const { token, user } = await signIn(s, 'lowered@example.com');
  await advance(20 * DAY);
  assert.equal(await live(token), true);
  assert.equal((await setCap(15)).status, 200);
  try {
    const r = await refresh(token);
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.code, 'session_expired');
    assert.equal(r.body.success, false);
    assert.equal(await live(token), false, 'the session ended');
    const adm = await s.req('GET', `/admin/api/projects/my-app/users/${user.id}/sessions?all=true`, { headers: bearer(dev.admin) });
    assert.equal(adm.body.sessions.find((x) => x.id === claims(token).sid)?.end_reason, 'max_age', adm.text);
    // a session signed in now gets the new cap
    const fresh = claims((await signIn(s, 'lowered@example.com')).token);
    assert.equal(fresh.exp - fresh.iat, 15 * 86400);
  } finally {
    await setCap(null);
  }
});
