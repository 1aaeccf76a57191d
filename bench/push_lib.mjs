// Shared by the push benchmarks: a phone simulated with WebCrypto (as the device app
// makes it), enrolled through the captured mail of the bench server (/_dev/mail,
// loopback), and small HTTP helpers on keep-alive connections.
import http from 'node:http';
import { webcrypto } from 'node:crypto';

const { subtle } = webcrypto;
export const BASE = process.env.BENCH_AUTHGATE_URL;
export const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function req(method, path, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const r = http.request(BASE + path, {
      method, agent,
      headers: { ...headers, ...(data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, body: json, text });
      });
    });
    r.on('error', reject);
    if (data) r.write(data);
    r.end();
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waiters() {
  const m = (await req('GET', '/metrics')).text.match(/^authgate_waiters (\d+)/m);
  return m ? Number(m[1]) : 0;
}

export async function untilWaiters(n, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  while ((await waiters()) < n) {
    if (Date.now() > end) throw new Error(`the server never held ${n} waiters`);
    await sleep(1);
  }
}

export class Phone {
  static async enroll(email) {
    const p = new Phone();
    p.keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const jwk = await subtle.exportKey('jwk', p.keys.publicKey);
    const e = await req('POST', '/app/api/enroll', { body: { email } });
    if (e.status !== 200) throw new Error(`enroll: ${e.status} ${e.text}`);
    let code;
    for (let i = 0; i < 200 && !code; i++) {
      const m = await req('GET', '/_dev/mail/messages');
      const msg = (m.body?.messages || []).find((x) => x.to === email);
      code = msg?.text.match(/^\s+(\d{6})\s*$/m)?.[1];
      if (!code) await sleep(20);
    }
    if (!code) throw new Error('no enrollment mail (is the bench server in mail capture mode?)');
    const v = await req('POST', '/app/api/enroll/verify', {
      body: { enrollment_id: e.body.enrollment_id, code, name: 'Bench phone', public_key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } },
    });
    if (v.status !== 201) throw new Error(`enroll verify: ${v.status} ${v.text}`);
    Object.assign(p, { id: v.body.device_id, email, token: v.body.token });
    return p;
  }

  async sign(text) {
    const sig = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, this.keys.privateKey, new TextEncoder().encode(text));
    return Buffer.from(sig).toString('base64url');
  }

  async requestId() {
    const r = await req('GET', '/app/api/requests', { headers: { Authorization: `Bearer ${this.token}` } });
    return r.body.requests[0]?.request_id;
  }

  // The approval's body, signed in advance so that timing starts at the send.
  async approval(requestId, code) {
    const ts = Date.now();
    const sig = await this.sign(`authgate-push-v1\n${requestId}\napprove\n${code}\n${ts}\n${this.id}`);
    return { device_id: this.id, decision: 'approve', code, ts, sig };
  }
}

// Phones enough for `n` approvals within the per-device decision limit (30 a minute).
export async function phones(n, tag) {
  const out = [];
  for (let i = 0; i < Math.ceil(n / 25); i++) out.push(await Phone.enroll(`${tag}-${process.pid}-${i}@bench.example`));
  return out;
}

export function percentiles(samplesUs) {
  const s = [...samplesUs].sort((a, b) => a - b);
  const at = (p) => Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]);
  return { p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: Math.round(s[s.length - 1]) };
}

export function result(fields) {
  console.log('BENCH_RESULT ' + Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' '));
}
