// verifyWebhook with AuthGate's real deliveries: a push approval's webhook to a real
// Express receiver (raw body kept), checked with both signatures and the replay window;
// altered bodies, old timestamps, wrong and rotated secrets are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { startServer } from '../../../tests/lib/server.mjs';
import { startMailbox, codeOf } from '../../../tests/lib/mailbox.mjs';
import { RELAXED, uniqueEmail } from '../../../tests/lib/email.mjs';
import { Device, waitFor } from '../../../tests/lib/push.mjs';
import { load } from './lib.mjs';

let s, mb, sdk, ag, rx, wh, got = [], server;
before(async () => {
  sdk = await load('sdk');
  mb = await startMailbox();
  s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_ALLOW_PRIVATE_NETWORK: 'true' });
  const p = await s.project('wh-app');
  ag = new sdk.AuthGate({ baseUrl: s.url, apiKey: p.key, appId: 'wh-app' });
  // The receiver of the README's Express quick start: the raw body, verified before use.
  const app = express();
  app.post('/webhooks/authgate', express.raw({ type: 'application/json' }), async (req, res) => {
    const entry = { raw: Buffer.from(req.body), headers: req.headers };
    got.push(entry);
    try {
      entry.event = await sdk.verifyWebhook(req.body, req.headers, wh.secret);
      res.json({ received: true });
    } catch (e) {
      entry.error = e;
      res.status(400).json({ error: e.code });
    }
  });
  server = await new Promise((r) => { const x = app.listen(0, '127.0.0.1', () => r(x)); });
  wh = await ag.webhooks.create({ url: `http://127.0.0.1:${server.address().port}/webhooks/authgate` });
});
after(async () => {
  server?.closeAllConnections();
  server?.close();
  await s?.cleanup();
  await mb?.close();
});

test('a real approval delivery verifies (Standard Webhooks + X-AuthGate-Signature) and is refused when altered or replayed', async () => {
  const email = uniqueEmail('wh');
  const phone = await Device.create();
  const r = await s.req('POST', '/app/api/enroll', { body: { email } });
  const v = await s.req('POST', '/app/api/enroll/verify', { body: { enrollment_id: r.body.enrollment_id, code: codeOf(await mb.next(email)), name: 'Phone', public_key: phone.jwk } });
  Object.assign(phone, { id: v.body.device_id, email, token: v.body.token });
  const st = await ag.push.start(email);
  const req = await phone.request(s);
  await phone.decide(s, req.request_id, 'approve', st.code);
  const d = await waitFor(() => got.find((x) => x.event?.event === 'approved'), 'the approved webhook');
  assert.equal(d.error, undefined);
  assert.deepEqual(d.event.verified, ['standard', 'authgate']);
  assert.equal(d.event.payload.email, email);
  assert.equal(d.event.payload.device_id, phone.id);
  assert.equal(d.event.id, d.headers['x-authgate-delivery']);
  assert.ok(Math.abs(d.event.timestamp.getTime() - Date.now()) < 60000);

  const refused = async (body, headers, secret = wh.secret, opts) => {
    const e = await sdk.verifyWebhook(body, headers, secret, opts).then(() => null, (x) => x);
    assert.ok(e instanceof sdk.WebhookVerificationError, `expected a refusal, got ${e}`);
    return e.code;
  };
  const h = d.headers;
  // One byte changed, or the body re-serialized with spaces: both signatures are over the raw bytes.
  const altered = Buffer.from(d.raw.toString().replace(email, email.toUpperCase()));
  assert.equal(await refused(altered, h), 'invalid_signature');
  assert.equal(await refused(JSON.stringify(JSON.parse(d.raw), null, 2), h), 'invalid_signature');
  // Replayed later than the window (or with a forged timestamp) — the timestamp is signed.
  assert.equal(await refused(d.raw, h, wh.secret, { now: Date.now() + 10 * 60 * 1000 }), 'timestamp_out_of_window');
  assert.equal(await refused(d.raw, { ...h, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) + 600) }, wh.secret, { now: Date.now() + 10 * 60 * 1000 }), 'invalid_signature');
  assert.equal(await refused(d.raw, h, 'whsec_' + Buffer.alloc(24, 7).toString('base64')), 'invalid_signature');
  // Only the seed's signature: accepted only when the caller gives up the replay window.
  const seedOnly = { 'x-authgate-signature': h['x-authgate-signature'], 'x-authgate-event': 'approved' };
  assert.equal(await refused(d.raw, seedOnly), 'missing_timestamp');
  const ok = await sdk.verifyWebhook(d.raw, seedOnly, wh.secret, { requireTimestamp: false });
  assert.deepEqual(ok.verified, ['authgate']);
  assert.equal(await refused(d.raw, {}), 'missing_signature');
  assert.equal(await refused(JSON.parse(d.raw), h), 'invalid_body');
  // Headers as a fetch Headers object, the body as an ArrayBuffer (what Next.js handlers have).
  const ab = d.raw.buffer.slice(d.raw.byteOffset, d.raw.byteOffset + d.raw.length);
  assert.equal((await sdk.verifyWebhook(ab, new Headers(h), wh.secret)).event, 'approved');
});

test('test events verify; after rotate-secret the old secret no longer does', async () => {
  const before = got.length;
  await ag.webhooks.test(wh.id);
  const t = await waitFor(() => got.slice(before).find((x) => x.event?.event === 'test'), 'the test event');
  assert.equal(t.event.payload.endpoint_id, wh.id);
  const old = wh.secret;
  const rot = await ag.webhooks.rotateSecret(wh.id);
  wh = { ...wh, secret: rot.secret };
  const n = got.length;
  await ag.webhooks.test(wh.id);
  const t2 = await waitFor(() => got.slice(n).find((x) => x.event || x.error), 'the second test event');
  assert.equal(t2.event.event, 'test');
  const e = await sdk.verifyWebhook(t2.raw, t2.headers, old).then(() => null, (x) => x);
  assert.equal(e?.code, 'invalid_signature');
});
