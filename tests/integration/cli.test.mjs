// The command line: help and version, config check naming every bad key, config docs
// matching the README, migrations, dev-mode first start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BIN, startServer } from '../lib/server.mjs';

const run = async (args, env = {}) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-cli-'));
  try {
    const { stdout, stderr } = await promisify(execFile)(BIN, args, { env: { PATH: process.env.PATH, AUTHGATE_DATA_DIR: dir, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('--help, --version and unknown commands', async () => {
  const h = await run(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /usage: authgate <command>/);
  assert.match(h.stdout, /serve/);
  const v = await run(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^authgate \d+\.\d+\.\d+\n$/);
  const u = await run(['frobnicate']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /unknown command 'frobnicate'/);
});

test('config check reports every error with its key', async () => {
  const ok = await run(['config', 'check'], { AUTHGATE_DEV: 'true' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /configuration OK \(database: sqlite, mail: captured\)/);
  const smtp = await run(['config', 'check'], { AUTHGATE_SMTP_URL: 'smtp://127.0.0.1:2525' });
  assert.equal(smtp.code, 0, smtp.stderr);
  assert.match(smtp.stdout, /configuration OK \(database: sqlite, mail: smtp\)/);
  const bad = await run(['config', 'check'], {
    AUTHGATE_PORT: 'eighty', AUTHGATE_SMTP_URL: 'http://mail', AUTHGATE_LOG_LEVEL: 'loud', AUTHGATE_TYPO: '1',
  });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /4 configuration errors/);
  for (const k of ['AUTHGATE_PORT', 'AUTHGATE_SMTP_URL', 'AUTHGATE_LOG_LEVEL', 'AUTHGATE_TYPO']) assert.match(bad.stderr, new RegExp(`${k}: `));
});

test('config file with an error names the key and line', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-cfg-'));
  const f = path.join(dir, 'authgate.conf');
  writeFileSync(f, 'AUTHGATE_PORT=8081\nnot a setting\nAUTHGATE_WORKERS=-3\n');
  const r = await run(['config', 'check'], { AUTHGATE_CONFIG: f });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /authgate\.conf:2: expected KEY=value/);
  assert.match(r.stderr, /AUTHGATE_WORKERS: must be an integer/);
  rmSync(dir, { recursive: true, force: true });
});

test('the README configuration table is the one the binary documents', async () => {
  const docs = await run(['config', 'docs']);
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const line of docs.stdout.trim().split('\n')) assert.ok(readme.includes(line), `README lacks: ${line}`);
});

test('a serve with invalid configuration exits before listening', async () => {
  const r = await run(['serve'], { AUTHGATE_PORT: '70000' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /AUTHGATE_PORT/);
});

test('migrate applies the schema once', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-mig-'));
  const env = { PATH: process.env.PATH, AUTHGATE_DATA_DIR: dir };
  const ex = promisify(execFile);
  const first = await ex(BIN, ['migrate'], { env });
  assert.match(first.stdout, /schema version \d+ \([1-9]\d* migrations? applied\)/);
  const second = await ex(BIN, ['migrate'], { env });
  assert.match(second.stdout, /\(0 migrations applied\)/);
  rmSync(dir, { recursive: true, force: true });
});

test('dev mode: the first start creates my-app and prints its key once', async () => {
  const s = await startServer({ AUTHGATE_DEV: 'true' });
  const key = /API key\s+(agk_\S+)/.exec(s.stdout)?.[1];
  const token = /admin token\s+(aga_\S+)/.exec(s.stdout)?.[1];
  assert.ok(key && token, s.stdout);
  const r = await s.req('GET', '/api/v1/project', { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(r.body.app_id, 'my-app');
  const a = await s.req('GET', '/admin/api/projects', { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(a.status, 200);
  await s.stop();
  const again = await startServer({ AUTHGATE_DEV: 'true' }, { dataDir: s.dataDir });
  assert.doesNotMatch(again.stdout, /API key/);
  assert.equal((await again.req('GET', '/api/v1/project', { headers: { Authorization: `Bearer ${key}` } })).status, 200);
  await again.stop();
  rmSync(s.dataDir, { recursive: true, force: true });
});
