// AuthGate behind a real nginx on loopback, as most operators deploy it (docs/PROXY.md):
// requests pass unchanged, framing attacks on nginx do not desynchronise the two, the
// client address is the one nginx saw (AUTHGATE_TRUST_PROXY) and rate limits follow it,
// limits hold through the proxy, and the dev endpoints cannot be reached through it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from '../lib/server.mjs';
import { rawRequest } from '../lib/raw.mjs';
import { startNginx } from '../lib/nginx.mjs';

let s, px, admin;

before(async () => {
  s = await startServer({ AUTHGATE_TRUST_PROXY: 'true' }); // not dev mode: mail goes to an SMTP sink
  px = await startNginx(s.url);
  admin = { Authorization: `Bearer ${await s.adminToken()}` };
});
after(async () => {
  await px?.stop();
  await s?.cleanup();
});

// One request through the proxy on its own connection, optionally from another
// loopback source address; resolves {status, headers, body, json}.
function request(base, path, { method = 'GET', headers = {}, body, localAddress } = {}) {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, localAddress, agent: false }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(data); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, body: data, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const accessLines = () => s.logLines().filter((l) => l.access);
const badFraming = () => s.logLines().filter((l) => l.security === 'bad_framing');

// The access-log line of a request to `path` made by `send`.
async function accessOf(path, send) {
  const from = s.logLines().length;
  await send();
  for (let i = 0; i < 100; i++) {
    const l = s.logLines().slice(from).find((x) => x.access && x.path === path);
    if (l) return l;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

test('requests pass through nginx unchanged, buffered and streamed', async () => {
  const h = await request(px.url, '/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.json.status, 'ok');
  assert.equal(h.headers['cache-control'], 'no-store');
  const body = JSON.stringify({ app_id: 'proxied-app', name: 'Proxied' });
  const created = await request(px.url, '/admin/api/projects', {
    method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' }, body,
  });
  assert.equal(created.status, 201, created.body);
  // Unbuffered, nginx forwards a chunked body as chunked: the edge reads nginx's chunks.
  const chunked = await request(px.unbufferedUrl, '/admin/api/projects', {
    method: 'POST', headers: { ...admin, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
    body: JSON.stringify({ app_id: 'streamed-app', name: 'Streamed' }),
  });
  assert.equal(chunked.status, 201, chunked.body);
  const list = await request(px.url, '/admin/api/projects', { headers: admin });
  assert.match(list.body, /proxied-app/);
  assert.match(list.body, /streamed-app/);
  assert.deepEqual(badFraming(), [], 'nothing nginx forwards is refused by the edge');
});

test('framing attacks on nginx do not desynchronise it from AuthGate', async () => {
  const inner = (tag) => `GET /smuggled-${tag} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const start = 'POST /auth/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';
  const hex = (n) => n.toString(16);
  const attacks = {
    'CL.TE': (i) => `${start}Content-Length: ${5 + i.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${i}`,
    'TE.CL': (i) => `${start}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n${hex(i.length)}\r\n${i}\r\n0\r\n\r\n`,
    'space before the colon': (i) => `${start}Content-Length : ${i.length}\r\n\r\n${i}`,
    'TE with trailing space': (i) => `${start}Transfer-Encoding: chunked \r\n\r\n${hex(i.length)}\r\n${i}\r\n0\r\n\r\n`,
    'TE obs-fold': (i) => `${start}Transfer-Encoding: x\r\n chunked\r\n\r\n${hex(i.length)}\r\n${i}\r\n0\r\n\r\n`,
    'TE list': (i) => `${start}Transfer-Encoding: identity, chunked\r\n\r\n${hex(i.length)}\r\n${i}\r\n0\r\n\r\n`,
    'two Content-Lengths': (i) => `${start}Content-Length: 0\r\nContent-Length: ${i.length}\r\n\r\n${i}`,
    'Content-Length +N': (i) => `${start}Content-Length: +${i.length}\r\n\r\n${i}`,
    'bare LF': (i) => `POST /auth/start HTTP/1.1\nHost: x\nContent-Length: ${i.length}\n\n${i}`,
    'bare CR': (i) => `${start}X-A: a\rContent-Length: ${i.length}\r\n\r\n${i}`,
    'NUL': (i) => `${start}X-A: a\0b\r\nContent-Length: ${i.length}\r\n\r\n${i}`,
    'chunk size with a bare LF': (i) => `${start}Transfer-Encoding: chunked\r\n\r\n${hex(i.length)}\n${i}\r\n0\r\n\r\n`,
    'chunk size 0x': (i) => `${start}Transfer-Encoding: chunked\r\n\r\n0x${hex(i.length)}\r\n${i}\r\n0\r\n\r\n`,
    'chunk extension with a bare CR': (i) => `${start}Transfer-Encoding: chunked\r\n\r\n1;a\rb\r\nx\r\n0\r\n\r\n${i}`,
    'oversized chunk size': (i) => `${start}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff1\r\n${i}\r\n0\r\n\r\n`,
  };
  let n = 0;
  for (const [what, build] of Object.entries(attacks)) {
    const tag = `${n++}`;
    for (const base of [px.url, px.unbufferedUrl]) {
      await rawRequest(base, build(inner(tag)), { timeoutMs: 2000 });
      // Other clients, now sharing nginx's kept-alive upstream connections, get their own answers.
      for (let v = 0; v < 3; v++) {
        const r = await request(base, '/healthz');
        assert.equal(r.status, 200, `${what}: a later client got ${r.status} ${r.body}`);
        assert.equal(r.json?.status, 'ok', `${what}: ${r.body}`);
      }
    }
  }
  // AuthGate handled a smuggled path only where nginx itself parsed it as a request.
  const nginxLog = px.accessLog();
  for (const l of accessLines()) {
    const m = /\/smuggled-(\d+)/.exec(l.path);
    if (m) assert.match(nginxLog, new RegExp(`"GET /smuggled-${m[1]} HTTP`), `AuthGate ran /smuggled-${m[1]} behind nginx's back`);
  }
  assert.deepEqual(badFraming(), [], 'nothing nginx forwards is refused by the edge');
  assert.equal((await request(px.url, '/healthz')).status, 200);
});

test('the client address is the one nginx saw, and rate limits follow it', async () => {
  // nginx appends the address it saw to X-Forwarded-For; AuthGate takes that last entry.
  // (Each probe has its own path: 404, logged as sent, told apart from earlier lines.)
  let l = await accessOf('/probe-1', () => request(px.url, '/probe-1', { localAddress: '127.0.0.4' }));
  assert.equal(l?.ip, '127.0.0.4');
  // What a client writes in X-Forwarded-For itself changes nothing.
  l = await accessOf('/probe-2', () => request(px.url, '/probe-2', {
    localAddress: '127.0.0.5', headers: { 'X-Forwarded-For': '198.51.100.7' },
  }));
  assert.equal(l?.ip, '127.0.0.5');
  l = await accessOf('/probe-3', () => request(px.url, '/probe-3', { headers: { 'X-Test-Peer': '203.0.113.9' } }));
  assert.equal(l?.ip, '203.0.113.9');

  // Failed credentials are limited per client address (30, then 429).
  const bad = { Authorization: 'Bearer agk_not_a_real_key' };
  const statuses = [];
  for (let i = 0; i < 40; i++) {
    statuses.push((await request(px.url, '/api/v1/project', { headers: bad, localAddress: '127.0.0.6' })).status);
  }
  assert.equal(statuses[0], 401);
  assert.ok(statuses.includes(429), statuses.join(' '));
  // ... the same client cannot shed the limit by naming another address ...
  const spoofed = await request(px.url, '/api/v1/project', {
    headers: { ...bad, 'X-Forwarded-For': '192.0.2.44' }, localAddress: '127.0.0.6',
  });
  assert.equal(spoofed.status, 429);
  assert.ok(Number(spoofed.headers['retry-after']) >= 1);
  // ... while other clients behind the same proxy are not limited with it.
  const other = await request(px.url, '/api/v1/project', { headers: bad, localAddress: '127.0.0.7' });
  assert.equal(other.status, 401);
});

// An app backend behind the proxy names its end user (X-AuthGate-Client-IP, project API
// key): the end user keys the limits, the backend stays the sender nginx saw.
test('an app backend behind the proxy names its end user; the sender is still the address nginx saw', async () => {
  const { key } = await s.project('backend-app');
  const h = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'X-AuthGate-Client-IP': '203.0.113.77' };
  const l = await accessOf('/api/v1/token/verify', () => request(px.url, '/api/v1/token/verify', {
    method: 'POST', headers: { ...h, 'X-Test-Peer': '198.51.100.50' }, body: JSON.stringify({ token: 'x' }) }));
  assert.equal(l?.status, 401);
  assert.deepEqual([l?.ip, l?.client_ip], ['198.51.100.50', '203.0.113.77']);
});

test('limits hold through the proxy', async () => {
  const big = JSON.stringify({ app_id: 'big-app', name: 'x'.repeat(40 * 1024) });
  const post = (base, extra = {}) => request(base, '/admin/api/projects', {
    method: 'POST', headers: { ...admin, 'Content-Type': 'application/json', ...extra }, body: big,
  });
  // Buffered: nginx sends a Content-Length, refused before the body is read.
  const viaLength = await post(px.url);
  assert.equal(viaLength.status, 413);
  assert.equal(viaLength.json?.error, 'payload_too_large');
  // Streamed: a chunked body past the cap, answered as soon as it passes it.
  const viaChunks = await post(px.unbufferedUrl, { 'Transfer-Encoding': 'chunked' });
  assert.equal(viaChunks.status, 413, px.errorLog().split('\n').filter((l) => /\[(error|warn)\]/.test(l)).slice(-3).join('\n'));
  assert.equal(viaChunks.json?.error, 'payload_too_large');
  assert.equal((await request(px.url, '/healthz')).status, 200);
  assert.deepEqual(badFraming(), []);
});

test('the dev endpoints cannot be reached through the proxy', async () => {
  const paths = ['/_dev/mail', '/_dev/mail/messages', '/_dev/sms', '/_dev/sms/messages'];
  const spoofs = [{}, { 'X-Forwarded-For': '127.0.0.1' }, { 'X-Forwarded-For': '::1' }, { 'X-Test-Peer': '192.0.2.1' },
    { 'X-Test-Peer': '192.0.2.1', 'X-Forwarded-For': '127.0.0.1' }];
  const clock = (base) => request(base, '/_dev/clock', {
    method: 'POST', headers: { ...admin, 'Content-Type': 'application/json', 'X-Forwarded-For': '127.0.0.1' },
    body: '{"offset_ms":1000}',
  });
  // Not in dev mode: they do not exist.
  for (const p of paths) {
    for (const h of spoofs) {
      const r = await request(px.url, p, { headers: h });
      assert.equal(r.status, 404, `${p} ${JSON.stringify(h)}: ${r.status}`);
    }
  }
  assert.equal((await clock(px.url)).status, 404);
  // In dev mode, with or without AUTHGATE_TRUST_PROXY: served to a direct loopback
  // client only, never through the proxy (whose socket is loopback too).
  for (const trust of ['true', 'false']) {
    const d = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_TRUST_PROXY: trust });
    const dp = await startNginx(d.url);
    try {
      assert.equal((await request(d.url, '/_dev/mail/messages')).status, 200, 'served to a direct loopback client');
      for (const p of paths) {
        for (const h of spoofs) {
          const r = await request(dp.url, p, { headers: h });
          assert.equal(r.status, 404, `dev mode, trust ${trust}: ${p} ${JSON.stringify(h)}: ${r.status}`);
        }
      }
    } finally {
      await dp.stop();
      await d.cleanup();
    }
  }
});
