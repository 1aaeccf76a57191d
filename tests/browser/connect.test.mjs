// Seed 004's provider connections through AuthGate's browser callback, in real
// Chromium against a real OpenID provider (`oidc-provider` standing in for Google): the
// callback asks before it connects, naming the account the connection is for; its
// Connect button connects. A connect link someone else started, opened in this browser,
// connects nothing: a page on another site that posts the confirmation (even with the
// page's own fields) is refused — Chromium sends neither the SameSite=Strict nonce
// cookie nor Sec-Fetch-Site: same-origin — and Cancel spends the flow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../lib/server.mjs';
import { startOidcProvider, approveInBrowser } from '../lib/oidc.mjs';
import { devProject, signIn, bearer } from '../lib/users.mjs';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];
const client = { client_id: 'agnt-app', client_secret: 'agnt-secret-0123456789' };

let s, op, dev, browser, profile, evil, evilOrigin;

before(async () => {
  s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_AUTH_RATE_PERCENT: '1000' });
  dev = devProject(s);
  op = await startOidcProvider({ clients: [{ ...client, redirect_uris: [`${s.url}/auth/callback/google`] }] });
  const r = await s.req('PUT', '/admin/api/projects/my-app/oauth/google', { headers: bearer(dev.admin), body: { ...client, issuer: op.issuer, enabled: true } });
  assert.equal(r.status, 200, r.text);
  // Another site (localhost is not the same site as 127.0.0.1): a page that posts the
  // confirmation form it is given to AuthGate as soon as it loads.
  evil = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const f = JSON.parse(u.searchParams.get('f') || '{}');
    const inputs = Object.entries(f.fields || {}).map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/"/g, '&quot;')}">`).join('');
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><title>prize</title><form id="f" method="post" action="${f.action}">${inputs}
<input type="hidden" name="decision" value="connect"></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise((r2) => evil.listen(0, '127.0.0.1', r2));
  evilOrigin = `http://localhost:${evil.address().port}`;
  profile = mkdtempSync(path.join(tmpdir(), 'ag-connect-'));
  browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
});

after(async () => {
  if (browser) await browser.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  evil?.close();
  await op?.close();
  await s?.cleanup();
});

const connected = async (token) => (await s.req('GET', '/auth/connected', { headers: bearer(token) })).body.connectedApps;

// Open a user's connect link in the browser and sign in at the provider as `login`:
// the page AuthGate's callback shows.
async function openConnectLink(token, login) {
  const c = await s.req('GET', '/auth/connect/google', { headers: bearer(token) });
  assert.equal(c.status, 200, c.text);
  await browser.clearCookies(); // no session at the provider: it asks who signs in
  const page = await browser.newPage();
  await page.goto(c.body.authUrl);
  await approveInBrowser(page, login);
  await page.waitForURL((u) => u.toString().startsWith(`${s.url}/auth/callback/google?`), { timeout: 20000 });
  await page.locator('#connect').waitFor();
  return page;
}

test('the callback asks, names the account, and Connect connects', async () => {
  const alice = await signIn(s, 'alice@example.com');
  const page = await openConnectLink(alice.token, 'alice');
  assert.equal(await page.locator('h1').textContent(), 'Connect Google?');
  assert.match(await page.locator('main').textContent(), /Only continue if you started this yourself, signed in as alice@example\.com/);
  assert.deepEqual(await connected(alice.token), [], 'nothing before the click');
  await page.locator('#connect').click();
  await page.getByText('is now connected').waitFor();
  assert.match(await page.locator('#message').textContent(), /google account alice@example\.com is now connected to alice@example\.com/);
  const list = await connected(alice.token);
  assert.deepEqual(list.map((x) => [x.provider, x.email]), [['google', 'alice@example.com']]);
  await page.close();
});

test('a connect link from someone else: another site posting the confirmation is refused; Cancel connects nothing', async () => {
  const mallory = await signIn(s, 'mallory@example.com');
  const page = await openConnectLink(mallory.token, 'victor');
  assert.match(await page.locator('main').textContent(), /signed in as mallory@example\.com/);
  // the attacker's page, in the same browser (which now holds the nonce cookie), posts
  // the very fields of the confirmation page
  const action = new URL(await page.locator('form').getAttribute('action'), page.url()).toString();
  const fields = Object.fromEntries(await page.locator('form input[type=hidden]').evaluateAll((xs) => xs.map((x) => [x.name, x.value])));
  assert.ok(fields.csrf && fields.state && fields.code);
  const attack = await browser.newPage();
  const answer = attack.waitForResponse((r) => r.url() === action);
  await attack.goto(`${evilOrigin}/?f=${encodeURIComponent(JSON.stringify({ action, fields }))}`);
  const res = await answer;
  assert.equal(res.status(), 403);
  await attack.getByText('did not come from the page AuthGate showed').waitFor();
  assert.deepEqual(await connected(mallory.token), []);
  await attack.close();
  // Victor reads the page and cancels
  await page.locator('#cancel').click();
  await page.getByText('Nothing was connected.').waitFor();
  assert.deepEqual(await connected(mallory.token), []);
  // the flow is spent: even the page's own form cannot connect it now
  await page.goBack();
  await page.reload();
  assert.match(await page.locator('main').textContent(), /unknown or was already used/);
  await page.close();
});
