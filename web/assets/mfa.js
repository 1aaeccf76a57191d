// AuthGate's page for the MFA step of a browser sign-in: /mfa?mfa_token=…. The
// mfa_token is the credential for /api/mfa/step (same origin). A code (TOTP, SMS, email,
// recovery) or a passkey completes the step; the browser then goes back to the app's
// callback_url with ?token=<session JWT>.
'use strict';

const token = new URLSearchParams(location.search).get('mfa_token') || '';
const $ = (id) => document.getElementById(id);
const LABELS = {
  passkey: 'Use a passkey', totp: 'Authenticator app code', sms: 'Text me a code', email: 'Email me a code',
  recovery: 'Use a recovery code',
};
let method = null;

async function call(path, body) {
  const res = await fetch(path, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: 'Bearer ' + token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const wait = res.headers.get('Retry-After');
    throw new Error((data.message || data.error || 'HTTP ' + res.status) + (wait ? ' (retry in ' + wait + ' s)' : ''));
  }
  return data;
}

function say(text) { $('status').textContent = text; }

function done(r) {
  say('Signed in.');
  if (r.redirect) location.assign(r.redirect);
}

async function choose(m) {
  method = m;
  say('');
  if (m === 'passkey') {
    const c = await call('/api/mfa/step/challenge', { method: 'passkey' });
    const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(c.options) });
    return done(await call('/api/mfa/step/verify', { method: 'passkey', ceremony_id: c.ceremony_id, assertion: cred.toJSON() }));
  }
  if (m === 'sms' || m === 'email') {
    await call('/api/mfa/step/challenge', { method: m });
    say(m === 'sms' ? 'A code is on its way by text message.' : 'A code is on its way by email.');
  }
  $('code-label').textContent = m === 'recovery' ? 'Recovery code' : 'Code';
  $('code').inputMode = m === 'recovery' ? 'text' : 'numeric';
  $('form').hidden = false;
  $('code').value = '';
  $('code').focus();
}

$('form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  call('/api/mfa/step/verify', { method, code: $('code').value.trim() }).then(done).catch((e) => say(e.message));
});

(async () => {
  try {
    const step = await call('/api/mfa/step');
    $('app').textContent = step.app_name;
    if (step.enroll_required) {
      $('intro').textContent = step.app_name + ' requires a second factor: set one up in the app, then sign in again.';
      return;
    }
    for (const m of step.methods) {
      if (m === 'passkey' && !window.PublicKeyCredential) continue;
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'method';
      b.dataset.method = m;
      b.textContent = LABELS[m] || m;
      b.addEventListener('click', () => choose(m).catch((e) => say(e.message)));
      $('methods').appendChild(b);
    }
    const first = step.methods.find((m) => m === 'totp' || m === 'recovery');
    if (first) choose(first);
  } catch (e) {
    $('intro').textContent = 'This sign-in step cannot continue: ' + e.message + '. Sign in again.';
  }
})();
