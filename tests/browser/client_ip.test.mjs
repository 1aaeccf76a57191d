// A browser cannot name an end user's address: X-AuthGate-Client-IP is a header no CORS
// preflight of AuthGate allows, so a page — even on one of the project's allowed origins —
// that adds it to a request gets a network error and AuthGate never sees the request.
// (The server also ignores the header without a project API key:
// tests/integration/client_ip.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../lib/server.mjs';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

let s, page, ctx, profile, app, appOrigin;

before(async () => {
  app = http.createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<!doctype html><title>app</title>'); });
  await new Promise((r) => app.listen(0, '127.0.0.1', r));
  appOrigin = `http://localhost:${app.address().port}`;
  s = await startServer();
  await s.project('browser-ip', { origins: [appOrigin] });
  profile = mkdtempSync(path.join(tmpdir(), 'ag-chromium-'));
  ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
  page = ctx.pages()[0] || (await ctx.newPage());
  await page.goto(appOrigin + '/');
});

after(async () => {
  await ctx?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await new Promise((r) => app?.close(r));
  await s?.cleanup();
});

test('a page on an allowed origin cannot send X-AuthGate-Client-IP', async () => {
  const send = (headers) => page.evaluate(async ([ag, h]) => {
    try {
      const r = await fetch(ag + '/auth/start', { method: 'POST', headers: { 'Content-Type': 'application/json', ...h },
        body: JSON.stringify({ app_id: 'browser-ip', email: 'visitor@example.com' }) });
      return { status: r.status };
    } catch (e) {
      return { error: String(e) };
    }
  }, [s.url, headers]);
  // the same request without the header is served (CORS allows this origin)
  assert.deepEqual(await send({}), { status: 200 });
  const r = await send({ 'X-AuthGate-Client-IP': '203.0.113.7' });
  assert.match(r.error ?? '', /Failed to fetch/, JSON.stringify(r));
  // the first request's preflight and POST, then the second's preflight alone: its POST never left the browser
  await new Promise((res) => setTimeout(res, 200));
  const lines = s.logLines().filter((l) => l.path === '/auth/start');
  assert.deepEqual(lines.map((l) => l.access), ['OPTIONS', 'POST', 'OPTIONS'], JSON.stringify(lines));
  assert.ok(lines.every((l) => !l.client_ip));
});
