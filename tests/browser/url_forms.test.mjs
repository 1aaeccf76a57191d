// One URL parser, seen from a browser: AuthGate's public URL written with capitals
// (http://LocalHost:PORT, which the configuration accepts) is the origin a browser sends
// as http://localhost:PORT. Where AuthGate compares what a browser sends with its own
// origin, it must derive that origin the way the browser does (net/url.c, CURLU plus
// the browser's serialization), not by cutting the string at "://": the hosted passkey
// page's ceremony (clientDataJSON.origin), the magic-link page's form POST (Origin),
// and the dashboard's passkeys (its project's one allowed origin). Each of these failed
// with the hand-cut origin "http://LocalHost:PORT".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer } from '../lib/server.mjs';
import { startMailbox, linkOf } from '../lib/mailbox.mjs';
import { client, signingSecret, verifyJwt, RELAXED } from '../lib/email.mjs';
import { signUp } from '../lib/factors.mjs';
import { startRp, browserWithAuthenticator, freePort } from '../lib/passkey_app.mjs';

describe('a public URL with capitals in its host', () => {
  let s, rp, b, key, secret, agPort, mb, cb;
  before(async () => {
    agPort = await freePort();
    mb = await startMailbox();
    s = await startServer({ ...RELAXED, ...mb.env, AUTHGATE_PORT: String(agPort), AUTHGATE_PUBLIC_URL: `http://LocalHost:${agPort}` });
    rp = await startRp(s.url);
    cb = `${rp.origin}/auth/callback`;
    ({ key } = await s.project('pk-app', { origins: [rp.origin], callbacks: [cb] }));
    secret = await signingSecret(s, 'pk-app');
    b = await browserWithAuthenticator();
    await b.page.goto(rp.origin + '/');
  });
  after(async () => {
    await b?.ctx.close();
    if (b) rmSync(b.profile, { recursive: true, force: true });
    await rp?.close();
    await s?.cleanup();
    await mb?.close();
  });

  test('the hosted passkey page: a ceremony on http://localhost:PORT is ours', async () => {
    const { token, user } = await signUp(s, key);
    assert.equal((await b.page.evaluate((t) => window.register(t), token)).status, 200);
    const creds = (await b.cdp.send('WebAuthn.getCredentials', { authenticatorId: b.authenticatorId })).credentials;
    const page = await b.ctx.newPage();
    const cdp = await b.ctx.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
        isUserVerified: true, automaticPresenceSimulation: true },
    });
    for (const c of creds) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: c });
    const verified = page.waitForResponse((r) => r.url().includes('/api/passkey/verify'));
    const landed = page.waitForURL(/\/auth\/callback\?token=/, { timeout: 20000 });
    // the address as written in the configuration; the browser lowercases it
    await page.goto(`http://LocalHost:${agPort}/passkey?app_id=pk-app&callback_url=${encodeURIComponent(cb)}`);
    const v = await verified;
    assert.equal(v.status(), 200, 'the ceremony on our own origin verifies');
    await landed;
    const claims = await verifyJwt(new URL(page.url()).searchParams.get('token'), secret);
    assert.equal(claims.sub, user.id);
    assert.equal(claims.provider, 'passkey');
    await page.close();
  });

  test('the magic-link page: its form POST carries Origin http://localhost:PORT and is accepted', async () => {
    const api = client(s, key);
    const email = `capitals.${process.pid}@example.com`;
    const r = await api('POST', '/api/proxy/email/magic-link/send', { email, callback_url: cb });
    assert.equal(r.status, 200, r.text);
    const link = linkOf(await mb.next(email));
    assert.ok(link.startsWith(`http://LocalHost:${agPort}/`), link);
    const page = await b.ctx.newPage();
    await page.goto(link);
    const posted = page.waitForResponse((q) => q.request().method() === 'POST' && q.url().includes('/magic-link/verify'));
    await Promise.all([page.waitForURL(/\/auth\/callback\?token=/), page.locator('button[type=submit]').click()]);
    const res = await posted;
    assert.equal(res.status(), 303);
    assert.equal((await res.request().allHeaders()).origin, `http://localhost:${agPort}`);
    const claims = await verifyJwt(new URL(page.url()).searchParams.get('token'), secret);
    assert.equal(claims.provider, 'magic-link');
    await page.close();
  });

  test("the dashboard's passkeys: its project's origin is the browser's", async () => {
    const admin = { Authorization: `Bearer ${await s.adminToken()}` };
    const r = await s.req('GET', '/admin/api/passkeys', { headers: admin });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.available, true);
    assert.equal(r.body.rp_id, 'localhost');
  });
});

// Browsers refuse an IP address as an RP ID; the rule holds through the parser, for
// every way a host can be an address (IPv6 literal, IPv4, WHATWG's "ends in a number").
describe('a public URL that is an IP address has no RP ID', () => {
  for (const host of ['[::1]', '127.0.0.1']) {
    test(host, async () => {
      const port = await freePort();
      const s = await startServer({ AUTHGATE_PORT: String(port), AUTHGATE_PUBLIC_URL: `http://${host}:${port}` });
      try {
        const admin = { Authorization: `Bearer ${await s.adminToken()}` };
        const r = await s.req('GET', '/admin/api/passkeys', { headers: admin });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.available, false);
        assert.match(r.body.reason, /domain name/);
      } finally {
        await s.cleanup();
      }
    });
  }
});
