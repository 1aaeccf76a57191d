// The Users and Devices pages in real Chromium: search a user by email, see their
// factors, device and push sign-ins; disable (sign-in refused), enable, end all
// sessions, reset factors, delete; list devices by email and remove one. Screenshots
// (`make screenshots`) go to docs/img/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { client, RELAXED, shiftClock } from '../lib/email.mjs';
import { Device, mailbox } from '../lib/push.mjs';
import { enrollTotp, midStep } from '../lib/factors.mjs';
import { assertAccessible, browser, printedAdminToken, shot, signIn, watchErrors } from '../lib/dashboard.mjs';

const EMAIL = 'jane.doe@axe.example', PASSWORD = 'securePassword1';
let s, br, token, mb, page, errors, api, dev, userId;

before(async () => {
  mb = await mailbox();
  s = await startServer({ ...RELAXED, AUTHGATE_DEV: 'true', ...mb.env });
  token = printedAdminToken(s);
  const key = (await s.cliJSON('apikey', 'create', 'my-app')).key;
  api = client(s, key);
  dev = await Device.create();
  await dev.enroll(s, mb, EMAIL, { name: 'Jane Pixel' });
  const now = await midStep(s);
  const up = await api('POST', '/api/proxy/email/signup', { email: EMAIL, password: PASSWORD, name: 'Jane Doe' });
  userId = up.body.user.id;
  await enrollTotp(s, up.body.token, now);
  await shiftClock(s, 0);
  const st = await s.req('POST', '/auth/start', { body: { app_id: 'my-app', email: EMAIL } });
  const req = await dev.request(s, { appId: 'my-app' });
  await dev.decide(s, req.request_id, 'approve', st.body.code);
  await api('POST', '/api/proxy/email/signup', { email: 'other@axe.example', password: PASSWORD });
  br = await browser();
  page = await (await br.context()).newPage();
  errors = watchErrors(page);
  await signIn(page, s.url, token, '/admin/users');
  await page.locator('#project-select').selectOption('my-app');
});

after(async () => {
  await br?.close();
  await s?.cleanup();
  await mb?.close();
});

const signin = () => api('POST', '/api/proxy/email/signin', { email: EMAIL, password: PASSWORD });

test('search a user and see their factors, device and push sign-ins', async () => {
  await page.getByLabel('Search by email or id').fill('jane.doe');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: `Open ${EMAIL}` }).click();
  const card = page.getByRole('region', { name: new RegExp(EMAIL) });
  await card.waitFor();
  const text = await card.textContent();
  assert.ok(text.includes(userId));
  assert.ok(text.includes('Jane Doe'));
  assert.ok(text.includes('totp'));
  assert.ok(text.includes('Jane Pixel'));
  assert.match(text, /approved/);
  assert.ok(text.includes('factor.enrolled'));
  assert.match(page.url(), new RegExp(`user=${userId}`));
  await shot(page, 'dashboard-users');
  // The address bar keeps the user: a reload shows them again.
  await page.reload();
  await page.getByRole('region', { name: new RegExp(EMAIL) }).waitFor();
});

test('disable refuses sign-in; enable; end all sessions; reset factors', async () => {
  const card = page.getByRole('region', { name: new RegExp(EMAIL) });
  const tok = (await signin()).body.token;
  await card.getByRole('button', { name: 'Disable user' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
  await page.getByRole('status').filter({ hasText: 'User disabled' }).waitFor();
  await card.getByText('disabled', { exact: true }).first().waitFor();
  const r = await signin();
  assert.equal(r.status, 403);
  assert.equal(r.body.error, 'user_disabled');
  assert.equal((await api('POST', '/api/v1/token/verify', { token: tok })).body.valid, false);
  await card.getByRole('button', { name: 'Enable user' }).click();
  await page.getByRole('status').filter({ hasText: 'User enabled.' }).waitFor();
  const tok2 = (await signin()).body.token;
  assert.equal((await api('POST', '/api/v1/token/verify', { token: tok2 })).body.valid, true);
  await card.getByRole('button', { name: 'End all sessions' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'End sessions' }).click();
  await page.getByRole('status').filter({ hasText: 'Every session ended.' }).waitFor();
  assert.equal((await api('POST', '/api/v1/token/verify', { token: tok2 })).body.valid, false);
  await card.getByRole('button', { name: 'Reset factors' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Reset factors' }).click();
  await page.getByRole('status').filter({ hasText: 'Factors reset.' }).waitFor();
  await card.getByText('No second factor.').waitFor();
  await assertAccessible(page);
});

test('devices: listed by email, removed', async () => {
  await page.getByRole('link', { name: 'Devices' }).click();
  await page.getByRole('heading', { name: 'Devices and push' }).waitFor();
  await page.getByRole('button', { name: `Remove Jane Pixel (${EMAIL})` }).waitFor();
  await shot(page, 'dashboard-devices');
  await page.getByRole('button', { name: `Remove Jane Pixel (${EMAIL})` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('status').filter({ hasText: 'Device removed.' }).waitFor();
  assert.equal((await dev.login(s)).status, 401);
});

test('delete a user: gone from the list, the data removed', async () => {
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('button', { name: `Open ${EMAIL}` }).click();
  const card = page.getByRole('region', { name: new RegExp(EMAIL) });
  await card.getByRole('button', { name: 'Delete user' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete for good' }).click();
  await page.getByRole('status').filter({ hasText: 'User deleted' }).waitFor();
  await page.getByRole('button', { name: 'Open other@axe.example' }).waitFor();
  assert.equal(await page.getByRole('button', { name: `Open ${EMAIL}` }).count(), 0);
  assert.equal((await signin()).status, 401);
  assert.equal((await s.req('GET', `/admin/api/projects/my-app/users/${userId}`, { headers: { Authorization: `Bearer ${token}` } })).status, 404);
  assert.deepEqual(errors, []);
});
