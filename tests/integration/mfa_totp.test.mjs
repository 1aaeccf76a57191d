// TOTP factors and the MFA step of email sign-in, with codes from oathtool: enrollment
// (secret, otpauth URI, server-rendered QR SVG), confirmation, the step itself, replay
// and clock-window edges (the dev clock), lockout with Retry-After, recovery codes,
// rename/remove, the required policy's enrollment path, token verify's mfa answer and
// the admin reset.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { client, signingSecret, verifyJwt, patchProject, RELAXED } from '../lib/email.mjs';
import { oathtool, midStep, signUp, userApi, enrollTotp } from '../lib/factors.mjs';

describe('TOTP and the MFA step', () => {
  let s, api, key, secret, admin;
  before(async () => {
    s = await startServer({ ...RELAXED, AUTHGATE_DEV: 'true' });
    ({ key } = await s.project('mfa-app', { origins: ['http://localhost:5173'] }));
    api = client(s, key);
    secret = await signingSecret(s, 'mfa-app');
    admin = await s.adminToken();
    await patchProject(s, 'mfa-app', { mfa: 'optional' });
  });
  after(() => s.cleanup());

  const verifyToken = (token) => api('POST', '/api/v1/token/verify', { token });

  test('enroll: secret, otpauth URI and an SVG QR code; pending until a first oathtool code', async () => {
    const now = await midStep(s);
    const { token, email } = await signUp(s, key);
    const u = userApi(s, token);
    const st = await u('POST', '/api/mfa/enroll/totp', {});
    assert.equal(st.status, 201, st.text);
    assert.match(st.body.secret, /^[A-Z2-7]{32}$/);
    assert.equal(st.body.otpauth_uri,
      `otpauth://totp/Test%20App:${encodeURIComponent(email)}?secret=${st.body.secret}&issuer=Test%20App&algorithm=SHA1&digits=6&period=30`);
    assert.match(st.body.qr_svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 \d+ \d+"/);
    assert.equal(st.body.status, 'pending');
    let list = await u('GET', '/api/mfa/factors');
    assert.deepEqual(list.body.factors, [], 'pending factors are not listed');
    const wrong = await u('POST', `/api/mfa/factors/${st.body.id}/confirm`, { code: oathtool(st.body.secret, now + 600) });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_code');
    const ok = await u('POST', `/api/mfa/factors/${st.body.id}/confirm`, { code: oathtool(st.body.secret, now) });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.factor.status, 'active');
    list = await u('GET', '/api/mfa/factors');
    assert.deepEqual(list.body.methods, ['totp']);
    assert.equal(list.body.factors[0].type, 'totp');
    assert.equal(list.body.factors[0].name, 'Authenticator app');
  });

  test('sign-in answers mfa_required; an oathtool code completes it once; amr and mfa in the token', async () => {
    const now = await midStep(s);
    const { token, email, password } = await signUp(s, key);
    const { secret: totp } = await enrollTotp(s, token, now);
    const si = await api('POST', '/api/proxy/email/signin', { email, password });
    assert.equal(si.status, 200, si.text);
    assert.equal(si.body.mfa_required, true);
    assert.equal(si.body.token, undefined, 'no session token before the second factor');
    assert.match(si.body.mfa_token, /^mfa_/);
    assert.deepEqual(si.body.methods, ['totp']);
    // enrollment used the current step: move the server's clock on and use a fresh one
    const code2 = oathtool(totp, await midStep(s));
    const v = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si.body.mfa_token, method: 'totp', code: code2 });
    assert.equal(v.status, 200, v.text);
    const claims = await verifyJwt(v.body.token, secret);
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.deepEqual(claims.mfa, { enrolled: true, methods: ['totp'] });
    assert.equal(claims.provider, 'email');
    const tv = await verifyToken(v.body.token);
    assert.deepEqual(tv.body.mfa, { enrolled: true, methods: ['totp'] });
    // the mfa_token is single use
    const again = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si.body.mfa_token, method: 'totp', code: code2 });
    assert.equal(again.status, 401);
    assert.equal(again.body.error, 'invalid_mfa_token');
    // the same code in a second sign-in is a replay
    const si2 = await api('POST', '/api/proxy/email/signin', { email, password });
    const replay = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si2.body.mfa_token, method: 'totp', code: code2 });
    assert.equal(replay.status, 401, 'a code is accepted at most once');
    assert.equal(replay.body.error, 'invalid_code');
  });

  test('clock window: the previous and next steps pass, two steps away does not; an older step after a newer one is refused', async () => {
    const now = await midStep(s);
    const { token, email, password } = await signUp(s, key);
    const { secret: totp } = await enrollTotp(s, token, now);
    const step = async (t) => {
      const si = await api('POST', '/api/proxy/email/signin', { email, password });
      return api('POST', '/api/proxy/mfa/verify', { mfa_token: si.body.mfa_token, method: 'totp', code: oathtool(totp, t) });
    };
    const base = await midStep(s);
    assert.equal((await step(base - 60)).status, 401, 'two steps back');
    assert.equal((await step(base + 60)).status, 401, 'two steps ahead');
    assert.equal((await step(base - 30)).status, 200, 'one step back');
    assert.equal((await step(base - 30)).status, 401, 'the same step again');
    assert.equal((await step(base + 30)).status, 200, 'one step ahead');
    assert.equal((await step(base)).status, 401, 'a step older than the last one used');
  });

  test('lockout: five wrong codes lock the step with 429 and Retry-After; it lifts', async () => {
    const now = await midStep(s);
    const { token, email, password } = await signUp(s, key);
    const { secret: totp } = await enrollTotp(s, token, now);
    const si = await api('POST', '/api/proxy/email/signin', { email, password });
    for (let i = 0; i < 5; i++) {
      const r = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si.body.mfa_token, method: 'totp', code: '000000' });
      assert.equal(r.status, 401, `attempt ${i + 1}`);
    }
    const now2 = await midStep(s);
    const locked = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si.body.mfa_token, method: 'totp', code: oathtool(totp, now2) });
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error, 'mfa_locked');
    const retry = Number(locked.headers['retry-after']);
    assert.ok(retry > 0 && retry <= 900, `Retry-After ${retry}`);
    const log = await userApi(s, token)('GET', '/api/mfa/security-log');
    assert.ok(log.body.events.filter((e) => e.event === 'mfa.failed').length >= 5, 'failures are in the security log');
    const later = await midStep(s, 31); // 15.5 minutes on
    const lifted = await api('POST', '/api/proxy/mfa/verify', { mfa_token: (await api('POST', '/api/proxy/email/signin', { email, password })).body.mfa_token, method: 'totp', code: oathtool(totp, later) });
    assert.equal(lifted.status, 200, lifted.text);
  });

  test('recovery codes: ten, shown once, each works once; a new set voids the old', async () => {
    const now = await midStep(s);
    const { token, email, password } = await signUp(s, key);
    await enrollTotp(s, token, now);
    const u = userApi(s, token);
    const g = await u('POST', '/api/mfa/recovery-codes', {});
    assert.equal(g.status, 201, g.text);
    assert.equal(g.body.codes.length, 10);
    for (const c of g.body.codes) assert.match(c, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
    const si = await api('POST', '/api/proxy/email/signin', { email, password });
    assert.ok(si.body.methods.includes('recovery'));
    const v = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si.body.mfa_token, method: 'recovery', code: g.body.codes[0].toUpperCase() });
    assert.equal(v.status, 200, v.text);
    assert.deepEqual((await verifyJwt(v.body.token, secret)).amr, ['pwd', 'rec', 'mfa']);
    const si2 = await api('POST', '/api/proxy/email/signin', { email, password });
    const reused = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si2.body.mfa_token, method: 'recovery', code: g.body.codes[0] });
    assert.equal(reused.status, 401);
    const g2 = await u('POST', '/api/mfa/recovery-codes', {});
    const old = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si2.body.mfa_token, method: 'recovery', code: g.body.codes[1] });
    assert.equal(old.status, 401, 'the old set is void');
    const fresh = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si2.body.mfa_token, method: 'recovery', code: g2.body.codes[1] });
    assert.equal(fresh.status, 200, fresh.text);
  });

  test("token verify's mfa follows factors added and removed, even for a token issued before", async () => {
    const now = await midStep(s);
    const { token } = await signUp(s, key);
    const before = await verifyToken(token);
    assert.equal(before.status, 200, before.text);
    assert.deepEqual(before.body.mfa, { enrolled: false, methods: [] });
    const { factor } = await enrollTotp(s, token, now);
    const after = await verifyToken(token);
    assert.equal(after.status, 200, after.text);
    assert.deepEqual(after.body.mfa, { enrolled: true, methods: ['totp'] });
    const u = userApi(s, token);
    const ren = await u('PATCH', `/api/mfa/factors/${factor.id}`, { name: 'Work phone' });
    assert.equal(ren.status, 200, ren.text);
    assert.equal(ren.body.name, 'Work phone');
    const bad = await u('PATCH', `/api/mfa/factors/${factor.id}`, { name: 'a\tb' });
    assert.equal(bad.status, 400);
    const del = await u('DELETE', `/api/mfa/factors/${factor.id}`);
    assert.equal(del.status, 204);
    assert.deepEqual((await verifyToken(token)).body.mfa, { enrolled: false, methods: [] });
    const events = (await u('GET', '/api/mfa/security-log')).body.events.map((e) => e.event);
    for (const e of ['factor.enrolled', 'factor.renamed', 'factor.removed']) assert.ok(events.includes(e), e);
  });

  test('required policy: a user without a factor enrolls with the mfa_token, and that completes the sign-in', async () => {
    await patchProject(s, 'mfa-app', { mfa: 'required' });
    try {
      // sign-up itself is a first factor: under "required" it answers an enrollment step too
      const api2 = api;
      const email = `req.${Date.now()}@example.com`, password = 'securePassword1';
      const up = await api2('POST', '/api/proxy/email/signup', { email, password });
      assert.equal(up.body.mfa_required, true, up.text);
      const si = await api('POST', '/api/proxy/email/signin', { email, password });
      assert.equal(si.body.mfa_required, true);
      assert.equal(si.body.enroll_required, true);
      assert.deepEqual(si.body.methods, []);
      const refuse = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si.body.mfa_token, method: 'totp', code: '123456' });
      assert.equal(refuse.status, 403);
      assert.equal(refuse.body.error, 'enrollment_required');
      const u = userApi(s, si.body.mfa_token);
      assert.equal((await u('GET', '/api/mfa/factors')).status, 403, 'an mfa_token cannot manage factors');
      const now = await midStep(s);
      const { confirm } = await enrollTotp(s, si.body.mfa_token, now);
      const claims = await verifyJwt(confirm.token, secret);
      assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
      assert.deepEqual(claims.mfa, { enrolled: true, methods: ['totp'] });
      const spent = await u('POST', '/api/mfa/enroll/totp', {});
      assert.equal(spent.status, 401, 'the mfa_token is spent');
    } finally {
      await patchProject(s, 'mfa-app', { mfa: 'optional' });
    }
  });

  test('admin reset removes every factor; a session token of another project is refused', async () => {
    const now = await midStep(s);
    const { token, user, email, password } = await signUp(s, key);
    await enrollTotp(s, token, now);
    const h = { Authorization: `Bearer ${admin}` };
    const l = await s.req('GET', `/admin/api/projects/mfa-app/users/${user.id}/factors`, { headers: h });
    assert.equal(l.status, 200, l.text);
    assert.equal(l.body.factors.length, 1);
    const r = await s.req('DELETE', `/admin/api/projects/mfa-app/users/${user.id}/factors`, { headers: h });
    assert.equal(r.status, 204);
    const si = await api('POST', '/api/proxy/email/signin', { email, password });
    assert.ok(si.body.token, 'no factor, optional policy: a session token at once');
    assert.equal((await userApi(s, 'not-a-token')('GET', '/api/mfa/factors')).status, 401);
  });
});
