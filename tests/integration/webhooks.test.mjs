// Webhooks (seed 000), black-box against a real receiver written like the seed's
// Express handler: registration with the project API key, delivery of approved and
// denied events with the seed's headers and body (verified both ways: the seed's
// HMAC of JSON.stringify(req.body) and Standard Webhooks), retries on the Standard
// Webhooks schedule, Retry-After, 410, the delivery log, redelivery, rotation, the SSRF
// guard, and delivery after a SIGKILL between decision and delivery.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from '../lib/server.mjs';
import { readFileSync } from 'node:fs';
import { Device, mailbox, receiver, registerWebhook, sleep, start, verifySeed, verifyStandard, waitFor } from '../lib/push.mjs';

let s, mb, proj, n = 0;
const email = () => `hook${++n}@example.com`;
const ENV = { AUTHGATE_ALLOW_PRIVATE_NETWORK: 'true', AUTHGATE_PUSH_START_IP_PER_MIN: '100000', AUTHGATE_PUSH_DEVICE_IP_PER_MIN: '100000' };

before(async () => {
  mb = await mailbox();
  s = await startServer({ ...mb.env, ...ENV });
  proj = await s.project('ops-centre', { name: 'Ops Centre' });
});

after(async () => {
  await s?.cleanup();
  await mb?.close();
});

const auth = (p) => ({ Authorization: `Bearer ${p.key}` });

// Start a session for a fresh phone and decide it; returns what the test needs.
async function signIn(srv, project, mbox, decision = 'approve', dev) {
  if (!dev) {
    dev = await Device.create();
    await dev.enroll(srv, mbox, email(), { name: 'James iPhone' });
  }
  const st = (await start(srv, project.appId, dev.email)).body;
  const req = await dev.request(srv, { appId: project.appId });
  const d = await dev.decide(srv, req.request_id, decision, decision === 'approve' ? st.code : undefined);
  assert.equal(d.status, 200, d.text);
  return { dev, st, req };
}

async function deliveries(srv, project, id) {
  const r = await srv.req('GET', `/api/webhooks/${id}/deliveries`, { headers: auth(project) });
  assert.equal(r.status, 200, r.text);
  return r.body.deliveries;
}

// A host name (not "localhost", which registration refuses by name) that resolves to
// loopback on this machine, from /etc/hosts.
function loopbackName() {
  for (const line of readFileSync('/etc/hosts', 'utf8').split('\n')) {
    const [addr, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!addr?.startsWith('127.')) continue;
    const n = names.find((x) => x && !/localhost/.test(x));
    if (n) return n;
  }
  return null;
}

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

describe('registration', () => {
  test('needs the project API key (the seed shows none), returns the secret once', async () => {
    const rx = await receiver();
    try {
      const anon = await s.req('POST', '/api/webhooks', { body: { app_id: proj.appId, url: rx.url } });
      assert.equal(anon.status, 401);
      const other = await s.project('someone-else');
      const cross = await s.req('POST', '/api/webhooks', { body: { app_id: proj.appId, url: rx.url }, headers: auth(other) });
      assert.equal(cross.status, 403);
      const wh = await registerWebhook(s, proj, rx.url);
      assert.match(wh.id, /^wh_/);
      assert.match(wh.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
      assert.deepEqual(wh.events, ['approved', 'denied']);
      assert.equal(wh.disabled, false);
      const got = await s.req('GET', `/api/webhooks/${wh.id}`, { headers: auth(proj) });
      assert.equal(got.status, 200);
      assert.equal(got.body.secret, undefined, 'the secret is shown only at creation');
      const list = await s.req('GET', '/api/webhooks', { headers: auth(proj) });
      assert.ok(list.body.webhooks.some((w) => w.id === wh.id && !w.secret));
      // Another project's key sees nothing of it.
      assert.equal((await s.req('GET', `/api/webhooks/${wh.id}`, { headers: auth(other) })).status, 404);
      assert.equal((await s.req('DELETE', `/api/webhooks/${wh.id}`, { headers: auth(other) })).status, 404);
      assert.equal((await s.req('DELETE', `/api/webhooks/${wh.id}`, { headers: auth(proj) })).status, 200);
      assert.equal((await s.req('GET', `/api/webhooks/${wh.id}`, { headers: auth(proj) })).status, 404);
    } finally {
      await rx.close();
    }
  });

  test('refuses bad URLs and event names', async () => {
    for (const url of ['ftp://example.com/x', 'not a url', 'https://example.com/#frag', 'javascript:alert(1)']) {
      const r = await s.req('POST', '/api/webhooks', { body: { url }, headers: auth(proj) });
      assert.equal(r.status, 400, url);
    }
    // Read by the same strict parser the sender uses (libcurl's CURLU, in the form it
    // writes back): no trailing-dot host, no port 0, nothing two parsers read apart.
    const cases = {
      'https://localhost.:443/h': /trailing dot/,
      'https://example.com.:443/h': /trailing dot/,
      'https://example.com:0/h': /port from 1 to 65535/,
      'https://example.com:/h': /must be written as/,
      'https://user:pw@example.com/h': /user name or password/,
      'https://example.com\\@127.0.0.1/h': /printable ASCII/,
      'http://2130706433/h': /must be written as http:\/\/127\.0\.0\.1\/h/,
      'https://example.com/a/%2e%2e/h': /path segment/,
    };
    for (const [url, why] of Object.entries(cases)) {
      const r = await s.req('POST', '/api/webhooks', { body: { url }, headers: auth(proj) });
      assert.equal(r.status, 400, url);
      assert.match(r.body.message, why, url);
      assert.match(r.body.message, /^url /, url);
    }
    // ... and the dashboard's as-you-type check says the same.
    const admin = { Authorization: `Bearer ${await s.adminToken()}` };
    const v = await s.req('GET', `/admin/api/validate?kind=webhook_url&value=${encodeURIComponent('https://localhost.:443/h')}`, { headers: admin });
    assert.equal(v.status, 200, v.text);
    assert.equal(v.body.valid, false);
    const r = await s.req('POST', '/api/webhooks', { body: { url: 'https://example.com/h', events: ['exploded'] }, headers: auth(proj) });
    assert.equal(r.status, 400);
  });

  test('without AUTHGATE_ALLOW_PRIVATE_NETWORK: private targets are refused when registered and when delivering', async () => {
    const mb2 = await mailbox();
    const t = await startServer({ ...mb2.env });
    const rx = await receiver();
    try {
      const p = await t.project('strict-app');
      for (const url of [rx.url, 'https://10.0.0.8/h', 'https://169.254.169.254/latest', 'https://[::1]/h',
        'https://[::ffff:127.0.0.1]/h', 'https://localhost/h', 'https://LocalHost/h', 'https://localhost.:443/h',
        'https://api.localhost/h', 'http://example.com/h']) {
        const r = await t.req('POST', '/api/webhooks', { body: { url }, headers: auth(p) });
        assert.equal(r.status, 400, `${url}: ${r.text}`);
      }
      // A name that resolves to loopback passes registration (names can change) but
      // is refused when connecting: nothing reaches the receiver.
      const name = loopbackName();
      if (!name) return; // no such name on this machine: the literal cases above still ran
      const wh = await registerWebhook(t, p, `https://${name}:${rx.port}/api/authgate/callback`);
      await signIn(t, p, mb2);
      const d = await waitFor(async () => (await deliveries(t, p, wh.id)).find((x) => x.status === 'failed'), 'the refusal');
      assert.match(d.last_error, /not allowed|may not connect/);
      assert.equal(d.attempts, 1);
      assert.equal(rx.got.length, 0);
    } finally {
      await rx.close();
      await t.cleanup();
      await mb2.close();
    }
  });
});

describe('delivery', () => {
  test('approved: the seed\'s headers and body, both signatures verify, new_device only the first time', async () => {
    let wh;
    const rx = await receiver({ secret: () => wh.secret });
    try {
      wh = await registerWebhook(s, proj, rx.url);
      const { dev, st } = await signIn(s, proj, mb);
      const hit = await waitFor(() => rx.got[0], 'the webhook');
      const h = hit.headers;
      assert.equal(h['content-type'], 'application/json');
      assert.equal(h['user-agent'], 'AuthGate/1.0');
      assert.equal(h['x-authgate-event'], 'approved');
      assert.match(h['x-authgate-signature'], /^sha256=[0-9a-f]{64}$/);
      assert.match(h['x-authgate-delivery'], /^msg_[A-Za-z0-9_-]+$/);
      assert.equal(h['webhook-id'], h['x-authgate-delivery']);
      assert.match(h['webhook-timestamp'], /^\d{10}$/);
      assert.match(h['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/);
      assert.equal(hit.seedOk, true, 'X-AuthGate-Signature over JSON.stringify(req.body)');
      assert.equal(hit.standardOk, true, 'Standard Webhooks signature');
      // The raw body is what JSON.stringify(JSON.parse(body)) gives: the seed's handler verifies.
      assert.equal(hit.raw, JSON.stringify(JSON.parse(hit.raw)));
      assert.deepEqual(Object.keys(hit.body),
        ['event', 'session_id', 'timestamp', 'app_id', 'email', 'ip', 'device_id', 'device_name', 'new_device']);
      assert.equal(hit.body.event, 'approved');
      assert.equal(hit.body.session_id, st.session_id);
      assert.match(hit.body.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(hit.body.app_id, proj.appId);
      assert.equal(hit.body.email, dev.email);
      assert.equal(hit.body.ip, '127.0.0.1');
      assert.equal(hit.body.device_id, dev.id);
      assert.match(dev.id, /^ag-[a-z0-9]{12}$/);
      assert.equal(hit.body.device_name, 'James iPhone');
      assert.equal(hit.body.new_device, true);
      // The seed's handler answered {received: true}: the delivery is logged as such.
      const log = await waitFor(async () => (await deliveries(s, proj, wh.id)).find((x) => x.status === 'delivered'), 'the log');
      assert.equal(log.id, h['webhook-id']);
      assert.equal(log.last_status, 200);
      // Same device, same app: no longer new.
      await signIn(s, proj, mb, 'approve', dev);
      const second = await waitFor(() => rx.got[1], 'the second webhook');
      assert.equal(second.body.new_device, false);
      assert.notEqual(second.headers['webhook-id'], h['webhook-id']);
    } finally {
      await s.req('DELETE', `/api/webhooks/${wh.id}`, { headers: auth(proj) });
      await rx.close();
    }
  });

  test('denied: the seed\'s denied body plus the reason', async () => {
    let wh;
    const rx = await receiver({ secret: () => wh.secret });
    try {
      wh = await registerWebhook(s, proj, rx.url, { events: ['denied'] });
      const { dev, st } = await signIn(s, proj, mb, 'not_me');
      const hit = await waitFor(() => rx.got[0], 'the webhook');
      assert.equal(hit.headers['x-authgate-event'], 'denied');
      assert.equal(hit.seedOk, true);
      assert.equal(hit.standardOk, true);
      assert.deepEqual(Object.keys(hit.body), ['event', 'session_id', 'timestamp', 'app_id', 'email', 'ip', 'device_id', 'reason']);
      assert.equal(hit.body.session_id, st.session_id);
      assert.equal(hit.body.email, dev.email);
      assert.equal(hit.body.reason, 'not_me');
      // Subscribed to denied only: an approval sends nothing.
      await signIn(s, proj, mb);
      await sleep(500);
      assert.equal(rx.got.length, 1);
    } finally {
      await s.req('DELETE', `/api/webhooks/${wh.id}`, { headers: auth(proj) });
      await rx.close();
    }
  });

  test('test event, rotation: the new secret signs from then on', async () => {
    let secret;
    const rx = await receiver({ secret: () => secret });
    try {
      const wh = await registerWebhook(s, proj, rx.url);
      secret = wh.secret;
      const t = await s.req('POST', `/api/webhooks/${wh.id}/test`, { headers: auth(proj) });
      assert.equal(t.status, 202);
      const hit = await waitFor(() => rx.got[0], 'the test event');
      assert.equal(hit.headers['x-authgate-event'], 'test');
      assert.equal(hit.body.event, 'test');
      assert.equal(hit.headers['webhook-id'], t.body.delivery_id);
      assert.equal(hit.seedOk, true);
      const rot = await s.req('POST', `/api/webhooks/${wh.id}/rotate-secret`, { headers: auth(proj) });
      assert.equal(rot.status, 200);
      assert.notEqual(rot.body.secret, wh.secret);
      const old = secret;
      secret = rot.body.secret;
      await s.req('POST', `/api/webhooks/${wh.id}/test`, { headers: auth(proj) });
      const next = await waitFor(() => rx.got[1], 'the second test event');
      assert.equal(next.seedOk, true);
      assert.equal(next.standardOk, true);
      assert.equal(verifySeed(JSON.stringify(next.body), next.headers['x-authgate-signature'], old), false);
      assert.equal(verifyStandard(next.raw, next.headers, old), false);
      await s.req('DELETE', `/api/webhooks/${wh.id}`, { headers: auth(proj) });
    } finally {
      await rx.close();
    }
  });

  test('retries after a 500 on the Standard Webhooks schedule; the log has every attempt', async () => {
    let wh;
    const rx = await receiver({ secret: () => wh.secret, behaviour: (req, i) => (i === 1 ? { status: 500 } : null) });
    try {
      wh = await registerWebhook(s, proj, rx.url);
      await signIn(s, proj, mb);
      await waitFor(() => rx.got.length >= 2, 'the retry', 30000);
      assert.equal(rx.got[0].headers['webhook-id'], rx.got[1].headers['webhook-id'], 'a retry keeps its id');
      const [d] = await deliveries(s, proj, wh.id);
      const one = await waitFor(async () => {
        const r = await s.req('GET', `/api/webhooks/${wh.id}/deliveries/${d.id}`, { headers: auth(proj) });
        return r.body.status === 'delivered' && r.body;
      }, 'delivered');
      assert.equal(one.attempts, 2);
      assert.deepEqual(one.attempt_log.map((a) => a.status), [500, 200]);
      for (const a of one.attempt_log) assert.ok(a.latency_ms >= 0 && Number.isInteger(a.latency_ms));
      assert.equal(one.attempt_log[0].error, 'HTTP 500');
      // The second attempt came on the schedule (5 s after the first), not at once.
      const gap = Date.parse(one.attempt_log[1].at) - Date.parse(one.attempt_log[0].at);
      assert.ok(gap >= 4500, `retried after ${gap} ms`);
    } finally {
      await s.req('DELETE', `/api/webhooks/${wh.id}`, { headers: auth(proj) });
      await rx.close();
    }
  });

  test('Retry-After is honoured; 410 disables the endpoint', async () => {
    let wh;
    const rx = await receiver({
      secret: () => wh.secret,
      behaviour: (req, i) => (i === 1 ? { status: 429, headers: { 'Retry-After': '3600' } } : { status: 410 }),
    });
    try {
      wh = await registerWebhook(s, proj, rx.url);
      await signIn(s, proj, mb);
      const d = await waitFor(async () => (await deliveries(s, proj, wh.id)).find((x) => x.attempts === 1 && x.next_attempt_at), 'the 429');
      assert.equal(d.status, 'pending');
      assert.equal(d.last_status, 429);
      const wait = Date.parse(d.next_attempt_at) - Date.now();
      assert.ok(wait > 3500 * 1000, `next attempt in ${wait} ms, not after Retry-After: 3600`);
      // Redeliver now: the receiver answers 410, the endpoint is disabled.
      const rd = await s.req('POST', `/api/webhooks/${wh.id}/deliveries/${d.id}/redeliver`, { headers: auth(proj) });
      assert.equal(rd.status, 202);
      const ep = await waitFor(async () => {
        const r = await s.req('GET', `/api/webhooks/${wh.id}`, { headers: auth(proj) });
        return r.body.disabled && r.body;
      }, 'the endpoint disabled');
      assert.match(ep.disabled_reason, /410/);
      assert.equal(rx.got.length, 2);
      assert.equal(rx.got[1].headers['webhook-id'], d.id, 'a redelivery keeps its id');
      // Disabled: later events are not sent to it.
      await signIn(s, proj, mb);
      await sleep(500);
      assert.equal(rx.got.length, 2);
      // PATCH disabled:false turns it back on.
      const en = await s.req('PATCH', `/api/webhooks/${wh.id}`, { body: { disabled: false }, headers: auth(proj) });
      assert.equal(en.status, 200);
      assert.equal(en.body.disabled, false);
    } finally {
      await s.req('DELETE', `/api/webhooks/${wh.id}`, { headers: auth(proj) });
      await rx.close();
    }
  });

  test('manual redelivery of a delivered event sends the same id and body again', async () => {
    let wh;
    const rx = await receiver({ secret: () => wh.secret });
    try {
      wh = await registerWebhook(s, proj, rx.url);
      await signIn(s, proj, mb);
      await waitFor(() => rx.got[0], 'the webhook');
      const [d] = await deliveries(s, proj, wh.id);
      await waitFor(async () => (await deliveries(s, proj, wh.id))[0].status === 'delivered', 'delivered');
      const rd = await s.req('POST', `/api/webhooks/${wh.id}/deliveries/${d.id}/redeliver`, { headers: auth(proj) });
      assert.equal(rd.status, 202);
      await waitFor(() => rx.got[1], 'the redelivery');
      assert.equal(rx.got[1].headers['webhook-id'], rx.got[0].headers['webhook-id']);
      assert.equal(rx.got[1].raw, rx.got[0].raw);
      assert.equal(rx.got[1].seedOk, true);
      assert.equal((await s.req('POST', `/api/webhooks/${wh.id}/deliveries/msg_nope/redeliver`, { headers: auth(proj) })).status, 404);
    } finally {
      await s.req('DELETE', `/api/webhooks/${wh.id}`, { headers: auth(proj) });
      await rx.close();
    }
  });
});

describe('durability', () => {
  test('SIGKILL after the approval and before delivery: the webhook arrives after restart', async () => {
    const mb2 = await mailbox();
    const port = await freePort(); // the receiver is down at approval time
    let t = await startServer({ ...mb2.env, ...ENV });
    const dataDir = t.dataDir;
    let rx, wh;
    try {
      const p = await t.project('crash-app');
      wh = await registerWebhook(t, p, `http://127.0.0.1:${port}/api/authgate/callback`);
      const { st } = await signIn(t, p, mb2);
      // The first attempt failed (nothing listens); the next is 5 s away. Kill now.
      await waitFor(async () => (await deliveries(t, p, wh.id)).find((x) => x.attempts >= 1), 'the first attempt');
      await t.stop('SIGKILL');
      rx = await receiver({ secret: () => wh.secret, port });
      // Same data dir (master key) and same store (SQLite there, or the same PostgreSQL database).
      const db = t.env.AUTHGATE_DATABASE_URL ? { AUTHGATE_DATABASE_URL: t.env.AUTHGATE_DATABASE_URL } : {};
      t = await startServer({ ...mb2.env, ...ENV, ...db }, { dataDir });
      const hit = await waitFor(() => rx.got[0], 'the webhook after restart', 30000);
      assert.equal(hit.body.event, 'approved');
      assert.equal(hit.body.session_id, st.session_id);
      assert.equal(hit.seedOk, true);
      assert.equal(hit.standardOk, true);
    } finally {
      await rx?.close();
      await t.cleanup();
      await mb2.close();
    }
  });
});
