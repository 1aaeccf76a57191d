// Push-to-approve in real Chromium: the device app (/app) is enrolled with the code from
// a real mailbox and approves; the login screens are pages on ANOTHER origin served
// here: one with /widget.js, one with seed 000's inline HTML snippet verbatim (only
// AUTHGATE and APP_ID set). The widget shows APPROVED; its token verifies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../lib/server.mjs';
import { enrollDeviceApp, mailbox } from '../lib/push.mjs';

const APP_ID = 'ops-centre';
let s, mb, site, siteOrigin, ctx, profile, enrolled = false;

// Seed 000's "Drop-in HTML Widget", token for token; the seed text lost its line
// breaks, which its // comments need, so they are put back. Only AUTHGATE and APP_ID
// are set.
function seedSnippet(authgate) {
  return `<!-- AuthGate Login Button -->
<div id="authgate-widget"></div>
<script>
(function() {
  const AUTHGATE = '${authgate}';
  const APP_ID = '${APP_ID}';
  const el = document.getElementById('authgate-widget');
  el.innerHTML = '<button id="ag-btn" style="padding:12px 32px;' +
    'background:#0a0e14;color:#00e5ff;border:2px solid #00e5ff;' +
    'border-radius:8px;font-size:16px;font-weight:700;' +
    'cursor:pointer;letter-spacing:2px">' +
    'LOGIN WITH AUTHGATE</button>' +
    '<div id="ag-code" style="display:none;text-align:center;' +
    'margin-top:12px;font-family:monospace;font-size:28px;' +
    'color:#00e5ff;letter-spacing:6px"></div>';
  document.getElementById('ag-btn').onclick = async () => {
    const r = await fetch(\`\${AUTHGATE}/auth/start\`, {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({app_id: APP_ID, email: 'user'}),
    });
    const d = await r.json();
    document.getElementById('ag-code').style.display = 'block';
    document.getElementById('ag-code').textContent = d.code;
    // Poll for approval
    const poll = setInterval(async () => {
      const c = await (await fetch(
        \`\${AUTHGATE}/auth/check/\${d.session_id}\`
      )).json();
      if (c.status === 'approved') {
        clearInterval(poll);
        document.getElementById('ag-code').textContent = 'APPROVED';
        document.getElementById('ag-code').style.color = '#00e676';
        // c.token contains the JWT — send to your backend
      } else if (c.status === 'denied' || c.status === 'expired') {
        clearInterval(poll);
        document.getElementById('ag-code').textContent = c.status.toUpperCase();
        document.getElementById('ag-code').style.color = '#ff5252';
      }
    }, 2000);
  };
})();
</script>`;
}

function page(body) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Ops Centre</title></head><body>${body}</body></html>`;
}

before(async () => {
  mb = await mailbox();
  s = await startServer({ ...mb.env, AUTHGATE_PUSH_DEVICE_IP_PER_MIN: '1000', AUTHGATE_PUSH_START_IP_PER_MIN: '1000' });
  // The app's own site, on another origin.
  site = http.createServer((req, res) => {
    const routes = {
      '/inline.html': page(seedSnippet(s.url)),
      '/widget.html': page(`<h1>Ops Centre</h1><div id="authgate-widget"></div>
<p id="result"></p>
<script>
  document.addEventListener('authgate:approved', (e) => { document.getElementById('result').textContent = e.detail.token; });
</script>
<script src="${s.url}/widget.js" data-app-id="${APP_ID}"></script>`),
    };
    const body = routes[req.url.split('?')[0]];
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(body || 'not found');
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  siteOrigin = `http://127.0.0.1:${site.address().port}`;
  await s.project(APP_ID, { name: 'Ops Centre', origins: [siteOrigin] });
  profile = mkdtempSync(path.join(tmpdir(), 'authgate-chromium-'));
  // A fresh profile (Playwright passes it as --user-data-dir).
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  await ctx?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  site?.closeAllConnections();
  await new Promise((r) => (site ? site.close(r) : r()));
  await s?.cleanup();
  await mb?.close();
});

// The browser profile holds one device (its key lives in this origin's IndexedDB):
// enrolled by the first test, opened again by the next.
async function enrolledPhone(email) {
  const phone = await ctx.newPage();
  if (enrolled) {
    await phone.goto(`${s.url}/app`);
    await phone.locator('#view-main').waitFor({ state: 'visible' });
    return phone;
  }
  enrolled = true;
  await enrollDeviceApp(phone, s.url, mb, email, 'James iPhone');
  assert.equal(await phone.locator('#who').textContent(), email);
  return phone;
}

test('enroll in the device app, sign in with /widget.js on another origin, approve on the phone: APPROVED', async () => {
  const email = 'james@axe.example';
  const phone = await enrolledPhone(email);
  // The key stayed in the browser and is not extractable.
  const extractable = await phone.evaluate(() => new Promise((resolve) => {
    const r = indexedDB.open('authgate', 1);
    r.onsuccess = () => {
      const g = r.result.transaction('device').objectStore('device').get('self');
      g.onsuccess = () => resolve(g.result.keys.privateKey.extractable);
    };
  }));
  assert.equal(extractable, false);

  const login = await ctx.newPage();
  await login.goto(`${siteOrigin}/widget.html`);
  await login.locator('#ag-email').fill(email);
  await login.locator('#ag-btn').click();
  const codeEl = login.locator('#ag-code');
  await codeEl.filter({ hasText: /^\d{6}$/ }).waitFor();
  const code = (await codeEl.textContent()).trim();

  // The request appears on the phone at once (SSE), without the code.
  const card = phone.locator('.request').first();
  await card.waitFor();
  assert.equal(await card.locator('.app').textContent(), 'Ops Centre');
  assert.equal((await card.textContent()).includes(code), false);
  await card.locator('.code-input').fill(code);
  await card.locator('.approve').click();
  await phone.locator('#status', { hasText: 'Approved' }).waitFor();

  await codeEl.filter({ hasText: 'APPROVED' }).waitFor();
  assert.equal(await codeEl.evaluate((e) => getComputedStyle(e).color), 'rgb(0, 230, 118)');
  const token = await login.locator('#result').textContent();
  const v = await s.req('GET', `/auth/verify?token=${token}`);
  assert.equal(v.status, 200);
  assert.equal(v.body.user.email, email);
  assert.equal(v.body.user.provider, 'push');
  await login.close();

  // A wrong number is refused on the phone; the sign-in stays pending.
  const login2 = await ctx.newPage();
  await login2.goto(`${siteOrigin}/widget.html`);
  await login2.locator('#ag-email').fill(email);
  await login2.locator('#ag-btn').click();
  await login2.locator('#ag-code').filter({ hasText: /^\d{6}$/ }).waitFor();
  const card2 = phone.locator('.request').first();
  await card2.waitFor();
  const code2 = (await login2.locator('#ag-code').textContent()).trim();
  await card2.locator('.code-input').fill(code2 === '123456' ? '654321' : '123456');
  await card2.locator('.approve').click();
  await phone.locator('#status', { hasText: 'tries left' }).waitFor();
  // "This wasn't me": the widget shows DENIED.
  await card2.locator('.not-me').click();
  await login2.locator('#ag-code').filter({ hasText: 'DENIED' }).waitFor();
  await login2.close();
  await phone.close();
});

test('seed 000\'s inline snippet, verbatim, on another origin: the code is typed on the phone and approved', async () => {
  const phone = await enrolledPhone('james@axe.example');
  const login = await ctx.newPage();
  await login.goto(`${siteOrigin}/inline.html`);
  await login.locator('#ag-btn').click();
  const codeEl = login.locator('#ag-code');
  await codeEl.filter({ hasText: /^\d{6}$/ }).waitFor();
  const code = (await codeEl.textContent()).trim();
  // email: 'user' names nobody: no prompt; the person types the code into the app.
  assert.equal(await phone.locator('.request').count(), 0);
  await phone.locator('#have-code summary').click();
  await phone.locator('#lookup-code').fill(code);
  await phone.locator('#lookup-go').click();
  const card = phone.locator('.request').first();
  await card.waitFor();
  assert.equal(await card.locator('.app').textContent(), 'Ops Centre');
  await card.locator('.approve').click();
  await codeEl.filter({ hasText: 'APPROVED' }).waitFor({ timeout: 15000 });
  assert.equal(await codeEl.evaluate((e) => e.style.color), 'rgb(0, 230, 118)');
  await login.close();
  await phone.close();
});

test('a page on an origin the project does not allow cannot start a sign-in', async () => {
  const foreign = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(page(`<div id="authgate-widget"></div><script src="${s.url}/widget.js" data-app-id="${APP_ID}"></script>`));
  });
  await new Promise((r) => foreign.listen(0, '127.0.0.1', r));
  try {
    const p = await ctx.newPage();
    await p.goto(`http://127.0.0.1:${foreign.address().port}/`);
    await p.locator('#ag-email').fill('james@axe.example');
    await p.locator('#ag-btn').click();
    await p.locator('#ag-hint', { hasText: 'Cannot reach AuthGate' }).waitFor();
    assert.equal(await p.locator('#ag-code').textContent(), '');
    await p.close();
  } finally {
    foreign.closeAllConnections();
    await new Promise((r) => foreign.close(r));
  }
});

test('the device app is an installable PWA (manifest, icons, service worker)', async () => {
  const p = await ctx.newPage();
  await p.goto(`${s.url}/app`);
  const sw = await p.evaluate(async () => {
    const reg = await Promise.race([navigator.serviceWorker.ready, new Promise((r) => setTimeout(r, 10000))]);
    return reg && reg.active && reg.active.scriptURL;
  });
  assert.equal(sw, `${s.url}/app/sw.js`);
  const manifest = await p.evaluate(async () => (await fetch(document.querySelector('link[rel=manifest]').href)).json());
  assert.equal(manifest.display, 'standalone');
  await p.close();
});
