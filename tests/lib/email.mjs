// Helpers for the email sign-in tests: a JSON client that can pick its source address
// (127.0.0.x, for per-address limits), the project's signing secret through the admin
// API, and JWT checks with jose (an independent implementation).
import http from 'node:http';
import * as jose from 'jose';

// POST/GET JSON with an API key; opts.ip picks the local address (127.0.0.0/8).
export function client(s, key) {
  return (method, path, body, opts = {}) =>
    new Promise((resolve, reject) => {
      const u = new URL(s.url + path);
      const data = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
      const headers = { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...(opts.headers || {}) };
      if (data !== null && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
      const req = http.request(
        { host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, localAddress: opts.ip, agent: false },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json;
            try { json = JSON.parse(text); } catch { json = undefined; }
            resolve({ status: res.statusCode, headers: res.headers, body: json, text });
          });
        },
      );
      req.on('error', reject);
      if (data !== null) req.write(data);
      req.end();
    });
}

export async function signingSecret(s, appId) {
  const admin = await s.adminToken();
  const r = await s.req('GET', `/admin/api/projects/${appId}/signing-secret`, { headers: { Authorization: `Bearer ${admin}` } });
  if (r.status !== 200) throw new Error(`signing-secret: ${r.status} ${r.text}`);
  return Buffer.from(r.body.signing_secret, 'base64url');
}

// Verify with jose: HS256 only, iss authgate, the given audience. Returns the payload.
export async function verifyJwt(token, secret, audience = 'session') {
  const { payload, protectedHeader } = await jose.jwtVerify(token, new Uint8Array(secret), {
    algorithms: ['HS256'],
    issuer: 'authgate',
    audience,
  });
  if (protectedHeader.alg !== 'HS256') throw new Error('alg');
  return payload;
}

export async function patchProject(s, appId, patch) {
  const admin = await s.adminToken();
  const r = await s.req('PATCH', `/admin/api/projects/${appId}`, { headers: { Authorization: `Bearer ${admin}` }, body: patch });
  if (r.status !== 200) throw new Error(`patch project: ${r.status} ${r.text}`);
  return r.body;
}

// Shift the server's clock (dev mode only).
export async function shiftClock(s, offsetMs) {
  const admin = await s.adminToken();
  const r = await s.req('POST', '/_dev/clock', { headers: { Authorization: `Bearer ${admin}` }, body: { offset_ms: offsetMs } });
  if (r.status !== 200) throw new Error(`clock: ${r.status} ${r.text}`);
}

// Env for a server whose limits do not get in the way of functional tests.
export const RELAXED = { AUTHGATE_AUTH_RATE_PERCENT: '100000' };

let n = 0;
export const uniqueEmail = (tag = 'user') => `${tag}.${process.pid}.${Date.now().toString(36)}.${n++}@example.com`;
