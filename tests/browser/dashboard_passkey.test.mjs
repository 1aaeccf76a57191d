// Passkeys for the dashboard's own sign-in, in Chromium with a virtual authenticator
// (DevTools WebAuthn domain): a signed-in administrator adds a passkey; after signing
// out, the passkey alone signs in as the same admin token; revoking that token ends
// its passkeys. The dashboard is reached as http://localhost:PORT (WebAuthn needs a
// domain: an IP-address public URL has no RP ID, and the page says so).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer } from '../lib/server.mjs';
import { browserWithAuthenticator, freePort } from '../lib/passkey_app.mjs';
import { printedAdminToken, shot } from '../lib/dashboard.mjs';

let s, b, token, origin;

before(async () => {
  const port = await freePort();
  origin = `http://localhost:${port}`;
  s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_PORT: String(port), AUTHGATE_PUBLIC_URL: origin });
  token = printedAdminToken(s);
  b = await browserWithAuthenticator();
});

after(async () => {
  await b?.ctx.close();
  if (b) rmSync(b.profile, { recursive: true, force: true });
  await s?.cleanup();
});

const creds = async () => (await b.cdp.send('WebAuthn.getCredentials', { authenticatorId: b.authenticatorId })).credentials;

test('add a passkey while signed in; sign in with it alone; revoking the token ends it', async () => {
  const page = b.page;
  await page.goto(`${origin}/admin`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
  await page.getByRole('link', { name: /^Signed in/ }).click();
  await page.getByRole('heading', { name: 'Your sign-in' }).waitFor();
  await page.getByLabel('Passkey name').fill('Laptop');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.getByRole('status').filter({ hasText: 'Passkey added' }).waitFor();
  await page.getByRole('cell', { name: 'Laptop', exact: true }).waitFor();
  const c = await creds();
  assert.equal(c.length, 1);
  assert.equal(c[0].rpId, 'localhost');
  assert.equal(c[0].isResidentCredential, true);
  await shot(page, 'dashboard-account');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You are signed out.').waitFor();
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.locator('#nav:not([hidden])').waitFor();
  const me = await page.evaluate(async () => (await fetch('/admin/api/session')).json());
  assert.match(me.token_id, /^adm_/);
  assert.equal(me.token_name, 'dev');
  const log = (await s.req('GET', '/admin/api/audit?q=session/passkey', { headers: { Authorization: `Bearer ${token}` } })).body.entries;
  assert.ok(log.some((e) => e.action === 'POST /admin/api/session/passkey' && e.status === 201 && e.actor === me.token_id));

  // The AuthGate project the passkeys live in is no project of the list, and serves nothing.
  const list = (await s.req('GET', '/admin/api/projects', { headers: { Authorization: `Bearer ${token}` } })).body.projects;
  assert.equal(list.some((p) => p.app_id === 'authgate-admin'), false);
  assert.equal((await s.req('POST', '/api/passkey/options?app_id=authgate-admin', { body: {} })).status >= 400, true);
  assert.equal((await s.req('POST', '/admin/api/projects', { body: { app_id: 'authgate-admin', name: 'x' }, headers: { Authorization: `Bearer ${token}` } })).status, 400);

  // Revoke the token: its passkey no longer signs in.
  await s.cliJSON('admin-token', 'revoke', me.token_id);
  await page.reload();
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.getByText(/does not sign in to this dashboard/).waitFor();
  assert.equal(await page.locator('#nav').isHidden(), true);
});

test('with an IP-address public URL the page says passkeys need a domain name', async () => {
  const t = await startServer({ AUTHGATE_DEV: 'true' });
  try {
    const r = await t.req('GET', '/admin/api/passkeys', { headers: { Authorization: `Bearer ${printedAdminToken(t)}` } });
    assert.equal(r.status, 200);
    assert.equal(r.body.available, false);
    assert.match(r.body.reason, /domain name/);
  } finally {
    await t.cleanup();
  }
});
