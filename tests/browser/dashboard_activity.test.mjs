// The Activity page in real Chromium: charts drawn from the server's own metrics
// (requests per second, p99 latency, sign-ins and failures per minute), the security
// log with filters (a failed sign-in, a rate limit, "this wasn't me"), the audit log of
// admin actions; the Mail link of dev mode opens the captured mail. Screenshots: `make
// screenshots` writes them to docs/img/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { client, RELAXED } from '../lib/email.mjs';
import { waitFor } from '../lib/push.mjs';
import { assertAccessible, browser, printedAdminToken, shot, signIn, watchErrors } from '../lib/dashboard.mjs';

let s, br, token, page, errors;

before(async () => {
  s = await startServer({ ...RELAXED, AUTHGATE_DEV: 'true' });
  token = printedAdminToken(s);
  const key = (await s.cliJSON('apikey', 'create', 'my-app')).key;
  const api = client(s, key);
  await api('POST', '/api/proxy/email/signup', { email: 'ann@axe.example', password: 'securePassword1' });
  for (let i = 0; i < 3; i++) await api('POST', '/api/proxy/email/signin', { email: 'ann@axe.example', password: 'securePassword1' });
  for (let i = 0; i < 2; i++) await api('POST', '/api/proxy/email/signin', { email: 'ann@axe.example', password: 'wrongPassword9' });
  for (let i = 0; i < 20; i++) await s.fetch('/healthz');
  br = await browser();
  page = await (await br.context()).newPage();
  errors = watchErrors(page);
  await signIn(page, s.url, token, '/admin/activity');
});

after(async () => {
  await br?.close();
  await s?.cleanup();
});

test('charts from the server\'s own metrics', async () => {
  const signins = page.getByRole('img', { name: /^Sign-ins and failures per minute/ });
  await signins.waitFor();
  const name = await signins.getAttribute('aria-label');
  assert.match(name, /now sign-ins [\d.]+, failures [\d.]+/);
  const m = (await s.req('GET', '/admin/api/metrics/series', { headers: { Authorization: `Bearer ${token}` } })).body;
  assert.ok(m.signins_total >= 4, `${m.signins_total} sign-ins`);
  assert.ok(m.failures_total >= 2, `${m.failures_total} failures`);
  assert.ok(m.requests_total >= 30);
  assert.ok(m.points.length >= 1);
  assert.ok(m.points.at(-1).rps > 0);
  assert.ok(m.points.some((p) => p.signins_per_min > 0));
  await page.getByRole('img', { name: /^Requests per second/ }).waitFor();
  await page.getByRole('img', { name: /^p99 latency/ }).waitFor();
  assert.ok(await page.locator('.chart svg circle').count() >= 4, 'points drawn');
});

test('the security log, filtered by event', async () => {
  // The writer stores events once a second: wait until the failed sign-ins are in.
  const h = { Authorization: `Bearer ${token}` };
  await waitFor(async () => (await s.req('GET', '/admin/api/security-events?event=signin_failed', { headers: h })).body.events.length >= 2, 'the stored events');
  await page.reload(); // the page lists the events stored when it was drawn
  const log = page.getByRole('region', { name: 'Security log' });
  await log.getByRole('cell', { name: 'signin_failed' }).first().waitFor();
  await log.getByLabel('Event', { exact: true }).selectOption('signin_failed');
  await log.getByRole('button', { name: 'Filter' }).click();
  await log.getByRole('table').waitFor();
  const events = await log.locator('tbody tr td:nth-child(2)').allTextContents();
  assert.ok(events.length >= 2);
  assert.ok(events.every((e) => e === 'signin_failed'), events.join(','));
  await log.getByLabel('Event', { exact: true }).selectOption('');
  await log.getByLabel('Text', { exact: true }).fill('no such text anywhere');
  await log.getByRole('button', { name: 'Filter' }).click();
  await log.getByText('No event matches.').waitFor();
});

test('the audit log of admin actions; the dev Mail link', async () => {
  const audit = page.getByRole('region', { name: 'Admin actions' });
  await audit.getByText('POST /admin/api/session').first().waitFor();
  await shot(page, 'dashboard-activity');
  const mail = page.getByRole('link', { name: /Mail \(dev\)/ });
  assert.equal(await mail.getAttribute('href'), '/_dev/mail');
  const [tab] = await Promise.all([page.context().waitForEvent('page'), mail.click()]);
  await tab.waitForLoadState();
  assert.equal(await tab.title(), 'Captured mail — AuthGate');
  await tab.getByText('ann@axe.example').first().waitFor();
  await tab.close();
  await assertAccessible(page);
  assert.deepEqual(errors, []);
});
