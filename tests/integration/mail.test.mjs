// Mail through the durable outbox, against a real SMTP server (smtp-server) whose
// received messages are parsed with mailparser: AUTH over plain SMTP, STARTTLS with a
// certificate made here, retries after 4xx, giving up after 5xx, delivery after a
// crash and restart, and capture mode with the dev viewer and `authgate mail list`.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';
import mailparser from 'mailparser';
import { startServer, freshPgDatabase } from '../lib/server.mjs';
import { shiftClock } from '../lib/email.mjs';

const { simpleParser } = mailparser;
const FROM = 'no-reply@authgate.test';
const JA_NAME = '認証テスト株式会社';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, what, timeoutMs = 30000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// A real SMTP server on 127.0.0.1. Every DATA is parsed and kept; hooks decide the replies.
async function smtpServer(opts = {}) {
  const received = [];
  const state = { mailFrom: 0, data: 0, auths: [], errors: [] };
  const server = new SMTPServer({
    logger: false,
    banner: 'authgate test smtp',
    disabledCommands: opts.tls ? [] : ['STARTTLS'],
    key: opts.tls?.key,
    cert: opts.tls?.cert,
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    onAuth(auth, session, cb) {
      state.auths.push({ user: auth.username, secure: session.secure });
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return cb(null, { user: auth.username });
      const e = new Error('Invalid credentials');
      e.responseCode = 535;
      return cb(e);
    },
    onMailFrom(address, session, cb) {
      state.mailFrom++;
      if (opts.requireTls && !session.secure) {
        const e = new Error('Must issue STARTTLS first');
        e.responseCode = 530;
        return cb(e);
      }
      return cb();
    },
    onRcptTo(address, session, cb) {
      if (opts.rcptReply) {
        const e = new Error('Mailbox unavailable');
        e.responseCode = opts.rcptReply;
        return cb(e);
      }
      return cb();
    },
    onData(stream, session, cb) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        const parsed = await simpleParser(raw);
        state.data++;
        const reject = opts.tempFailData && state.data <= opts.tempFailData;
        received.push({
          raw: raw.toString('utf8'),
          parsed,
          secure: session.secure,
          user: session.user,
          envelope: { from: session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address) },
          accepted: !reject,
        });
        if (reject) {
          const e = new Error('Greylisted, try again later');
          e.responseCode = 451;
          return cb(e);
        }
        return cb();
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port || 0, '127.0.0.1', resolve);
  });
  // A client that aborts a TLS handshake (an untrusted certificate) is an 'error' event.
  server.on('error', (e) => state.errors.push(e.message));
  const port = server.server.address().port;
  return {
    port,
    received,
    state,
    accepted: () => received.filter((m) => m.accepted),
    close: () => new Promise((r) => server.close(r)),
  };
}

// A free TCP port on 127.0.0.1 with nothing listening (an SMTP server that is down).
async function freePort() {
  const s = await smtpServer();
  await s.close();
  return s.port;
}

async function outboxJob(s, token, id) {
  const r = await s.req('GET', '/admin/api/outbox?limit=100', { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  return r.body.jobs.find((j) => j.id === id);
}

async function testMail(s, token, appId, to) {
  const r = await s.req('POST', `/admin/api/projects/${appId}/test-mail`, {
    body: { to },
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.body.queued, true);
  assert.match(r.body.id, /^job_[A-Za-z0-9_-]{22}$/);
  return r.body.id;
}

async function metric(s, series) {
  const r = await s.req('GET', '/metrics');
  const line = r.text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.split(' ')[1]) : undefined;
}

describe('mail over plain SMTP with AUTH', () => {
  let smtp, s, token;
  before(async () => {
    smtp = await smtpServer({ auth: { user: 'mailer', pass: 's3cret-pass' } });
    s = await startServer({
      AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      AUTHGATE_SMTP_TLS: 'off',
      AUTHGATE_SMTP_USER: 'mailer',
      AUTHGATE_SMTP_PASSWORD: 's3cret-pass',
      AUTHGATE_MAIL_FROM: FROM,
    });
    await s.project('jp-app', { name: JA_NAME });
    token = await s.adminToken();
  });
  after(async () => {
    await s?.cleanup();
    await smtp?.close();
  });

  test('a test mail arrives, authenticated, with UTF-8 headers and both parts', async () => {
    const id = await testMail(s, token, 'jp-app', 'alice@example.com');
    const m = await waitFor(() => smtp.accepted()[0], 'the mail');
    assert.equal(smtp.state.auths.length, 1);
    assert.equal(m.user, 'mailer');
    assert.deepEqual(m.envelope, { from: FROM, to: ['alice@example.com'] });
    const p = m.parsed;
    assert.equal(p.subject, `Test mail from ${JA_NAME}`);
    assert.deepEqual(p.from.value, [{ address: FROM, name: JA_NAME }]);
    assert.deepEqual(p.to.value.map((v) => v.address), ['alice@example.com']);
    assert.equal(p.messageId, `<${id}@authgate.test>`);
    assert.equal(p.headers.get('content-language'), 'en');
    assert.equal(p.headers.get('mime-version'), '1.0');
    assert.equal(p.headers.get('content-type').value, 'multipart/alternative');
    assert.match(p.text, new RegExp(`test message from AuthGate for the project ${JA_NAME} \\(jp-app\\)`));
    assert.match(p.html, new RegExp(`<strong>${JA_NAME}</strong>`));
    assert.ok(p.date instanceof Date && !Number.isNaN(p.date.getTime()));
    // On the wire: 7-bit headers (RFC 2047 words), lines of at most 78 (headers) / 76
    // (quoted-printable bodies) characters, CRLF everywhere.
    const [head, body] = [m.raw.slice(0, m.raw.indexOf('\r\n\r\n')), m.raw.slice(m.raw.indexOf('\r\n\r\n') + 4)];
    assert.match(head, /^Subject: =\?UTF-8\?B\?/m);
    assert.ok(/^[\x00-\x7f]*$/.test(head), 'headers are ASCII');
    for (const l of head.split('\r\n')) assert.ok(l.length <= 78, `header line too long: ${l}`);
    for (const l of body.split('\r\n')) assert.ok(l.length <= 76, `body line too long: ${l}`);
    assert.ok(!/[^\r]\n/.test(m.raw), 'no bare LF');

    const job = await waitFor(async () => {
      const j = await outboxJob(s, token, id);
      return j?.status === 'done' && j;
    }, 'the job to be done');
    assert.equal(job.kind, 'mail');
    assert.equal(job.app_id, 'jp-app');
    assert.equal(job.attempts, 1);
    assert.equal(job.last_error, null);
    assert.ok(!('payload' in job));
    assert.ok((await metric(s, 'authgate_outbox_jobs_total{kind="mail",result="done"}')) >= 1);
    // The password never reaches the log.
    assert.ok(!s.stderr.includes('s3cret-pass'));
  });

  test('refused SMTP credentials (535) fail the job at once with a log line naming the settings', async () => {
    const bad = await startServer({
      AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      AUTHGATE_SMTP_TLS: 'off',
      AUTHGATE_SMTP_USER: 'mailer',
      AUTHGATE_SMTP_PASSWORD: 'wrong-password',
      AUTHGATE_MAIL_FROM: FROM,
      AUTHGATE_OUTBOX_BACKOFF_SCALE: '1', // were it retried, the retries would come within a second
    });
    try {
      await bad.project('bad-auth');
      const t = await bad.adminToken();
      const auths = smtp.state.auths.length;
      const id = await testMail(bad, t, 'bad-auth', 'zed@example.com');
      const job = await waitFor(async () => {
        const j = await outboxJob(bad, t, id);
        return j?.status !== 'pending' && j;
      }, 'the job to end');
      assert.equal(job.status, 'failed');
      assert.equal(job.attempts, 1);
      assert.match(job.last_error, /refused AuthGate's credentials \(reply 535\): check AUTHGATE_SMTP_USER and AUTHGATE_SMTP_PASSWORD/);
      await sleep(1500);
      assert.equal((await outboxJob(bad, t, id)).attempts, 1, 'not tried again');
      assert.equal(smtp.state.auths.length, auths + 1);
      const line = bad.logLines().find((l) => l.level === 'error' && l.event === 'outbox' && l.msg.includes(id));
      assert.ok(line, 'an error line for the job');
      assert.match(line.msg, /failed for good on attempt 1: .*535.*AUTHGATE_SMTP_PASSWORD/);
      assert.ok(!smtp.received.some((m) => m.parsed.messageId === `<${id}@authgate.test>`));
      assert.ok(!bad.stderr.includes('wrong-password'));
    } finally {
      await bad.cleanup();
    }
  });

  test('the dev mail viewer is not served when SMTP is configured', async () => {
    for (const p of ['/_dev/mail', '/_dev/mail/messages', '/_dev/mail/job_x/html']) {
      const r = await s.req('GET', p);
      assert.equal(r.status, 404, p);
    }
  });

  test('test-mail and outbox listing validate their input', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    let r = await s.req('POST', '/admin/api/projects/jp-app/test-mail', { body: { to: 'not-an-email' }, headers: auth });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_request');
    r = await s.req('POST', '/admin/api/projects/jp-app/test-mail', { body: { to: 'a@example.com\r\nBcc: x@example.com' }, headers: auth });
    assert.equal(r.status, 400);
    r = await s.req('POST', '/admin/api/projects/jp-app/test-mail', { body: { to: 'a@example.com', cc: 'b@example.com' }, headers: auth });
    assert.equal(r.status, 400);
    r = await s.req('POST', '/admin/api/projects/jp-app/test-mail', { body: {}, headers: auth });
    assert.equal(r.status, 400);
    r = await s.req('POST', '/admin/api/projects/nope/test-mail', { body: { to: 'a@example.com' }, headers: auth });
    assert.equal(r.status, 404);
    r = await s.req('POST', '/admin/api/projects/jp-app/test-mail', { body: { to: 'a@example.com' } });
    assert.equal(r.status, 401);
    r = await s.req('GET', '/admin/api/outbox');
    assert.equal(r.status, 401);
    r = await s.req('GET', '/admin/api/outbox?status=bogus', { headers: auth });
    assert.equal(r.status, 400);
    r = await s.req('GET', '/admin/api/outbox?limit=0', { headers: auth });
    assert.equal(r.status, 400);
    r = await s.req('GET', '/admin/api/outbox?status=done', { headers: auth });
    assert.equal(r.status, 200);
    assert.ok(r.body.jobs.every((j) => j.status === 'done'));
  });

  test('a project name that would inject a header never becomes a mail', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    const before = smtp.received.length;
    let r = await s.req('POST', '/admin/api/projects', {
      body: { app_id: 'evil-app', name: 'Evil\r\nBcc: victim@example.com' },
      headers: auth,
    });
    if (r.status === 201) {
      r = await s.req('POST', '/admin/api/projects/evil-app/test-mail', { body: { to: 'a@example.com' }, headers: auth });
      assert.equal(r.status, 400);
    } else {
      assert.equal(r.status, 400);
    }
    const jobs = (await s.req('GET', '/admin/api/outbox', { headers: auth })).body.jobs;
    assert.ok(!jobs.some((j) => j.app_id === 'evil-app'));
    await sleep(300);
    assert.equal(smtp.received.length, before);
  });
});

describe('mail over STARTTLS', () => {
  let smtp, dir, s;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'authgate-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
    { stdio: 'ignore' });
    smtp = await smtpServer({
      tls: { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) },
      requireTls: true,
      auth: { user: 'tls-user', pass: 'tls-pass' },
    });
  });
  after(async () => {
    await s?.cleanup();
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('upgrades with STARTTLS, verifies the certificate against AUTHGATE_SMTP_CA_FILE, authenticates', async () => {
    s = await startServer({
      AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      AUTHGATE_SMTP_TLS: 'starttls',
      AUTHGATE_SMTP_CA_FILE: path.join(dir, 'cert.pem'),
      AUTHGATE_SMTP_USER: 'tls-user',
      AUTHGATE_SMTP_PASSWORD: 'tls-pass',
      AUTHGATE_MAIL_FROM: FROM,
    });
    await s.project('tls-app', { name: JA_NAME });
    const token = await s.adminToken();
    const id = await testMail(s, token, 'tls-app', 'bob@example.org');
    const m = await waitFor(() => smtp.accepted().find((x) => x.parsed.messageId === `<${id}@authgate.test>`), 'the mail');
    assert.equal(m.secure, true);
    assert.deepEqual(smtp.state.auths.map((a) => a.secure), [true]); // credentials only inside TLS
    assert.equal(m.parsed.subject, `Test mail from ${JA_NAME}`);
    assert.deepEqual(m.parsed.from.value, [{ address: FROM, name: JA_NAME }]);
    assert.deepEqual(m.parsed.to.value.map((v) => v.address), ['bob@example.org']);
    assert.ok(m.parsed.text.includes('mail delivery works'));
    assert.ok(m.parsed.html.includes('mail delivery works'));
  });

  test('an untrusted certificate is refused: nothing is sent, the job waits to retry', async () => {
    const s2 = await startServer({
      AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      AUTHGATE_SMTP_TLS: 'starttls',
      AUTHGATE_SMTP_USER: 'tls-user',
      AUTHGATE_SMTP_PASSWORD: 'tls-pass',
      AUTHGATE_MAIL_FROM: FROM,
    });
    try {
      await s2.project('tls2-app');
      const token = await s2.adminToken();
      const before = smtp.state.mailFrom;
      const id = await testMail(s2, token, 'tls2-app', 'carol@example.org');
      const job = await waitFor(async () => {
        const j = await outboxJob(s2, token, id);
        return j?.attempts >= 1 && j.last_error && j;
      }, 'the first attempt');
      assert.equal(job.status, 'pending');
      assert.match(job.last_error, /certificate|SSL|TLS/i);
      assert.equal(smtp.state.mailFrom, before);
      await waitFor(() => smtp.state.errors.some((e) => /TLS/.test(e)), 'the server to see the aborted handshake');
      assert.ok(!smtp.received.some((m) => m.parsed.messageId === `<${id}@authgate.test>`));
    } finally {
      await s2.cleanup();
    }
  });
});

describe('retries', () => {
  test('4xx replies are retried with backoff until the mail is accepted; Message-ID is stable', async () => {
    const smtp = await smtpServer({ tempFailData: 2 });
    const s = await startServer({
      AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      AUTHGATE_SMTP_TLS: 'off',
      AUTHGATE_MAIL_FROM: FROM,
      AUTHGATE_OUTBOX_BACKOFF_SCALE: '1',
    });
    try {
      await s.project('retry-app');
      const token = await s.adminToken();
      const id = await testMail(s, token, 'retry-app', 'dave@example.com');
      const job = await waitFor(async () => {
        const j = await outboxJob(s, token, id);
        return j?.status === 'done' && j;
      }, 'delivery after two 451 replies');
      assert.equal(job.attempts, 3);
      assert.equal(job.last_error, null);
      assert.equal(smtp.received.length, 3);
      assert.deepEqual(smtp.received.map((m) => m.accepted), [false, false, true]);
      // Every attempt sent the same message: same Message-ID, same bytes.
      assert.ok(smtp.received.every((m) => m.parsed.messageId === `<${id}@authgate.test>`));
      assert.ok(smtp.received.every((m) => m.raw === smtp.received[0].raw));
      assert.equal(await metric(s, 'authgate_outbox_jobs_total{kind="mail",result="retry"}'), 2);
      assert.equal(await metric(s, 'authgate_outbox_jobs_total{kind="mail",result="done"}'), 1);
    } finally {
      await s.cleanup();
      await smtp.close();
    }
  });

  test('a 5xx refusal fails the job for good, visible in the outbox listing', async () => {
    const smtp = await smtpServer({ rcptReply: 550 });
    const s = await startServer({
      AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      AUTHGATE_SMTP_TLS: 'off',
      AUTHGATE_MAIL_FROM: FROM,
      AUTHGATE_OUTBOX_BACKOFF_SCALE: '1',
    });
    try {
      await s.project('fail-app');
      const token = await s.adminToken();
      const id = await testMail(s, token, 'fail-app', 'nobody@example.com');
      const auth = { Authorization: `Bearer ${token}` };
      const job = await waitFor(async () => {
        const r = await s.req('GET', '/admin/api/outbox?status=failed', { headers: auth });
        return r.body.jobs.find((j) => j.id === id);
      }, 'the job to fail');
      assert.equal(job.status, 'failed');
      assert.equal(job.attempts, 1);
      assert.match(job.last_error, /^smtp: RCPT failed: 550/);
      assert.ok(job.done_at);
      await sleep(500);
      assert.equal((await outboxJob(s, token, id)).attempts, 1); // not tried again
      assert.equal(smtp.received.length, 0);
      assert.equal(await metric(s, 'authgate_outbox_jobs_total{kind="mail",result="failed"}'), 1);
    } finally {
      await s.cleanup();
      await smtp.close();
    }
  });

  test('AUTHGATE_OUTBOX_MAX_ATTEMPTS ends a job that keeps getting 4xx', async () => {
    const smtp = await smtpServer({ rcptReply: 452 });
    const s = await startServer({
      AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      AUTHGATE_SMTP_TLS: 'off',
      AUTHGATE_MAIL_FROM: FROM,
      AUTHGATE_OUTBOX_BACKOFF_SCALE: '1',
      AUTHGATE_OUTBOX_MAX_ATTEMPTS: '2',
    });
    try {
      await s.project('max-app');
      const token = await s.adminToken();
      const id = await testMail(s, token, 'max-app', 'erin@example.com');
      const job = await waitFor(async () => {
        const j = await outboxJob(s, token, id);
        return j?.status === 'failed' && j;
      }, 'the job to give up');
      assert.equal(job.attempts, 2);
      assert.match(job.last_error, /452.*gave up after 2 attempts/);
    } finally {
      await s.cleanup();
      await smtp.close();
    }
  });
});

describe('durability', () => {
  test('a mail queued while SMTP is down survives SIGKILL and is delivered after restart', async () => {
    const port = await freePort();
    const env = {
      AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${port}`,
      AUTHGATE_SMTP_TLS: 'off',
      AUTHGATE_MAIL_FROM: FROM,
    };
    const s1 = await startServer(env);
    let s2, smtp;
    try {
      await s1.project('dur-app');
      const token = await s1.adminToken();
      const id = await testMail(s1, token, 'dur-app', 'frank@example.com');
      // The first attempt fails (connection refused) and is recorded; the next is seconds away.
      const job = await waitFor(async () => {
        const j = await outboxJob(s1, token, id);
        return j?.attempts >= 1 && j.last_error && j;
      }, 'the failed first attempt');
      assert.equal(job.status, 'pending');
      await s1.stop('SIGKILL');
      assert.equal(s1.exitSignal, 'SIGKILL');

      smtp = await smtpServer({ port });
      // Same data dir (master key) and same database (SQLite file or PostgreSQL).
      s2 = await startServer({ ...env, AUTHGATE_DATABASE_URL: s1.env.AUTHGATE_DATABASE_URL }, { dataDir: s1.dataDir });
      const m = await waitFor(() => smtp.accepted()[0], 'the mail after restart');
      assert.equal(m.parsed.messageId, `<${id}@authgate.test>`);
      assert.deepEqual(m.envelope.to, ['frank@example.com']);
      const done = await waitFor(async () => {
        const j = await outboxJob(s2, token, id);
        return j?.status === 'done' && j;
      }, 'the job to be done');
      assert.equal(done.attempts, 2);
      await sleep(300);
      assert.equal(smtp.received.length, 1);
    } finally {
      await s2?.cleanup();
      await s1.cleanup();
      await smtp?.close();
    }
  });
});

describe('a crash in the middle of a delivery attempt', () => {
  // The attempt holds a lease (120 s; AUTHGATE_OUTBOX_LEASE_SCALE=2 makes it 2.4 s). The
  // process dies while the SMTP server holds the message's DATA unanswered: nothing is
  // recorded, so the job runs again, once, when the lease ends (at least once), not
  // before (the lease is what keeps two workers off one job).
  test('the job is claimed again when its lease ends and delivered once', async () => {
    let stall = true;
    const seen = []; // when each DATA arrived
    const received = [];
    const server = new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      onData(stream, session, cb) {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('end', async () => {
          seen.push(Date.now());
          if (stall) return; // never answer: the attempt is in progress when the process dies
          received.push(await simpleParser(Buffer.concat(chunks)));
          cb();
        });
      },
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const env = {
      AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${server.server.address().port}`,
      AUTHGATE_SMTP_TLS: 'off',
      AUTHGATE_MAIL_FROM: FROM,
      AUTHGATE_OUTBOX_LEASE_SCALE: '2',
    };
    const s1 = await startServer(env);
    let s2;
    try {
      await s1.project('crash-app');
      const token = await s1.adminToken();
      const id = await testMail(s1, token, 'crash-app', 'henry@example.com');
      await waitFor(() => seen.length === 1, 'the message DATA to arrive');
      const claimed = await outboxJob(s1, token, id);
      assert.equal(claimed.status, 'pending');
      assert.equal(claimed.attempts, 1);
      assert.equal(claimed.last_error, null);
      await s1.stop('SIGKILL');
      stall = false;
      s2 = await startServer({ ...env, AUTHGATE_DATABASE_URL: s1.env.AUTHGATE_DATABASE_URL }, { dataDir: s1.dataDir });
      const m = await waitFor(() => received[0], 'the mail once the lease has ended');
      assert.equal(m.messageId, `<${id}@authgate.test>`);
      assert.ok(seen[1] - seen[0] >= 2400 - 100, `claimed again ${seen[1] - seen[0]} ms after the first attempt, inside its lease`);
      const done = await waitFor(async () => {
        const j = await outboxJob(s2, token, id);
        return j?.status === 'done' && j;
      }, 'the job to be done');
      assert.equal(done.attempts, 2);
      await sleep(500);
      assert.equal(seen.length, 2);
      assert.equal(received.length, 1);
    } finally {
      await s2?.cleanup();
      await s1.cleanup();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('several nodes on one PostgreSQL outbox', () => {
  const skip = !process.env.AUTHGATE_TEST_PG_URL && 'needs AUTHGATE_TEST_PG_URL (tests/run_all.sh starts PostgreSQL)';
  test('jobs queued on either node are each claimed once and delivered once', { skip }, async () => {
    const smtp = await smtpServer();
    const env = {
      AUTHGATE_DATABASE_URL: await freshPgDatabase(),
      AUTHGATE_MASTER_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
      AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      AUTHGATE_SMTP_TLS: 'off',
      AUTHGATE_MAIL_FROM: FROM,
      AUTHGATE_WORKERS: '3',
    };
    const started = await Promise.allSettled([startServer(env), startServer(env)]);
    const [a, b] = started.map((r) => r.value);
    try {
      for (const r of started) if (r.status === 'rejected') throw r.reason;
      await a.project('multi-app');
      const token = await a.adminToken();
      const ids = [];
      for (let i = 0; i < 16; i++) ids.push(await testMail(i % 2 ? b : a, token, 'multi-app', `user${i}@example.com`));
      await waitFor(() => smtp.received.length >= ids.length, 'every mail');
      await sleep(500);
      const got = smtp.received.map((m) => m.parsed.messageId).sort();
      assert.deepEqual(got, ids.map((id) => `<${id}@authgate.test>`).sort()); // each exactly once
      const jobs = (await b.req('GET', '/admin/api/outbox?status=done&limit=100', { headers: { Authorization: `Bearer ${token}` } })).body.jobs;
      assert.deepEqual(jobs.map((j) => j.id).sort(), [...ids].sort());
      assert.ok(jobs.every((j) => j.attempts === 1));
      // Each delivery was made (and logged) by exactly one node.
      const done = (s) => s.logLines().filter((l) => l.event === 'outbox' && / done on attempt/.test(l.msg)).length;
      assert.equal(done(a) + done(b), ids.length);
    } finally {
      await a?.cleanup();
      await b?.cleanup();
      await smtp.close();
    }
  });
});

// Every byte the store holds, as text: the SQLite files, or (PostgreSQL) the rows of
// mail_captured and outbox.
async function storeBytes(s) {
  const url = s.env.AUTHGATE_DATABASE_URL;
  if (url && url.startsWith('postgres')) {
    return execFileSync('psql', [url, '-qAtc', 'SELECT t::text FROM mail_captured t UNION ALL SELECT o::text FROM outbox o']).toString();
  }
  const files = readdirSync(s.dataDir).filter((f) => f.startsWith('authgate.db'));
  return Buffer.concat(files.map((f) => readFileSync(path.join(s.dataDir, f)))).toString('latin1');
}

describe('captured mail is kept a day', () => {
  test('a mail older than a day is gone from the viewer, its HTML and the CLI', async () => {
    const s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_SMTP_URL: undefined });
    try {
      await s.project('keep-app');
      const token = await s.adminToken();
      const list = async () => (await s.req('GET', '/_dev/mail/messages')).body.messages.map((m) => m.id);
      const old = await testMail(s, token, 'keep-app', 'old@example.com');
      await waitFor(async () => (await list()).includes(old), 'the first mail');
      await shiftClock(s, 23 * 3600 * 1000);
      assert.ok((await list()).includes(old), 'kept within the day');
      await shiftClock(s, 24 * 3600 * 1000 + 60000);
      const fresh = await testMail(s, token, 'keep-app', 'new@example.com');
      await waitFor(async () => (await list()).includes(fresh), 'the second mail');
      assert.ok(!(await list()).includes(old), 'the day-old mail is still listed');
      assert.equal((await s.req('GET', `/_dev/mail/${old}/html`)).status, 404);
      const cli = (await s.cliJSON('mail', 'list', '--json')).map((m) => m.id);
      assert.deepEqual(cli, [fresh]);
    } finally {
      await s.cleanup();
    }
  });
});

describe('capture mode (dev mode, no SMTP server)', () => {
  let s, token;
  before(async () => {
    // Behind a (pretend) proxy, so a test can appear to come from another address.
    s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_SMTP_URL: undefined, AUTHGATE_MAIL_FROM: FROM, AUTHGATE_TRUST_PROXY: 'true' });
    await s.project('cap-app', { name: 'Cap <b>&</b> App' });
    token = await s.adminToken();
  });
  after(async () => {
    await s?.cleanup();
  });

  test('mail is captured: authgate mail list, /_dev/mail/messages and the HTML body', async () => {
    const id = await testMail(s, token, 'cap-app', 'grace@example.com');
    const list = await waitFor(async () => {
      const l = await s.cliJSON('mail', 'list', '--json');
      return l.some((m) => m.id === id) && l;
    }, 'the captured mail');
    const c = list.find((m) => m.id === id);
    assert.equal(c.to, 'grace@example.com');
    assert.equal(c.subject, 'Test mail from Cap <b>&</b> App');
    assert.equal(c.app_id, 'cap-app');
    assert.match(c.text, /mail delivery works/);
    const plain = await s.cli('mail', 'list');
    assert.equal(plain.code, 0);
    assert.ok(plain.stdout.includes(`[${id}]`));

    const r = await s.req('GET', '/_dev/mail/messages');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    const m = r.body.messages.find((x) => x.id === id);
    assert.equal(m.to, 'grace@example.com');
    assert.equal(m.subject, 'Test mail from Cap <b>&</b> App');
    assert.equal(m.has_html, true);
    assert.match(m.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const h = await s.req('GET', `/_dev/mail/${id}/html`);
    assert.equal(h.status, 200);
    assert.equal(h.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = h.headers.get('content-security-policy');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /(^|; )sandbox(;|$)/);
    assert.ok(!/script-src/.test(csp));
    assert.ok(h.text.includes('<strong>Cap &lt;b&gt;&amp;&lt;/b&gt; App</strong>'));
    assert.equal((await s.req('GET', '/_dev/mail/job_nope/html')).status, 404);

    const job = await outboxJob(s, token, id);
    assert.equal(job.status, 'done');
  });

  test('newest first', async () => {
    const a = await testMail(s, token, 'cap-app', 'one@example.com');
    await waitFor(async () => (await s.req('GET', '/_dev/mail/messages')).body.messages.some((m) => m.id === a), 'first');
    await sleep(5);
    const b = await testMail(s, token, 'cap-app', 'two@example.com');
    const msgs = await waitFor(async () => {
      const l = (await s.req('GET', '/_dev/mail/messages')).body.messages;
      return l.some((m) => m.id === b) && l;
    }, 'second');
    assert.equal(msgs[0].id, b);
    assert.equal(msgs[1].id, a);
  });

  test('the viewer answers direct loopback clients only, never a forwarded request', async () => {
    const id = (await s.req('GET', '/_dev/mail/messages')).body.messages[0].id;
    // A proxy on this host makes every client's socket peer 127.0.0.1; what it forwards
    // (or what a client writes) never opens the viewer, whatever address it names.
    const forwarded = [
      { 'X-Forwarded-For': '203.0.113.9' }, { 'X-Forwarded-For': '127.0.0.1' }, { 'X-Forwarded-For': '::1' },
      { 'X-Forwarded-For': '127.8.8.8' }, { 'X-Forwarded-For': '::ffff:127.0.0.1' },
      { Forwarded: 'for=127.0.0.1' }, { 'X-Real-IP': '127.0.0.1' },
    ];
    for (const p of ['/_dev/mail', '/_dev/mail/messages', `/_dev/mail/${id}/html`]) {
      assert.equal((await s.req('GET', p)).status, 200, p);
      for (const headers of forwarded) {
        const r = await s.req('GET', p, { headers });
        assert.equal(r.status, 404, `${p} ${JSON.stringify(headers)}`);
        assert.ok(!r.text.includes('grace@example.com'));
      }
    }
  });

  test('captured mail is sealed at rest: neither recipient nor body is stored in clear', async () => {
    const to = `sealed-${Date.now()}@capture.example`;
    const id = await testMail(s, token, 'cap-app', to);
    await waitFor(async () => (await s.req('GET', '/_dev/mail/messages')).body.messages.some((m) => m.id === id), 'the captured mail');
    const stored = await storeBytes(s);
    assert.ok(stored.length > 0);
    assert.equal(stored.indexOf(to), -1, 'the recipient is stored in clear');
    assert.equal(stored.indexOf('mail delivery works'), -1, 'the body is stored in clear');
    // ... and it reads back through the viewer and the CLI, which open it.
    assert.equal((await s.cliJSON('mail', 'list', '--json')).find((m) => m.id === id).to, to);
  });

  test('/_dev/mail is a page with a strict CSP and no inline script or style', async () => {
    const r = await s.req('GET', '/_dev/mail');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = r.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /style-src 'self'/);
    assert.ok(!csp.includes('unsafe-inline'));
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    // Every script has a src; no <style>, no style= or on*= attributes.
    for (const tag of r.text.match(/<script\b[^>]*>/g) || []) assert.match(tag, /\bsrc="\/assets\//);
    assert.ok(!/<script\b[^>]*>[^<\s]/.test(r.text));
    assert.ok(!/<style\b/i.test(r.text));
    assert.ok(!/\sstyle=/i.test(r.text));
    assert.ok(!/\son[a-z]+=/i.test(r.text));
    for (const asset of ['/assets/devcapture.js', '/assets/devmail.js', '/assets/devmail.css']) {
      assert.ok(r.text.includes(`"${asset}"`));
      const a = await s.req('GET', asset);
      assert.equal(a.status, 200, asset);
      assert.equal(a.headers.get('content-type'), asset.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
    }
  });
});
