// The React components in real Chromium, through the example Next.js app
// (examples/nextjs) installed from the packed tarball, built with `next build` and
// served by `next start`, against the real binary: sign-up with the mailed code, the
// HttpOnly session cookie seen by a server component, a passkey added and used with
// Chromium's virtual authenticator, the MFA step (TOTP by oathtool, then the passkey),
// push login approved by the device app in a second browser context, and the README's
// plain-page quick start (dist/esm served as it is, no build step).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { startServer } from '../../../tests/lib/server.mjs';
import { mailbox, enrollDeviceApp } from '../../../tests/lib/push.mjs';
import { codeOf } from '../../../tests/lib/mailbox.mjs';
import { RELAXED, uniqueEmail, patchProject } from '../../../tests/lib/email.mjs';
import { oathtool } from '../../../tests/lib/factors.mjs';
import { freePort } from '../../../tests/lib/passkey_app.mjs';
import { REPO, exampleApp, load } from './lib.mjs';

const APP_ID = 'shop';
const PASSWORD = 'securePassword1';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

let s, mb, sdk, project, app, appUrl, plain, plainUrl, browser, ctx, page, cdp, authenticatorId, phone;
const sessions = []; // tokens the plain page's server was handed
let signedUp; // {email} of the account made in the first test

function spawnLogged(cmd, args, opts) {
  // Its own process group, so that stopping it stops whatever it started.
  const p = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  p.log = '';
  p.stdout.on('data', (d) => (p.log += d));
  p.stderr.on('data', (d) => (p.log += d));
  p.done = new Promise((r) => p.on('exit', (code, sig) => r(code ?? sig)));
  return p;
}

async function run(cmd, args, opts) {
  const p = spawnLogged(cmd, args, opts);
  const code = await p.done;
  if (code !== 0) throw new Error(`${path.basename(args[0] || cmd)} ${args.slice(1).join(' ')} failed (${code}):\n${p.log.slice(-4000)}`);
  return p.log;
}

async function until(fn, what, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    try { if (await fn()) return; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// The README's plain page, verbatim but for the three things it tells you to change:
// where the package is served from, AuthGate's URL, the app id; and the email typed.
function readmePlainPage(email) {
  const readme = readFileSync(path.join(REPO, 'sdk/js/README.md'), 'utf8');
  const m = /### A plain page[^\n]*\n[\s\S]*?```html\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'sdk/js/README.md has a plain-page quick start');
  let html = m[1];
  for (const [from, to] of [
    ['https://your-cdn.example/@authgate/sdk/dist/esm/index.js', '/sdk/dist/esm/index.js'],
    ["'https://auth.example.com'", JSON.stringify(s.url)],
    ["appId: 'shop'", `appId: '${APP_ID}'`],
    ["'user@example.com'", JSON.stringify(email)],
  ]) {
    assert.ok(html.includes(from), `the README's plain page has ${from}`);
    html = html.replace(from, to);
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>Plain page</title></head><body>${html}</body></html>`;
}

before(async () => {
  sdk = await load('sdk');
  const dir = exampleApp('nextjs');
  mb = await mailbox();
  s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_PUSH_DEVICE_IP_PER_MIN: '1000', AUTHGATE_PUSH_START_IP_PER_MIN: '1000' });
  const port = await freePort();
  appUrl = `http://localhost:${port}`; // a secure context; the passkeys' RP ID is "localhost"

  // The plain page's site: the packed package's dist/ as files, the README's page, and
  // the "/session" its snippet posts the approved token to, verified on the server.
  const pkgRoot = path.join(dir, 'node_modules/@authgate/sdk');
  plain = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'POST' && url.pathname === '/session') {
      let body = '';
      for await (const c of req) body += c;
      const v = await new sdk.AuthGate({ baseUrl: s.url, apiKey: project.key }).verifyToken(body); // "verify it on your server"
      sessions.push(v);
      res.writeHead(v.valid ? 200 : 401, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ ok: v.valid }));
    }
    if (url.pathname.startsWith('/sdk/dist/')) {
      const f = path.join(pkgRoot, path.normalize(url.pathname.slice('/sdk/'.length)));
      if (f.startsWith(pkgRoot + '/dist/') && statSync(f, { throwIfNoEntry: false })?.isFile()) {
        res.writeHead(200, { 'Content-Type': f.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' });
        return createReadStream(f).pipe(res);
      }
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(readmePlainPage(url.searchParams.get('email')));
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => plain.listen(0, '127.0.0.1', r));
  plainUrl = `http://127.0.0.1:${plain.address().port}`;

  project = await s.project(APP_ID, { name: 'Shop', origins: [appUrl, plainUrl], callbacks: [`${appUrl}/api/auth/callback`] });

  // next build, then next start with the app's server-side configuration.
  const next = path.join(path.dirname(createRequire(path.join(dir, 'package.json')).resolve('next/package.json')), 'dist/bin/next');
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  const t0 = Date.now();
  await run(process.execPath, [next, 'build'], { cwd: dir, env });
  console.log(`next build: ${Date.now() - t0} ms`);
  app = spawnLogged(process.execPath, [next, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: dir,
    env: { ...env, AUTHGATE_URL: s.url, AUTHGATE_API_KEY: project.key, AUTHGATE_APP_ID: APP_ID, SESSION_SECRET: 'example-session-secret-0123456789abcdef' },
  });
  await until(async () => (await fetch(`http://127.0.0.1:${port}/api/auth/session`)).ok, `next start:\n${app.log}`);

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
  ctx = await browser.newContext();
  page = await ctx.newPage();
  // Chromium's virtual authenticator (DevTools WebAuthn domain) on this page.
  cdp = await ctx.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  }));
});

after(async () => {
  await browser?.close();
  if (app && app.exitCode === null) {
    process.kill(-app.pid, 'SIGTERM');
    await app.done;
  }
  plain?.closeAllConnections();
  await new Promise((r) => (plain ? plain.close(r) : r()));
  await s?.cleanup();
  await mb?.close();
});

const emailForm = () => page.locator('form.authgate-email');
const who = () => page.locator('#who');

test('EmailForm: sign-up, a wrong code refused, the mailed code → signed in; HttpOnly cookie; the server component sees the user', async () => {
  const email = uniqueEmail('example');
  await page.goto(appUrl);
  await who().filter({ hasText: 'Signed out' }).waitFor();
  await emailForm().getByLabel('Name').fill('Ada');
  await emailForm().getByLabel('Email').fill(email);
  await emailForm().getByLabel('Password').fill(PASSWORD);
  await emailForm().getByRole('button', { name: 'Create account' }).click();
  const verify = page.locator('form.authgate-verify');
  await verify.getByText(`We sent a 6-digit code to ${email}.`).waitFor();
  const code = codeOf(await mb.next(email));
  await verify.getByLabel('Code').fill(code === '000000' ? '111111' : '000000');
  await verify.getByRole('button', { name: 'Verify email' }).click();
  const alert = verify.getByRole('alert');
  await alert.waitFor();
  assert.equal(await alert.getAttribute('data-code'), 'invalid_code');
  await verify.getByLabel('Code').fill(code);
  await verify.getByRole('button', { name: 'Verify email' }).click();
  await page.locator('.authgate-done', { hasText: `Signed in as ${email}` }).waitFor();
  await who().filter({ hasText: `Hello ${email}` }).waitFor();

  // The session: an HttpOnly, SameSite=Lax cookie scripts cannot read; no AuthGate token in the page.
  const cookie = (await ctx.cookies(appUrl)).find((c) => c.name === 'authgate_session');
  assert.ok(cookie, 'the session cookie is set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Lax');
  assert.equal(await page.evaluate(() => document.cookie.includes('authgate_session')), false);
  const html = await page.content();
  assert.doesNotMatch(html, /eyJ[\w-]+\.eyJ/, 'no JWT in the page');
  assert.ok(!html.includes(project.key), 'the API key stays on the server');
  await page.reload();
  await page.locator('#server-user', { hasText: `Server sees ${email}` }).waitFor();

  // Seed 001's sample, as written, from the page: the locale reaches AuthGate's mail.
  const other = uniqueEmail('seed001');
  const status = await page.evaluate(async ([e, p]) => (await fetch('/api/auth/email/signup', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: e, password: p, locale: 'it' }),
  })).status, [other, PASSWORD]);
  assert.equal(status, 200);
  assert.match((await mb.next(other)).subject, /codice|verific/i);
  // ... which signed this browser in as that account: back to the first one.
  signedUp = { email };
});

test('PasskeyButton: add a passkey while signed in (virtual authenticator), sign out, sign in with it', async () => {
  assert.ok(signedUp, 'needs the account of the first test');
  const email = signedUp.email;
  // Sign in as the first account again with the email form.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.reload();
  await emailForm().getByRole('button', { name: 'I have an account' }).click();
  await emailForm().getByLabel('Email').fill(email);
  await emailForm().getByLabel('Password').fill(PASSWORD);
  await emailForm().getByRole('button', { name: 'Sign in' }).click();
  await who().filter({ hasText: `Hello ${email}` }).waitFor();

  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.locator('.authgate-passkey [role=status]', { hasText: 'Passkey added' }).waitFor();
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0].rpId, 'localhost');
  assert.equal(credentials[0].isResidentCredential, true);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await who().filter({ hasText: 'Signed out' }).waitFor();
  assert.equal((await ctx.cookies(appUrl)).some((c) => c.name === 'authgate_session'), false);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.locator('.authgate-passkey [role=status]', { hasText: `Signed in as ${email}` }).waitFor();
  await who().filter({ hasText: `Hello ${email}` }).waitFor();
  await page.reload();
  await page.locator('#server-user', { hasText: `Server sees ${email}` }).waitFor();
});

test('MfaStep: with a second factor due, email sign-in asks for it; a wrong TOTP code is refused, oathtool\'s passes; then the passkey', async () => {
  assert.ok(signedUp, 'needs the account of the first test');
  const email = signedUp.email;
  const ag = new sdk.AuthGate({ baseUrl: s.url, apiKey: project.key });
  const t = await ag.emailSignin({ email, password: PASSWORD });
  const totp = await ag.factors(t.token).enrollTotp();
  await ag.factors(t.token).confirm(totp.id, oathtool(totp.secret, Date.now() / 1000));
  await patchProject(s, APP_ID, { mfa: 'optional' });
  try {
    const signIn = async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.reload();
      await who().filter({ hasText: 'Signed out' }).waitFor();
      await emailForm().getByRole('button', { name: 'I have an account' }).click();
      await emailForm().getByLabel('Email').fill(email);
      await emailForm().getByLabel('Password').fill(PASSWORD);
      await emailForm().getByRole('button', { name: 'Sign in' }).click();
      const mfa = page.locator('form.authgate-mfa');
      await mfa.getByText(`Confirm it is you (${email}).`).waitFor();
      assert.equal(await who().textContent(), 'Signed out', 'no session before the second factor');
      return mfa;
    };
    let mfa = await signIn();
    const methods = await mfa.locator('select[name=method] option').allTextContents();
    assert.deepEqual([...methods].sort(), ['passkey', 'totp'].concat(methods.includes('recovery') ? ['recovery'] : []).sort());
    await mfa.locator('select[name=method]').selectOption('totp');
    await mfa.getByLabel('Code').fill('000000');
    await mfa.getByRole('button', { name: 'Verify' }).click();
    await mfa.getByRole('alert').waitFor();
    assert.equal(await mfa.getByRole('alert').getAttribute('data-code'), 'invalid_code');
    await mfa.getByLabel('Code').fill(oathtool(totp.secret, Date.now() / 1000 + 30));
    await mfa.getByRole('button', { name: 'Verify' }).click();
    await page.locator('.authgate-done', { hasText: `Signed in as ${email}` }).waitFor();
    await who().filter({ hasText: `Hello ${email}` }).waitFor();

    mfa = await signIn();
    await mfa.locator('select[name=method]').selectOption('passkey');
    await mfa.getByRole('button', { name: 'Use your passkey' }).click();
    await page.locator('.authgate-done', { hasText: `Signed in as ${email}` }).waitFor();
    await who().filter({ hasText: `Hello ${email}` }).waitFor();
  } finally {
    await patchProject(s, APP_ID, { mfa: 'off' });
  }
});

test('PushLogin: the device app in a second browser context approves with the code; "this wasn\'t me" denies', async () => {
  const email = uniqueEmail('phone');
  const phoneCtx = await browser.newContext();
  try {
    phone = await phoneCtx.newPage();
    await enrollDeviceApp(phone, s.url, mb, email, 'Ada phone');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.reload();
    await who().filter({ hasText: 'Signed out' }).waitFor();
    const push = page.locator('form.authgate-push');
    await push.getByLabel('Email').fill(email);
    await push.getByRole('button', { name: 'Sign in with your phone' }).click();
    const codeEl = push.locator('output.authgate-code');
    await codeEl.filter({ hasText: /^\d{6}$/ }).waitFor();
    const code = (await codeEl.textContent()).trim();
    const card = phone.locator('.request').first();
    await card.waitFor();
    assert.equal(await card.locator('.app').textContent(), 'Shop');
    await card.locator('.code-input').fill(code);
    await card.locator('.approve').click();
    await push.locator('.authgate-approved', { hasText: `Approved: signed in as ${email}` }).waitFor();
    await who().filter({ hasText: `Hello ${email}` }).waitFor();
    await page.reload();
    await page.locator('#server-user', { hasText: `Server sees ${email}` }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await who().filter({ hasText: 'Signed out' }).waitFor();
    await push.getByLabel('Email').fill(email);
    await push.getByRole('button', { name: 'Sign in with your phone' }).click();
    await codeEl.filter({ hasText: /^\d{6}$/ }).waitFor();
    await phone.locator('.request').first().locator('.not-me').click();
    await push.locator('.authgate-denied', { hasText: 'The sign-in was denied ("this wasn\'t me").' }).waitFor();
    assert.equal(await who().textContent(), 'Signed out');
  } finally {
    await phoneCtx.close();
    phone = undefined;
  }
});

test('README plain page: dist/esm imported as it is, push.signIn shows the code, the phone approves, the token reaches the server', async () => {
  const email = uniqueEmail('plain');
  const phoneCtx = await browser.newContext();
  try {
    const ph = await phoneCtx.newPage();
    await enrollDeviceApp(ph, s.url, mb, email, 'Plain phone');
    const p = await ctx.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(e));
    await p.goto(`${plainUrl}/?email=${encodeURIComponent(email)}`);
    const codeEl = p.locator('#code');
    await codeEl.filter({ hasText: /^\d{6}$/ }).waitFor();
    const card = ph.locator('.request').first();
    await card.waitFor();
    await card.locator('.code-input').fill((await codeEl.textContent()).trim());
    await card.locator('.approve').click();
    await until(() => sessions.length > 0, 'the page to post the token to /session', 20000);
    assert.equal(sessions[0].valid, true);
    assert.equal(sessions[0].user.email, email);
    assert.equal(sessions[0].user.provider, 'push');
    assert.deepEqual(errors, []);
    await p.close();
  } finally {
    await phoneCtx.close();
  }
});
