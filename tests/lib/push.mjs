// Helpers for the push-to-approve tests: a real SMTP mailbox (smtp-server, parsed with
// mailparser) to read enrollment codes from, a phone simulated with Node's WebCrypto
// (a non-extractable P-256 key, P1363 signatures as browsers make them), and a real
// webhook receiver (express) that checks both signature schemes.
import { webcrypto, createHmac, timingSafeEqual } from 'node:crypto';
import express from 'express';
import { SMTPServer } from 'smtp-server';
import mailparser from 'mailparser';

const { subtle } = webcrypto;
const { simpleParser } = mailparser;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(fn, what, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// ---- mail ----------------------------------------------------------------------------

export async function mailbox() {
  const messages = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    onData(stream, session, cb) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', async () => {
        messages.push(await simpleParser(Buffer.concat(chunks)));
        cb();
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.server.address().port;
  return {
    env: { AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${port}`, AUTHGATE_SMTP_TLS: 'off' },
    messages,
    // The newest message to `to` that arrived after `since` messages.
    async next(to, since = 0) {
      return waitFor(() => messages.slice(since).reverse().find((m) => m.to.value.some((a) => a.address === to)),
        `mail to ${to}`);
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

// How many long-polls and event streams the server holds (the authgate_waiters gauge).
export async function waiters(s) {
  const m = (await s.req('GET', '/metrics')).text.match(/^authgate_waiters (\d+)/m);
  return m ? Number(m[1]) : 0;
}

export function enrollCode(mail) {
  const m = mail.text.match(/^\s+(\d{6})\s*$/m); // the code stands on its own line
  if (!m) throw new Error(`no code in mail: ${mail.text}`);
  return m[1];
}

export function enrollLink(mail) {
  const m = mail.text.match(/(http\S+\/app#enroll=\S+)/);
  if (!m) throw new Error(`no link in mail: ${mail.text}`);
  return m[1];
}

// The device app (/app) in a browser page: enroll it for `email` with the code from the
// mailbox (mb from mailbox() above) and wait for its main view.
export async function enrollDeviceApp(page, agUrl, mb, email, name = 'Test Phone') {
  await page.goto(`${agUrl}/app`);
  await page.locator('#enroll-email').fill(email);
  await page.locator('#enroll-name').fill(name);
  const since = mb.messages.length;
  await page.locator('#enroll-start').click();
  const mail = await mb.next(email, since);
  await page.locator('#enroll-code').fill(enrollCode(mail));
  await page.locator('#enroll-verify').click();
  await page.locator('#view-main').waitFor({ state: 'visible' });
}

// ---- the phone ---------------------------------------------------------------------------

const b64url = (buf) => Buffer.from(buf).toString('base64url');

export class Device {
  constructor(keys, jwk) {
    this.keys = keys;
    this.jwk = jwk;
  }

  static async create() {
    // Non-extractable private key, as the device app makes it.
    const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const full = await subtle.exportKey('jwk', keys.publicKey);
    return new Device(keys, { kty: full.kty, crv: full.crv, x: full.x, y: full.y });
  }

  async sign(text) {
    const sig = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, this.keys.privateKey, new TextEncoder().encode(text));
    return b64url(sig); // IEEE P1363 r||s, 64 bytes
  }

  // Prove the email through the mailbox and register the key; returns the server's answer.
  async enroll(s, mb, email, { name = 'Test Phone', appId } = {}) {
    const since = mb.messages.length;
    const r = await s.req('POST', '/app/api/enroll', { body: { email, ...(appId ? { app_id: appId } : {}) } });
    if (r.status !== 200) throw new Error(`enroll: ${r.status} ${r.text}`);
    const mail = await mb.next(email, since);
    const v = await s.req('POST', '/app/api/enroll/verify', {
      body: { enrollment_id: r.body.enrollment_id, code: enrollCode(mail), name, public_key: this.jwk },
    });
    if (v.status !== 201) throw new Error(`enroll verify: ${v.status} ${v.text}`);
    this.id = v.body.device_id;
    this.email = email;
    this.token = v.body.token;
    return v.body;
  }

  async login(s, ts = Date.now()) {
    const sig = await this.sign(`authgate-device-v1\n${this.id}\n${ts}`);
    return s.req('POST', '/app/api/login', { body: { device_id: this.id, ts, sig } });
  }

  async signedDecision(requestId, decision, code, ts = Date.now(), deviceId = this.id) {
    const sig = await this.sign(`authgate-push-v1\n${requestId}\n${decision}\n${code || ''}\n${ts}\n${deviceId}`);
    return { device_id: deviceId, decision, ...(code !== undefined ? { code } : {}), ts, sig };
  }

  async decide(s, requestId, decision, code, opts = {}) {
    const body = await this.signedDecision(requestId, decision, code, opts.ts);
    return s.req('POST', `/app/api/requests/${requestId}/decision`, { body });
  }

  async pending(s) {
    return s.req('GET', '/app/api/requests', { headers: { Authorization: `Bearer ${this.token}` } });
  }

  // The pending request the login screen started (the newest for this device's email).
  async request(s, { appId } = {}) {
    const r = await waitFor(async () => {
      const p = await this.pending(s);
      return p.body.requests.find((q) => !appId || q.app_id === appId);
    }, 'a pending request');
    return r;
  }
}

// ---- the webhook receiver --------------------------------------------------------------------

// The seed's verification (HMAC of JSON.stringify(req.body)) and Standard Webhooks'.
export function verifySeed(body, signature, secret) {
  const expected = createHmac('sha256', secret).update(body).digest('hex');
  return `sha256=${expected}` === signature;
}

export function verifyStandard(rawBody, headers, secret, toleranceS = 300) {
  const id = headers['webhook-id'], ts = headers['webhook-timestamp'], sigs = headers['webhook-signature'];
  if (!id || !ts || !sigs) return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > toleranceS) return false; // replay window
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${rawBody}`).digest();
  return sigs.split(' ').some((s) => {
    const [v, b64] = s.split(',');
    const got = Buffer.from(b64 || '', 'base64');
    return v === 'v1' && got.length === expected.length && timingSafeEqual(got, expected);
  });
}

// An express app like the seed's, plus the raw body for the Standard Webhooks check.
// behaviour(req, n) may return {status, headers} to answer something else than 200.
export async function receiver({ secret = () => undefined, behaviour, port = 0 } = {}) {
  const app = express();
  const got = [];
  app.use(express.json({ verify: (req, res, buf) => { req.rawBody = buf.toString('utf8'); } }));
  app.post('/api/authgate/callback', (req, res) => {
    const sec = secret();
    const sig = req.headers['x-authgate-signature'];
    const entry = {
      at: Date.now(),
      headers: req.headers,
      raw: req.rawBody,
      body: req.body,
      seedOk: sec ? verifySeed(JSON.stringify(req.body), sig, sec) : undefined,
      standardOk: sec ? verifyStandard(req.rawBody, req.headers, sec) : undefined,
    };
    got.push(entry);
    const b = behaviour && behaviour(req, got.length);
    if (b) {
      for (const [k, v] of Object.entries(b.headers || {})) res.set(k, v);
      return res.status(b.status).json({ error: 'nope' });
    }
    // The seed's handler: 401 on a bad signature, else {received: true}.
    if (sec && !entry.seedOk) return res.status(401).json({ error: 'Invalid signature' });
    res.json({ received: true });
  });
  const server = await new Promise((resolve) => { const srv = app.listen(port, '127.0.0.1', () => resolve(srv)); });
  return {
    url: `http://127.0.0.1:${server.address().port}/api/authgate/callback`,
    port: server.address().port,
    got,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

// Register an endpoint with the project's API key; returns {id, secret, ...}.
export async function registerWebhook(s, project, url, extra = {}) {
  const r = await s.req('POST', '/api/webhooks', {
    body: { app_id: project.appId, url, ...extra },
    headers: { Authorization: `Bearer ${project.key}` },
  });
  if (r.status !== 201) throw new Error(`register webhook: ${r.status} ${r.text}`);
  return r.body;
}

export async function start(s, appId, email, headers = {}) {
  return s.req('POST', '/auth/start', { body: { app_id: appId, email }, headers });
}

// ---- event streams ------------------------------------------------------------------------

// Read Server-Sent Events from a fetch Response: next() resolves the next {event, data}.
export function sseReader(res) {
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const queue = [];
  let wake;
  let done = false;
  (async () => {
    try {
      for (;;) {
        const { value, done: d } = await reader.read();
        if (d) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = { event: 'message', data: '' , comment: false};
          let any = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) { ev.comment = true; continue; }
            const [k, ...rest] = line.split(':');
            const v = rest.join(':').replace(/^ /, '');
            if (k === 'event') { ev.event = v; any = true; }
            if (k === 'data') { ev.data += v; any = true; }
          }
          if (any) queue.push(ev);
          wake?.();
        }
      }
    } catch { /* aborted */ }
    done = true;
    wake?.();
  })();
  return {
    async next(timeoutMs = 20000) {
      const end = Date.now() + timeoutMs;
      while (!queue.length) {
        if (done) return null;
        if (Date.now() > end) throw new Error('timed out waiting for an event');
        await new Promise((r) => { wake = r; setTimeout(r, 200); });
      }
      const ev = queue.shift();
      return { event: ev.event, data: JSON.parse(ev.data) };
    },
    get ended() { return done && !queue.length; },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

// ---- the project's signing secret, for an independent JWT check -----------------------------

// What an owner who verifies tokens with a JWT library does: read the secret through
// the admin API (GET /admin/api/projects/{app_id}/signing-secret).
export async function projectSecret(s, appId) {
  const r = await s.req('GET', `/admin/api/projects/${appId}/signing-secret`, {
    headers: { Authorization: `Bearer ${await s.adminToken()}` },
  });
  if (r.status !== 200) throw new Error(`signing secret: ${r.status} ${r.text}`);
  return Buffer.from(r.body.signing_secret, 'base64url');
}
