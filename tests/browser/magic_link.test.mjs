// A person clicking a magic link: real Chromium opens the mailed link, sees the landing
// page (styles load under the strict CSP, no script), presses "Continue", and lands on
// the project's callback (a real HTTP server here) with a session JWT in ?token=.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../lib/server.mjs';
import { startMailbox, linkOf } from '../lib/mailbox.mjs';
import { client, signingSecret, verifyJwt, RELAXED } from '../lib/email.mjs';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

test('click the mailed link, press Continue, land on the callback signed in', async () => {
  const hits = [];
  const app = http.createServer((req, res) => {
    hits.push(req.url);
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>app</title><p id="ok">signed in</p>');
  });
  await new Promise((r) => app.listen(0, '127.0.0.1', r));
  const cb = `http://127.0.0.1:${app.address().port}/auth/callback`;
  const mb = await startMailbox();
  const s = await startServer({ ...mb.env, ...RELAXED });
  const profile = mkdtempSync(path.join(tmpdir(), 'ag-chromium-'));
  let browser;
  try {
    const p = await s.project('browser-app', { name: 'Browser App', callbacks: [cb] });
    const api = client(s, p.key);
    const r = await api('POST', '/api/proxy/email/magic-link/send', { email: 'clicker@example.com', callback_url: cb, locale: 'fr' });
    assert.equal(r.status, 200);
    const link = linkOf(await mb.next('clicker@example.com'));

    browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
    const page = browser.pages()[0] || (await browser.newPage());
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error' && !/status of 404/.test(m.text())) problems.push(m.text()); });
    page.on('response', (res) => { if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) problems.push(`${res.status()} ${res.url()}`); });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(link);
    assert.equal(await page.locator('h1').textContent(), 'Connexion à Browser App');
    const button = page.locator('button[type=submit]');
    assert.equal(await button.textContent(), 'Continuer');
    // the stylesheet applied (not blocked by the CSP)
    const bg = await button.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(bg, 'rgb(37, 99, 235)');
    // a reload (what a mail scanner's prefetch amounts to) does not burn the link
    await page.reload();
    await Promise.all([page.waitForURL(/\/auth\/callback\?token=/), button.click()]);
    assert.equal(await page.locator('#ok').textContent(), 'signed in');
    const token = new URL(page.url()).searchParams.get('token');
    const claims = await verifyJwt(token, await signingSecret(s, 'browser-app'));
    assert.equal(claims.provider, 'magic-link');
    assert.equal(claims.email_verified, true);
    assert.equal(claims.email, 'clicker@example.com');
    assert.equal(hits.filter((h) => h.startsWith('/auth/callback')).length, 1);
    assert.deepEqual(problems, []);
    // Back to the link: it was used.
    const again = await page.goto(link);
    assert.equal(again.status(), 410);
  } finally {
    if (browser) await browser.close();
    rmSync(profile, { recursive: true, force: true });
    await s.cleanup();
    await mb.close();
    app.close();
  }
});
