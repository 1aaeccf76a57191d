// Projects and API keys: CLI and admin API, key authentication, revocation that takes
// effect at once on the running server (also when revoked from another process),
// secrets stored only as hashes, disabled projects, throttling of failed credentials.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { startServer } from '../lib/server.mjs';

let s, admin;
before(async () => {
  s = await startServer();
  admin = { Authorization: `Bearer ${await s.adminToken()}` };
});
after(async () => { await s.cleanup(); });

const bearer = (k) => ({ Authorization: `Bearer ${k}` });

test('CLI creates, lists and shows projects', async () => {
  const p = await s.cliJSON('project', 'create', 'cli-app', 'CLI App', '--origin', 'https://cli.example', '--callback', 'https://cli.example/cb');
  assert.equal(p.app_id, 'cli-app');
  assert.deepEqual(p.allowed_origins, ['https://cli.example']);
  assert.deepEqual(p.callback_urls, ['https://cli.example/cb']);
  assert.equal(p.providers.email, true);
  assert.equal(p.signing_secret, undefined);
  const list = await s.cliJSON('project', 'list');
  assert.ok(list.some((x) => x.app_id === 'cli-app'));
  const show = await s.cliJSON('project', 'show', 'cli-app');
  assert.equal(show.name, 'CLI App');
  const dup = await s.cli('project', 'create', 'cli-app', 'Again');
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /exists/);
  const bad = await s.cli('project', 'create', 'Bad App!', 'x');
  assert.equal(bad.code, 2);
  const badOrigin = await s.cli('project', 'create', 'o-app', 'x', '--origin', 'https://x.example/path');
  assert.equal(badOrigin.code, 2);
  assert.equal((await s.cli('project', 'show', 'nope')).code, 1);
});

test('an API key authenticates; missing, malformed and unknown keys do not', async () => {
  const { key, appId } = await s.project('key-app');
  assert.match(key, /^agk_[A-Za-z0-9_-]{43}$/);
  let r = await s.req('GET', '/api/v1/project', { headers: bearer(key) });
  assert.equal(r.status, 200);
  assert.equal(r.body.app_id, appId);
  r = await s.req('GET', '/api/v1/project');
  assert.equal(r.status, 401);
  assert.equal(r.body.error, 'unauthorized');
  r = await s.req('GET', '/api/v1/project', { headers: bearer('agk_' + 'A'.repeat(43)) });
  assert.equal(r.status, 401);
  r = await s.req('GET', '/api/v1/project', { headers: bearer('not-a-key') });
  assert.equal(r.status, 401);
  r = await s.req('GET', '/api/v1/project', { headers: { Authorization: `Basic ${key}` } });
  assert.equal(r.status, 401);
});

test('a key revoked with the CLI (another process) stops working at once', async () => {
  const { key, keyId, appId } = await s.project('revoke-cli');
  assert.equal((await s.req('GET', '/api/v1/project', { headers: bearer(key) })).status, 200);
  const list = await s.cliJSON('apikey', 'list', appId);
  assert.equal(list.length, 1);
  assert.equal(list[0].id, keyId);
  assert.equal(list[0].revoked_at, null);
  assert.equal(list[0].key, undefined);
  const rv = await s.cli('apikey', 'revoke', appId, keyId);
  assert.equal(rv.code, 0, rv.stderr);
  // SQLite: the server checks for other processes' commits on its next request.
  // PostgreSQL: the revocation arrives by LISTEN/NOTIFY, milliseconds after the commit.
  const pg = s.env.AUTHGATE_DATABASE_URL?.startsWith('postgres');
  let r;
  for (let i = 0; i < (pg ? 50 : 1); i++) {
    r = await s.req('GET', '/api/v1/project', { headers: bearer(key) });
    if (r.status === 401) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  assert.equal(r.status, 401);
  const again = await s.cli('apikey', 'revoke', appId, keyId);
  assert.equal(again.code, 1);
});

test('origins and callback URLs are read by one strict URL parser, with reasons', async () => {
  const admin = { Authorization: `Bearer ${await s.adminToken()}` };
  const create = (body) => s.req('POST', '/admin/api/projects', { headers: admin, body: { name: 'URLs', ...body } });
  let n = 0;
  const badOrigins = {
    'https://app.example.': /trailing dot/,
    'https://app.example:0': /port from 1 to 65535/,
    'https://App.Example': /lowercase/,
    'https://app.example:443': /default port/,
    'https://app.example/': /no path/,
    'https://app.example?x': /no path, query or fragment/,
    'https://u@app.example': /user name or password/,
    'https://app.example:': /must be written as/,
    'https:/app.example': /must start with https:\/\//,
    'http://0x7f.1': /must be written as/,
    '*': /https:\/\//,
  };
  for (const [o, why] of Object.entries(badOrigins)) {
    const r = await create({ app_id: `url-o${n++}`, allowed_origins: [o] });
    assert.equal(r.status, 400, o);
    assert.match(r.body.message, why, o);
  }
  const badCallbacks = {
    'https://app.example./cb': /trailing dot/,
    'https://app.example:0/cb': /port from 1 to 65535/,
    'https://app.example/a/../cb': /must be written as https:\/\/app\.example\/cb/,
    'https://app.example/%2E%2e/cb': /path segment/,
    'https://app.example\\@evil.example/cb': /printable ASCII/,
    'https://u:p@app.example/cb': /user name or password/,
    'https://app.example/cb?x=1': /without query or fragment/,
    'https://app.example/cb#f': /without query or fragment/,
  };
  for (const [c, why] of Object.entries(badCallbacks)) {
    const r = await create({ app_id: `url-c${n++}`, callback_urls: [c] });
    assert.equal(r.status, 400, c);
    assert.match(r.body.message, why, c);
  }
  const ok = await create({ app_id: 'url-ok', allowed_origins: ['https://app.example', 'http://127.0.0.1:3000', 'https://[::1]:8443'],
    callback_urls: ['https://app.example/cb', 'https://app.example', 'http://localhost:3000/auth/callback'] });
  assert.equal(ok.status, 201, ok.text);
  // The dashboard's as-you-type check is the same rule.
  const v = async (kind, value) => (await s.req('GET', `/admin/api/validate?kind=${kind}&value=${encodeURIComponent(value)}`, { headers: admin })).body;
  assert.equal((await v('origin', 'https://app.example.')).valid, false);
  assert.equal((await v('origin', 'https://app.example')).valid, true);
  assert.equal((await v('callback_url', 'https://app.example:0/cb')).valid, false);
});

test('admin API: projects and keys, and revocation through it', async () => {
  let r = await s.req('GET', '/admin/api/projects');
  assert.equal(r.status, 401);
  r = await s.req('GET', '/admin/api/projects', { headers: bearer('aga_' + 'x'.repeat(43)) });
  assert.equal(r.status, 401);
  r = await s.req('POST', '/admin/api/projects', { headers: admin, body: { app_id: 'adm-app', name: 'Admin App', allowed_origins: ['https://adm.example'] } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.app_id, 'adm-app');
  r = await s.req('POST', '/admin/api/projects', { headers: admin, body: { app_id: 'adm-app', name: 'Again' } });
  assert.equal(r.status, 409);
  r = await s.req('POST', '/admin/api/projects', { headers: admin, body: { app_id: 'Bad!', name: 'x' } });
  assert.equal(r.status, 400);
  r = await s.req('POST', '/admin/api/projects', { headers: admin, body: { app_id: 'cb-app', name: 'x', callback_urls: ['javascript:alert(1)'] } });
  assert.equal(r.status, 400);
  r = await s.req('PATCH', '/admin/api/projects/adm-app', { headers: admin, body: { providers: { email: false }, default_locale: 'it', branding: { name: 'Acme', color: '#112233', logo_url: 'https://cdn.example/logo.png' } } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.providers.email, false);
  assert.equal(r.body.providers['magic-link'], true);
  // Exactly the switches whose flow exists, each as in effect.
  assert.deepEqual(Object.keys(r.body.providers), ['email', 'magic-link', 'push', 'passkey', 'totp', 'sms', 'email-code', 'google', 'github', 'microsoft', 'gitlab', 'discord', 'apple', 'oidc']);
  assert.equal(r.body.default_locale, 'it');
  assert.equal(r.body.branding.color, '#112233');
  for (const bad of [{ providers: { email: 'yes' } }, { providers: { fax: true } }, { default_locale: 'xx' }, { branding: { color: 'red' } }, { branding: { logo_url: 'http://insecure.example/l.png' } }, { allowed_origins: ['*'] }]) {
    r = await s.req('PATCH', '/admin/api/projects/adm-app', { headers: admin, body: bad });
    assert.equal(r.status, 400, JSON.stringify(bad));
  }
  r = await s.req('PATCH', '/admin/api/projects/nope', { headers: admin, body: { name: 'x' } });
  assert.equal(r.status, 404);

  r = await s.req('POST', '/admin/api/projects/adm-app/keys', { headers: admin, body: { name: 'backend' } });
  assert.equal(r.status, 201);
  const key = r.body.key, id = r.body.id;
  assert.match(key, /^agk_/);
  assert.equal((await s.req('GET', '/api/v1/project', { headers: bearer(key) })).body.app_id, 'adm-app');
  r = await s.req('GET', '/admin/api/projects/adm-app/keys', { headers: admin });
  assert.equal(r.body.keys.length, 1);
  assert.equal(r.body.keys[0].name, 'backend');
  assert.equal(r.body.keys[0].key, undefined);
  assert.ok(key.startsWith(r.body.keys[0].prefix));
  r = await s.req('DELETE', `/admin/api/projects/adm-app/keys/${id}`, { headers: admin });
  assert.equal(r.status, 200);
  assert.equal((await s.req('GET', '/api/v1/project', { headers: bearer(key) })).status, 401);
  r = await s.req('DELETE', `/admin/api/projects/adm-app/keys/${id}`, { headers: admin });
  assert.equal(r.status, 404);
});

test('a disabled project refuses its keys with 403', async () => {
  const { key, appId } = await s.project('dis-app');
  let r = await s.req('PATCH', `/admin/api/projects/${appId}`, { headers: admin, body: { disabled: true } });
  assert.equal(r.status, 200);
  r = await s.req('GET', '/api/v1/project', { headers: bearer(key) });
  assert.equal(r.status, 403);
  await s.req('PATCH', `/admin/api/projects/${appId}`, { headers: admin, body: { disabled: false } });
  assert.equal((await s.req('GET', '/api/v1/project', { headers: bearer(key) })).status, 200);
});

test('deleting a project ends its keys', async () => {
  const { key, appId } = await s.project('del-app');
  const r = await s.req('DELETE', `/admin/api/projects/${appId}`, { headers: admin });
  assert.equal(r.status, 200);
  assert.equal((await s.req('GET', '/api/v1/project', { headers: bearer(key) })).status, 401);
  assert.equal((await s.req('GET', `/admin/api/projects/${appId}`, { headers: admin })).status, 404);
});

test('keys and admin tokens are stored only as hashes; the signing secret is sealed', async () => {
  const { key } = await s.project('hash-app');
  const token = await s.adminToken();
  const sha = (x) => createHash('sha256').update(x).digest('hex');
  let dump;
  if (s.env.AUTHGATE_DATABASE_URL?.startsWith('postgres')) {
    dump = Buffer.from(execFileSync('psql', [s.env.AUTHGATE_DATABASE_URL, '-qAtc',
      'SELECT key_hash FROM api_keys; SELECT token_hash FROM admin_tokens; SELECT signing_secret FROM projects']));
  } else {
    const files = readdirSync(s.dataDir).filter((f) => f.startsWith('authgate.db'));
    assert.ok(files.length >= 1);
    dump = Buffer.concat(files.map((f) => readFileSync(path.join(s.dataDir, f))));
  }
  assert.equal(dump.indexOf(key), -1, 'API key stored in clear');
  assert.equal(dump.indexOf(token), -1, 'admin token stored in clear');
  assert.notEqual(dump.indexOf(sha(key)), -1, 'the key is stored as its SHA-256');
  const logs = s.stderr;
  assert.equal(logs.indexOf(key), -1, 'API key in the log');
  assert.equal(logs.indexOf(token), -1, 'admin token in the log');
});

test('failed credentials from one address are throttled with 429 and Retry-After', async () => {
  const t = await startServer();
  try {
    let last;
    for (let i = 0; i < 40; i++) {
      last = await t.req('GET', '/api/v1/project', { headers: bearer('agk_' + 'B'.repeat(43)) });
      if (last.status === 429) break;
    }
    assert.equal(last.status, 429);
    assert.ok(Number(last.headers.get('retry-after')) >= 1);
    assert.equal(last.body.error, 'rate_limited');
    assert.ok(t.logLines().some((l) => l.security === 'auth_failed' && l.ip === '127.0.0.1'));
  } finally {
    await t.cleanup();
  }
});
