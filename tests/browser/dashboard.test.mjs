// The dashboard in real Chromium (docs/DASHBOARD.md): a signed-out browser reaches
// nothing; sign in with the admin token the dev server printed; create a project, add
// an origin checked by the server as it is typed, make and revoke an API key, reveal
// and rotate the signing secret; a cross-site form post is refused (from another site,
// and from another port of the same host, which browsers count as the same site);
// sign out. Keyboard, labels, landmarks, phone and wide, light and dark. Screenshots
// (`make screenshots`) go to docs/img/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from '../lib/server.mjs';
import { assertAccessible, browser, printedAdminToken, shot, signIn, watchErrors } from '../lib/dashboard.mjs';

let s, br, token, evil, evilPort;
const admin = () => ({ Authorization: `Bearer ${token}` });

before(async () => {
  s = await startServer({ AUTHGATE_DEV: 'true' });
  token = printedAdminToken(s);
  br = await browser();
  // An attacker's site: a page that posts a form to AuthGate's admin API as soon as it
  // loads, and one that tries fetch with the browser's cookies.
  evil = http.createServer((req, res) => {
    const target = `${s.url}/admin/api/projects`;
    const pages = {
      '/form.html': `<!doctype html><form id="f" method="POST" action="${target}" enctype="text/plain">
<input name='{"app_id":"evil-app","name":"x","pad":"' value='"}'></form><script>document.getElementById('f').submit()</script>`,
      '/fetch.html': `<!doctype html><p id="out">…</p><script>
fetch(${JSON.stringify(target)}, {method: 'POST', credentials: 'include', headers: {'Content-Type': 'text/plain'},
  body: JSON.stringify({app_id: 'evil-fetch', name: 'x'})}).then((r) => r.status, () => 'blocked')
  .then((v) => { document.getElementById('out').textContent = String(v); });
</script>`,
    };
    res.writeHead(pages[req.url] ? 200 : 404, { 'Content-Type': 'text/html' });
    res.end(pages[req.url] || 'no');
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  evilPort = evil.address().port;
});

after(async () => {
  await br?.close();
  evil?.closeAllConnections();
  await new Promise((r) => (evil ? evil.close(r) : r()));
  await s?.cleanup();
});

test('a signed-out browser reaches nothing: only the sign-in form', async () => {
  const ctx = await br.context();
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  for (const p of ['/admin', '/admin/projects', '/wh1']) {
    await page.goto(s.url + p);
    await page.getByLabel('Admin token').waitFor();
    assert.equal(await page.locator('#nav').isHidden(), true);
    assert.equal(await page.locator('#project-pick').isHidden(), true);
    assert.equal((await page.content()).includes('my-app'), false, `${p} shows no project`);
  }
  const status = await page.evaluate(async () => (await fetch('/admin/api/projects')).status);
  assert.equal(status, 401);
  await shot(page, 'dashboard-signin');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a wrong token is refused with a message; the printed one signs in', async () => {
  const ctx = await br.context();
  const page = await ctx.newPage();
  await page.goto(`${s.url}/admin`);
  await page.getByLabel('Admin token').fill('aga_wrong');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText('That token is not valid').waitFor();
  // By keyboard: the field has focus again; type, Enter.
  await page.keyboard.type(token);
  await page.keyboard.press('Enter');
  await page.locator('#nav:not([hidden])').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Projects' }).getAttribute('aria-current'), 'page');
  // The cookie is HttpOnly: scripts cannot read it.
  assert.equal(await page.evaluate(() => document.cookie), '');
  const cookies = await ctx.cookies();
  const c = cookies.find((x) => x.name === 'ag_admin');
  assert.equal(c.httpOnly, true);
  assert.equal(c.sameSite, 'Strict');
  assert.equal(c.path, '/admin');
  await ctx.close();
});

test('projects: create, add an origin checked as you type, keys shown once and revoked, signing secret', async () => {
  const ctx = await br.context();
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await signIn(page, s.url, token);

  await page.getByText('New project').click();
  await page.getByLabel('app_id').fill('shop');
  await page.getByLabel('Name').first().fill('Shop');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('status').filter({ hasText: 'Project shop created.' }).waitFor();
  assert.equal(await page.locator('#project-select').inputValue(), 'shop');

  // An origin with a path: the server's rule is shown while typing; Add stays off.
  const origin = page.getByLabel('Add an origin');
  const originCard = page.locator('section', { has: page.getByRole('heading', { name: 'Allowed origins' }) });
  await origin.fill('https://shop.example/path');
  await originCard.locator('.field-msg', { hasText: 'no path' }).waitFor();
  assert.equal(await originCard.getByRole('button', { name: 'Add' }).isDisabled(), true);
  assert.equal(await origin.getAttribute('aria-invalid'), 'true');
  await origin.fill('https://shop.example');
  await originCard.locator('.field-msg', { hasText: 'Looks right.' }).waitFor();
  await originCard.getByRole('button', { name: 'Add' }).click();
  await originCard.locator('code', { hasText: 'https://shop.example' }).waitFor();
  let p = (await s.req('GET', '/admin/api/projects/shop', { headers: admin() })).body;
  assert.deepEqual(p.allowed_origins, ['https://shop.example']);

  const cb = page.getByLabel('Add a callback URL');
  const cbCard = page.locator('section', { has: page.getByRole('heading', { name: 'Callback URLs' }) });
  await cb.fill('https://shop.example/auth/callback?x=1');
  await cbCard.locator('.field-msg', { hasText: 'without query or fragment' }).waitFor();
  await cb.fill('https://shop.example/auth/callback');
  await cbCard.locator('.field-msg', { hasText: 'Looks right.' }).waitFor();
  await cb.press('Enter');
  await cbCard.locator('code', { hasText: 'https://shop.example/auth/callback' }).waitFor();

  // An API key: shown once with a copy button, then it works, then it is revoked.
  await page.getByLabel('Key name').fill('backend');
  await page.getByRole('button', { name: 'Create key' }).click();
  const box = page.getByRole('group', { name: 'New API key' });
  const key = (await box.locator('code').textContent()).trim();
  assert.match(key, /^agk_[A-Za-z0-9_-]{43}$/);
  await box.getByRole('button', { name: 'Copy' }).waitFor();
  assert.equal((await s.req('GET', '/api/v1/project', { headers: { Authorization: `Bearer ${key}` } })).status, 200);
  await shot(page, 'dashboard-projects');
  await page.reload();
  await page.locator('#nav:not([hidden])').waitFor();
  assert.equal((await page.content()).includes(key), false, 'the key is not shown again');
  await page.getByRole('button', { name: /^Revoke key backend/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('status').filter({ hasText: 'Key revoked.' }).waitFor();
  assert.equal((await s.req('GET', '/api/v1/project', { headers: { Authorization: `Bearer ${key}` } })).status, 401);

  // The signing secret: revealed on request (audited), rotated (the old one goes).
  await page.getByRole('button', { name: 'Reveal' }).click();
  const shown = (await page.getByRole('group', { name: /Signing secret/ }).locator('code').textContent()).trim();
  const api = (await s.req('GET', '/admin/api/projects/shop/signing-secret', { headers: admin() })).body.signing_secret;
  assert.equal(shown, api);
  await page.getByRole('button', { name: 'Hide' }).click();
  assert.equal(await page.getByRole('group', { name: /Signing secret/ }).count(), 0);
  await page.getByRole('button', { name: 'Rotate' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
  const rotated = (await page.getByRole('group', { name: /New signing secret/ }).locator('code').textContent()).trim();
  assert.notEqual(rotated, shown);
  assert.equal((await s.req('GET', '/admin/api/projects/shop/signing-secret', { headers: admin() })).body.signing_secret, rotated);

  // Rename and disable: the API key of a disabled project is refused.
  await page.getByLabel('Name', { exact: true }).nth(1).fill('Shop Two');
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByRole('status').filter({ hasText: 'Project renamed.' }).waitFor();
  await page.getByRole('button', { name: 'Disable project' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
  await page.getByRole('button', { name: 'Enable project' }).waitFor();
  p = (await s.req('GET', '/admin/api/projects/shop', { headers: admin() })).body;
  assert.equal(p.name, 'Shop Two');
  assert.equal(p.disabled, true);
  await page.getByRole('button', { name: 'Enable project' }).click();
  await page.getByRole('button', { name: 'Disable project' }).waitFor();

  // Each of these changes is in the audit log, as done through a session.
  const log = (await s.req('GET', '/admin/api/audit?app_id=shop&limit=100', { headers: admin() })).body.entries;
  for (const a of ['POST /admin/api/projects/{app_id}/keys', 'DELETE /admin/api/projects/{app_id}/keys/{key_id}',
    'GET /admin/api/projects/{app_id}/signing-secret', 'POST /admin/api/projects/{app_id}/signing-secret/rotate',
    'PATCH /admin/api/projects/{app_id}']) {
    assert.ok(log.some((e) => e.action === a && e.via === 'session' && e.status >= 200 && e.status < 300), a);
  }
  await assertAccessible(page);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('CSRF: a cross-site form post and a cross-site fetch are refused; so is a same-site page on another port', async () => {
  const ctx = await br.context();
  const page = await ctx.newPage();
  await signIn(page, s.url, token);
  // Another site (localhost is not 127.0.0.1): the SameSite=Strict cookie stays home.
  const resp = page.waitForResponse((r) => r.url().endsWith('/admin/api/projects') && r.request().method() === 'POST');
  await page.goto(`http://localhost:${evilPort}/form.html`);
  assert.equal((await resp).status(), 401);
  const other = await ctx.newPage();
  await other.goto(`http://localhost:${evilPort}/fetch.html`);
  await other.locator('#out').filter({ hasNotText: '…' }).waitFor();
  // The same site on another port: the cookie goes along, the CSRF token cannot.
  const resp2 = page.waitForResponse((r) => r.url().endsWith('/admin/api/projects') && r.request().method() === 'POST');
  await page.goto(`http://127.0.0.1:${evilPort}/form.html`);
  const r2 = await resp2;
  assert.equal(r2.status(), 403);
  assert.equal((await r2.json()).error, 'csrf_refused');
  for (const id of ['evil-app', 'evil-fetch']) {
    assert.equal((await s.req('GET', `/admin/api/projects/${id}`, { headers: admin() })).status, 404, id);
  }
  // And the session still works from our own page.
  await page.goto(`${s.url}/admin/projects`);
  await page.locator('#nav:not([hidden])').waitFor();
  await ctx.close();
});

test('sign-out ends the session: the page and the API are closed again', async () => {
  const ctx = await br.context();
  const page = await ctx.newPage();
  await signIn(page, s.url, token);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You are signed out.').waitFor();
  assert.equal(await page.evaluate(async () => (await fetch('/admin/api/projects')).status), 401);
  await page.reload();
  await page.getByLabel('Admin token').waitFor();
  await ctx.close();
});

test('an expired session sends the page back to sign-in', async () => {
  const ctx = await br.context();
  const page = await ctx.newPage();
  await signIn(page, s.url, token);
  // The Projects page has loaded (its last section is there): no request of its own is in
  // flight to meet the clock jump and end the session before the click below (seen on a
  // loaded machine: the nav was hidden already and the click waited 30 s).
  await page.getByRole('button', { name: 'Reveal' }).waitFor();
  try {
    await s.req('POST', '/_dev/clock', { body: { offset_ms: 13 * 3600_000 }, headers: admin() });
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByText('Your session ended: sign in again.').waitFor();
    assert.equal(await page.locator('#nav').isHidden(), true);
  } finally {
    await s.req('POST', '/_dev/clock', { body: { offset_ms: 0 }, headers: admin() });
  }
  await ctx.close();
});

test('phone and wide, light and dark', async () => {
  for (const [name, opts] of [
    ['dashboard-projects-dark', { colorScheme: 'dark' }],
    ['dashboard-projects-phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
  ]) {
    const ctx = await br.context(opts);
    const page = await ctx.newPage();
    await signIn(page, s.url, token);
    await page.locator('#project-select').selectOption('my-app');
    await page.getByRole('heading', { name: 'Allowed origins' }).waitFor();
    // Nothing overflows the viewport sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: ${overflow}px sideways`);
    await shot(page, name);
    await ctx.close();
  }
});

test('providers: toggle a sign-in method, set an OAuth client (the secret never comes back), the redirect URI to register', async () => {
  const ctx = await br.context();
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await signIn(page, s.url, token, '/admin/providers');
  await page.locator('#project-select').selectOption('my-app');
  const push = page.getByRole('switch', { name: /^Push approval/ });
  assert.equal(await push.isChecked(), true);
  await push.uncheck();
  await page.getByRole('status').filter({ hasText: 'push off.' }).waitFor();
  let r = await s.req('POST', '/auth/start', { body: { app_id: 'my-app', email: 'a@b.example' } });
  assert.equal(r.status, 403, 'push is off for the app');
  await push.check();
  await page.getByRole('status').filter({ hasText: 'push on.' }).waitFor();
  assert.equal((await s.req('POST', '/auth/start', { body: { app_id: 'my-app', email: 'a@b.example' } })).status, 200);

  const google = page.getByRole('article', { name: 'Google' });
  assert.match(await google.textContent(), new RegExp(`${s.url}/api/proxy/google/callback`));
  await google.getByText('Client settings').click();
  await google.getByLabel('Client ID').fill('1234.apps.googleusercontent.com');
  await google.getByLabel('Client secret').fill('GOCSPX-very-secret');
  await google.getByRole('button', { name: 'Save Google settings' }).click();
  await page.getByRole('status').filter({ hasText: 'Google settings saved.' }).waitFor();
  await google.getByText('configured', { exact: true }).waitFor();
  await google.getByRole('switch', { name: 'Google' }).check();
  await page.getByRole('status').filter({ hasText: 'google on.' }).waitFor();
  const model = (await s.req('GET', '/admin/api/projects/my-app/providers', { headers: admin() })).body;
  const g = model.providers.find((x) => x.name === 'google');
  assert.equal(g.enabled, true);
  assert.equal(g.settings.client_id, '1234.apps.googleusercontent.com');
  assert.equal(g.settings.client_secret_set, true);
  assert.equal(JSON.stringify(model).includes('GOCSPX-very-secret'), false);
  await page.reload();
  await page.getByRole('article', { name: 'Google' }).getByText('Client settings').click();
  assert.equal(await page.getByRole('article', { name: 'Google' }).getByLabel('Client secret').inputValue(), '');
  assert.equal((await page.content()).includes('GOCSPX-very-secret'), false);
  // A bad value is refused with the server's words, at the form.
  const oidc = page.getByRole('article', { name: model.providers.find((x) => x.name === 'oidc').label });
  await oidc.getByText('Client settings').click();
  await oidc.getByLabel('Issuer URL').fill('not a url');
  await oidc.getByLabel('Client ID').fill('x');
  await oidc.getByRole('button', { name: /^Save/ }).click();
  await oidc.locator('.field-msg.error').filter({ hasText: /issuer/i }).waitFor();
  // The second-factor policy.
  await page.getByRole('combobox', { name: 'Second factor (MFA)' }).selectOption('optional');
  await page.getByRole('status').filter({ hasText: 'Second factor: optional.' }).waitFor();
  assert.equal((await s.req('GET', '/admin/api/projects/my-app/providers', { headers: admin() })).body.mfa, 'optional');
  await page.getByRole('combobox', { name: 'Second factor (MFA)' }).selectOption('off');
  await page.getByRole('status').filter({ hasText: 'Second factor: off.' }).waitFor();
  await shot(page, 'dashboard-providers');
  await assertAccessible(page);
  assert.deepEqual(errors, []);
  await ctx.close();
});
