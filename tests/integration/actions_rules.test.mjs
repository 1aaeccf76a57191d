// Actions' rules (docs/ACTIONS.md): a default outcome and ordered rules per action,
// edited through the admin API; each condition type changes track's outcome as
// documented, with @authsignal/node on the app's side. A bad rule is refused naming
// its field.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { RELAXED } from '../lib/email.mjs';
import { oathtool, midStep } from '../lib/factors.mjs';
import { serverSdk, clientApi } from '../lib/actions.mjs';

describe('actions: rules', () => {
  let s, as, admin, uid = 0;
  const userId = () => `r-${process.pid}-${++uid}`;
  const rules = (action, body) => s.req('PUT', `/admin/api/projects/shop/actions/${action}`, { body, headers: { Authorization: `Bearer ${admin}` } });
  const track = (id, action, attributes = {}) => as.track({ userId: id, action, attributes });

  before(async () => {
    s = await startServer({ ...RELAXED, AUTHGATE_DEV: 'true' });
    const { key } = await s.project('shop', { origins: ['http://localhost:5173'] });
    as = serverSdk(s, key);
    admin = await s.adminToken();
    await midStep(s);
  });
  after(async () => { await s.cleanup(); });

  // A user with TOTP; meet(token) meets a track token's challenge with the next code.
  async function enrolled() {
    const id = userId();
    const c = clientApi(s, { token: (await track(id, 'enroll')).token });
    const en = await c('POST', '/user-authenticators/totp');
    const v = await c('POST', '/verify/totp', { verificationCode: oathtool(en.body.secret, await midStep(s)) });
    assert.equal(v.body.isVerified, true, v.text);
    const meet = async (token) => {
      const r = await clientApi(s, { token })('POST', '/verify/totp', { verificationCode: oathtool(en.body.secret, await midStep(s)) });
      assert.equal(r.body.isVerified, true, r.text);
    };
    return { id, meet };
  }

  test('the admin API: list, get, replace, delete; ruleIds kept when named; admin credential required', async () => {
    assert.equal((await s.req('GET', '/admin/api/projects/shop/actions')).status, 401);
    const d = await s.req('GET', '/admin/api/projects/shop/actions/payout', { headers: { Authorization: `Bearer ${admin}` } });
    assert.equal(d.status, 200);
    assert.deepEqual([d.body.defaultOutcome, d.body.configured, d.body.rules], ['CHALLENGE', false, []]);
    const put = await rules('payout', { defaultOutcome: 'REVIEW', rules: [{ name: 'Office', outcome: 'ALLOW', conditions: [{ type: 'ip_in', ranges: ['192.0.2.0/24'] }] }] });
    assert.equal(put.status, 200, put.text);
    const rid = put.body.rules[0].ruleId;
    assert.match(rid, /^rul_/);
    const again = await rules('payout', { defaultOutcome: 'REVIEW', rules: [
      { name: 'Blocked range', outcome: 'BLOCK', conditions: [{ type: 'ip_in', ranges: ['198.51.100.0/24'] }] },
      { ruleId: rid, name: 'Office (renamed)', outcome: 'ALLOW', conditions: [{ type: 'ip_in', ranges: ['192.0.2.0/24'] }] },
    ] });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.rules[1].ruleId, rid, 'a named rule keeps its id');
    assert.equal(again.body.rules[1].name, 'Office (renamed)');
    const list = await s.req('GET', '/admin/api/projects/shop/actions', { headers: { Authorization: `Bearer ${admin}` } });
    assert.ok(list.body.some((x) => x.action === 'payout' && x.rules.length === 2));
    const unknown = await rules('payout', { rules: [{ ruleId: 'rul_nope', name: 'x', outcome: 'ALLOW', conditions: [{ type: 'not_enrolled' }] }] });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.message, /rules\[0\]\.ruleId/);
    assert.equal((await s.req('DELETE', '/admin/api/projects/shop/actions/payout', { headers: { Authorization: `Bearer ${admin}` } })).status, 204);
    assert.equal((await s.req('DELETE', '/admin/api/projects/shop/actions/payout', { headers: { Authorization: `Bearer ${admin}` } })).status, 404);
  });

  test('a bad rule is refused with the field named', async () => {
    const cases = [
      [{ defaultOutcome: 'MAYBE' }, /'defaultOutcome'/],
      [{ rules: [{ name: 'a', outcome: 'ALLOW', conditions: [{ type: 'not_enrolled' }] }, { name: 'b', outcome: 'BLOCK', conditions: [{ type: 'ip_in', ranges: ['10.0.0.0/8', '::1', '300.1.1.1/8'] }] }] }, /'rules\[1\]\.conditions\[0\]\.ranges\[2\]'/],
      [{ rules: [{ name: 'a', outcome: 'DENY', conditions: [{ type: 'not_enrolled' }] }] }, /'rules\[0\]\.outcome'/],
      [{ rules: [{ name: 'a', outcome: 'ALLOW', conditions: [] }] }, /'rules\[0\]\.conditions'/],
      [{ rules: [{ name: 'a', outcome: 'ALLOW', conditions: [{ type: 'velocity', count: 0, minutes: 5 }] }] }, /'rules\[0\]\.conditions\[0\]\.count'/],
      [{ rules: [{ name: 'a', outcome: 'ALLOW', conditions: [{ type: 'custom', key: 'amount', op: 'gt', value: 'lots' }] }] }, /'rules\[0\]\.conditions\[0\]\.value'/],
      [{ rules: [{ name: 'a', outcome: 'ALLOW', conditions: [{ type: 'new_device', extra: 1 }] }] }, /'rules\[0\]\.conditions\[0\]\.extra'/],
      [{ rules: [{ name: 'a', outcome: 'ALLOW', conditions: [{ type: 'moon_phase' }] }] }, /'rules\[0\]\.conditions\[0\]\.type'/],
      [{ rules: [{ outcome: 'ALLOW', conditions: [{ type: 'not_enrolled' }] }] }, /'rules\[0\]\.name'/],
    ];
    for (const [body, field] of cases) {
      const r = await rules('checks', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error, 'invalid_request');
      assert.match(r.body.message, field);
    }
    assert.equal((await rules('bad action', {})).status, 400);
  });

  test('default outcome: ALLOW, REVIEW, BLOCK, and CHALLENGE (an enrolled user is challenged, one without is allowed)', async () => {
    const u = await enrolled();
    const fresh = userId();
    for (const [outcome, state] of [['ALLOW', 'ALLOW'], ['REVIEW', 'REVIEW_REQUIRED'], ['BLOCK', 'BLOCK'], ['CHALLENGE', 'CHALLENGE_REQUIRED']]) {
      assert.equal((await rules('login', { defaultOutcome: outcome })).status, 200);
      const t = await track(u.id, 'login');
      assert.equal(t.state, state, outcome);
      assert.deepEqual(t.ruleIds, []);
    }
    assert.equal((await track(fresh, 'login')).state, 'ALLOW', 'CHALLENGE by default needs an authenticator');
    await rules('login', { defaultOutcome: 'BLOCK' });
    const b = await track(u.id, 'login');
    const r = await clientApi(s, { token: b.token })('POST', '/verify/totp', { verificationCode: '123456' });
    assert.equal(r.status, 403, 'a blocked action takes no challenge');
    assert.equal(r.body.error, 'action_blocked');
  });

  test('new device: challenged until a challenge is met from it; a failed attempt leaves it new', async () => {
    const u = await enrolled();
    const put = await rules('device', { defaultOutcome: 'ALLOW', rules: [{ name: 'New device', outcome: 'CHALLENGE', conditions: [{ type: 'new_device' }] }] });
    const rid = put.body.rules[0].ruleId;
    const t1 = await track(u.id, 'device', { deviceId: 'laptop' });
    assert.equal(t1.state, 'CHALLENGE_REQUIRED');
    assert.deepEqual(t1.ruleIds, [rid]);
    const again = await track(u.id, 'device', { deviceId: 'laptop' });
    assert.equal(again.state, 'CHALLENGE_REQUIRED', 'not met yet: still new');
    await u.meet(t1.token);
    const t2 = await track(u.id, 'device', { deviceId: 'laptop' });
    assert.equal(t2.state, 'ALLOW');
    assert.deepEqual(t2.ruleIds, []);
    assert.equal((await track(u.id, 'device', { deviceId: 'phone' })).state, 'CHALLENGE_REQUIRED');
    assert.equal((await track(u.id, 'device')).state, 'ALLOW', 'no deviceId: the condition cannot hold');
    const a = await as.getAction({ userId: u.id, action: 'device', idempotencyKey: t1.idempotencyKey });
    assert.deepEqual(a.rules.map((x) => [x.ruleId, x.name]), [[rid, 'New device']]);
  });

  test('new IP address; IP in a list of ranges (IPv4, IPv6, a single address)', async () => {
    const u = await enrolled();
    await rules('ip', { defaultOutcome: 'ALLOW', rules: [
      { name: 'Bad ranges', outcome: 'BLOCK', conditions: [{ type: 'ip_in', ranges: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'] }] },
      { name: 'New IP', outcome: 'CHALLENGE', conditions: [{ type: 'new_ip' }] },
    ] });
    for (const ip of ['203.0.113.9', '2001:db8::1', '198.51.100.7', '::ffff:203.0.113.200']) assert.equal((await track(u.id, 'ip', { ipAddress: ip })).state, 'BLOCK', ip);
    const t = await track(u.id, 'ip', { ipAddress: '198.51.100.8' });
    assert.equal(t.state, 'CHALLENGE_REQUIRED');
    await u.meet(t.token);
    assert.equal((await track(u.id, 'ip', { ipAddress: '198.51.100.8' })).state, 'ALLOW');
    assert.equal((await track(u.id, 'ip', { ipAddress: '192.0.2.1' })).state, 'CHALLENGE_REQUIRED');
  });

  test('not enrolled: a rule that challenges sends a user without an authenticator to enrollment', async () => {
    const put = await rules('enrollme', { defaultOutcome: 'ALLOW', rules: [{ name: 'Must enroll', outcome: 'CHALLENGE', conditions: [{ type: 'not_enrolled' }] }] });
    const t = await track(userId(), 'enrollme');
    assert.equal(t.state, 'CHALLENGE_REQUIRED');
    assert.equal(t.isEnrolled, false);
    assert.deepEqual(t.ruleIds, [put.body.rules[0].ruleId]);
    const u = await enrolled();
    assert.equal((await track(u.id, 'enrollme')).state, 'ALLOW');
  });

  test('velocity: more than N actions in M minutes', async () => {
    const id = userId();
    await rules('burst', { defaultOutcome: 'ALLOW', rules: [{ name: 'Burst', outcome: 'REVIEW', conditions: [{ type: 'velocity', count: 2, minutes: 10 }] }] });
    assert.equal((await track(id, 'burst')).state, 'ALLOW');
    assert.equal((await track(id, 'burst')).state, 'ALLOW');
    assert.equal((await track(id, 'burst')).state, 'REVIEW_REQUIRED');
    assert.equal((await track(id, 'other')).state, 'ALLOW', 'counted per action code');
  });

  test('a custom attribute; the first matching rule decides, every match is reported, disabled rules are skipped', async () => {
    const id = userId();
    const put = await rules('transfer', { defaultOutcome: 'ALLOW', rules: [
      { name: 'Off', outcome: 'BLOCK', enabled: false, conditions: [{ type: 'custom', key: 'amount', op: 'exists' }] },
      { name: 'Sanctioned', outcome: 'BLOCK', conditions: [{ type: 'custom', key: 'country', op: 'eq', value: 'XX' }] },
      { name: 'Large', outcome: 'REVIEW', conditions: [{ type: 'custom', key: 'amount', op: 'gte', value: 1000 }] },
      { name: 'Medium', outcome: 'CHALLENGE', conditions: [{ type: 'custom', key: 'amount', op: 'gt', value: 100 }] },
    ] });
    const [, sanctioned, large, medium] = put.body.rules.map((r) => r.ruleId);
    assert.equal((await track(id, 'transfer', { custom: { amount: 50 } })).state, 'ALLOW');
    const m = await track(id, 'transfer', { custom: { amount: 500 } });
    assert.deepEqual([m.state, m.ruleIds], ['CHALLENGE_REQUIRED', [medium]]);
    const l = await track(id, 'transfer', { custom: { amount: 5000 } });
    assert.deepEqual([l.state, l.ruleIds], ['REVIEW_REQUIRED', [large, medium]]);
    const x = await track(id, 'transfer', { custom: { amount: 5000, country: 'XX' } });
    assert.deepEqual([x.state, x.ruleIds], ['BLOCK', [sanctioned, large, medium]]);
    const a = await as.getAction({ userId: id, action: 'transfer', idempotencyKey: x.idempotencyKey });
    assert.deepEqual(a.ruleIds, [sanctioned, large, medium]);
    assert.equal(a.priorityRuleId, sanctioned);
    assert.equal((await track(id, 'transfer', { custom: { amount: 'a lot' } })).state, 'ALLOW', 'a string is not a number');
  });
});
