// The device app's API (/app/api), black-box: enrollment by a mailed code or link
// (single use, 3 attempts, bad keys refused, no enumeration), the signed log-in and its
// bearer token, the real-time stream of pending requests for the proven email only,
// and removing a device. Plus the pages the app is made of.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Device, enrollCode, enrollLink, mailbox, sseReader, start, waitFor, waiters } from '../lib/push.mjs';

let s, mb, proj, n = 0;
const email = () => `dev${++n}@example.com`;

before(async () => {
  mb = await mailbox();
  s = await startServer({ ...mb.env, AUTHGATE_PUSH_START_IP_PER_MIN: '100000', AUTHGATE_PUSH_DEVICE_IP_PER_MIN: '100000' });
  proj = await s.project('dev-app', { name: 'Dev App' });
});

after(async () => {
  await s?.cleanup();
  await mb?.close();
});

async function enrollMail(em, body = {}) {
  const since = mb.messages.length;
  const r = await s.req('POST', '/app/api/enroll', { body: { email: em, ...body } });
  assert.equal(r.status, 200, r.text);
  return { id: r.body.enrollment_id, mail: await mb.next(em, since), answer: r.body };
}

describe('enrollment', () => {
  test('a mailed 6-digit code proves the email; the device gets an ag- id and a token', async () => {
    const em = email();
    const { id, mail, answer } = await enrollMail(em, { app_id: proj.appId });
    assert.deepEqual(Object.keys(answer), ['enrollment_id', 'expires_in']);
    assert.equal(answer.expires_in, 300);
    assert.match(mail.subject, /Dev App/);
    assert.match(mail.html, /\/app#enroll=/);
    const dev = await Device.create();
    const r = await s.req('POST', '/app/api/enroll/verify', {
      body: { enrollment_id: id, code: enrollCode(mail), name: 'James iPhone', public_key: dev.jwk },
    });
    assert.equal(r.status, 201, r.text);
    assert.match(r.body.device_id, /^ag-[a-z0-9]{12}$/);
    assert.equal(r.body.email, em);
    assert.equal(r.body.name, 'James iPhone');
    dev.id = r.body.device_id;
    dev.token = r.body.token;
    const list = await dev.pending(s);
    assert.equal(list.status, 200);
    assert.equal(list.body.device.device_id, dev.id);
    assert.deepEqual(list.body.requests, []);
    // Single use.
    const again = await s.req('POST', '/app/api/enroll/verify', {
      body: { enrollment_id: id, code: enrollCode(mail), name: 'Again', public_key: dev.jwk },
    });
    assert.equal(again.status, 410);
  });

  test('the mailed link enrolls whichever device opens it', async () => {
    const em = email();
    const { mail } = await enrollMail(em);
    const link = enrollLink(mail);
    assert.ok(link.startsWith(s.url + '/app#enroll='), link);
    const token = link.split('#enroll=')[1];
    const dev = await Device.create();
    const r = await s.req('POST', '/app/api/enroll/verify', { body: { link: token, name: 'Tablet', public_key: dev.jwk } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.email, em);
    const bad = await s.req('POST', '/app/api/enroll/verify', { body: { link: token.slice(0, -2) + (token.endsWith('xx') ? 'yy' : 'xx'), name: 'T', public_key: dev.jwk } });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error, 'invalid_link');
  });

  test('three wrong codes use the enrollment up; the right one then fails too', async () => {
    const { id, mail } = await enrollMail(email());
    const dev = await Device.create();
    const code = enrollCode(mail);
    const wrong = String((Number(code) + 1) % 1000000).padStart(6, '0');
    const tryCode = (c) => s.req('POST', '/app/api/enroll/verify', { body: { enrollment_id: id, code: c, name: 'X', public_key: dev.jwk } });
    assert.equal((await tryCode(wrong)).status, 401);
    assert.equal((await tryCode(wrong)).status, 401);
    assert.equal((await tryCode(wrong)).status, 410);
    const late = await tryCode(code);
    assert.equal(late.status, 410);
    assert.equal(late.body.error, 'expired');
  });

  test('bad keys, names and emails are refused; unknown emails get the same answer as known ones', async () => {
    const { id, mail } = await enrollMail(email());
    const code = enrollCode(mail);
    const dev = await Device.create();
    const send = (extra) => s.req('POST', '/app/api/enroll/verify', { body: { enrollment_id: id, code, name: 'N', public_key: dev.jwk, ...extra } });
    const offCurve = { ...dev.jwk, y: Buffer.alloc(32, 7).toString('base64url') };
    for (const pk of [{ kty: 'RSA', n: 'x', e: 'AQAB' }, { ...dev.jwk, crv: 'P-384' }, offCurve, { ...dev.jwk, x: 'short' }, { ...dev.jwk, d: 'secret' }]) {
      const r = await send({ public_key: pk });
      assert.equal(r.status, 400, JSON.stringify(pk));
      assert.equal(r.body.error, 'invalid_public_key');
    }
    assert.equal((await send({ name: '' })).status, 400);
    for (const name of ['x'.repeat(65), 'é'.repeat(65), 'tab\there', 'bell\u0007', 'c1\u0085']) {
      const r = await send({ name });
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'invalid_name');
      assert.match(r.body.message, /1-64 characters, no control characters/);
    }
    // 64 characters of two bytes each: the limit counts characters, as the message says.
    const ok = await send({ name: 'é'.repeat(64) });
    assert.equal(ok.status, 201, 'the code still works after refused requests');
    assert.equal(ok.body.name, 'é'.repeat(64));
    assert.equal((await s.req('POST', '/app/api/enroll', { body: { email: 'nope' } })).status, 400);
    const a = await s.req('POST', '/app/api/enroll', { body: { email: email() } });
    assert.equal(a.status, 200);
    assert.deepEqual(Object.keys(a.body), ['enrollment_id', 'expires_in']);
  });

  test('enrollment mail per address is rate limited', async () => {
    const em = email();
    for (let i = 0; i < 3; i++) assert.equal((await s.req('POST', '/app/api/enroll', { body: { email: em } })).status, 200);
    const r = await s.req('POST', '/app/api/enroll', { body: { email: em } });
    assert.equal(r.status, 429);
    assert.ok(r.headers.get('retry-after'));
  });
});

describe('the enrolled device', () => {
  test('signed log-in buys a token; stale, replayed and forged log-ins do not', async () => {
    const dev = await Device.create();
    await dev.enroll(s, mb, email());
    const ts = Date.now();
    const ok = await dev.login(s, ts);
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.body.token);
    assert.equal(ok.body.device.device_id, dev.id);
    const replay = await dev.login(s, ts);
    assert.equal(replay.status, 409);
    assert.equal((await dev.login(s, Date.now() - 120000)).status, 401);
    const mallory = await Device.create();
    mallory.id = dev.id;
    const forged = await mallory.login(s);
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error, 'bad_signature');
    assert.equal((await s.req('GET', '/app/api/requests')).status, 401);
    assert.equal((await s.req('GET', '/app/api/requests', { headers: { Authorization: 'Bearer x.y.z' } })).status, 401);
    // A project session token is not a device token.
    // (The last base64url character carries 4 bits: swap it for another valid one.)
    const tampered = ok.body.token.replace(/.$/, (c) => (c === 'A' ? 'E' : 'A'));
    assert.equal((await s.req('GET', '/app/api/requests', { headers: { Authorization: `Bearer ${tampered}` } })).status, 401);
  });

  test('the stream shows new requests for the proven email only, and their resolution', async () => {
    const dev = await Device.create();
    await dev.enroll(s, mb, email());
    const other = await Device.create();
    await other.enroll(s, mb, email());
    assert.equal((await s.req('GET', '/app/api/events')).status, 401);
    const res = await s.fetch(`/app/api/events?token=${encodeURIComponent(dev.token)}`);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const ev = sseReader(res);
    const snap = await ev.next();
    assert.equal(snap.event, 'requests');
    assert.deepEqual(snap.data.requests, []);
    await waitFor(async () => (await waiters(s)) >= 1, 'the stream attached');
    await start(s, proj.appId, other.email); // someone else's: not shown
    const st = (await start(s, proj.appId, dev.email, { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' })).body;
    const got = await ev.next();
    assert.equal(got.event, 'request');
    assert.equal(got.data.app_name, 'Dev App');
    assert.equal(got.data.ip, '127.0.0.1');
    assert.match(got.data.user_agent, /Firefox/);
    assert.equal(JSON.stringify(got.data).includes(st.code), false);
    await dev.decide(s, got.data.request_id, 'approve', st.code);
    const res2 = await ev.next();
    assert.equal(res2.event, 'resolved');
    assert.deepEqual(res2.data, { request_id: got.data.request_id, status: 'approved' });
    ev.cancel();
  });

  test('a removed device can neither sign in nor decide', async () => {
    const dev = await Device.create();
    await dev.enroll(s, mb, email());
    const st = (await start(s, proj.appId, dev.email)).body;
    const req = await dev.request(s);
    const before = await waiters(s);
    const ev = sseReader(await s.fetch(`/app/api/events?token=${encodeURIComponent(dev.token)}`));
    assert.equal((await ev.next()).event, 'requests');
    await waitFor(async () => (await waiters(s)) > before, 'the stream attached');
    const r = await s.req('DELETE', '/app/api/device', { headers: { Authorization: `Bearer ${dev.token}` } });
    assert.equal(r.status, 200);
    // Its open stream ends at once.
    assert.equal((await ev.next()).event, 'reauth');
    assert.equal(await ev.next(), null);
    assert.equal((await dev.pending(s)).status, 401);
    assert.equal((await dev.login(s)).status, 401);
    const d = await dev.decide(s, req.request_id, 'approve', st.code);
    assert.equal(d.status, 404);
    assert.equal(d.body.error, 'unknown_device');
  });
});

describe('pages', () => {
  test('the device app, its manifest and service worker; the widget script', async () => {
    const page = await s.fetch('/app');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /text\/html/);
    assert.match(page.headers.get('content-security-policy'), /script-src 'self'/);
    const html = await page.text();
    assert.match(html, /manifest\.webmanifest/);
    const man = await s.fetch('/app/manifest.webmanifest');
    assert.equal(man.status, 200);
    assert.match(man.headers.get('content-type'), /manifest\+json/);
    const m = await man.json();
    assert.equal(m.start_url, '/app');
    assert.ok(m.icons.some((i) => i.sizes === '192x192') && m.icons.some((i) => i.sizes === '512x512'));
    for (const i of m.icons) assert.equal((await s.fetch(i.src)).status, 200, i.src);
    const sw = await s.fetch('/app/sw.js');
    assert.equal(sw.status, 200);
    assert.match(sw.headers.get('content-type'), /javascript/);
    assert.equal((await s.fetch('/app/index.html')).status, 404);
    assert.equal((await s.fetch('/app/..%2Fopenapi.json')).status, 404);
    const w = await s.fetch('/widget.js');
    assert.equal(w.status, 200);
    assert.match(w.headers.get('content-type'), /javascript/);
    assert.match(await w.text(), /LOGIN WITH AUTHGATE/);
  });
});
