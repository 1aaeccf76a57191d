// Magic links (seed 001): send -> mail -> landing page (GET does not consume) -> form
// POST -> 303 to callback_url?token=<session JWT>; single use, 15 minutes, provider
// switch, callback allowlist, and the account pre-hijacking defence.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { startServer } from '../lib/server.mjs';
import { startMailbox, codeOf, linkOf } from '../lib/mailbox.mjs';
import { client, signingSecret, verifyJwt, patchProject, shiftClock, RELAXED, uniqueEmail } from '../lib/email.mjs';

const CB = 'https://myapp.com/auth/callback';

describe('magic links', () => {
  let s, mb, api, secret;
  before(async () => {
    mb = await startMailbox();
    s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_DEV: 'true' });
    const p = await s.project('ml-app', { callbacks: [CB, 'https://other.myapp.com/done'] });
    await s.project('ml-other', { callbacks: [CB] });
    api = client(s, p.key);
    secret = await signingSecret(s, 'ml-app');
  });
  after(async () => {
    await s.cleanup();
    await mb.close();
  });

  // The mailed link, pointed at this server.
  async function sendAndReceive(email, body = {}) {
    const r = await api('POST', '/api/proxy/email/magic-link/send', { email, callback_url: CB, ...body });
    assert.equal(r.status, 200, r.text);
    const m = await mb.next(email);
    return { mail: m, link: linkOf(m) };
  }
  const tokenOf = (link) => new URL(link).searchParams.get('token');
  const post = (token, headers = {}) =>
    fetch(s.url + '/api/proxy/email/magic-link/verify', {
      method: 'POST', redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ token }).toString(),
    });

  test('seed 001 sample: the link signs in (or up) and redirects with a session JWT', async () => {
    const { mail, link } = await sendAndReceive('user@example.com');
    assert.ok(link.startsWith(s.url + '/api/proxy/email/magic-link/verify?token='), link);
    assert.ok(mail.html.includes('href="' + link.replace(/&/g, '&amp;') + '"'));
    const lt = tokenOf(link);
    const lc = await verifyJwt(lt, secret, 'link');
    assert.equal(lc.exp - lc.iat, 900, '15 minutes');
    assert.equal(lc.provider, 'magic-link');
    // The landing page: a form, and nothing consumed.
    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /text\/html/);
    const csp = page.headers.get('content-security-policy');
    assert.match(csp, /script-src|default-src 'none'/);
    assert.ok(!/unsafe-inline/.test(csp));
    assert.match(csp, /form-action 'self' https:\/\/myapp\.com/);
    const html = await page.text();
    assert.match(html, /<form method="post" action="verify">/);
    assert.ok(!/<script/i.test(html) && !/style=/.test(html), 'no inline script or style');
    // Scanners fetching the link again change nothing.
    for (let i = 0; i < 3; i++) assert.equal((await fetch(link)).status, 200);
    const res = await post(lt);
    assert.equal(res.status, 303);
    const loc = new URL(res.headers.get('location'));
    assert.equal(loc.origin + loc.pathname, CB);
    const c = await verifyJwt(loc.searchParams.get('token'), secret, 'session');
    assert.equal(c.provider, 'magic-link');
    assert.equal(c.email_verified, true);
    assert.equal(c.email, 'user@example.com');
    assert.equal(c.exp - c.iat, 300);
    const v = await api('POST', '/api/v1/token/verify', { token: loc.searchParams.get('token') });
    assert.equal(v.status, 200);
    assert.equal(v.body.user.provider, 'magic-link');
  });

  test('single use: the second POST and later GETs are refused', async () => {
    const { link } = await sendAndReceive(uniqueEmail());
    assert.equal((await post(tokenOf(link))).status, 303);
    const again = await post(tokenOf(link));
    assert.equal(again.status, 410);
    assert.match(await again.text(), /already used|invalid/i);
    assert.equal((await fetch(link)).status, 410);
  });

  test('concurrent completions: exactly one wins', async () => {
    const { link } = await sendAndReceive(uniqueEmail());
    const rs = await Promise.all(Array.from({ length: 8 }, () => post(tokenOf(link))));
    assert.equal(rs.filter((r) => r.status === 303).length, 1);
    assert.equal(rs.filter((r) => r.status === 410).length, 7);
  });

  test('links expire after 15 minutes', async () => {
    const { link } = await sendAndReceive(uniqueEmail());
    await shiftClock(s, 15 * 60_000 + 10_000);
    try {
      assert.equal((await fetch(link)).status, 400);
      assert.equal((await post(tokenOf(link))).status, 400);
    } finally {
      await shiftClock(s, 0);
    }
  });

  test('a new user is created (sign-up by link); an existing one is reused', async () => {
    const email = uniqueEmail('new');
    const { link } = await sendAndReceive(email);
    const c1 = jose.decodeJwt(new URL((await post(tokenOf(link))).headers.get('location')).searchParams.get('token'));
    const { link: link2 } = await sendAndReceive(email);
    const c2 = jose.decodeJwt(new URL((await post(tokenOf(link2))).headers.get('location')).searchParams.get('token'));
    assert.equal(c1.sub, c2.sub);
  });

  test('callback_url must be registered: 400, no open redirect', async () => {
    for (const cb of ['https://evil.example/cb', 'https://myapp.com/auth/callback/../../evil', 'https://myapp.com.evil.example/auth/callback', 'javascript:alert(1)', 'https://myapp.com/auth/callback#x']) {
      const r = await api('POST', '/api/proxy/email/magic-link/send', { email: uniqueEmail(), callback_url: cb });
      assert.equal(r.status, 400, cb);
      assert.equal(r.body.error, 'invalid_callback_url');
    }
    const missing = await api('POST', '/api/proxy/email/magic-link/send', { email: uniqueEmail() });
    assert.equal(missing.status, 400);
    // A registered callback with a query string keeps it and appends the token.
    const email = uniqueEmail();
    const { link } = await sendAndReceive(email, { callback_url: CB + '?next=%2Fhome' });
    const loc = new URL((await post(tokenOf(link))).headers.get('location'));
    assert.equal(loc.searchParams.get('next'), '/home');
    assert.ok(loc.searchParams.get('token'));
  });

  test('callback_url must not carry a parameter AuthGate adds (token, reset_token, ...)', async () => {
    // ?token=ATTACKER&token=<JWT>: apps read the first, so a victim would be signed in
    // as the attacker. Names are compared as frameworks read them.
    for (const q of ['token=ATTACKER', 'Token=x', '%74oken=x', 'next=1&token=x', 'next=1;token=x', 'token[]=x',
      'mfa_token=x', 'mfa.token=x', 'mfa_methods=totp', 'enroll_required=true', 'reset_token=x', 'error=x',
      'error_description=x', 'token', 'next%zz=1']) {
      const r = await api('POST', '/api/proxy/email/magic-link/send', { email: uniqueEmail(), callback_url: `${CB}?${q}` });
      assert.equal(r.status, 400, q);
      assert.equal(r.body.error, 'invalid_callback_url', q);
      assert.match(r.body.message, /must not carry a parameter AuthGate adds/, q);
    }
    // The app's own parameters are fine, including names that merely contain ours.
    for (const q of ['next=%2Fhome', 'tokens=1', 'my_token=1', 'state=abc&lang=en']) {
      const r = await api('POST', '/api/proxy/email/magic-link/send', { email: uniqueEmail(), callback_url: `${CB}?${q}` });
      assert.equal(r.status, 200, `${q}: ${r.text}`);
    }
  });

  test('a link whose callback was unregistered since is refused', async () => {
    const { link } = await sendAndReceive(uniqueEmail(), { callback_url: 'https://other.myapp.com/done' });
    await patchProject(s, 'ml-app', { callback_urls: [CB] });
    try {
      assert.equal((await post(tokenOf(link))).status, 400);
    } finally {
      await patchProject(s, 'ml-app', { callback_urls: [CB, 'https://other.myapp.com/done'] });
    }
  });

  test('magic-link provider off: send is 403, pending links stop working; email+password unaffected', async () => {
    const { link } = await sendAndReceive(uniqueEmail());
    await patchProject(s, 'ml-app', { providers: { 'magic-link': false } });
    try {
      const r = await api('POST', '/api/proxy/email/magic-link/send', { email: uniqueEmail(), callback_url: CB });
      assert.equal(r.status, 403);
      assert.equal(r.body.error, 'provider_disabled');
      assert.match(r.body.message, /magic-link sign-in is disabled/);
      assert.equal((await post(tokenOf(link))).status, 403);
      const su = await api('POST', '/api/proxy/email/signup', { email: uniqueEmail(), password: 'securePassword1' });
      assert.equal(su.status, 200);
    } finally {
      await patchProject(s, 'ml-app', { providers: { 'magic-link': true } });
    }
    assert.equal((await post(tokenOf(link))).status, 303, 'on again: the link still works');
  });

  test('tampered, foreign and session tokens are refused by the landing page', async () => {
    const { link } = await sendAndReceive(uniqueEmail());
    const lt = tokenOf(link);
    const [h, p, sig] = lt.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url'));
    const otherApp = Buffer.from(JSON.stringify({ ...claims, app: 'ml-other' })).toString('base64url');
    const sessionTok = (await api('POST', '/api/proxy/email/signup', { email: uniqueEmail(), password: 'securePassword1' })).body.token;
    for (const t of ['', 'garbage', `${h}.${otherApp}.${sig}`, `${h}.${p}.${sig.slice(0, -3)}abc`, sessionTok]) {
      const g = await fetch(s.url + '/api/proxy/email/magic-link/verify?token=' + encodeURIComponent(t));
      assert.equal(g.status, 400, t);
      assert.equal((await post(t)).status, 400, t);
    }
    assert.equal((await post(lt, { Origin: 'https://evil.example' })).status, 403, 'a form on another site');
    // "null" is what a sandboxed iframe on any site sends: login CSRF with the attacker's link.
    assert.equal((await post(lt, { Origin: 'null' })).status, 403, 'Origin: null');
    assert.equal((await post(lt, { Origin: new URL(s.url).origin })).status, 303, 'our own page');
    // The landing page makes the browser send its real origin, and never the link as Referer.
    const page = await fetch(s.url + '/api/proxy/email/magic-link/verify?token=' + encodeURIComponent(lt));
    assert.equal(page.headers.get('referrer-policy'), 'strict-origin');
  });

  test('form POST only: a JSON body is refused', async () => {
    const r = await fetch(s.url + '/api/proxy/email/magic-link/verify', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"token":"x"}' });
    assert.equal(r.status, 415);
  });

  test('same answer whether or not the account exists', async () => {
    const a = await api('POST', '/api/proxy/email/magic-link/send', { email: 'user@example.com', callback_url: CB });
    const b = await api('POST', '/api/proxy/email/magic-link/send', { email: uniqueEmail('never'), callback_url: CB });
    assert.equal(a.status, b.status);
    assert.equal(a.text, b.text);
    await mb.next('user@example.com');
  });

  test('pre-hijacking: a password set before the mailbox was proven is dropped by the link', async () => {
    const email = uniqueEmail('victim');
    // An attacker signs up with the victim's address and never verifies it.
    const att = await api('POST', '/api/proxy/email/signup', { email, password: 'attackerPass1' });
    assert.equal(att.status, 200);
    await mb.next(email); // the verification code mail, unused
    const { link } = await sendAndReceive(email);
    assert.equal((await post(tokenOf(link))).status, 303);
    const si = await api('POST', '/api/proxy/email/signin', { email, password: 'attackerPass1' });
    assert.equal(si.status, 401, "the attacker's password no longer works");
    const old = await api('POST', '/api/v1/token/verify', { token: att.body.token });
    assert.equal(old.status, 401, "the attacker's session ended");
  });

  test('a verified account keeps its password after a magic link', async () => {
    const email = uniqueEmail('keeper');
    await api('POST', '/api/proxy/email/signup', { email, password: 'keeperPass1' });
    await api('POST', '/api/proxy/email/verify', { email, code: codeOf(await mb.next(email)) });
    const { link } = await sendAndReceive(email);
    assert.equal((await post(tokenOf(link))).status, 303);
    assert.equal((await api('POST', '/api/proxy/email/signin', { email, password: 'keeperPass1' })).status, 200);
  });
});
