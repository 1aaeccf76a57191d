// AuthGate's hosted passkey sign-in page. Usernameless: the options carry no
// allowCredentials, the authenticator offers the passkeys it holds for this RP ID.
// Autofill (conditional UI) starts at once where the browser supports it; the button
// runs a modal ceremony. On success the browser goes to callback_url?token=<JWT>.
'use strict';

const q = new URLSearchParams(location.search);
const app = q.get('app_id');
const callback = q.get('callback_url');
const statusEl = document.getElementById('status');
let pending = null; // the AbortController of a running ceremony

const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const unb64url = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

async function api(path, body) {
  const res = await fetch(path + '?app_id=' + encodeURIComponent(app), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(data.message || data.error || 'HTTP ' + res.status);
  return data;
}

function credentialJSON(c) {
  if (typeof c.toJSON === 'function') return c.toJSON();
  return {
    id: c.id, rawId: b64url(c.rawId), type: c.type,
    response: {
      clientDataJSON: b64url(c.response.clientDataJSON),
      authenticatorData: b64url(c.response.authenticatorData),
      signature: b64url(c.response.signature),
      userHandle: c.response.userHandle ? b64url(c.response.userHandle) : null,
    },
  };
}

async function signIn(mediation) {
  if (pending) pending.abort();
  const ctl = new AbortController();
  pending = ctl;
  const { ceremony_id: ceremonyId, options } = await api('/api/passkey/options', {});
  const publicKey = {
    challenge: unb64url(options.challenge),
    rpId: options.rpId,
    timeout: options.timeout,
    userVerification: options.userVerification,
    allowCredentials: [],
  };
  const cred = await navigator.credentials.get({ publicKey, mediation, signal: ctl.signal });
  statusEl.textContent = 'Signing in…';
  const { token } = await api('/api/passkey/verify', { ceremony_id: ceremonyId, credential: credentialJSON(cred) });
  const u = new URL(callback);
  u.searchParams.set('token', token);
  location.assign(u.toString());
}

function failed(e) {
  if (e && e.name === 'AbortError') return;
  statusEl.textContent = 'Passkey sign-in did not work: ' + (e && e.message ? e.message : e);
}

document.getElementById('form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  signIn('optional').catch(failed);
});

(async () => {
  if (!window.PublicKeyCredential) {
    statusEl.textContent = 'This browser does not support passkeys.';
    return;
  }
  if (PublicKeyCredential.isConditionalMediationAvailable && await PublicKeyCredential.isConditionalMediationAvailable()) {
    signIn('conditional').catch(failed);
  }
})();
