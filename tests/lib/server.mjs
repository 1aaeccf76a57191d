// The test harness: start the real authgate binary on a free port with a fresh data
// dir, run its CLI against the same store, and stop it. Every black-box test uses this.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startMailbox } from './mailbox.mjs';

const execFileP = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const BIN = process.env.AUTHGATE_TEST_BIN || path.join(root, 'build/authgate');

// A sanitizer's report on stderr: ASan, LSan, UBSan, or TSan (make test-tsan; TSan keeps
// running after a report, so the report, not the exit, is what fails the test).
const SANITIZER_REPORT = /(ERROR: (Address|Leak)Sanitizer|runtime error:|WARNING: ThreadSanitizer)/;

// Fast argon2 parameters keep the suite quick; the bench measures the real ones.
const TEST_ENV = {
  AUTHGATE_HOST: '127.0.0.1',
  AUTHGATE_PORT: '0',
  AUTHGATE_PWHASH_MEM_KIB: '8192',
  AUTHGATE_PWHASH_OPS: '1',
  AUTHGATE_LOG_LEVEL: 'info',
  AUTHGATE_SHUTDOWN_GRACE: '5',
};

// Outside dev mode `authgate serve` needs an SMTP server (mail is captured only in dev
// mode). A test that does not read mail and is not in dev mode gets this one: a real
// SMTP server shared by the test file's servers, which keeps what it receives. Tests
// that read mail start their own mailbox (tests/lib/mailbox.mjs) or use dev mode.
let sink;
export async function sinkMailbox() {
  if (!sink) {
    sink = startMailbox();
    const mb = await sink;
    mb.unref(); // the test file may end while it listens
  }
  return sink;
}

const truthy = (v) => /^(1|true|yes|on)$/i.test(v || '');

// fetch, with the reason a request failed in its message ("fetch failed" alone names
// none: a reset, a refused connection and a timeout all read the same in a report).
async function fetchNamed(url, init) {
  try {
    return await fetch(url, init);
  } catch (e) {
    if (e.cause) e.message += ` (${[e.cause.code, e.cause.message].filter(Boolean).join(': ')})`;
    throw e;
  }
}

export class Server {
  // opts.noSink: start without the shared SMTP server even outside dev mode.
  constructor(env = {}, { dataDir, noSink } = {}) {
    this.dataDir = dataDir || mkdtempSync(path.join(tmpdir(), 'authgate-test-'));
    this.ownDir = !dataDir;
    this.noSink = noSink;
    this.env = { ...process.env, ...TEST_ENV, AUTHGATE_DATA_DIR: this.dataDir, ...env };
    for (const k of Object.keys(this.env)) if (this.env[k] === undefined) delete this.env[k];
    this.stdout = '';
    this.stderr = '';
  }

  // Start and wait for "authgate listening on http://host:port".
  async start() {
    if (!this.env.AUTHGATE_SMTP_URL && !truthy(this.env.AUTHGATE_DEV) && !this.noSink) {
      const mb = await sinkMailbox();
      this.env.AUTHGATE_SMTP_URL = mb.env.AUTHGATE_SMTP_URL;
      this.env.AUTHGATE_SMTP_TLS = mb.env.AUTHGATE_SMTP_TLS;
    }
    return new Promise((resolve, reject) => {
      this.proc = spawn(BIN, ['serve'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const timer = setTimeout(() => reject(new Error(`authgate did not start:\n${this.stderr}`)), 15000);
      this.proc.stdout.on('data', (d) => {
        this.stdout += d;
        const m = this.stdout.match(/authgate listening on (http:\/\/[\d.]+:\d+)/);
        if (m && !this.url) {
          this.url = m[1];
          clearTimeout(timer);
          resolve(this);
        }
      });
      this.proc.stderr.on('data', (d) => { this.stderr += d; });
      this.proc.on('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        if (!this.url) {
          clearTimeout(timer);
          reject(new Error(`authgate exited (${code ?? signal}) before listening:\n${this.stderr}`));
        }
      });
    });
  }

  // Run `authgate <args>` against this server's store; resolves {code, stdout, stderr}.
  async cli(...args) {
    let r;
    try {
      const { stdout, stderr } = await execFileP(BIN, args, { env: this.env });
      r = { code: 0, stdout, stderr };
    } catch (e) {
      r = { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
    if (SANITIZER_REPORT.test(r.stderr)) {
      throw new Error(`sanitizer report from authgate ${args.join(' ')}:\n${r.stderr}`);
    }
    return r;
  }

  async cliJSON(...args) {
    const r = await this.cli(...args);
    if (r.code !== 0) throw new Error(`authgate ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  // A project with an API key, and (once per server) an admin token.
  async project(appId = 'test-app', opts = {}) {
    const args = ['project', 'create', appId, opts.name || 'Test App'];
    for (const o of opts.origins || []) args.push('--origin', o);
    for (const c of opts.callbacks || []) args.push('--callback', c);
    await this.cliJSON(...args);
    const key = await this.cliJSON('apikey', 'create', appId);
    return { appId, key: key.key, keyId: key.id };
  }

  async adminToken() {
    if (!this._admin) this._admin = (await this.cliJSON('admin-token', 'create')).key;
    return this._admin;
  }

  fetch(p, init = {}) {
    return fetchNamed(this.url + p, init);
  }

  // JSON request helper: returns {status, headers, body (parsed when JSON), text}.
  async req(method, p, { body, headers = {}, raw } = {}) {
    const init = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = raw ? body : JSON.stringify(body);
      if (!init.headers['Content-Type']) init.headers['Content-Type'] = 'application/json';
    }
    const res = await fetchNamed(this.url + p, init);
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, body: json, text };
  }

  // Stop with SIGTERM (or the given signal) and wait for exit.
  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.exitCode !== undefined || this.exitSignal) return this.exitCode;
    const done = new Promise((r) => this.proc.on('exit', (code) => r(code)));
    this.signalled = true;
    this.proc.kill(signal);
    return await done;
  }

  // Stop, remove the data dir, and fail if the server did not exit cleanly: a non-zero
  // exit after SIGTERM, or any sanitizer report (ASan/UBSan/LSan/TSan) on stderr.
  async cleanup() {
    // Exited with nobody here having stopped it: a server that shut down by itself
    // mid-test (whatever the code) fails the test instead of passing as a clean exit.
    const byItself = this.exitCode !== undefined && !this.signalled;
    const code = await this.stop();
    if (this.ownDir) rmSync(this.dataDir, { recursive: true, force: true });
    const report = SANITIZER_REPORT.exec(this.stderr);
    if (report) throw new Error(`sanitizer report from authgate:\n${this.stderr.slice(Math.max(0, report.index - 200), report.index + 4000)}`);
    // Killed by a signal nobody here sent (a crash: SIGSEGV, SIGABRT, ...): the exit
    // code is null then, which the check below would take for a clean exit.
    if (this.exitSignal && !this.signalled) {
      throw new Error(`authgate died on ${this.exitSignal}:\n${this.stderr.slice(-3000)}`);
    }
    if (byItself && !this.exitSignal) {
      throw new Error(`authgate exited by itself (code ${code}) before the test stopped it:\n${this.stderr.slice(-3000)}`);
    }
    if (this.exitSignal !== 'SIGKILL' && code !== 0 && code !== undefined && code !== null) {
      throw new Error(`authgate exited with ${code}:\n${this.stderr.slice(-3000)}`);
    }
  }

  // Lines of the JSON log (stderr).
  logLines() {
    return this.stderr.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return { raw: l }; } });
  }
}

// A fresh database in the PostgreSQL cluster that tests/run_all.sh started
// (AUTHGATE_TEST_PG_URL); returns its URL.
export async function freshPgDatabase() {
  const base = process.env.AUTHGATE_TEST_PG_URL;
  if (!base) throw new Error('AUTHGATE_TEST_PG_URL is not set (tests/run_all.sh starts PostgreSQL)');
  const name = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await execFileP('psql', [base, '-qAtc', `CREATE DATABASE ${name}`]);
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

// Start a server. With AUTHGATE_TEST_STORE=postgres (or opts.postgres) it gets its own
// fresh PostgreSQL database instead of SQLite.
export async function startServer(env = {}, opts = {}) {
  if ((opts.postgres || process.env.AUTHGATE_TEST_STORE === 'postgres') && !env.AUTHGATE_DATABASE_URL && !opts.dataDir) {
    env = { ...env, AUTHGATE_DATABASE_URL: await freshPgDatabase() };
  }
  const s = new Server(env, opts);
  await s.start();
  return s;
}
