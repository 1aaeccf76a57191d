// Passkeys in real Chromium with a virtual CTAP2 authenticator (DevTools WebAuthn
// domain): registration with ES256, EdDSA and RS256 keys and none/packed attestation,
// usernameless sign-in, sign-in through autofill (conditional UI) on the hosted page,
// the MFA step by passkey, and the refusals: a cloned authenticator (sign count going
// back), a credential from another RP ID, tampered client data, the wrong challenge.
// Attestation roots: a project that trusts only attested authenticators asks for
// `direct` attestation and takes Chromium's packed x5c only when its certificate leads
// to one of the project's roots.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { startServer } from '../lib/server.mjs';
import { client, signingSecret, verifyJwt, patchProject, RELAXED } from '../lib/email.mjs';
import { signUp } from '../lib/factors.mjs';
import { startRp, browserWithAuthenticator, freePort } from '../lib/passkey_app.mjs';

describe('passkeys in Chromium', () => {
  let s, rp, b, key, api, secret, agPort;
  before(async () => {
    agPort = await freePort();
    // AuthGate's public URL is under the RP ID (localhost), so its hosted page can run ceremonies
    s = await startServer({ ...RELAXED, AUTHGATE_PORT: String(agPort), AUTHGATE_PUBLIC_URL: `http://localhost:${agPort}` });
    rp = await startRp(s.url);
    ({ key } = await s.project('pk-app', { origins: [rp.origin, rp.other], callbacks: [`${rp.origin}/auth/callback`] }));
    api = client(s, key);
    secret = await signingSecret(s, 'pk-app');
    b = await browserWithAuthenticator();
    await b.page.goto(rp.origin + '/');
  });
  after(async () => {
    await b?.ctx.close();
    if (b) rmSync(b.profile, { recursive: true, force: true });
    await rp?.close();
    await s.cleanup();
  });

  const credentials = async () => (await b.cdp.send('WebAuthn.getCredentials', { authenticatorId: b.authenticatorId })).credentials;

  test('register ES256, EdDSA and RS256 passkeys (discoverable, user verified); packed attestation recorded', async () => {
    const { token } = await signUp(s, key);
    const seen = [];
    let creds = [];
    for (const [alg, attestation] of [[-7, 'direct'], [-8, 'none'], [-257, 'none']]) {
      // excludeCredentials lists the passkeys registered so far: another authenticator each time
      creds = creds.concat(await credentials());
      await b.cdp.send('WebAuthn.clearCredentials', { authenticatorId: b.authenticatorId });
      const r = await b.page.evaluate(([t, a, at]) => window.register(t, { algs: [a], attestation: at, name: 'key ' + a }), [token, alg, attestation]);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const f = r.body.factor;
      assert.equal(f.type, 'passkey');
      assert.equal(f.algorithm, alg);
      assert.equal(f.user_verified, true);
      assert.equal(f.name, 'key ' + alg);
      seen.push(f.attestation);
    }
    assert.match(seen[0], /^packed\/(basic|self)$/, `packed attestation: ${seen[0]}`);
    assert.deepEqual(seen.slice(1), ['none', 'none']);
    creds = creds.concat(await credentials());
    assert.ok(creds.length === 3 && creds.every((c) => c.isResidentCredential && c.rpId === 'localhost'));
    const v = await api('POST', '/api/v1/token/verify', { token });
    assert.deepEqual(v.body.mfa, { enrolled: true, methods: ['passkey'] });
  });

  test('usernameless sign-in: the passkey alone signs the person in', async () => {
    const { token, user } = await signUp(s, key);
    await b.cdp.send('WebAuthn.clearCredentials', { authenticatorId: b.authenticatorId });
    const reg = await b.page.evaluate((t) => window.register(t), token);
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    const r = await b.page.evaluate((a) => window.signIn(a), 'pk-app');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.user.id, user.id);
    const claims = await verifyJwt(r.body.token, secret);
    assert.equal(claims.provider, 'passkey');
    assert.deepEqual(claims.amr, ['hwk', 'user', 'mfa']);
    const again = await b.page.evaluate((a) => window.signIn(a), 'pk-app');
    assert.equal(again.status, 200, 'a second sign-in (the counter moved on)');
  });

  test('autofill (conditional UI) on the hosted page lands on the callback signed in', async () => {
    const { token, user } = await signUp(s, key);
    await b.cdp.send('WebAuthn.clearCredentials', { authenticatorId: b.authenticatorId });
    assert.equal((await b.page.evaluate((t) => window.register(t), token)).status, 200);
    const cb = `${rp.origin}/auth/callback`;
    const hosted = `http://localhost:${agPort}/passkey?app_id=pk-app&callback_url=${encodeURIComponent(cb)}`;
    const page = await b.ctx.newPage();
    const cdp = await b.ctx.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
        isUserVerified: true, automaticPresenceSimulation: true },
    });
    // the same passkey on this page's authenticator
    for (const c of await credentials()) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: c });
    await Promise.all([page.waitForURL(/\/auth\/callback\?token=/, { timeout: 20000 }), page.goto(hosted)]);
    const jwt = new URL(page.url()).searchParams.get('token');
    const claims = await verifyJwt(jwt, secret);
    assert.equal(claims.sub, user.id);
    assert.equal(claims.provider, 'passkey');
    await page.close();
    // the page refuses an unregistered callback before anything runs
    const bad = await s.req('GET', `/passkey?app_id=pk-app&callback_url=${encodeURIComponent('https://evil.example/cb')}`);
    assert.equal(bad.status, 400);
  });

  test('the drop-in widget signs in with a passkey (autofill or its button)', async () => {
    const { token, user } = await signUp(s, key);
    await b.cdp.send('WebAuthn.clearCredentials', { authenticatorId: b.authenticatorId });
    assert.equal((await b.page.evaluate((t) => window.register(t), token)).status, 200);
    await b.page.goto(rp.origin + '/widget.html');
    const button = b.page.locator('#ag-passkey');
    assert.equal(await button.textContent(), 'SIGN IN WITH A PASSKEY');
    // autofill may already have answered; otherwise the button does
    if (!(await b.page.evaluate(() => !!window.__approved))) await button.click();
    await b.page.waitForFunction(() => window.__approved, null, { timeout: 15000 });
    const d = await b.page.evaluate(() => window.__approved);
    assert.equal(d.method, 'passkey');
    assert.equal(d.user.id, user.id);
    assert.equal((await verifyJwt(d.token, secret)).provider, 'passkey');
    await b.page.goto(rp.origin + '/');
  });

  test('the MFA step by passkey after a password', async () => {
    await patchProject(s, 'pk-app', { mfa: 'optional' });
    try {
      const { token, email, password, user } = await signUp(s, key);
      await b.cdp.send('WebAuthn.clearCredentials', { authenticatorId: b.authenticatorId });
      assert.equal((await b.page.evaluate((t) => window.register(t), token)).status, 200);
      const si = await api('POST', '/api/proxy/email/signin', { email, password });
      assert.deepEqual(si.body.methods, ['passkey']);
      const ch = await api('POST', '/api/proxy/mfa/challenge', { mfa_token: si.body.mfa_token, method: 'passkey' });
      assert.equal(ch.status, 200, ch.text);
      assert.equal(ch.body.options.allowCredentials.length, 1, 'the user is known: their credentials are listed');
      const assertion = await b.page.evaluate((o) => window.assert(o), ch.body.options);
      const v = await api('POST', '/api/proxy/mfa/verify', { mfa_token: si.body.mfa_token, method: 'passkey', ceremony_id: ch.body.ceremony_id, assertion });
      assert.equal(v.status, 200, v.text);
      const claims = await verifyJwt(v.body.token, secret);
      assert.equal(claims.sub, user.id);
      assert.deepEqual(claims.amr, ['pwd', 'hwk', 'user', 'mfa']);
    } finally {
      await patchProject(s, 'pk-app', { mfa: 'off' });
    }
  });

  test('a cloned authenticator (sign count going back) is refused and logged', async () => {
    const { token } = await signUp(s, key);
    await b.cdp.send('WebAuthn.clearCredentials', { authenticatorId: b.authenticatorId });
    assert.equal((await b.page.evaluate((t) => window.register(t), token)).status, 200);
    assert.equal((await b.page.evaluate((a) => window.signIn(a), 'pk-app')).status, 200);
    assert.equal((await b.page.evaluate((a) => window.signIn(a), 'pk-app')).status, 200);
    const [c] = await credentials();
    assert.ok(c.signCount >= 2);
    // a copy of the key with an older counter: what a cloned authenticator looks like
    await b.cdp.send('WebAuthn.clearCredentials', { authenticatorId: b.authenticatorId });
    await b.cdp.send('WebAuthn.addCredential', { authenticatorId: b.authenticatorId, credential: { ...c, signCount: 0 } });
    const r = await b.page.evaluate((a) => window.signIn(a), 'pk-app');
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'sign_count_regressed');
    const log = await s.req('GET', '/api/mfa/security-log', { headers: { Authorization: `Bearer ${token}` } });
    assert.ok(log.body.events.some((e) => e.event === 'passkey.clone_suspected'));
  });

  test('a credential from another RP ID is refused', async () => {
    const { token } = await signUp(s, key);
    await b.cdp.send('WebAuthn.clearCredentials', { authenticatorId: b.authenticatorId });
    assert.equal((await b.page.evaluate((t) => window.register(t), token)).status, 200);
    const [c] = await credentials();
    // the same key pair, held for RP ID other.localhost, used from a page there
    const page = await b.ctx.newPage();
    const cdp = await b.ctx.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
        isUserVerified: true, automaticPresenceSimulation: true },
    });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...c, rpId: 'other.localhost' } });
    await page.goto(rp.other + '/');
    const r = await page.evaluate(async (ag) => {
      const q = '?app_id=pk-app';
      const post = async (p, body) => { const x = await fetch(ag + p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }); return { status: x.status, body: await x.json() }; };
      const o = await post('/api/passkey/options' + q, {});
      const opts = { ...o.body.options, rpId: 'other.localhost' };
      const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(opts) });
      return post('/api/passkey/verify' + q, { ceremony_id: o.body.ceremony_id, credential: cred.toJSON() });
    }, s.url);
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error, 'rp_id_mismatch');
    await page.close();
  });

  test('tampered client data and the wrong challenge are refused', async () => {
    const { token } = await signUp(s, key);
    await b.cdp.send('WebAuthn.clearCredentials', { authenticatorId: b.authenticatorId });
    assert.equal((await b.page.evaluate((t) => window.register(t), token)).status, 200);
    const t = await b.page.evaluate((a) => window.signIn(a, 'clientData'), 'pk-app');
    assert.equal(t.status, 401);
    assert.equal(t.body.error, 'invalid_signature');
    const w = await b.page.evaluate((a) => window.signIn(a, 'otherChallenge'), 'pk-app');
    assert.equal(w.status, 401);
    assert.equal(w.body.error, 'challenge_mismatch');
    // a ceremony is single use
    const ok = await b.page.evaluate((a) => window.signIn(a), 'pk-app');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  // The attestation certificate (x5c[0]) of a packed attestation object, as PEM. The
  // test reads the DER framing only: the CBOR text key "x5c", an array header, a byte
  // string header, then the certificate, which node:crypto parses whole.
  function attestationCert(b64url) {
    const d = Buffer.from(b64url, 'base64url');
    let i = d.indexOf(Buffer.from([0x63, 0x78, 0x35, 0x63])) + 4; // text(3) "x5c"
    assert.ok(i >= 4, 'an x5c in the statement');
    assert.equal(d[i] & 0xe0, 0x80, 'an array');
    i += 1;
    const hb = d[i++];
    const len = hb === 0x59 ? d.readUInt16BE(i) : hb === 0x58 ? d[i] : -1;
    i += hb === 0x59 ? 2 : 1;
    return new X509Certificate(d.subarray(i, i + len));
  }

  test('attestation roots: only authenticators whose packed x5c leads to a root of the project can register', async () => {
    const { key: attKey } = await s.project('att-app', { origins: [rp.origin], callbacks: [`${rp.origin}/auth/callback`] });
    const register = async (alter = {}) => {
      const { token } = await signUp(s, attKey);
      await b.cdp.send('WebAuthn.clearCredentials', { authenticatorId: b.authenticatorId });
      return b.page.evaluate(([t, a]) => window.register(t, a), [token, alter]);
    };
    // without roots: attestation is checked (§8.2.1) and recorded, not required
    let r = await register({ attestation: 'direct' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.factor.attestation, 'packed/basic');
    assert.equal(r.options.attestation, 'direct', 'the page asked for it');
    const chromium = attestationCert(r.attestationObject);
    assert.match(chromium.subject, /OU=Authenticator Attestation/);
    // another vendor's root (made here): Chromium's attestation does not lead to it
    const other = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', '/dev/null', '-subj', '/C=DE/O=Other Vendor/OU=Root/CN=Other Root', '-days', '30',
      '-addext', 'basicConstraints=critical,CA:TRUE'], { encoding: 'utf8' });
    await patchProject(s, 'att-app', { passkey_attestation_roots: [other] });
    r = await register();
    assert.equal(r.options.attestation, 'direct', 'a project with roots asks for attestation');
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error, 'attestation_untrusted');
    // Chromium's attestation certificate as the root: accepted, recorded as trusted
    await patchProject(s, 'att-app', { passkey_attestation_roots: [other, chromium.toString()] });
    r = await register();
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.factor.attestation, 'packed/basic/trusted');
    // an authenticator made to give no attestation is refused
    r = await register({ attestation: 'none' });
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error, 'attestation_untrusted');
    // the setting: PEM certificates only; null clears it
    for (const bad of [['not a certificate'], [other + other], [], 'x']) {
      const p = await s.req('PATCH', '/admin/api/projects/att-app', { headers: { Authorization: `Bearer ${await s.adminToken()}` },
        body: { passkey_attestation_roots: bad } });
      assert.equal(p.status, 400, p.text);
      assert.match(p.body.message, /passkey_attestation_roots/);
    }
    const shown = await s.req('GET', '/admin/api/projects/att-app', { headers: { Authorization: `Bearer ${await s.adminToken()}` } });
    assert.equal(shown.body.passkey_attestation_roots.length, 2);
    await patchProject(s, 'att-app', { passkey_attestation_roots: null });
    r = await register();
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.factor.attestation, 'none');
  });
});
