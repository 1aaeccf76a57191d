// The development mail and SMS viewers in real Chromium: captured mail shows up (newest
// first) without a reload, the page's script and styles run under the strict CSP with no
// violation, and the HTML version opens in a sandboxed frame where a script in the
// mail does not run; captured SMS show up the same way (both pages list with
// web/assets/devcapture.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../lib/server.mjs';
import { client, patchProject, RELAXED } from '../lib/email.mjs';
import { signUp, userApi } from '../lib/factors.mjs';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

test('captured mail appears in /_dev/mail and its HTML opens sandboxed', async () => {
  const s = await startServer({ AUTHGATE_DEV: 'true', AUTHGATE_SMTP_URL: undefined });
  const profile = mkdtempSync(path.join(tmpdir(), 'ag-chromium-'));
  let browser;
  try {
    // A project name with markup and a script: it must show as text, and never run.
    await s.project('view-app', { name: 'View <img src=x onerror=window.pwned=1> App' });
    const admin = { Authorization: `Bearer ${await s.adminToken()}` };
    const send = async (to) => {
      const r = await s.req('POST', '/admin/api/projects/view-app/test-mail', { body: { to }, headers: admin });
      assert.equal(r.status, 202);
      return r.body.id;
    };
    await send('first@example.com');

    browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
    const page = browser.pages()[0] || (await browser.newPage());
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error' && !/status of 404/.test(m.text())) problems.push(m.text()); });
    page.on('response', (res) => { if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) problems.push(`${res.status()} ${res.url()}`); });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${s.url}/_dev/mail`);
    const items = page.locator('#messages > li');
    await items.first().waitFor();
    assert.equal(await items.count(), 1);
    assert.equal(await items.first().locator('.subject').textContent(), 'Test mail from View <img src=x onerror=window.pwned=1> App');
    assert.equal(await items.first().locator('.to').textContent(), 'to first@example.com');
    // The stylesheet applied (not blocked by the CSP).
    assert.equal(await items.first().evaluate((el) => getComputedStyle(el).borderRadius), '8px');

    // A new mail arrives on the next refresh, above the first.
    await send('second@example.com');
    await page.waitForFunction(() => document.querySelectorAll('#messages > li').length === 2, null, { timeout: 15000 });
    assert.equal(await items.first().locator('.to').textContent(), 'to second@example.com');

    // Open it: the text body, then the HTML version in a sandboxed frame.
    await items.first().locator('summary').click();
    assert.match(await items.first().locator('pre.text').textContent(), /mail delivery works/);
    await items.first().locator('button.show-html').click();
    const frameEl = items.first().locator('iframe');
    await frameEl.waitFor();
    assert.equal(await frameEl.getAttribute('sandbox'), '');
    const frame = await (await frameEl.elementHandle()).contentFrame();
    await frame.waitForLoadState();
    await frame.locator('strong').waitFor();
    assert.equal(await frame.locator('strong').textContent(), 'View <img src=x onerror=window.pwned=1> App');
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.deepEqual(problems, []);
  } finally {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
    await s.cleanup();
  }
});

test('captured SMS appear in /_dev/sms, newest first, as text', async () => {
  const s = await startServer({ ...RELAXED, AUTHGATE_DEV: 'true', AUTHGATE_SMTP_URL: undefined });
  const profile = mkdtempSync(path.join(tmpdir(), 'ag-chromium-'));
  let browser;
  try {
    // A project name with markup: the message text carries it, and it must show as text.
    const { key } = await s.project('sms-view', { name: 'Shop <img src=x onerror=window.pwned=1>' });
    await patchProject(s, 'sms-view', { providers: { sms: true }, mfa: 'optional' });
    const u = userApi(s, (await signUp(s, key)).token);
    const send = async (phone) => assert.equal((await u('POST', '/api/mfa/enroll/sms', { phone })).status, 201);
    await send('+14155550101');

    browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
    const page = browser.pages()[0] || (await browser.newPage());
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error' && !/status of 404/.test(m.text())) problems.push(m.text()); });
    page.on('response', (res) => { if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) problems.push(`${res.status()} ${res.url()}`); });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${s.url}/_dev/sms`);
    const items = page.locator('#messages > li');
    await items.first().waitFor();
    assert.equal(await items.count(), 1);
    assert.equal(await items.first().locator('.to').textContent(), 'to +14155550101');
    assert.equal(await items.first().locator('.app').textContent(), 'sms-view');
    assert.match(await items.first().locator('pre.text').textContent(), /^\d{6} is your Shop <img src=x onerror=window\.pwned=1> code/);
    assert.match(await page.locator('#status').textContent(), /^1 message · refreshed /);
    assert.equal(await items.first().evaluate((el) => getComputedStyle(el).borderRadius), '8px');

    await send('+14155550102');
    await page.waitForFunction(() => document.querySelectorAll('#messages > li').length === 2, null, { timeout: 15000 });
    assert.equal(await items.first().locator('.to').textContent(), 'to +14155550102');
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.deepEqual(problems, []);
  } finally {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
    await s.cleanup();
  }
});
