// The dashboard's webhook API over plain HTTP (also run on PostgreSQL): the API-key
// webhook routes served under /admin/api/projects/{app_id}/webhooks for an admin; the
// delivery log's request headers, body, answer and signature check; the Live Webhook
// Tester's run bound to one sign-in, delivered to AuthGate's own receiver or to the
// operator's, followed over SSE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from '../lib/server.mjs';
import { Device, mailbox, receiver, waitFor } from '../lib/push.mjs';

let s, mb, h, rcv, secret, dev, key;
const EMAIL = 'ops@axe.example';

before(async () => {
  mb = await mailbox();
  s = await startServer({ AUTHGATE_ALLOW_PRIVATE_NETWORK: 'true', ...mb.env });
  h = { Authorization: `Bearer ${await s.adminToken()}` };
  ({ key } = await s.project('ops-centre', { name: 'Ops Centre' }));
  rcv = await receiver({ secret: () => secret });
  dev = await Device.create();
  await dev.enroll(s, mb, EMAIL);
});
after(async () => {
  await rcv?.close();
  await s?.cleanup();
  await mb?.close();
});

const base = '/admin/api/projects/ops-centre';

test('an admin manages a project\'s webhooks under /admin/api/projects/{app_id}/webhooks', async () => {
  let r = await s.req('POST', `${base}/webhooks`, { body: { url: rcv.url, description: 'backend' }, headers: h });
  assert.equal(r.status, 201, r.text);
  secret = r.body.secret;
  const id = r.body.id;
  assert.match(secret, /^whsec_/);
  // The same endpoint through the project's API key: one store, two doors.
  r = await s.req('GET', '/api/webhooks', { headers: { Authorization: `Bearer ${key}` } });
  assert.deepEqual(r.body.webhooks.map((w) => w.id), [id]);
  r = await s.req('PATCH', `${base}/webhooks/${id}`, { body: { events: ['approved'] }, headers: h });
  assert.deepEqual(r.body.events, ['approved']);
  r = await s.req('PATCH', `${base}/webhooks/${id}`, { body: { events: ['approved', 'denied'] }, headers: h });
  // Another project's admin path does not reach it.
  await s.project('other-app');
  assert.equal((await s.req('GET', `/admin/api/projects/other-app/webhooks/${id}`, { headers: h })).status, 404);
  assert.equal((await s.req('GET', `/admin/api/projects/nope/webhooks`, { headers: h })).status, 404);
  assert.equal((await s.req('GET', `${base}/webhooks`)).status, 401);
  // A test event, then its log entry in full.
  r = await s.req('POST', `${base}/webhooks/${id}/test`, { headers: h });
  assert.equal(r.status, 202);
  const dId = r.body.delivery_id;
  const d = await waitFor(async () => {
    const x = (await s.req('GET', `${base}/webhooks/${id}/deliveries/${dId}`, { headers: h })).body;
    return x.status === 'delivered' && x;
  }, 'the test delivery');
  assert.equal(JSON.parse(d.body).event, 'test');
  const a = d.attempt_log[0];
  assert.equal(a.status, 200);
  assert.equal(a.request_headers['X-AuthGate-Event'], 'test');
  assert.equal(a.request_headers['webhook-id'], dId);
  assert.match(a.request_headers['X-AuthGate-Signature'], /^sha256=[0-9a-f]{64}$/);
  assert.deepEqual(JSON.parse(a.response_excerpt), { received: true });
  assert.equal(a.signature_check.x_authgate_signature, true);
  assert.equal(a.signature_check.webhook_signature, true);
  assert.ok(rcv.got.at(-1).seedOk && rcv.got.at(-1).standardOk);
  // The answer is sealed at rest, like the body.
  // After a rotation AuthGate's check says the old signatures do not match the new secret.
  r = await s.req('POST', `${base}/webhooks/${id}/rotate-secret`, { headers: h });
  assert.equal(r.status, 200);
  const old = secret;
  secret = r.body.secret;
  assert.notEqual(secret, old);
  const again = (await s.req('GET', `${base}/webhooks/${id}/deliveries/${dId}`, { headers: h })).body;
  assert.equal(again.attempt_log[0].signature_check.x_authgate_signature, false);
  r = await s.req('POST', `${base}/webhooks/${id}/deliveries/${dId}/redeliver`, { headers: h });
  assert.equal(r.status, 202);
  await waitFor(async () => (await s.req('GET', `${base}/webhooks/${id}/deliveries/${dId}`, { headers: h })).body.attempts === 2, 'the second attempt');
  const log = (await s.req('GET', '/admin/api/audit?app_id=ops-centre', { headers: h })).body.entries;
  for (const action of ['POST /admin/api/projects/{app_id}/webhooks', 'PATCH /admin/api/projects/{app_id}/webhooks/{id}',
    'POST /admin/api/projects/{app_id}/webhooks/{id}/rotate-secret', 'POST /admin/api/projects/{app_id}/webhooks/{id}/deliveries/{delivery_id}/redeliver']) {
    assert.ok(log.some((e) => e.action === action), action);
  }
  assert.equal(JSON.stringify(log).includes(rcv.url), false, 'the URL is a value: not in the audit log');
});

// Follow an SSE stream until pred(events) holds. Returns {opened, done}: `opened`
// once the server's "hello" arrived — the stream carries only what happens after it
// subscribed, so a test must wait for that before making anything happen — and `done`
// with the events (rejected after timeoutMs: a missed event must fail, not hang).
function sse(path, pred, timeoutMs = 30000) {
  let opened, hello;
  const done = new Promise((resolve, reject) => {
    const u = new URL(s.url + path);
    const events = [];
    hello = new Promise((r) => { opened = r; });
    const timer = setTimeout(() => { req.destroy(); reject(new Error(`SSE ${path}: only ${JSON.stringify(events)} in ${timeoutMs} ms`)); }, timeoutMs);
    const req = http.get({ host: u.hostname, port: u.port, path: u.pathname, headers: { ...h, Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) { clearTimeout(timer); reject(new Error(`SSE ${res.statusCode}`)); return; }
      let buf = '';
      res.on('data', (c) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev === 'hello') opened();
          else if (ev) events.push({ ev, data });
        }
        if (pred(events)) { clearTimeout(timer); req.destroy(); resolve(events); }
      });
    });
    req.on('error', (e) => { if (!req.destroyed) { clearTimeout(timer); reject(e); } });
  });
  return { opened: Promise.race([hello, done]), done };
}

test('the tester: a sign-in bound run, AuthGate\'s receiver checks both signatures, followed over SSE', async () => {
  let r = await s.req('POST', `${base}/tester`, { body: { email: EMAIL }, headers: h });
  assert.equal(r.status, 201, r.text);
  const run = r.body;
  assert.match(run.code, /^\d{6}$/);
  assert.equal(run.tester.target, 'self');
  assert.equal(run.tester.url, `${s.url}/wh1/receiver/${run.tester.id}`);
  assert.equal(run.app_url, `${s.url}/app`);
  const stream = sse(`${base}/tester/${run.tester.id}/events`, (ev) => ev.some((e) => e.ev === 'receipt') && ev.some((e) => e.ev === 'delivery'));
  await stream.opened;
  const before = rcv.got.length;
  const req = await dev.request(s, { appId: 'ops-centre' });
  r = await dev.decide(s, req.request_id, 'approve', run.code);
  assert.equal(r.status, 200, r.text);
  await stream.done;
  const t = await waitFor(async () => {
    const x = (await s.req('GET', `${base}/tester/${run.tester.id}`, { headers: h })).body;
    return x.deliveries[0]?.status === 'delivered' && x.receipts.length && x;
  }, 'the run delivered');
  assert.equal(t.session_status, 'approved');
  assert.equal(t.deliveries.length, 1, 'the run got its own sign-in\'s event only');
  const a = t.deliveries[0].attempt_log[0];
  assert.equal(a.status, 200);
  assert.deepEqual(a.signature_check, { x_authgate_signature: true, webhook_signature: true, with: "the endpoint's current secret" });
  assert.deepEqual(JSON.parse(a.response_excerpt), { received: true, verified: { x_authgate_signature: true, webhook_signature: true } });
  assert.equal(t.receipts[0].signature_check.x_authgate_signature, true);
  assert.equal(t.receipts[0].signature_check.webhook_signature, true);
  assert.equal(t.receipts[0].status, 200);
  assert.equal(JSON.parse(t.receipts[0].body).session_id, run.session_id);
  // The project's own endpoint got it too.
  await waitFor(() => rcv.got.length > before, 'the project\'s endpoint');
  assert.equal(rcv.got.at(-1).body.session_id, run.session_id);
  // A push sign-in started elsewhere does not reach the run's endpoint.
  const other = await s.req('POST', '/auth/start', { body: { app_id: 'ops-centre', email: EMAIL } });
  const req2 = await dev.request(s, { appId: 'ops-centre' });
  await dev.decide(s, req2.request_id, 'deny');
  await waitFor(() => rcv.got.some((g) => g.body.session_id === other.body.session_id), 'the denied event at the project\'s endpoint');
  const t2 = (await s.req('GET', `${base}/tester/${run.tester.id}`, { headers: h })).body;
  assert.equal(t2.deliveries.length, 1);
  // The run's endpoint is not listed with the project's and does not count to the cap.
  const list = (await s.req('GET', `${base}/webhooks`, { headers: h })).body.webhooks;
  assert.equal(list.some((w) => w.id === run.tester.id), false);
});

test('the tester against the operator\'s receiver: its secret is shown at the start', async () => {
  const mine = await receiver({ secret: () => mine.secret });
  try {
    let r = await s.req('POST', `${base}/tester`, { body: { email: EMAIL, receiver_url: mine.url }, headers: h });
    assert.equal(r.status, 201, r.text);
    mine.secret = r.body.tester.secret;
    assert.equal(r.body.tester.target, 'url');
    const req = await dev.request(s, { appId: 'ops-centre' });
    await dev.decide(s, req.request_id, 'approve', r.body.code);
    const got = await waitFor(() => mine.got[0], 'the operator\'s receiver');
    assert.equal(got.seedOk, true);
    assert.equal(got.standardOk, true);
    const t = await waitFor(async () => {
      const x = (await s.req('GET', `${base}/tester/${r.body.tester.id}`, { headers: h })).body;
      return x.deliveries[0]?.status === 'delivered' && x;
    }, 'the run delivered');
    assert.equal(t.receipts.length, 0);
    assert.equal(t.deliveries[0].attempt_log[0].signature_check.webhook_signature, true);
    assert.equal(JSON.stringify(t).includes(mine.secret), false, 'the run\'s secret is shown once, at the start');
    // Bad input gets clear 4xx answers.
    r = await s.req('POST', `${base}/tester`, { body: { email: 'not-an-email' }, headers: h });
    assert.equal(r.status, 400);
    r = await s.req('POST', `${base}/tester`, { body: { email: EMAIL, receiver_url: 'ftp://x.example' }, headers: h });
    assert.equal(r.status, 400);
    await s.req('PATCH', base, { body: { providers: { push: false } }, headers: h });
    r = await s.req('POST', `${base}/tester`, { body: { email: EMAIL }, headers: h });
    assert.equal(r.status, 403);
    assert.equal(r.body.error, 'push_disabled');
    await s.req('PATCH', base, { body: { providers: { push: true } }, headers: h });
  } finally {
    await mine.close();
  }
});
