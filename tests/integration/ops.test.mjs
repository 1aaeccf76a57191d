// Operations: health, readiness, Prometheus metrics, the OpenAPI description, the
// access log (one JSON line per request, no secrets), the master key file, embedded
// assets, and graceful shutdown on SIGTERM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startServer } from '../lib/server.mjs';

let s;
before(async () => { s = await startServer(); });
after(async () => { await s.cleanup(); });

test('healthz and readyz', async () => {
  const h = await s.req('GET', '/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.body.status, 'ok');
  const r = await s.req('GET', '/readyz');
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ready');
  assert.equal(r.body.store, 'sqlite');
  assert.ok(r.body.schema_version >= 2);
});

test('metrics count requests by route and status, with latency histograms', async () => {
  await s.req('GET', '/healthz');
  await s.req('GET', '/nope');
  await s.req('GET', '/api/v1/project');
  const m = await s.fetch('/metrics');
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await m.text();
  assert.match(text, /# TYPE authgate_http_requests_total counter/);
  assert.match(text, /authgate_http_requests_total\{route="\/healthz",method="GET",status="200"\} [1-9]\d*/);
  assert.match(text, /authgate_http_requests_total\{route="unmatched",method="",status="404"\} [1-9]\d*/);
  assert.match(text, /authgate_http_requests_total\{route="\/api\/v1\/project",method="GET",status="401"\} [1-9]\d*/);
  assert.match(text, /authgate_http_request_duration_seconds_bucket\{route="\/healthz",method="GET",le="\+Inf"\} [1-9]\d*/);
  assert.match(text, /authgate_http_request_duration_seconds_count\{route="\/healthz",method="GET"\} [1-9]\d*/);
});

test('metrics can require a token', async () => {
  const t = await startServer({ AUTHGATE_METRICS_TOKEN: 'metrics-secret-123' });
  try {
    assert.equal((await t.req('GET', '/metrics')).status, 401);
    const ok = await t.fetch('/metrics', { headers: { Authorization: 'Bearer metrics-secret-123' } });
    assert.equal(ok.status, 200);
  } finally {
    await t.cleanup();
  }
});

test('openapi.json describes every route of the route table', async () => {
  const r = await s.req('GET', '/openapi.json');
  assert.equal(r.status, 200);
  assert.equal(r.body.openapi, '3.1.0');
  const routes = await s.cliJSON('routes', '--json');
  assert.ok(routes.length >= 10);
  for (const { method, path: p } of routes) {
    assert.ok(r.body.paths[p], `openapi.json lacks ${p}`);
    assert.ok(r.body.paths[p][method.toLowerCase()], `openapi.json lacks ${method} ${p}`);
  }
});

test('authgate routes prints a table of method, path and guard; --json the same routes', async () => {
  const r = await s.cli('routes');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^METHOD\s+PATH\s+GUARD$/);
  const rows = lines.slice(1).map((l) => l.trim().split(/\s+/));
  assert.ok(rows.every((row) => row.length === 3 && !row.join('').includes('\t')));
  assert.deepEqual(rows.find((row) => row[1] === '/healthz'), ['GET', '/healthz', 'public']);
  assert.deepEqual(rows.find((row) => row[1] === '/metrics'), ['GET', '/metrics', 'metrics_token']);
  assert.deepEqual(rows.find((row) => row[1] === '/admin/api/projects'), ['GET', '/admin/api/projects', 'admin_token']);
  const json = await s.cliJSON('routes', '--json');
  assert.deepEqual(json.map((x) => [x.method, x.path, x.guard]), rows);
  assert.equal((await s.cli('routes', '--yaml')).code, 2);
});

// The table is put together from each family's rows (src/api/routes*.c) and the router
// takes the first route that matches: no route may stand behind an earlier one whose
// {param} takes every path it would (a literal segment must come first), and no two
// routes may be the same.
test('the route table shadows no route', async () => {
  const routes = await s.cliJSON('routes', '--json');
  const segs = (p) => p.split('/');
  const param = (x) => /^\{.+\}$/.test(x);
  for (let j = 0; j < routes.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = routes[i], b = routes[j];
      if (a.method !== b.method) continue;
      const sa = segs(a.path), sb = segs(b.path);
      const covers = sa.length === sb.length && sa.every((x, k) => x === sb[k] || param(x));
      assert.ok(!covers, `${b.method} ${b.path} is never reached: ${a.path} comes first`);
    }
  }
});

test('the access log has one JSON line per request and never the query string or credentials', async () => {
  const key = (await s.project('log-app')).key;
  await s.req('GET', '/api/v1/project?token=SECRET-IN-QUERY', { headers: { Authorization: `Bearer ${key}` } });
  await new Promise((r) => setTimeout(r, 100));
  const lines = s.logLines().filter((l) => l.access);
  const line = lines.find((l) => l.path === '/api/v1/project' && l.status === 200);
  assert.ok(line, 'access line present');
  assert.equal(line.access, 'GET');
  assert.equal(line.ip, '127.0.0.1');
  assert.ok(line.auth.startsWith('key_'));
  assert.equal(typeof line.dur_us, 'number');
  assert.equal(s.stderr.indexOf('SECRET-IN-QUERY'), -1);
  assert.equal(s.stderr.indexOf(key), -1);
});

test('the generated master key is private to its owner', () => {
  const st = statSync(path.join(s.dataDir, 'master.key'));
  assert.equal(st.mode & 0o777, 0o600);
});

test('embedded assets: 404 for unknown, traversal refused', async () => {
  assert.equal((await s.req('GET', '/assets/nope.js')).status, 404);
  assert.equal((await s.req('GET', '/assets/..%2Fopenapi.json')).status, 404);
});

test('SIGTERM lets an in-flight request finish, then exits 0', async () => {
  const t = await startServer();
  const { hostname, port } = new URL(t.url);
  const admin = await t.adminToken();
  const body = JSON.stringify({ app_id: 'late-app', name: 'Late' });
  const sock = net.connect({ host: hostname, port: Number(port) });
  let data = '';
  sock.on('data', (d) => { data += d; });
  await new Promise((r) => sock.on('connect', r));
  // Headers and half the body now; the rest after SIGTERM.
  sock.write(`POST /admin/api/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
  await new Promise((r) => setTimeout(r, 200));
  const exited = new Promise((r) => t.proc.on('exit', (code) => r(code)));
  t.signalled = true;
  t.proc.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  // New connections are refused while we drain.
  await assert.rejects(fetch(t.url + '/healthz'));
  sock.write(body.slice(10));
  await new Promise((r) => sock.on('end', r));
  assert.match(data, /^HTTP\/1\.1 201/);
  assert.match(data, /Connection: close/i);
  assert.equal(await exited, 0);
  assert.ok(t.logLines().some((l) => l.event === 'shutdown' && /stopped/.test(l.msg)));
  await t.cleanup();
});
