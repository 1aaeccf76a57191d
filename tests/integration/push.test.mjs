// Push-to-approve sign-in (seed 000), black-box: /auth/start, number matching, signed
// decisions from a phone simulated with Node's WebCrypto, /auth/check plain, long-poll
// and SSE, the one-time token hand-out, /auth/verify, CORS, rate limits, expiry, and
// every rejection (wrong code, wrong device, replay, stale or forged signature).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { startServer } from '../lib/server.mjs';
import { Device, mailbox, projectSecret, sleep, sseReader, start, waitFor, waiters } from '../lib/push.mjs';

const ORIGIN = 'http://app.example.test';
let s, mb, proj, n = 0;
const email = () => `person${++n}@example.com`;

before(async () => {
  mb = await mailbox();
  s = await startServer({
    ...mb.env,
    AUTHGATE_PUSH_START_IP_PER_MIN: '100000',
    AUTHGATE_PUSH_START_EMAIL_PER_10MIN: '100000',
    AUTHGATE_PUSH_DEVICE_IP_PER_MIN: '100000',
  });
  proj = await s.project('push-app', { name: 'Ops Centre', origins: [ORIGIN] });
});

// A phone enrolled for an email of its own.
async function freshPhone(name = 'James iPhone') {
  const dev = await Device.create();
  await dev.enroll(s, mb, email(), { name });
  return dev;
}

after(async () => {
  await s?.cleanup();
  await mb?.close();
});

// A session for an email (the phone's), and the request the phone sees for it.
async function started(em, appId = proj.appId) {
  const r = await start(s, appId, em);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function requestFor(dev, appId = proj.appId) {
  return dev.request(s, { appId });
}

describe('POST /auth/start', () => {
  test('answers the seed shape: session_id, code, expires_in 300', async () => {
    const r = await start(s, proj.appId, 'someone@example.com');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['session_id', 'code', 'expires_in']);
    assert.match(r.body.session_id, /^[A-Za-z0-9_-]{43}$/); // 256 bits
    assert.match(r.body.code, /^\d{6}$/);
    assert.equal(r.body.expires_in, 300);
    const again = await start(s, proj.appId, 'someone@example.com');
    assert.notEqual(again.body.session_id, r.body.session_id);
  });

  test('refuses an unknown app, a bad email, unknown fields and non-JSON', async () => {
    assert.equal((await start(s, 'no-such-app', email())).status, 404);
    const bad = await start(s, proj.appId, 'not an email');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_request');
    assert.equal((await s.req('POST', '/auth/start', { body: { app_id: proj.appId } })).status, 400);
    assert.equal((await s.req('POST', '/auth/start', { body: { app_id: proj.appId, email: email(), x: 1 } })).status, 400);
    const txt = await s.req('POST', '/auth/start', { body: 'app_id=x', raw: true, headers: { 'Content-Type': 'text/plain' } });
    assert.equal(txt.status, 415);
  });

  test('refuses disabled apps and apps with push switched off', async () => {
    const admin = { Authorization: `Bearer ${await s.adminToken()}` };
    await s.project('off-app');
    let r = await s.req('PATCH', '/admin/api/projects/off-app', { body: { providers: { push: false } }, headers: admin });
    assert.equal(r.status, 200, r.text);
    r = await start(s, 'off-app', email());
    assert.equal(r.status, 403);
    assert.equal(r.body.error, 'push_disabled');
    await s.project('dis-app');
    await s.req('PATCH', '/admin/api/projects/dis-app', { body: { disabled: true }, headers: admin });
    r = await start(s, 'dis-app', email());
    assert.equal(r.status, 403);
  });

  test('CORS: the project\'s origins only, preflight included', async () => {
    const ok = await start(s, proj.appId, email(), { Origin: ORIGIN });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
    const foreign = await start(s, proj.appId, email(), { Origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    const pre = await s.fetch('/auth/start', {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN);
    const badPre = await s.fetch('/auth/start', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(badPre.status, 403);
    // An origin another project allows is still foreign to this one.
    await s.project('other-app', { origins: ['http://other.example.test'] });
    const cross = await start(s, proj.appId, email(), { Origin: 'http://other.example.test' });
    assert.equal(cross.status, 403);
  });

  test('push bombing: one person gets a few prompts, then 429 with Retry-After', async () => {
    const t = await startServer();
    try {
      const p = await t.project('bomb-app');
      const victim = 'victim@example.com';
      for (let i = 0; i < 5; i++) assert.equal((await start(t, p.appId, victim)).status, 200);
      const r = await start(t, p.appId, victim);
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      // Case and spaces do not make another person; another person is not affected.
      assert.equal((await start(t, p.appId, `  VICTIM@example.com `)).status, 429);
      assert.equal((await start(t, p.appId, 'bystander@example.com')).status, 200);
    } finally {
      await t.cleanup();
    }
  });

  test('one address cannot start more than its budget (per IP)', async () => {
    const t = await startServer({ AUTHGATE_PUSH_START_IP_PER_MIN: '3' });
    try {
      const p = await t.project('ip-app');
      for (let i = 0; i < 3; i++) assert.equal((await start(t, p.appId, `ip${i}@example.com`)).status, 200);
      const r = await start(t, p.appId, 'ip9@example.com');
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
    } finally {
      await t.cleanup();
    }
  });
});

describe('approve with number matching', () => {
  test('the phone sees the request without its code, approves with it, the check hands out the token once', async () => {
    const phone = await freshPhone();
    const st = await started(phone.email);
    const req = await requestFor(phone);
    assert.equal(req.app_name, 'Ops Centre');
    assert.equal(req.ip, '127.0.0.1');
    assert.equal(req.code_only, false);
    assert.ok(req.expires_in > 0 && req.expires_in <= 300);
    assert.equal(JSON.stringify(req).includes(st.code), false, 'the device must not be told the code');
    assert.equal(JSON.stringify(req).includes(st.session_id), false);

    let c = await s.req('GET', `/auth/check/${st.session_id}`);
    assert.equal(c.status, 200);
    assert.equal(c.body.status, 'pending');

    const d = await phone.decide(s, req.request_id, 'approve', st.code);
    assert.equal(d.status, 200, d.text);
    assert.equal(d.body.status, 'approved');

    c = await s.req('GET', `/auth/check/${st.session_id}`);
    assert.equal(c.body.status, 'approved');
    const token = c.body.token;
    assert.ok(token);
    // The token, checked with an independent library and the project's secret.
    const { payload, protectedHeader } = await jose.jwtVerify(token, await projectSecret(s, proj.appId), {
      issuer: 'authgate', audience: 'session', algorithms: ['HS256'],
    });
    assert.equal(protectedHeader.alg, 'HS256');
    assert.equal(payload.email, phone.email);
    assert.equal(payload.provider, 'push');
    assert.equal(payload.device_id, phone.id);
    assert.match(payload.sub, /^user_/);
    assert.equal(payload.exp - payload.iat, 300);

    // Handed out once: later checks say approved without a token.
    c = await s.req('GET', `/auth/check/${st.session_id}`);
    assert.equal(c.body.status, 'approved');
    assert.equal(c.body.token, undefined);
    assert.equal(c.body.token_claimed, true);

    // GET /auth/verify, as seed 000's curl does.
    const v = await s.req('GET', `/auth/verify?token=${token}`);
    assert.equal(v.status, 200);
    assert.equal(v.body.valid, true);
    assert.equal(v.body.user.email, phone.email);
    assert.equal(v.body.user.id, payload.sub);
    assert.equal(v.body.user.provider, 'push');
    assert.equal(v.body.device_id, phone.id);
    assert.ok(Date.parse(v.body.expiresAt) > Date.now());
    const parts = token.split('.');
    const forged = [parts[0], Buffer.from(JSON.stringify({ ...payload, email: 'mallory@example.com' })).toString('base64url'), parts[2]].join('.');
    const bad = await s.req('GET', `/auth/verify?token=${forged}`);
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.body, { valid: false, error: 'Invalid or expired token' });
    assert.equal((await s.req('GET', '/auth/verify')).status, 400);
  });

  test('a wrong code is refused; the third wrong code denies the session', async () => {
    const phone = await freshPhone();
    const st = await started(phone.email);
    const req = await requestFor(phone);
    const wrong = String((Number(st.code) + 1) % 1000000).padStart(6, '0');
    let d = await phone.decide(s, req.request_id, 'approve', wrong);
    assert.equal(d.status, 403);
    assert.equal(d.body.error, 'wrong_code');
    assert.equal(d.body.attempts_left, 2);
    d = await phone.decide(s, req.request_id, 'approve', undefined);
    assert.equal(d.status, 403);
    assert.equal(d.body.attempts_left, 1);
    d = await phone.decide(s, req.request_id, 'approve', wrong);
    assert.equal(d.status, 403);
    assert.equal(d.body.attempts_left, 0);
    assert.equal(d.body.status, 'denied');
    const c = await s.req('GET', `/auth/check/${st.session_id}`);
    assert.deepEqual(c.body, { status: 'denied', reason: 'wrong_code' });
    // The right code comes too late.
    d = await phone.decide(s, req.request_id, 'approve', st.code);
    assert.equal(d.status, 409);
    assert.equal(d.body.error, 'already_decided');
  });

  test('deny, and "this wasn\'t me" which is recorded and pauses that address for that person', async () => {
    const phone = await freshPhone();
    let st = await started(phone.email);
    let req = await requestFor(phone);
    let d = await phone.decide(s, req.request_id, 'deny');
    assert.equal(d.status, 200, d.text);
    assert.equal(d.body.status, 'denied');
    assert.deepEqual((await s.req('GET', `/auth/check/${st.session_id}`)).body, { status: 'denied', reason: 'denied' });

    st = await started(phone.email);
    req = await requestFor(phone);
    d = await phone.decide(s, req.request_id, 'not_me');
    assert.equal(d.status, 200);
    assert.equal(d.body.reason, 'not_me');
    assert.deepEqual((await s.req('GET', `/auth/check/${st.session_id}`)).body, { status: 'denied', reason: 'not_me' });
    assert.ok(s.logLines().some((l) => l.security === 'push_not_me'));
    const again = await start(s, proj.appId, phone.email);
    assert.equal(again.status, 429);
    assert.ok(Number(again.headers.get('retry-after')) > 60);
  });

  test('a device of another email cannot decide; nor can someone who only knows the session_id', async () => {
    const other = await freshPhone('Eve phone');
    const aliceEmail = email();
    const st = await started(aliceEmail);
    // Eve's device does not see Alice's request...
    assert.deepEqual((await other.pending(s)).body.requests, []);
    // ...and cannot decide it even knowing its request id and code.
    const alice = await Device.create();
    await alice.enroll(s, mb, aliceEmail);
    const req = await requestFor(alice);
    const d = await other.decide(s, req.request_id, 'approve', st.code);
    assert.equal(d.status, 403);
    assert.equal(d.body.error, 'wrong_device');
    // The session id is not a decision credential: no endpoint decides by it.
    const bySid = await s.req('POST', `/app/api/requests/${st.session_id}/decision`, { body: await alice.signedDecision(st.session_id, 'approve', st.code) });
    assert.equal(bySid.status, 404);
    assert.equal((await s.req('GET', `/auth/check/${st.session_id}`)).body.status, 'pending');
    assert.equal((await alice.decide(s, req.request_id, 'approve', st.code)).status, 200);
  });

  test('signatures: replayed, stale, forged and unknown devices are refused', async () => {
    const phone = await freshPhone();
    const st = await started(phone.email);
    const req = await requestFor(phone);
    const wrong = String((Number(st.code) + 7) % 1000000).padStart(6, '0');
    const body = await phone.signedDecision(req.request_id, 'approve', wrong);
    const first = await s.req('POST', `/app/api/requests/${req.request_id}/decision`, { body });
    assert.equal(first.status, 403);
    const replay = await s.req('POST', `/app/api/requests/${req.request_id}/decision`, { body });
    assert.equal(replay.status, 409);
    assert.equal(replay.body.error, 'replayed');

    const stale = await phone.decide(s, req.request_id, 'approve', st.code, { ts: Date.now() - 5 * 60 * 1000 });
    assert.equal(stale.status, 401);
    assert.equal(stale.body.error, 'stale_signature');

    const mallory = await Device.create();
    const forged = await mallory.signedDecision(req.request_id, 'approve', st.code, Date.now(), phone.id);
    let r = await s.req('POST', `/app/api/requests/${req.request_id}/decision`, { body: forged });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'bad_signature');

    // A signature over other fields (the code changed after signing) does not verify.
    const tampered = { ...(await phone.signedDecision(req.request_id, 'deny', '')), decision: 'approve', code: st.code };
    r = await s.req('POST', `/app/api/requests/${req.request_id}/decision`, { body: tampered });
    assert.equal(r.status, 401);

    r = await s.req('POST', `/app/api/requests/${req.request_id}/decision`, { body: { ...forged, device_id: 'ag-nosuchdevice' } });
    assert.equal(r.status, 404);
    assert.equal(r.body.error, 'unknown_device');
    r = await phone.decide(s, req.request_id, 'maybe', st.code);
    assert.equal(r.status, 400);
    // After all that the session is still pending and can be approved.
    assert.equal((await phone.decide(s, req.request_id, 'approve', st.code)).status, 200);
  });
});

describe('code-only sessions (the seed widget\'s email: \'user\')', () => {
  test('the person types the code on the device, which claims and approves it', async () => {
    const phone = await freshPhone();
    const st = await started('user');
    assert.match(st.code, /^\d{6}$/);
    // Nobody is prompted for it.
    assert.equal((await phone.pending(s)).body.requests.some((q) => q.code_only), false);
    const look = await s.req('POST', '/app/api/lookup', { body: { code: st.code }, headers: { Authorization: `Bearer ${phone.token}` } });
    assert.equal(look.status, 200, look.text);
    assert.equal(look.body.request.code_only, true);
    assert.equal(look.body.request.app_id, proj.appId);
    const d = await phone.decide(s, look.body.request.request_id, 'approve', st.code);
    assert.equal(d.status, 200, d.text);
    const c = await s.req('GET', `/auth/check/${st.session_id}`);
    assert.equal(c.body.status, 'approved');
    assert.equal(jose.decodeJwt(c.body.token).email, phone.email);
    const none = await s.req('POST', '/app/api/lookup', { body: { code: '000000' }, headers: { Authorization: `Bearer ${phone.token}` } });
    assert.equal(none.status, 404);
    assert.equal((await s.req('POST', '/app/api/lookup', { body: { code: st.code } })).status, 401);
  });
});

describe('GET /auth/check', () => {
  test('unknown sessions are 404, bad wait values 400, foreign origins 403', async () => {
    assert.equal((await s.req('GET', '/auth/check/nope')).status, 404);
    assert.equal((await s.req('GET', `/auth/check/${'A'.repeat(43)}`)).status, 404);
    const st = await started(email());
    for (const w of ['31', '-1', 'x', '1.5']) assert.equal((await s.req('GET', `/auth/check/${st.session_id}?wait=${w}`)).status, 400);
    const f = await s.req('GET', `/auth/check/${st.session_id}`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(f.status, 403);
    const ok = await s.req('GET', `/auth/check/${st.session_id}`, { headers: { Origin: ORIGIN } });
    assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
  });

  test('long-poll: every waiter is answered by the approval with the same token', async () => {
    const phone = await freshPhone();
    const st = await started(phone.email);
    const req = await requestFor(phone);
    const polls = [1, 2, 3].map(() => s.req('GET', `/auth/check/${st.session_id}?wait=25`));
    const es = await s.fetch(`/auth/check/${st.session_id}`, { headers: { Accept: 'text/event-stream', Origin: ORIGIN } });
    assert.equal(es.headers.get('content-type'), 'text/event-stream');
    assert.equal(es.headers.get('access-control-allow-origin'), ORIGIN);
    const events = sseReader(es);
    assert.equal((await events.next()).data.status, 'pending');
    await waitFor(async () => (await waiters(s)) >= 4, 'three long-polls and a stream parked');
    assert.equal((await phone.decide(s, req.request_id, 'approve', st.code)).status, 200);
    const answers = await Promise.all(polls);
    const ev = await events.next();
    assert.equal(ev.event, 'status');
    assert.equal(ev.data.status, 'approved');
    for (const a of answers) {
      assert.equal(a.body.status, 'approved');
      assert.equal(a.body.token, ev.data.token);
    }
    assert.equal(await events.next(), null, 'the stream ends after the final event');
    // The waiters took the token: a later check does not get it again.
    assert.equal((await s.req('GET', `/auth/check/${st.session_id}`)).body.token_claimed, true);
  });

  test('long-poll: the deadline answers pending; the session expiry answers expired', async () => {
    const st = await started(email());
    const r = await s.req('GET', `/auth/check/${st.session_id}?wait=1`);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'pending');
    const t = await startServer({ AUTHGATE_PUSH_TTL: '2' });
    try {
      const p = await t.project('short-app');
      const st2 = (await start(t, p.appId, 'short@example.com')).body;
      assert.equal(st2.expires_in, 2);
      const w = await t.req('GET', `/auth/check/${st2.session_id}?wait=20`);
      assert.deepEqual(w.body, { status: 'expired' });
      const es = sseReader(await t.fetch(`/auth/check/${st2.session_id}`, { headers: { Accept: 'text/event-stream' } }));
      assert.deepEqual((await es.next()).data, { status: 'expired' });
    } finally {
      await t.cleanup();
    }
  });

  test('SSE: a denial is streamed and ends the stream', async () => {
    const phone = await freshPhone();
    const st = await started(phone.email);
    const req = await requestFor(phone);
    const events = sseReader(await s.fetch(`/auth/check/${st.session_id}`, { headers: { Accept: 'text/event-stream' } }));
    assert.equal((await events.next()).data.status, 'pending');
    await phone.decide(s, req.request_id, 'deny');
    assert.deepEqual((await events.next()).data, { status: 'denied', reason: 'denied' });
    assert.equal(await events.next(), null);
  });

  test('the session id never reaches the access log', async () => {
    const st = await started(email());
    await s.req('GET', `/auth/check/${st.session_id}?wait=1`);
    await waitFor(() => s.stderr.includes('"/auth/check/{session_id}"'), 'the access log line');
    assert.equal(s.stderr.includes(st.session_id), false);
  });

  test('SIGTERM answers parked long-polls at once and ends streams without a false status', async () => {
    const t = await startServer();
    const p = await t.project('stop-app');
    const st = (await start(t, p.appId, 'stop@example.com')).body;
    const waiting = t.req('GET', `/auth/check/${st.session_id}?wait=30`);
    const es = sseReader(await t.fetch(`/auth/check/${st.session_id}`, { headers: { Accept: 'text/event-stream' } }));
    assert.equal((await es.next()).data.status, 'pending');
    await waitFor(async () => (await waiters(t)) === 2, 'the long-poll parked and the stream attached');
    const stopped = t.stop('SIGTERM');
    const r = await waiting;
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'pending');
    // The stream just ends (the browser reconnects); it does not claim the sign-in expired.
    assert.equal(await es.next(), null);
    assert.equal(await stopped, 0);
    await t.cleanup();
  });
});

describe('expiry', () => {
  test('an expired session can no longer be decided', async () => {
    const mb2 = await mailbox();
    const t = await startServer({ ...mb2.env, AUTHGATE_PUSH_TTL: '2' });
    try {
      const p = await t.project('exp-app');
      const dev = await Device.create();
      await dev.enroll(t, mb2, 'late@example.com');
      const st = (await start(t, p.appId, 'late@example.com')).body;
      const req = await dev.request(t);
      await sleep(2300);
      assert.deepEqual((await t.req('GET', `/auth/check/${st.session_id}`)).body, { status: 'expired' });
      assert.deepEqual((await dev.pending(t)).body.requests, []);
      const d = await dev.decide(t, req.request_id, 'approve', st.code);
      assert.equal(d.status, 410);
      assert.equal(d.body.error, 'expired');
    } finally {
      await t.cleanup();
      await mb2.close();
    }
  });
});
