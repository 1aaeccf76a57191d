// The HTTP edge as an attacker sees it (issue 7): request-smuggling primitives, the
// server's own error answers for bad framing, oversized chunked bodies, and what the
// access log keeps of a request that matched no route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { rawRequest, trickle } from '../lib/raw.mjs';
import net from 'node:net';

let s;

before(async () => { s = await startServer(); });
after(async () => { await s.cleanup(); });

// Wait until the server has written `n` more access-log lines than `before`.
async function accessLines(server, from) {
  for (let i = 0; i < 500; i++) { // up to 10 s: a sanitizer build writes its log slowly
    const lines = server.logLines().slice(from).filter((l) => l.access);
    if (lines.length) return lines;
    await new Promise((r) => setTimeout(r, 20));
  }
  return [];
}

test('an unmatched path under a secret-bearing prefix never reaches the log', async () => {
  const secret = 'ps_' + 'Q'.repeat(40);
  const attempts = [
    `DELETE /auth/check/${secret} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, // wrong method: 405
    `GET /auth/check/${secret}/more HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, // no such sub-path
    `GET //auth//check/${secret} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, // doubled slashes
    `GET /auth/check/${secret} HTTP/1.1\r\nHost: x\r\nHost: y\r\nConnection: close\r\n\r\n`, // two Hosts
  ];
  for (const text of attempts) {
    const from = s.logLines().length;
    const r = await rawRequest(s.url, text);
    assert.ok(r.status >= 400 && r.status < 500, `${text.split('\r\n')[0]} -> ${r.status}`);
    const lines = await accessLines(s, from);
    assert.ok(lines.length >= 1, 'an access-log line is written');
  }
  assert.ok(!s.stderr.includes(secret), 'the session id is not in the log');
  assert.ok(!s.stdout.includes(secret), 'the session id is not on stdout');
  const logged = s.logLines().filter((l) => l.access && /^\/+auth/.test(l.path || '')).map((l) => l.path);
  assert.ok(logged.includes('/auth/check/{redacted}'), JSON.stringify(logged));
  // A path that carries no secret is still logged as it came.
  const from = s.logLines().length;
  await rawRequest(s.url, 'GET /no/such/page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal((await accessLines(s, from))[0].path, '/no/such/page');
});

// Status lines in a raw answer: a well-formed refusal has exactly one.
const statusLines = (raw) => (raw.match(/HTTP\/1\.[01] \d{3} /g) || []).length;

function assertRefused(r, status, code, what) {
  assert.equal(r.status, status, `${what}: ${r.raw.slice(0, 300)}`);
  assert.equal(statusLines(r.raw), 1, `${what}: one answer, not two: ${r.raw.slice(0, 400)}`);
  assert.match(r.headers['content-type'] || '', /^application\/json/, what);
  assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body), `${what}: Content-Length`);
  assert.equal(r.json?.error, code, `${what}: ${r.body}`);
  assert.ok(r.json.message.length > 0, what);
  assert.equal(r.headers.connection, 'close', what);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', what);
  assert.ok(r.closed && !r.timedOut, `${what}: the connection is closed`);
}

test('request-smuggling primitives are refused with 400 and the connection closed', async () => {
  const cases = {
    'whitespace before the colon': 'POST /auth/start HTTP/1.1\r\nHost: x\r\nContent-Length : 2\r\n\r\n{}',
    'tab before the colon': 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A\t: 1\r\n\r\n',
    'bare CR in a value': 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n',
    'NUL in a value': 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n',
    'control character in a value': 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n',
    'bare LF line endings': 'GET /healthz HTTP/1.1\nHost: x\n\n',
    'one bare LF': 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: b\n\r\n',
    'bare LF after the request line': 'GET /healthz HTTP/1.1\nHost: x\r\n\r\n',
    'two spaces after the method': 'GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
    'two spaces before the version': 'GET /healthz  HTTP/1.1\r\nHost: x\r\n\r\n',
    'space after the version': 'GET /healthz HTTP/1.1 \r\nHost: x\r\n\r\n',
    'no version': 'GET /healthz\r\nHost: x\r\n\r\n',
    'lower-case version': 'GET /healthz http/1.1\r\nHost: x\r\n\r\n',
    'obs-fold': 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n',
    'empty field name': 'GET /healthz HTTP/1.1\r\nHost: x\r\n: a\r\n\r\n',
    'field line without a colon': 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A\r\n\r\n',
    'chunked with trailing space': 'POST /auth/start HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked \r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    'Content-Length with trailing space': 'POST /auth/start HTTP/1.1\r\nHost: x\r\nContent-Length: 2 \r\n\r\n{}',
    'non-ASCII byte in the target': 'GET /healthz\xff HTTP/1.1\r\nHost: x\r\n\r\n',
    'bare LF in a chunk size line': 'POST /auth/start HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\n{}\r\n0\r\n\r\n',
    'chunk data longer than its size': 'POST /auth/start HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{}\r\n0\r\n\r\n',
    'Transfer-Encoding in HTTP/1.0': 'POST /auth/start HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  };
  for (const [what, text] of Object.entries(cases)) {
    const r = await rawRequest(s.url, Buffer.from(text, 'latin1'));
    assertRefused(r, 400, 'invalid_request', what);
  }
  assert.equal((await s.req('GET', '/healthz')).status, 200);
});

test('a request hidden behind a malformed Content-Length never runs', async () => {
  const admin = `Bearer ${await s.adminToken()}`;
  const body = JSON.stringify({ app_id: 'smuggled-app', name: 'Smuggled' });
  const inner = `POST /admin/api/projects HTTP/1.1\r\nHost: x\r\nAuthorization: ${admin}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  for (const framing of [`Content-Length : ${inner.length}`, `Content-Length:\t${inner.length} `,
    `Transfer-Encoding: chunked\r\n x`, `X-Pad: a\rContent-Length: ${inner.length}`]) {
    const r = await rawRequest(s.url, `POST /auth/start HTTP/1.1\r\nHost: x\r\n${framing}\r\n\r\n${inner}`);
    assertRefused(r, 400, 'invalid_request', framing);
  }
  const list = await s.req('GET', '/admin/api/projects', { headers: { Authorization: admin } });
  assert.equal(list.status, 200);
  assert.ok(!JSON.stringify(list.body).includes('smuggled-app'), 'the hidden request did not run');
});

test("libmicrohttpd's own refusals are single, well-formed JSON answers", async () => {
  const post = (h) => `POST /auth/start HTTP/1.1\r\nHost: x\r\n${h}\r\n\r\n`;
  const cases = [
    ['no Host', 'GET /healthz HTTP/1.1\r\n\r\n', 400, 'invalid_request'],
    ['no Host, with a body', 'POST /auth/start HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}', 400, 'invalid_request'],
    ['Content-Length: +5', post('Content-Length: +5'), 400, 'invalid_request'],
    ['Content-Length: 0x10', post('Content-Length: 0x10'), 400, 'invalid_request'],
    ['Content-Length: 5, 5', post('Content-Length: 5, 5'), 400, 'invalid_request'],
    ['Content-Length: -1', post('Content-Length: -1'), 400, 'invalid_request'],
    ['Content-Length: (empty)', post('Content-Length:'), 400, 'invalid_request'],
    ['Content-Length: 1e3', post('Content-Length: 1e3'), 400, 'invalid_request'],
    ['huge Content-Length', post('Content-Length: 99999999999999999999999999'), 413, 'payload_too_large'],
    ['Content-Length past 1 MiB', post('Content-Length: 1048577'), 413, 'payload_too_large'],
    ['a huge chunk', post('Transfer-Encoding: chunked') + 'ffffffffffff\r\n', 413, 'payload_too_large'],
    ['HTTP/2.0', 'GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n', 505, 'http_version_not_supported'],
    ['HTTP/1.2', 'GET /healthz HTTP/1.2\r\nHost: x\r\n\r\n', 505, 'http_version_not_supported'],
    ['headers past the memory pool', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(200 * 1024)}\r\n\r\n`, 431, 'headers_too_large'],
    ['too many header fields', `GET /healthz HTTP/1.1\r\nHost: x\r\n${'a: b\r\n'.repeat(150)}\r\n`, 431, 'headers_too_large'],
  ];
  for (const [what, text, status, code] of cases) {
    assertRefused(await rawRequest(s.url, text), status, code, what);
  }
  // What the checks must not refuse: HTTP/1.0 without Host, leading empty lines, a chunk
  // extension and trailers, obs-text in a value, absolute-form targets reach routing.
  const ok = [
    'GET /healthz HTTP/1.0\r\n\r\n',
    '\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: caf\xe9 \t\r\nConnection: close\r\n\r\n',
    'GET /healthz HTTP/1.1\r\nhOsT: [::1]:8080\r\nConnection: close\r\n\r\n',
  ];
  for (const text of ok) {
    const r = await rawRequest(s.url, Buffer.from(text, 'latin1'));
    assert.equal(r.status, 200, `${JSON.stringify(text)}: ${r.raw.slice(0, 200)}`);
  }
  const chunked = await rawRequest(s.url, 'POST /auth/start HTTP/1.1\r\nHost: x\r\nConnection: close\r\n' +
    'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=1\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n');
  assert.equal(chunked.status, 400, chunked.raw); // reached the handler: {} lacks app_id
  assert.match(chunked.json.message, /app_id/);
});

test('pipelined requests before a malformed one are answered first, in order', async () => {
  const r = await rawRequest(s.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' +
    'PUT /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n' +
    'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  const statuses = [...r.raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [200, 405, 400], r.raw);
  assert.match(r.raw, /bare CR/);
  assert.ok(r.closed && !r.timedOut);
});

// Send a chunked body in `size`-byte chunks every `everyMs` until the server answers
// or `limit` bytes went out; resolves {status, raw, sent, closed}.
function chunkedUpload(url, path, { size, everyMs, limit }) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect({ host: hostname, port: Number(port) });
    let raw = '', sent = 0, timer, closed = false;
    const done = () => {
      clearInterval(timer);
      sock.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(raw);
      resolve({ status: m ? Number(m[1]) : 0, raw, sent, closed });
    };
    sock.on('connect', () => {
      sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = `${size.toString(16)}\r\n${'x'.repeat(size)}\r\n`;
      timer = setInterval(() => {
        if (sent >= limit) return done();
        if (!sock.destroyed && sock.writable) { sock.write(chunk); sent += size; }
      }, everyMs);
    });
    sock.on('data', (d) => { raw += d; });
    sock.on('end', () => { closed = true; setTimeout(done, 50); });
    sock.on('error', () => { setTimeout(done, 50); });
  });
}

test('a chunked body past the route cap is answered 413 and the connection closed', async () => {
  // /admin/api/projects takes at most 16 KiB.
  const fast = await chunkedUpload(s.url, '/admin/api/projects', { size: 8192, everyMs: 1, limit: 64 * 1024 * 1024 });
  assert.equal(fast.status, 413, fast.raw.slice(0, 300));
  assert.ok(fast.sent < 4 * 1024 * 1024, `answered after ${fast.sent} bytes`);
  assert.match(fast.raw, /"error":"payload_too_large"/);
  assert.match(fast.raw, /Connection: close/);
  assert.equal(statusLines(fast.raw), 1);
  // A slow one, on a server whose connection timeout is 1 s: it is answered at the cap
  // like the fast one, not read for as long as it keeps trickling.
  const t = await startServer({ AUTHGATE_CONN_TIMEOUT: '1' });
  try {
    const started = Date.now();
    const slow = await chunkedUpload(t.url, '/auth/start', { size: 256, everyMs: 50, limit: 1024 * 1024 });
    assert.equal(slow.status, 413, slow.raw.slice(0, 300));
    assert.ok(slow.sent <= 4 * 1024, `answered after ${slow.sent} bytes`);
    assert.ok(Date.now() - started < 5000);
    assert.ok(slow.closed, 'the server closed the connection');
    const line = t.logLines().find((l) => l.access && l.path === '/auth/start');
    assert.equal(line?.status, 413);
  } finally {
    await t.cleanup();
  }
  assert.equal((await s.req('GET', '/healthz')).status, 200);
});

test('an error chosen before the body is answered at once; the body is then drained, not reset', async () => {
  const { hostname, port } = new URL(s.url);
  for (const [head, status, extra] of [
    ['POST /no/such/thing HTTP/1.1\r\nHost: x\r\nContent-Length: 30000\r\n\r\n', 404, null],
    ['POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 30000\r\n\r\n', 405, ['allow', 'GET']],
    ['POST /admin/api/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 30000\r\n\r\n', 413, null],
  ]) {
    // allowHalfOpen: keep sending after the server's FIN, as a client mid-upload does.
    const sock = net.connect({ host: hostname, port: Number(port), allowHalfOpen: true });
    let raw = '';
    let ended = false, error = null;
    sock.on('data', (d) => { raw += d; });
    sock.on('end', () => { ended = true; });
    sock.on('error', (e) => { error = e; });
    await new Promise((r) => sock.on('connect', r));
    sock.write(head);
    for (let i = 0; i < 500 && !raw.includes('\r\n\r\n{'); i++) await new Promise((r) => setTimeout(r, 20));
    const m = /^HTTP\/1\.1 (\d{3})/.exec(raw);
    assert.equal(m && Number(m[1]), status, `answered before the body was sent: ${raw.slice(0, 200)}`);
    assert.match(raw, /\r\nConnection: close\r\n/i);
    if (extra) assert.match(raw, new RegExp(`\\r\\n${extra[0]}: ${extra[1]}\\r\\n`, 'i'));
    // The body still goes out whole, without a reset (a server that closed with the body
    // unread answers it with RST), and the server has ended its side.
    for (let i = 0; i < 30; i++) {
      sock.write('x'.repeat(1000));
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(error, null, `no reset: ${error}`);
    assert.ok(ended, 'the server ended the connection');
    assert.equal(statusLines(raw), 1);
    sock.destroy();
  }
});

test('an absolute-form target is routed by its path; its authority is the Host, and a Host that differs is refused', async () => {
  const host = new URL(s.url).host;
  const get = (target, h = host) => rawRequest(s.url, `GET ${target} HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`);
  let from = s.logLines().length;
  for (const target of [`http://${host}/healthz`, `HTTP://${host.toUpperCase()}/healthz?x=1`, `https://${host}/healthz`]) {
    const r = await get(target);
    assert.equal(r.status, 200, `${target}: ${r.raw.slice(0, 200)}`);
  }
  const logged = (await accessLines(s, from)).map((l) => l.path);
  assert.ok(logged.length && logged.every((p) => p === '/healthz'), `logged as the path: ${logged}`);
  // HTTP/1.0 too, and without a path the target is "/"
  const ten = await rawRequest(s.url, `GET http://${host}/healthz HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
  assert.equal(ten.status, 200);
  assert.equal((await get(`http://${host}`)).status, (await get('/')).status);
  // the authority replaces Host (RFC 9112 §3.2.2): both must then name the same host
  for (const [target, h, why] of [[`http://elsewhere.test/healthz`, host, 'another host'],
    [`http://${host}/healthz`, 'elsewhere.test', 'another Host'], [`http://${host}:1/healthz`, host, 'another port']]) {
    const r = await get(target, h);
    assertRefused(r, 400, 'invalid_request', why);
    assert.match(r.json.message, /Host differs/);
  }
  const noHost = await rawRequest(s.url, `GET http://${host}/healthz HTTP/1.0\r\n\r\n`);
  assertRefused(noHost, 400, 'invalid_request', 'absolute-form without Host');
  for (const target of ['ftp://x/healthz', 'http://user@x/healthz', 'healthz', 'http:///healthz']) {
    const r = await get(target, 'x');
    assertRefused(r, 400, 'invalid_request', target);
    assert.match(r.json.message, /request-target/);
  }

  // Seed 004's routes find their project by the host it claims: by the target's
  // authority, which Host must equal (a proxy that routes by either reads the same one).
  const admin = { Authorization: `Bearer ${await s.adminToken()}` };
  await s.project('hosted', { name: 'Hosted' });
  const claim = await s.req('PATCH', '/admin/api/projects/hosted/users-config', { headers: admin, body: { hosts: ['api.hosted.test'] } });
  assert.equal(claim.status, 200, claim.text);
  const status = (target, h) => get(target, h);
  const viaTarget = await status('http://api.hosted.test/users/auth/status', 'api.hosted.test');
  assert.equal(viaTarget.status, 200, viaTarget.raw.slice(0, 300));
  assert.deepEqual(viaTarget.json, { isAuthenticated: false });
  assert.equal((await status('/users/auth/status', 'api.hosted.test')).status, 200, 'origin-form, the same host');
  assert.equal((await status('/users/auth/status', host)).status, 404, 'no project for this host (no default project)');
  assertRefused(await status('http://api.hosted.test/users/auth/status', host), 400, 'invalid_request', 'claimed authority, other Host');
  assertRefused(await status(`http://${host}/users/auth/status`, 'api.hosted.test'), 400, 'invalid_request', 'claimed Host, other authority');
});

test('a request must arrive whole within AUTHGATE_REQUEST_TIMEOUT: a slow sender gets 408, an idle keep-alive connection does not', async () => {
  const slow = await startServer({ AUTHGATE_REQUEST_TIMEOUT: '2' });
  try {
    const host = new URL(slow.url).host;
    // A body trickled a byte at a time: the head is accepted, the body never completes
    // in time. Without the deadline each byte would keep the connection (30 s idle
    // timeout) and the handler waiting for ever.
    const head = `POST /api/v1/token/verify HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n`;
    const body = Array.from({ length: 64 }, () => ' ');
    let r = await trickle(slow.url, [head, ...body], 250);
    assertRefused(r, 408, 'request_timeout', 'trickled body');
    assert.ok(r.sent < 1 + body.length, `answered before the body was complete (${r.sent} parts sent)`);
    // A head trickled a field at a time.
    const fields = Array.from({ length: 40 }, (_, i) => `X-Slow-${i}: x\r\n`);
    r = await trickle(slow.url, [`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n`, ...fields, '\r\n'], 250);
    assertRefused(r, 408, 'request_timeout', 'trickled head');
    assert.ok(r.sent < fields.length + 2, 'answered before the head was complete');
    // (the server's log is read as it arrives: wait for the second line)
    const security = (kind) => slow.logLines().filter((l) => l.security === kind).length;
    for (let i = 0; i < 100 && security('slow_request') < 2; i++) await new Promise((res) => setTimeout(res, 50));
    assert.equal(security('slow_request'), 2, 'a security line for each slow request');
    assert.equal(security('bad_framing'), 0, 'not taken for bad framing');

    // Slow but in time: a request sent in a few pieces within the deadline is served.
    r = await trickle(slow.url, ['GET /hea', 'lthz HTTP/1.1\r\n', `Host: ${host}\r\n`, 'Connection: close\r\n\r\n'], 50);
    assert.equal(r.status, 200, r.raw.slice(0, 200));

    // Idle time between requests on a keep-alive connection does not count.
    const sock = net.connect({ host: '127.0.0.1', port: Number(new URL(slow.url).port) });
    await new Promise((res) => sock.once('connect', res));
    let data = '';
    sock.on('data', (d) => { data += d; });
    const answers = () => (data.match(/HTTP\/1\.1 200 /g) || []).length;
    const until = async (n) => { for (let i = 0; i < 200 && answers() < n; i++) await new Promise((res) => setTimeout(res, 20)); };
    sock.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await until(1);
    assert.equal(answers(), 1, data.slice(0, 300));
    await new Promise((res) => setTimeout(res, 3000)); // longer than the deadline, shorter than the idle timeout
    sock.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await until(2);
    assert.equal(answers(), 2, `the second request after the idle time is served: ${data.slice(0, 600)}`);
    assert.ok(!data.includes(' 408 '), data.slice(0, 600));
    sock.destroy();
  } finally {
    await slow.cleanup();
  }
});
