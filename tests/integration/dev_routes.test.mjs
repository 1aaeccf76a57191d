// Development routes (/_dev/mail, /_dev/clock) and the client address. Dev routes exist
// only in dev mode and only for a client talking to AuthGate directly from loopback:
// never through a proxy (on the same host every proxied client's socket peer is
// 127.0.0.1) and never because X-Forwarded-For names a loopback address. Outside dev
// mode without SMTP the server refuses to start (mail would go nowhere or be kept for a
// viewer). With AUTHGATE_TRUST_PROXY the last X-Forwarded-For entry must be an IP.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BIN, Server, startServer } from '../lib/server.mjs';
import { rawRequest } from '../lib/raw.mjs';

const LOOPBACK_SPELLINGS = ['127.0.0.1', '::1', '127.8.8.8', '::ffff:127.0.0.1', '203.0.113.9, 127.0.0.1'];
const DEV_PATHS = ['/_dev/mail', '/_dev/mail/messages', '/_dev/mail/job_x/html'];

describe('outside dev mode', () => {
  test('without an SMTP server `serve` refuses to start and says what to set; `config check` agrees', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'authgate-nosmtp-'));
    const s = new Server({ AUTHGATE_SMTP_URL: undefined, AUTHGATE_DEV: undefined, AUTHGATE_DATA_DIR: path.join(dir, 'data') }, { dataDir: dir, noSink: true });
    try {
      await assert.rejects(s.start(), /exited \(2\) before listening/);
      assert.match(s.stderr, /AUTHGATE_SMTP_URL: required outside dev mode/);
      assert.match(s.stderr, /AUTHGATE_DEV=true/);
      assert.ok(!existsSync(path.join(dir, 'data')), 'nothing created by a server that did not start');
      let r;
      try {
        await promisify(execFile)(BIN, ['config', 'check'], { env: { PATH: process.env.PATH, AUTHGATE_DATA_DIR: dir } });
      } catch (e) {
        r = e;
      }
      assert.equal(r?.code, 1);
      assert.match(r.stderr, /AUTHGATE_SMTP_URL: required outside dev mode/);
    } finally {
      await s.stop(); // in case it did start
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('behind a trusted proxy (AUTHGATE_TRUST_PROXY)', () => {
    let s, admin;
    before(async () => {
      s = await startServer({ AUTHGATE_TRUST_PROXY: 'true' }); // SMTP: the harness's sink
      admin = { Authorization: `Bearer ${await s.adminToken()}` };
    });
    after(async () => { await s?.cleanup(); });

    test('dev routes do not exist, from loopback or any forwarded loopback spelling', async () => {
      for (const p of DEV_PATHS) {
        assert.equal((await s.req('GET', p)).status, 404, p);
        for (const xff of LOOPBACK_SPELLINGS) {
          const r = await s.req('GET', p, { headers: { 'X-Forwarded-For': xff } });
          assert.equal(r.status, 404, `${p} X-Forwarded-For: ${xff}`);
          assert.equal(r.body.error, 'not_found');
        }
      }
      // Not even an admin learns that the clock route exists (404, not 401/403).
      for (const headers of [{}, admin, { ...admin, 'X-Forwarded-For': '127.0.0.1' }]) {
        const r = await s.req('POST', '/_dev/clock', { body: { offset_ms: 1000 }, headers });
        assert.equal(r.status, 404);
      }
    });

    test('the client address is the last X-Forwarded-For entry, one spelling per address', async () => {
      const cases = [
        ['198.51.100.7', '198.51.100.7'],
        ['garbage, <script>, 198.51.100.8', '198.51.100.8'], // the client's own entries are ignored
        ['::ffff:198.51.100.9', '198.51.100.9'],
        [' 2001:DB8:0:0::1 ', '2001:db8::1'],
      ];
      for (const [xff, ip] of cases) {
        const r = await s.req('GET', '/healthz', { headers: { 'X-Forwarded-For': xff } });
        assert.equal(r.status, 200, xff);
        const line = await waitForAccess(s, (l) => l.ip === ip);
        assert.ok(line, `access log with ip ${ip} for ${xff}`);
      }
    });

    test('an X-Forwarded-For that does not end with an IP address is refused (400, logged)', async () => {
      for (const xff of ['localhost', '127.0.0.1:8080', '[::1]', 'fe80::1%eth0', '198.51.100.7,', 'unknown', '0177.0.0.1', '1.2.3']) {
        const r = await s.req('GET', '/healthz', { headers: { 'X-Forwarded-For': xff } });
        assert.equal(r.status, 400, xff);
        assert.equal(r.body.error, 'invalid_request');
        assert.match(r.body.message, /X-Forwarded-For must end with the client's IP address/);
      }
      assert.ok(s.logLines().some((l) => l.security === 'bad_forwarded_for' && l.ip === '127.0.0.1'));
    });

    test('of two X-Forwarded-For lines the last one counts', async () => {
      const { port } = new URL(s.url);
      const r = await rawRequest(s.url, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Forwarded-For: 198.51.100.20\r\nX-Forwarded-For: 198.51.100.21\r\nConnection: close\r\n\r\n`);
      assert.equal(r.status, 200);
      assert.ok(await waitForAccess(s, (l) => l.ip === '198.51.100.21'));
      assert.ok(!s.logLines().some((l) => l.ip === '198.51.100.20'));
    });
  });

  test('without AUTHGATE_TRUST_PROXY, X-Forwarded-For is ignored', async () => {
    const s = await startServer();
    try {
      const r = await s.req('GET', '/healthz', { headers: { 'X-Forwarded-For': 'garbage' } });
      assert.equal(r.status, 200);
      assert.ok(await waitForAccess(s, (l) => l.path === '/healthz' && l.ip === '127.0.0.1'));
    } finally {
      await s.cleanup();
    }
  });
});

describe('in dev mode', () => {
  let s, admin;
  before(async () => {
    s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_SMTP_URL: undefined, AUTHGATE_TRUST_PROXY: 'true' });
    admin = { Authorization: `Bearer ${await s.adminToken()}` };
  });
  after(async () => { await s?.cleanup(); });

  test('dev routes answer a direct loopback client', async () => {
    assert.equal((await s.req('GET', '/_dev/mail')).status, 200);
    assert.equal((await s.req('GET', '/_dev/mail/messages')).status, 200);
    const r = await s.req('POST', '/_dev/clock', { body: { offset_ms: 0 }, headers: admin });
    assert.equal(r.status, 200, r.text);
  });

  test('but never a forwarded request, whatever address it names', async () => {
    for (const xff of LOOPBACK_SPELLINGS) {
      for (const p of DEV_PATHS.slice(0, 2)) {
        const r = await s.req('GET', p, { headers: { 'X-Forwarded-For': xff } });
        assert.equal(r.status, 404, `${p} X-Forwarded-For: ${xff}`);
      }
      const r = await s.req('POST', '/_dev/clock', { body: { offset_ms: 1000 }, headers: { ...admin, 'X-Forwarded-For': xff } });
      assert.equal(r.status, 404, xff);
    }
    for (const headers of [{ Forwarded: 'for=127.0.0.1' }, { 'X-Real-IP': '127.0.0.1' }]) {
      assert.equal((await s.req('GET', '/_dev/mail/messages', { headers })).status, 404, JSON.stringify(headers));
    }
  });
});

// The access log line is written when the response completes: wait for it briefly.
async function waitForAccess(s, pred) {
  for (let i = 0; i < 50; i++) {
    const l = s.logLines().find((x) => x.access && pred(x));
    if (l) return l;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}
