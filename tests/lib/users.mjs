// Seed 004 helpers: the dev project's secrets as `make run` prints them, the sign-in code
// from the captured mail, a signed-in user, and reading a JWT's claims.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

// The API key and admin token the first start in dev mode printed (once).
export function devProject(s) {
  const key = /API key\s+(agk_\S+)/.exec(s.stdout)?.[1], admin = /admin token\s+(aga_\S+)/.exec(s.stdout)?.[1];
  assert.ok(key && admin, `no dev secrets in:\n${s.stdout}`);
  return { appId: 'my-app', key, admin };
}

export async function messagesTo(s, email) {
  const r = await s.req('GET', '/_dev/mail/messages');
  return (r.body?.messages || []).filter((x) => x.to === email);
}

// The newest sign-in code mailed to email (captured in dev mode), waiting for the outbox;
// `after`: only mail created since (server time, ms); `seen`: ids of mail to skip.
export async function mailedCode(s, email, { after = 0, seen = new Set(), timeoutMs = 10000 } = {}) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const m = (await messagesTo(s, email)).filter((x) => Date.parse(x.created_at) >= after && !seen.has(x.id))
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))[0];
    const code = m && /\b(\d{6})\b/.exec(m.subject)?.[1];
    if (code) return code;
    await new Promise((r2) => setTimeout(r2, 100));
  }
  throw new Error(`no code mailed to ${email}`);
}

// Sign in through the seed's magic-link code; base is '' or '/p/{app_id}'.
export async function signIn(s, email, { base = '', headers = {} } = {}) {
  const seen = new Set((await messagesTo(s, email)).map((m) => m.id));
  const req = await s.req('POST', `${base}/users/auth/magic-link/request`, { body: { email }, headers });
  assert.equal(req.status, 200, req.text);
  const code = await mailedCode(s, email, { seen });
  const v = await s.req('POST', `${base}/users/auth/magic-link/verify`, { body: { email, code }, headers });
  assert.equal(v.status, 200, v.text);
  assert.ok(v.body.token, v.text);
  return { token: v.body.token, user: v.body.user };
}

export function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

export function bearer(token) {
  return { Authorization: `Bearer ${token}` };
}

// One query against the server's store (SQLite file or PostgreSQL database), as text.
export function dbQuery(s, sql) {
  const url = s.env.AUTHGATE_DATABASE_URL || '';
  const args = url.startsWith('postgres') ? ['psql', [url, '-qAtc', sql]] : ['sqlite3', [`${s.dataDir}/authgate.db`, sql]];
  return execFileSync(args[0], args[1], { encoding: 'utf8' }).trim();
}
