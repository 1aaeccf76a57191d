// Dashboard sessions (docs/DASHBOARD.md): an admin token is exchanged for a cookie
// (HttpOnly, SameSite=Strict, Path=/admin, Secure behind TLS); changes need the
// session's CSRF token and our own origin; sessions end by sign-out, token revocation,
// idle time and age; sign-in is rate limited; every admin change and secret read is in
// the audit log; the security log keeps refused requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';

let s, token;
before(async () => {
  s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_ADMIN_SESSION_IDLE: '600', AUTHGATE_ADMIN_SESSION_MAX: '3600' });
  token = await s.adminToken();
});
after(async () => { await s.cleanup(); });

async function signIn(tok = token, headers = {}) {
  const r = await s.req('POST', '/admin/api/session', { body: { token: tok }, headers });
  if (r.status !== 201) return { r };
  const cookie = r.headers.get('set-cookie').split(';')[0];
  return { r, cookie, csrf: r.body.csrf_token };
}

const clock = (ms) => s.req('POST', '/_dev/clock', { body: { offset_ms: ms }, headers: { Authorization: `Bearer ${token}` } });

test('sign-in sets an HttpOnly, SameSite=Strict cookie on /admin, no Secure over plain http', async () => {
  const { r, cookie, csrf } = await signIn();
  assert.equal(r.status, 201);
  const sc = r.headers.get('set-cookie');
  assert.match(sc, /^ag_admin=ags_[A-Za-z0-9_-]{43}; /);
  assert.match(sc, /; Path=\/admin;/);
  assert.match(sc, /; HttpOnly/);
  assert.match(sc, /; SameSite=Strict/);
  assert.match(sc, /; Max-Age=3600;/);
  assert.doesNotMatch(sc, /Secure/);
  assert.match(csrf, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(r.body.signed_in, true);
  assert.match(r.body.token_id, /^adm_/);
  assert.equal(r.body.token_name, 'admin');
  assert.equal(JSON.stringify(r.body).includes(token), false);
  const me = await s.req('GET', '/admin/api/session', { headers: { Cookie: cookie } });
  assert.equal(me.status, 200);
  assert.equal(me.body.csrf_token, csrf);
  const list = await s.req('GET', '/admin/api/projects', { headers: { Cookie: cookie } });
  assert.equal(list.status, 200);
  assert.ok(list.body.projects.some((p) => p.app_id === 'my-app'));
});

test('a wrong token is refused with 401 and no cookie', async () => {
  const { r } = await signIn('aga_' + 'x'.repeat(43));
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('set-cookie'), null);
  const { r: r2 } = await signIn('nonsense');
  assert.equal(r2.status, 401);
});

test('changes need the CSRF token and our own origin; reads do not', async () => {
  const { cookie, csrf } = await signIn();
  const patch = (headers) => s.req('PATCH', '/admin/api/projects/my-app', { body: { name: 'Renamed' }, headers: { Cookie: cookie, ...headers } });
  let r = await patch({});
  assert.equal(r.status, 403);
  assert.equal(r.body.error, 'csrf_refused');
  r = await patch({ 'X-CSRF-Token': csrf.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) });
  assert.equal(r.status, 403);
  r = await patch({ 'X-CSRF-Token': csrf, Origin: 'https://evil.example' });
  assert.equal(r.status, 403);
  assert.match(r.body.message, /another origin/);
  r = await patch({ 'X-CSRF-Token': csrf, 'Sec-Fetch-Site': 'same-site' });
  assert.equal(r.status, 403);
  assert.match(r.body.message, /another site/);
  // Another session's CSRF token does not fit this one.
  const other = await signIn();
  r = await patch({ 'X-CSRF-Token': other.csrf });
  assert.equal(r.status, 403);
  assert.equal((await s.req('GET', '/admin/api/projects/my-app', { headers: { Cookie: cookie } })).body.name, 'My App');
  r = await patch({ 'X-CSRF-Token': csrf, Origin: s.url, 'Sec-Fetch-Site': 'same-origin' });
  assert.equal(r.status, 200);
  assert.equal(r.body.name, 'Renamed');
  // A form post from another site carries no CSRF token (and the wrong type).
  r = await s.req('POST', '/admin/api/projects', {
    raw: true, body: 'app_id=evil&name=Evil',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://localhost:9' },
  });
  assert.equal(r.status, 403);
  assert.equal((await s.req('GET', '/admin/api/projects/evil', { headers: { Cookie: cookie } })).status, 404);
  // A bearer token (scripts) needs no CSRF token: browsers never send it on their own.
  r = await s.req('PATCH', '/admin/api/projects/my-app', { body: { name: 'My App' }, headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
});

test('a sign-in from another origin is refused (login CSRF)', async () => {
  const { r } = await signIn(token, { Origin: 'https://evil.example' });
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('set-cookie'), null);
});

test('sign-out ends the session at once and clears the cookie', async () => {
  const { cookie, csrf } = await signIn();
  let r = await s.req('DELETE', '/admin/api/session', { headers: { Cookie: cookie } });
  assert.equal(r.status, 403, 'sign-out is a change: it needs the CSRF token');
  r = await s.req('DELETE', '/admin/api/session', { headers: { Cookie: cookie, 'X-CSRF-Token': csrf } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('set-cookie'), /^ag_admin=; Path=\/admin; Max-Age=0;/);
  r = await s.req('GET', '/admin/api/projects', { headers: { Cookie: cookie } });
  assert.equal(r.status, 401);
  assert.equal(r.body.error, 'session_expired');
});

test('sessions end when idle, when old, and when their token is revoked', async () => {
  try {
    const a = await signIn();
    await clock(601_000);
    assert.equal((await s.req('GET', '/admin/api/session', { headers: { Cookie: a.cookie } })).status, 401, 'idle past 600 s');
    await clock(0);
    // Used every 5 minutes it lives on, but not past its age of 3600 s.
    const b = await signIn();
    for (let t = 300_000; t < 3600_000; t += 300_000) {
      await clock(t);
      assert.equal((await s.req('GET', '/admin/api/session', { headers: { Cookie: b.cookie } })).status, 200, `used at ${t} ms`);
    }
    await clock(3600_000);
    assert.equal((await s.req('GET', '/admin/api/session', { headers: { Cookie: b.cookie } })).status, 401, 'older than 3600 s');
  } finally {
    await clock(0);
  }
  const made = await s.cliJSON('admin-token', 'create');
  const c = await signIn(made.key);
  assert.equal((await s.req('GET', '/admin/api/session', { headers: { Cookie: c.cookie } })).status, 200);
  await s.cliJSON('admin-token', 'revoke', made.id);
  assert.equal((await s.req('GET', '/admin/api/session', { headers: { Cookie: c.cookie } })).status, 401);
});

test('every admin route answers 401 to a browser without a session', async () => {
  let out = await s.cli('routes', '--json');
  if (out.code !== 0) out = await s.cli('routes');
  // (the sign-in routes themselves are open: a token or a passkey is what they take)
  const open = ['/admin/api/session', '/admin/api/session/passkey', '/admin/api/session/passkey/options'];
  const routes = JSON.parse(out.stdout).filter((r) => r.path.startsWith('/admin/api') && !(open.includes(r.path) && r.method === 'POST'));
  assert.ok(routes.length >= 15, `${routes.length} admin routes`);
  for (const rt of routes) {
    const path = rt.path.replace(/\{[a-z_]+\}/g, 'x');
    const r = await s.req(rt.method, path, { headers: { Cookie: 'ag_admin=ags_' + 'A'.repeat(43) } });
    assert.equal(r.status, 401, `${rt.method} ${path}`);
  }
  const r = await s.req('GET', '/admin/api/session');
  assert.equal(r.status, 401);
});

test('the dashboard pages are served with a strict CSP and no data', async () => {
  for (const p of ['/admin', '/admin/projects', '/wh1']) {
    const r = await s.fetch(p);
    assert.equal(r.status, 200, p);
    const csp = r.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /style-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await r.text();
    assert.doesNotMatch(html, /<script>|style=/, 'no inline script or style');
    assert.doesNotMatch(html, /my-app/);
  }
  assert.equal((await s.fetch('/admin/nope')).status, 404);
  assert.equal((await s.fetch('/admin/ui/app.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal((await s.fetch('/admin/ui/index.html')).status, 404);
});

test('sign-in attempts are rate limited per address', async () => {
  const ip = { 'X-Forwarded-For': '203.0.113.9' }; // ignored: AUTHGATE_TRUST_PROXY is off
  let limited = null;
  for (let i = 0; i < 40 && !limited; i++) {
    const { r } = await signIn('aga_' + 'y'.repeat(43), ip);
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 401);
  }
  assert.ok(limited, 'a 429 within 40 attempts');
  assert.match(limited.headers.get('retry-after'), /^\d+$/);
});

test('the audit log records sign-ins, changes, refusals and secret reads, never values', async () => {
  // (the rate limit above blocks sign-in from this address for a while: use the token)
  const h = { Authorization: `Bearer ${token}` };
  let r = await s.req('PATCH', '/admin/api/projects/my-app', { body: { callback_urls: ['https://a.example/cb'] }, headers: h });
  assert.equal(r.status, 200);
  r = await s.req('GET', '/admin/api/projects/my-app/signing-secret', { headers: h });
  assert.equal(r.status, 200);
  const secret = r.body.signing_secret;
  r = await s.req('POST', '/admin/api/projects/my-app/signing-secret/rotate', { headers: h });
  assert.equal(r.status, 200);
  assert.notEqual(r.body.signing_secret, secret);
  r = await s.req('PATCH', '/admin/api/projects/nope', { body: { name: 'x' }, headers: h });
  assert.equal(r.status, 404);
  const log = (await s.req('GET', '/admin/api/audit?limit=200', { headers: h })).body.entries;
  const find = (action, pred = () => true) => log.find((e) => e.action === action && pred(e));
  const p = find('PATCH /admin/api/projects/{app_id}', (e) => e.app_id === 'my-app' && e.via === 'token');
  assert.deepEqual(p.detail, { fields: ['callback_urls'] });
  assert.equal(p.status, 200);
  assert.match(p.actor, /^adm_/);
  assert.equal(find('GET /admin/api/projects/{app_id}/signing-secret').status, 200);
  assert.equal(find('POST /admin/api/projects/{app_id}/signing-secret/rotate').status, 200);
  assert.equal(find('PATCH /admin/api/projects/{app_id}', (e) => e.app_id === 'nope').status, 404);
  assert.ok(find('POST /admin/api/session', (e) => e.status === 201 && e.via === 'session'));
  assert.ok(find('POST /admin/api/session', (e) => e.status === 401 && e.actor === null));
  assert.ok(find('POST /admin/api/session', (e) => e.status === 403));
  assert.ok(find('DELETE /admin/api/session', (e) => e.status === 200));
  const text = JSON.stringify(log);
  for (const v of [token, secret, 'https://a.example/cb']) assert.equal(text.includes(v), false);
  // filters
  const only = (await s.req('GET', '/admin/api/audit?app_id=nope', { headers: h })).body.entries;
  assert.ok(only.length >= 1 && only.every((e) => e.app_id === 'nope'));
  const q = (await s.req('GET', '/admin/api/audit?q=signing-secret', { headers: h })).body.entries;
  assert.ok(q.length >= 2 && q.every((e) => e.action.includes('signing-secret')));
  assert.equal((await s.req('GET', '/admin/api/audit?since=yesterday', { headers: h })).status, 400);
  const future = new Date(Date.now() + 3600_000).toISOString();
  assert.equal((await s.req('GET', `/admin/api/audit?since=${future}`, { headers: h })).body.entries.length, 0);
});

test('rotating the signing secret: old tokens stop verifying at once, new ones verify', async () => {
  const h = { Authorization: `Bearer ${token}` };
  const { appId, key } = await s.project('rotate-app');
  const api = (path, body) => s.req('POST', path, { body, headers: { Authorization: `Bearer ${key}` } });
  const up = await api('/api/proxy/email/signup', { email: 'rot@example.com', password: 'securePassword1' });
  assert.equal(up.status, 200, up.text);
  assert.equal((await api('/api/v1/token/verify', { token: up.body.token })).body.valid, true);
  const before = (await s.req('GET', `/admin/api/projects/${appId}/signing-secret`, { headers: h })).body.signing_secret;
  const rot = await s.req('POST', `/admin/api/projects/${appId}/signing-secret/rotate`, { headers: h });
  assert.equal(rot.status, 200);
  assert.match(rot.body.signing_secret, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(rot.body.signing_secret, before);
  const old = await api('/api/v1/token/verify', { token: up.body.token });
  assert.equal(old.body.valid, false, 'a token signed with the old secret');
  const si = await api('/api/proxy/email/signin', { email: 'rot@example.com', password: 'securePassword1' });
  assert.equal((await api('/api/v1/token/verify', { token: si.body.token })).body.valid, true);
  const after = (await s.req('GET', `/admin/api/projects/${appId}/signing-secret`, { headers: h })).body.signing_secret;
  assert.equal(after, rot.body.signing_secret);
});

test('as-you-type validation answers with the server\'s own rules', async () => {
  const h = { Authorization: `Bearer ${token}` };
  const v = async (kind, value) => (await s.req('GET', `/admin/api/validate?kind=${kind}&value=${encodeURIComponent(value)}`, { headers: h })).body;
  assert.equal((await v('origin', 'https://app.example.com')).valid, true);
  const bad = await v('origin', 'https://app.example.com/path');
  assert.equal(bad.valid, false);
  assert.match(bad.message, /no path/);
  assert.equal((await v('callback_url', 'https://app.example.com/cb')).valid, true);
  assert.equal((await v('callback_url', 'https://app.example.com/cb?x=1')).valid, false);
  assert.equal((await v('webhook_url', 'https://hooks.example.com/in')).valid, true);
  assert.equal((await v('webhook_url', 'ftp://hooks.example.com/in')).valid, false);
  // The same rule on save.
  const r = await s.req('PATCH', '/admin/api/projects/my-app', { body: { allowed_origins: ['https://app.example.com/path'] }, headers: h });
  assert.equal(r.status, 400);
  assert.equal(r.body.message, bad.message);
  assert.equal((await s.req('GET', '/admin/api/validate?kind=other&value=x', { headers: h })).status, 400);
});

test('refusals land in the stored security log', async () => {
  const h = { Authorization: `Bearer ${token}` };
  await new Promise((r) => setTimeout(r, 1500)); // the writer flushes every second
  const r = await s.req('GET', '/admin/api/security-events?event=csrf_refused', { headers: h });
  assert.equal(r.status, 200);
  assert.ok(r.body.events.length >= 4);
  assert.ok(r.body.events.every((e) => e.event === 'csrf_refused' && e.ip === '127.0.0.1'));
  const fails = (await s.req('GET', '/admin/api/security-events?event=auth_failed&q=admin%20token', { headers: h })).body.events;
  assert.ok(fails.length >= 1);
});

test('a session cookie is Secure when AuthGate is reached over TLS', async () => {
  const t = await startServer({ AUTHGATE_PUBLIC_URL: 'https://auth.example.com' });
  try {
    const r = await t.req('POST', '/admin/api/session', { body: { token: await t.adminToken() } });
    assert.equal(r.status, 201);
    assert.match(r.headers.get('set-cookie'), /; Secure$/);
    // The public URL's origin is ours even when reached by another name.
    const cookie = r.headers.get('set-cookie').split(';')[0];
    const p = await t.req('POST', '/admin/api/projects', {
      body: { app_id: 'tls-app', name: 'TLS' },
      headers: { Cookie: cookie, 'X-CSRF-Token': r.body.csrf_token, Origin: 'https://auth.example.com' },
    });
    assert.equal(p.status, 201);
  } finally {
    await t.cleanup();
  }
});
