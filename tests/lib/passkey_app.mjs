// A relying-party page for the passkey tests: served by a plain HTTP server on
// http://localhost:PORT (a secure context, RP ID "localhost") and on
// http://other.localhost:PORT, it runs WebAuthn ceremonies against AuthGate with the
// browser's own JSON helpers (parseCreationOptionsFromJSON, toJSON) and reports what
// AuthGate answered. Options can be altered first (algorithms, attestation) and the
// result tampered with, to test AuthGate's refusals.
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

const PAGE = (ag) => `<!doctype html><meta charset="utf-8"><title>rp</title>
<input id="u" autocomplete="username webauthn">
<script>
const AG = ${JSON.stringify(ag)};
const b64 = (s) => s.replace(/-/g, '+').replace(/_/g, '/');
const unb = (s) => Uint8Array.from(atob(b64(s)), (c) => c.charCodeAt(0));
const enc = (u8) => btoa(String.fromCharCode(...u8)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
async function post(p, body, bearer) {
  const res = await fetch(AG + p, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(bearer ? { Authorization: 'Bearer ' + bearer } : {}) }, body: JSON.stringify(body) });
  let j; try { j = await res.json(); } catch { j = null; }
  return { status: res.status, body: j };
}
window.register = async (bearer, alter = {}) => {
  const o = await post('/api/mfa/enroll/passkey/options', {}, bearer);
  if (o.status !== 200) return o;
  const opts = o.body.options;
  if (alter.algs) opts.pubKeyCredParams = alter.algs.map((alg) => ({ type: 'public-key', alg }));
  if (alter.attestation) opts.attestation = alter.attestation;
  const cred = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(opts) });
  const j = cred.toJSON();
  const r = await post('/api/mfa/enroll/passkey', { ceremony_id: o.body.ceremony_id, credential: j, name: alter.name }, bearer);
  return { ...r, options: opts, attestationObject: j.response.attestationObject };
};
// A usernameless sign-in; tamper: 'clientData' | 'otherChallenge'; mediation: 'conditional' for autofill.
window.signIn = async (appId, tamper, mediation) => {
  const q = '?app_id=' + encodeURIComponent(appId);
  const o = await post('/api/passkey/options' + q, {});
  if (o.status !== 200) return o;
  let ceremony = o.body.ceremony_id;
  const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(o.body.options), mediation });
  const j = cred.toJSON();
  if (tamper === 'clientData') {
    const cd = JSON.parse(new TextDecoder().decode(unb(j.response.clientDataJSON)));
    cd.extra = 'tampered';
    j.response.clientDataJSON = enc(new TextEncoder().encode(JSON.stringify(cd)));
  }
  if (tamper === 'otherChallenge') ceremony = (await post('/api/passkey/options' + q, {})).body.ceremony_id;
  return post('/api/passkey/verify' + q, { ceremony_id: ceremony, credential: j });
};
// Answer given request options (the MFA step); returns the credential JSON.
window.assert = async (options) => {
  const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
  return cred.toJSON();
};
</script>`;

export async function startRp(agUrl) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    if (req.url === '/widget.html') // the drop-in widget with passkeys on
      return res.end(`<!doctype html><meta charset="utf-8"><title>widget</title><div id="authgate-widget"></div>
<script>document.addEventListener('authgate:approved', (e) => { window.__approved = e.detail; });</script>
<script src="${agUrl}/widget.js" data-app-id="pk-app" data-passkey="true"></script>`);
    res.end(req.url.startsWith('/auth/callback') ? '<!doctype html><title>cb</title><p id="ok">signed in</p>' : PAGE(agUrl));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return { port, origin: `http://localhost:${port}`, other: `http://other.localhost:${port}`, close: () => new Promise((r) => server.close(r)) };
}

// Chromium with a virtual CTAP2 authenticator: resident keys, user verification.
export async function browserWithAuthenticator() {
  const profile = mkdtempSync(path.join(tmpdir(), 'ag-passkeys-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
  const page = ctx.pages()[0] || (await ctx.newPage());
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { ctx, page, cdp, authenticatorId, profile };
}

// A free loopback port (for a server that must know its public URL before it starts).
export function freePort() {
  return new Promise((resolve) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
