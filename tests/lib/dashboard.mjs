// Helpers for the dashboard's browser tests: Chromium as the brief says to start it, a
// signed-in page, the dev admin token `make run` prints, and screenshots — written into
// docs/img/ only when asked (`make screenshots`, AUTHGATE_TEST_SCREENSHOTS=1), so a test run
// leaves the tree as it found it.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const IMG_DIR = path.join(root, 'docs/img');

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

// A browser; Playwright gives it a fresh temporary profile (--user-data-dir) and each
// context is a fresh cookie jar.
export async function browser() {
  const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return {
    b,
    async context(opts = {}) {
      return b.newContext({ viewport: { width: 1280, height: 860 }, ...opts });
    },
    async close() {
      await b.close();
    },
  };
}

// The admin token a dev-mode server printed on its first start.
export function printedAdminToken(s) {
  const m = /admin token\s+(aga_[A-Za-z0-9_-]{43})/.exec(s.stdout);
  if (!m) throw new Error(`no admin token in the server's output:\n${s.stdout}`);
  return m[1];
}

// Errors a page reports (console errors and uncaught exceptions), to assert none.
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // A 4xx the page shows to the operator (a signed-out page's 401, a refused value)
    // is expected; a 5xx or a script error is not.
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export async function signIn(page, url, token, pagePath = '/admin') {
  await page.goto(url + pagePath);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('#nav:not([hidden])').waitFor();
}

// The page is captured either way (a page that cannot be drawn fails the test, as it
// did when every run wrote the file); the file is written only when asked for.
export async function shot(page, name, { fullPage = true } = {}) {
  const write = /^(1|true|yes|on)$/i.test(process.env.AUTHGATE_TEST_SCREENSHOTS || '');
  if (write) mkdirSync(IMG_DIR, { recursive: true });
  await page.waitForTimeout(150); // let the last paint settle
  await page.screenshot({ path: write ? path.join(IMG_DIR, `${name}.png`) : undefined, fullPage });
}

// Every form control is labelled and the landmarks are there.
export async function assertAccessible(page) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => !el.closest('[hidden]') && el.type !== 'hidden')
    .filter((el) => {
      if (el.tagName === 'BUTTON') return !(el.textContent.trim() || el.getAttribute('aria-label'));
      return !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'));
    })
    .map((el) => el.outerHTML.slice(0, 120)));
  if (unlabelled.length) throw new Error(`unlabelled controls:\n${unlabelled.join('\n')}`);
  for (const role of ['banner', 'navigation', 'main']) {
    if (!(await page.getByRole(role).count())) throw new Error(`no ${role} landmark`);
  }
}
