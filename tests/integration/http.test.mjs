// The HTTP layer as a client sees it: routing errors, JSON strictness, body and header
// limits, ambiguous framing, security headers, keep-alive, and that the server keeps
// serving after every bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { rawRequest } from '../lib/raw.mjs';

let s, admin;

before(async () => {
  s = await startServer();
  admin = { Authorization: `Bearer ${await s.adminToken()}` };
});
after(async () => { await s.cleanup(); });

function assertJsonError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.body.error, code);
  assert.equal(typeof r.body.message, 'string');
  assert.ok(r.body.message.length > 0);
}

test('unknown route is a 404 JSON error', async () => {
  assertJsonError(await s.req('GET', '/no/such/thing'), 404, 'not_found');
});

test('wrong method is a 405 with Allow', async () => {
  const r = await s.req('DELETE', '/healthz');
  assertJsonError(r, 405, 'method_not_allowed');
  assert.equal(r.headers.get('allow'), 'GET');
  const r2 = await s.req('PUT', '/admin/api/projects', { headers: admin, body: {} });
  assert.equal(r2.status, 405);
  assert.equal(r2.headers.get('allow'), 'GET, POST');
});

test('malformed JSON is a 400 naming the problem', async () => {
  const r = await s.req('POST', '/admin/api/projects', { headers: admin, body: '{"app_id": "x",', raw: true });
  assertJsonError(r, 400, 'invalid_request');
  assert.match(r.body.message, /not valid JSON/);
});

test('duplicate keys are refused', async () => {
  const r = await s.req('POST', '/admin/api/projects', {
    headers: { ...admin, 'Content-Type': 'application/json' },
    body: '{"app_id":"dup-app","name":"A","app_id":"other"}', raw: true,
  });
  assertJsonError(r, 400, 'invalid_request');
  assert.match(r.body.message, /duplicate key 'app_id'/);
});

test('unknown fields, wrong types, missing and oversized fields are refused', async () => {
  let r = await s.req('POST', '/admin/api/projects', { headers: admin, body: { app_id: 'f-app', name: 'F', admin: true } });
  assertJsonError(r, 400, 'invalid_request');
  assert.match(r.body.message, /unknown field 'admin'/);
  r = await s.req('POST', '/admin/api/projects', { headers: admin, body: { app_id: 5, name: 'F' } });
  assert.match(r.body.message, /field 'app_id' must be a string/);
  r = await s.req('POST', '/admin/api/projects', { headers: admin, body: { name: 'F' } });
  assert.match(r.body.message, /field 'app_id' is required/);
  r = await s.req('POST', '/admin/api/projects', { headers: admin, body: { app_id: 'a'.repeat(64), name: 'F' } });
  assert.match(r.body.message, /field 'app_id' is longer than 63 bytes/);
  r = await s.req('POST', '/admin/api/projects', { headers: admin, body: [1, 2] });
  assert.match(r.body.message, /must be a JSON object/);
  r = await s.req('POST', '/admin/api/projects', { headers: admin, body: '{"a":' + '['.repeat(50) + ']'.repeat(50) + '}', raw: true });
  assertJsonError(r, 400, 'invalid_request');
});

test('a non-JSON content type is a 415', async () => {
  const r = await s.req('POST', '/admin/api/projects', {
    headers: { ...admin, 'Content-Type': 'text/plain' }, body: '{"app_id":"t-app","name":"T"}', raw: true,
  });
  assertJsonError(r, 415, 'unsupported_media_type');
});

test('invalid UTF-8 in a body is refused', async () => {
  const body = Buffer.concat([Buffer.from('{"app_id":"u-app","name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  const res = await fetch(s.url + '/admin/api/projects', {
    method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' }, body,
  });
  assert.equal(res.status, 400);
  assert.match((await res.json()).message, /UTF-8/);
});

test('a 10 MB body is refused with 413 before it is read, and the server keeps serving', async () => {
  const big = 'x'.repeat(10 * 1024 * 1024);
  let status;
  try {
    const res = await fetch(s.url + '/admin/api/projects', {
      method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' }, body: big,
    });
    status = res.status;
    const j = await res.json();
    assert.equal(j.error, 'payload_too_large');
  } catch (e) {
    // The server may close the connection while the client is still uploading.
    status = 'closed';
  }
  assert.ok(status === 413 || status === 'closed', String(status));
  const raw = await rawRequest(s.url, `POST /admin/api/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n{`);
  assert.equal(raw.status, 413);
  assert.equal(raw.json.error, 'payload_too_large');
  assert.equal((await s.req('GET', '/healthz')).status, 200);
});

test('an oversized chunked body gets 413 or a closed connection', async () => {
  const chunk = 'x'.repeat(8192);
  let text = 'POST /admin/api/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
  for (let i = 0; i < 8; i++) text += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
  text += '0\r\n\r\n';
  const r = await rawRequest(s.url, text);
  assert.ok(r.status === 413 || (r.status === 0 && r.closed), `status ${r.status}`);
  assert.equal((await s.req('GET', '/healthz')).status, 200);
});

test('a body on a route that takes none is refused', async () => {
  const r = await s.req('GET', '/admin/api/projects', { headers: admin });
  assert.equal(r.status, 200);
  const r2 = await rawRequest(s.url, 'DELETE /admin/api/projects/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: ' + admin.Authorization + '\r\nContent-Length: 9\r\n\r\n{"a":"b"}');
  assert.equal(r2.status, 400);
  assert.match(r2.json.message, /takes no request body/);
});

test('ambiguous framing is refused', async () => {
  const two = await rawRequest(s.url, 'POST /admin/api/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}');
  assert.equal(two.status, 400);
  const both = await rawRequest(s.url, 'POST /admin/api/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n');
  assert.equal(both.status, 400);
  const gz = await rawRequest(s.url, 'POST /admin/api/projects HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n');
  assert.equal(gz.status, 400);
  assert.ok(!gz.timedOut, 'must not hang');
  const nohost = await rawRequest(s.url, 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
  assert.equal(nohost.status, 400);
  const ok10 = await rawRequest(s.url, 'GET /healthz HTTP/1.0\r\n\r\n');
  assert.equal(ok10.status, 200);
  assert.equal((await s.req('GET', '/healthz')).status, 200);
});

test('oversized headers are refused with 431 and the server keeps serving', async () => {
  const r = await rawRequest(s.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
  assert.equal(r.status, 431);
  assert.equal(r.json.error, 'headers_too_large');
  // Far past the connection's memory pool too: the edge answers before libmicrohttpd.
  const huge = await rawRequest(s.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(200 * 1024)}\r\n\r\n`);
  assert.equal(huge.status, 431);
  assert.equal(huge.json.error, 'headers_too_large');
  assert.equal((await s.req('GET', '/healthz')).status, 200);
});

test('a client that stalls mid-request is disconnected after the connection timeout', async () => {
  const t = await startServer({ AUTHGATE_CONN_TIMEOUT: '1' });
  try {
    const r = await rawRequest(t.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', { timeoutMs: 5000 });
    assert.equal(r.closed, true);
    assert.equal(r.timedOut, false);
  } finally {
    await t.cleanup();
  }
});

test('responses carry security headers and no-store', async () => {
  const r = await s.req('GET', '/healthz');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.match(r.headers.get('content-security-policy'), /default-src 'none'/);
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(r.body.status, 'ok');
});

test('keep-alive survives an error response without a body', async () => {
  const r = await rawRequest(s.url, 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 404);
  assert.match(r.raw, /HTTP\/1\.1 200 OK/);
});

test('CORS preflight from an unknown origin is refused', async () => {
  const r = await s.req('OPTIONS', '/healthz', { headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' } });
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('access-control-allow-origin'), null);
});
