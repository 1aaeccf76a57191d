// SMS and email code factors: the dev capture (`authgate sms list`, /_dev/sms), a local
// Twilio-shaped server (form body, Basic auth, retries on 429/5xx, a bad number given
// up), the signed sms.send webhook, E.164 validation, per-number limits; email codes
// through a real SMTP server; both as the MFA step of sign-in.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { startServer } from '../lib/server.mjs';
import { startMailbox, codeOf } from '../lib/mailbox.mjs';
import { client, signingSecret, verifyJwt, patchProject, RELAXED } from '../lib/email.mjs';
import { signUp, userApi } from '../lib/factors.mjs';
import { waitFor } from '../lib/push.mjs';
import { startTwilio } from '../lib/twilio_fake.mjs';

const codeIn = (body) => (body.match(/\b(\d{6})\b/) || [])[1];

async function smsOn(s, appId) {
  await patchProject(s, appId, { providers: { sms: true }, mfa: 'optional' });
}

describe('SMS codes, dev capture', () => {
  let s, key, api, mb;
  before(async () => {
    mb = await startMailbox();
    s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_DEV: 'true' });
    ({ key } = await s.project('sms-app'));
    api = client(s, key);
    await smsOn(s, 'sms-app');
  });
  after(async () => {
    await s.cleanup();
    await mb.close();
  });

  async function lastSms(to) {
    return waitFor(async () => {
      const r = await s.cliJSON('sms', 'list', '--json');
      return r.find((m) => m.to === to);
    }, `an SMS to ${to}`);
  }

  test('enroll by SMS: E.164 only, the code arrives in the capture, confirms once', async () => {
    const { token } = await signUp(s, key);
    const u = userApi(s, token);
    for (const phone of ['0151 1234567', '+0151234567', '+1234', '+1415555012345678', '+1415abc0123']) {
      const r = await u('POST', '/api/mfa/enroll/sms', { phone });
      assert.equal(r.status, 400, phone);
      assert.equal(r.body.error, 'invalid_phone');
    }
    const phone = '+14155550101';
    const st = await u('POST', '/api/mfa/enroll/sms', { phone });
    assert.equal(st.status, 201, st.text);
    assert.equal(st.body.phone, '+14•••0101', 'the number is masked');
    const m = await lastSms(phone);
    assert.match(m.body, /is your Test App code/);
    const code = codeIn(m.body);
    assert.equal((await u('POST', `/api/mfa/factors/${st.body.id}/confirm`, { code: code === '000000' ? '111111' : '000000' })).status, 401);
    const ok = await u('POST', `/api/mfa/factors/${st.body.id}/confirm`, { code });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.factor.status, 'active');
    assert.equal((await u('POST', `/api/mfa/factors/${st.body.id}/confirm`, { code })).status, 404, 'confirmed already');
    // the dev viewer lists it (loopback only)
    const dev = await s.req('GET', '/_dev/sms/messages');
    assert.ok(dev.body.messages.some((x) => x.to === phone));
    const page = await s.req('GET', '/_dev/sms');
    assert.equal(page.status, 200);
    assert.match(page.text, /Captured SMS/);
  });

  test('the MFA step by SMS: challenge sends a code, verify completes; amr has sms', async () => {
    const { token, email, password } = await signUp(s, key);
    const u = userApi(s, token);
    const phone = '+14155550102';
    const st = await u('POST', '/api/mfa/enroll/sms', { phone });
    await u('POST', `/api/mfa/factors/${st.body.id}/confirm`, { code: codeIn((await lastSms(phone)).body) });
    const si = await api('POST', '/api/proxy/email/signin', { email, password });
    assert.deepEqual(si.body.methods, ['sms']);
    const before = (await s.cliJSON('sms', 'list', '--json')).length;
    const ch = await api('POST', '/api/proxy/mfa/challenge', { mfa_token: si.body.mfa_token, method: 'sms' });
    assert.equal(ch.status, 200, ch.text);
    const m = await waitFor(async () => {
      const l = await s.cliJSON('sms', 'list', '--json');
      return l.length > before && l[0].to === phone && l[0];
    }, 'the sign-in SMS');
    const v = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si.body.mfa_token, method: 'sms', code: codeIn(m.body) });
    assert.equal(v.status, 200, v.text);
    const claims = await verifyJwt(v.body.token, await signingSecret(s, 'sms-app'));
    assert.deepEqual(claims.amr, ['pwd', 'sms', 'mfa']);
  });

  test('email codes: enroll with the mailed code, then the MFA step by email', async () => {
    const { token, email, password } = await signUp(s, key);
    await mb.next(email); // the sign-up verification mail
    const u = userApi(s, token);
    const st = await u('POST', '/api/mfa/enroll/email', {});
    assert.equal(st.status, 201, st.text);
    const m = await mb.next(email);
    assert.match(m.subject, /is your Test App sign-in code/);
    assert.equal((await u('POST', `/api/mfa/factors/${st.body.id}/confirm`, { code: codeOf(m) })).status, 200);
    const si = await api('POST', '/api/proxy/email/signin', { email, password });
    assert.deepEqual(si.body.methods, ['email']);
    assert.equal((await api('POST', '/api/proxy/mfa/challenge', { mfa_token: si.body.mfa_token, method: 'email' })).status, 200);
    const code = codeOf(await mb.next(email));
    // three attempts per code: two wrong ones leave the right one working
    for (let i = 0; i < 2; i++) {
      const w = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si.body.mfa_token, method: 'email', code: code === '999999' ? '999998' : '999999' });
      assert.equal(w.status, 401);
    }
    const v = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si.body.mfa_token, method: 'email', code });
    assert.equal(v.status, 200, v.text);
    const wrongMethod = await api('POST', '/api/proxy/mfa/challenge', { mfa_token: si.body.mfa_token, method: 'sms' });
    assert.equal(wrongMethod.status, 401, 'the mfa_token is spent');
  });
});

describe('SMS limits (unscaled)', () => {
  let s, key;
  before(async () => {
    s = await startServer({ AUTHGATE_DEV: 'true' });
    ({ key } = await s.project('lim-app'));
    await smsOn(s, 'lim-app');
  });
  after(() => s.cleanup());

  test('per-number limit: the 4th code to one number within 10 minutes is refused with Retry-After', async () => {
    const { token } = await signUp(s, key);
    const u = userApi(s, token);
    const phone = '+14155550103';
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await u('POST', '/api/mfa/enroll/sms', { phone })).status);
    assert.deepEqual(statuses.slice(0, 3), [201, 201, 201]);
    assert.equal(statuses[3], 429);
    const r = await u('POST', '/api/mfa/enroll/sms', { phone });
    assert.equal(r.body.error, 'rate_limited');
    assert.ok(Number(r.headers.get('retry-after')) > 0);
  });

});

describe('SMS through a Twilio-compatible API', () => {
  let s, key, tw;
  before(async () => {
    tw = await startTwilio();
    s = await startServer({ ...tw.env, ...RELAXED, AUTHGATE_DEV: 'true', AUTHGATE_OUTBOX_BACKOFF_SCALE: '1' });
    ({ key } = await s.project('tw-app'));
    await smsOn(s, 'tw-app');
  });
  after(async () => {
    await s.cleanup();
    await tw.close();
  });

  test('a code goes to the API with Basic auth and the form body; 429 and 503 are retried', async () => {
    tw.fail.push({ status: 429, code: 20429, headers: { 'Retry-After': '1' } }, { status: 503, code: 20503 });
    const { token } = await signUp(s, key);
    const u = userApi(s, token);
    const st = await u('POST', '/api/mfa/enroll/sms', { phone: '+4915112345678' });
    assert.equal(st.status, 201, st.text);
    const m = await waitFor(() => tw.messages.find((x) => x.to === '+4915112345678'), 'the message at the API', 30000);
    assert.equal(m.from, '+15005550006');
    assert.match(m.body, /^\d{6} is your Test App code/);
    assert.match(m.idempotency, /.+/, 'the outbox job id rides as the idempotency token');
    assert.equal(tw.fail.length, 0, 'both failures were retried');
    const ok = await u('POST', `/api/mfa/factors/${st.body.id}/confirm`, { code: codeIn(m.body) });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await s.req('GET', '/_dev/sms/messages')).status, 404, 'no capture with a provider');
  });

  test('a number the provider refuses (400) is given up, not retried', async () => {
    tw.fail.push({ status: 400, code: 21211 });
    const { token } = await signUp(s, key);
    const st = await userApi(s, token)('POST', '/api/mfa/enroll/sms', { phone: '+4915112345679' });
    assert.equal(st.status, 201);
    const admin = await s.adminToken();
    const job = await waitFor(async () => {
      const r = await s.req('GET', '/admin/api/outbox?status=failed', { headers: { Authorization: `Bearer ${admin}` } });
      return (r.body.jobs || r.body).find?.((j) => j.kind === 'sms');
    }, 'the failed sms job');
    assert.match(job.last_error, /400 \(code 21211\)/);
    assert.equal(tw.messages.filter((x) => x.to === '+4915112345679').length, 0);
  });
});

describe('SMS as a signed webhook to the app', () => {
  let s, key, recv, got = [];
  before(async () => {
    recv = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.end('ok');
      });
    });
    await new Promise((r) => recv.listen(0, '127.0.0.1', r));
    s = await startServer({ ...RELAXED, AUTHGATE_DEV: 'true', AUTHGATE_SMS_PROVIDER: 'webhook' });
    ({ key } = await s.project('hook-app'));
    await smsOn(s, 'hook-app');
  });
  after(async () => {
    await s.cleanup();
    await new Promise((r) => recv.close(r));
  });

  test('without a subscribed endpoint SMS is unavailable; with one the app gets sms.send, signed', async () => {
    const { token } = await signUp(s, key);
    const u = userApi(s, token);
    const none = await u('POST', '/api/mfa/enroll/sms', { phone: '+14155550199' });
    assert.equal(none.status, 503);
    assert.equal(none.body.error, 'sms_unavailable');
    const ep = await s.req('POST', '/api/webhooks', { headers: { Authorization: `Bearer ${key}` },
      body: { url: `http://127.0.0.1:${recv.address().port}/sms`, events: ['sms.send'] } });
    assert.equal(ep.status, 201, ep.text);
    const st = await u('POST', '/api/mfa/enroll/sms', { phone: '+14155550199' });
    assert.equal(st.status, 201, st.text);
    const d = await waitFor(() => got.find((g) => g.body.includes('sms.send')), 'the webhook');
    const body = JSON.parse(d.body);
    assert.equal(body.type, 'sms.send');
    assert.equal(body.data.to, '+14155550199');
    assert.match(body.data.code, /^\d{6}$/);
    // Standard Webhooks signature over id.timestamp.body with the endpoint's secret
    const secret = Buffer.from(ep.body.secret.replace(/^whsec_/, ''), 'base64');
    const mac = crypto.createHmac('sha256', secret).update(`${d.headers['webhook-id']}.${d.headers['webhook-timestamp']}.${d.body}`).digest('base64');
    assert.ok(d.headers['webhook-signature'].split(' ').includes(`v1,${mac}`));
    const ok = await u('POST', `/api/mfa/factors/${st.body.id}/confirm`, { code: body.data.code });
    assert.equal(ok.status, 200, ok.text);
  });
});
