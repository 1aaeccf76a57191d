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
    const posted = page.waitForRequest((q) => q.method() === 'POST' && q.url().includes('/magic-link/verify'));
    await Promise.all([page.waitForURL(/\/auth\/callback\?token=/), button.click()]);
    // The page's Referrer-Policy makes Chromium send its real origin (not "null"), and
    // only the origin as Referer: never the link.
    const sent = await (await posted).allHeaders();
    assert.equal(sent.origin, new URL(s.url).origin);
    assert.ok(!sent.referer || sent.referer === `${new URL(s.url).origin}/`, sent.referer);
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

// Login CSRF: a page on another site posts the attacker's own magic link so that the
// victim's browser signs in to the attacker's account. From a sandboxed iframe the POST
// carries Origin "null"; from a plain form, the attacker's origin. Both are refused and
// the link is not used; the same link still works from AuthGate's own page.
test('a form on another site, sandboxed or not, cannot post a magic link', async () => {
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
  let attackerHtml = '';
  const attacker = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(attackerHtml);
  });
  await new Promise((r) => attacker.listen(0, '127.0.0.1', r));
  const evil = `http://localhost:${attacker.address().port}`; // another origin than AuthGate's 127.0.0.1
  const profile = mkdtempSync(path.join(tmpdir(), 'ag-chromium-'));
  let browser;
  try {
    const p = await s.project('csrf-app', { name: 'CSRF App', callbacks: [cb] });
    const api = client(s, p.key);
    assert.equal((await api('POST', '/api/proxy/email/magic-link/send', { email: 'attacker@example.com', callback_url: cb })).status, 200);
    const link = linkOf(await mb.next('attacker@example.com'));
    const token = new URL(link).searchParams.get('token');
    const action = `${s.url}/api/proxy/email/magic-link/verify`;
    const form = `<form method="post" action="${action}"><input type="hidden" name="token" value="${token}"></form>`
      + '<script>document.forms[0].submit()</script>';

    // Chromium puts a sandboxed iframe in a process of its own, where DevTools does not
    // see its requests; keeping it in the page's process changes nothing of what it sends.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium', args: [...ARGS, '--disable-features=IsolateSandboxedIframes'], headless: true,
    });
    const page = browser.pages()[0] || (await browser.newPage());
    const attempt = async (html) => {
      attackerHtml = html;
      const res = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === action);
      await page.goto(`${evil}/`);
      const r = await res;
      return { status: r.status(), origin: (await r.request().allHeaders()).origin };
    };
    const srcdoc = form.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    const sandboxed = await attempt(`<!doctype html><iframe sandbox="allow-forms allow-scripts" srcdoc="${srcdoc}"></iframe>`);
    assert.equal(sandboxed.origin, 'null');
    assert.equal(sandboxed.status, 403);
    const plain = await attempt(`<!doctype html>${form}`);
    assert.equal(plain.origin, evil);
    assert.equal(plain.status, 403);
    assert.equal(hits.length, 0, 'nobody reached the callback');
    const refused = s.logLines().filter((l) => l.access === 'POST' && l.path === '/api/proxy/email/magic-link/verify');
    assert.deepEqual(refused.map((l) => l.status), [403, 403]);

    // The link was not used: from AuthGate's own page it still signs in.
    await page.goto(link);
    await Promise.all([page.waitForURL(/\/auth\/callback\?token=/), page.locator('button[type=submit]').click()]);
    const claims = await verifyJwt(new URL(page.url()).searchParams.get('token'), await signingSecret(s, 'csrf-app'));
    assert.equal(claims.email, 'attacker@example.com');
  } finally {
    if (browser) await browser.close();
    rmSync(profile, { recursive: true, force: true });
    await s.cleanup();
    await mb.close();
    app.close();
    attacker.close();
  }
});
