// AuthGate's page for the MFA step of a browser sign-in: /mfa?mfa_token=…. The
// mfa_token is the credential for /api/mfa/step (same origin). A code (TOTP, SMS, email,
// recovery) or a passkey completes the step; the browser then goes back to the app's
// callback_url with ?token=<session JWT>.
//
// Under the project's `required` policy a user without a factor enrolls one here first:
// the enrollment endpoints (/api/mfa/enroll/…, /api/mfa/factors/{id}/confirm) take the
// same mfa_token, and confirming the new factor completes the step. The page then shows
// a fresh set of recovery codes (asked for with the new session token) before it goes
// back to the app.
'use strict';

const mfaToken = new URLSearchParams(location.search).get('mfa_token') || '';
const $ = (id) => document.getElementById(id);
const LABELS = {
  passkey: 'Use a passkey', totp: 'Authenticator app code', sms: 'Text me a code', email: 'Email me a code',
  recovery: 'Use a recovery code',
};
const ENROLL_LABELS = {
  passkey: 'Create a passkey', totp: 'Use an authenticator app', sms: 'Get codes by text message', email: 'Get codes by email',
};
let submit = null; // what the code form does with the typed code

async function call(path, body, bearer = mfaToken) {
  const res = await fetch(path, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: 'Bearer ' + bearer, ...(body ? { 'Content-Type': 'application/json' } : {}) },
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

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

function done(r) {
  say('Signed in.');
  if (r.redirect) location.assign(r.redirect);
}

// Ask for a code; fn(code) completes (or throws, and the person may try again).
function askCode(label, numeric, fn) {
  submit = fn;
  $('code-label').textContent = label;
  $('code').inputMode = numeric ? 'numeric' : 'text';
  $('form').hidden = false;
  $('code').value = '';
  $('code').focus();
}

async function choose(m) {
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
  askCode(m === 'recovery' ? 'Recovery code' : 'Code', m !== 'recovery',
    async (code) => done(await call('/api/mfa/step/verify', { method: m, code })));
}

// ---- enrollment (required policy, no factor yet) ---------------------------------------

// The factor is active and the step complete (r: {token, redirect?}): recovery codes
// for the day the factor is lost, shown once, then back to the app.
async function enrolled(r) {
  $('form').hidden = true;
  $('enroll').replaceChildren();
  $('methods').replaceChildren();
  let codes = null;
  try {
    codes = (await call('/api/mfa/recovery-codes', {}, r.token)).codes;
  } catch {
    // the sign-in is complete all the same; codes can be made later in the app
  }
  if (!codes) return done(r);
  $('intro').textContent = 'Your second factor is set up. Save these recovery codes somewhere safe: each one signs you in once if you lose it.';
  const next = el('button', { type: 'button', id: 'continue' }, 'I saved them, continue');
  next.addEventListener('click', () => done(r));
  $('enroll').append(el('ul', { id: 'recovery-codes', class: 'codes' }, ...codes.map((c) => el('li', {}, c))), next);
  say('');
}

async function enrollPasskey() {
  const o = await call('/api/mfa/enroll/passkey/options', {});
  const cred = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(o.options) });
  return enrolled(await call('/api/mfa/enroll/passkey', { ceremony_id: o.ceremony_id, credential: cred.toJSON() }));
}

// A pending factor (TOTP, SMS, email) is confirmed by its first code.
function confirmWith(id, label) {
  askCode(label, true, async (code) => enrolled(await call('/api/mfa/factors/' + encodeURIComponent(id) + '/confirm', { code })));
}

async function enrollTotp() {
  const t = await call('/api/mfa/enroll/totp', {});
  $('enroll').replaceChildren(
    el('p', { class: 'message' }, 'Scan this code with your authenticator app, or type the key into it.'),
    el('img', { id: 'qr', class: 'qr', alt: 'QR code of the authenticator key', src: 'data:image/svg+xml;base64,' + btoa(t.qr_svg) }),
    el('p', { id: 'secret', class: 'secret' }, t.secret),
    el('p', { class: 'message' }, el('a', { href: t.otpauth_uri, id: 'otpauth' }, 'Open in an authenticator app on this device')));
  confirmWith(t.id, 'Code from the app');
}

function enrollSms() {
  const phone = el('input', { id: 'phone', type: 'tel', autocomplete: 'tel', placeholder: '+14155550123', required: '' });
  const send = el('button', { type: 'submit', id: 'send' }, 'Send a code');
  const form = el('form', { id: 'phone-form' }, el('label', { for: 'phone' }, 'Mobile number (with country code)'), phone, send);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    call('/api/mfa/enroll/sms', { phone: phone.value.trim() }).then((f) => {
      say('A code is on its way by text message.');
      confirmWith(f.id, 'Code from the text message');
    }).catch((e) => say(e.message));
  });
  $('enroll').replaceChildren(form);
  phone.focus();
}

async function enrollEmail() {
  const f = await call('/api/mfa/enroll/email', {});
  say('A code is on its way by email.');
  confirmWith(f.id, 'Code from the email');
}

const ENROLL = { passkey: enrollPasskey, totp: enrollTotp, sms: enrollSms, email: enrollEmail };

function offerEnrollment(step) {
  const methods = (step.enroll_methods || []).filter((m) => m !== 'passkey' || window.PublicKeyCredential);
  if (!methods.length) {
    $('intro').textContent = step.app_name + ' requires a second factor, and none can be set up on this page: ask the app for help.';
    return;
  }
  $('intro').textContent = step.app_name + ' requires a second factor. Set one up to finish signing in.';
  for (const m of methods) {
    const b = el('button', { type: 'button', class: 'method', 'data-enroll': m }, ENROLL_LABELS[m] || m);
    b.addEventListener('click', () => {
      say('');
      $('form').hidden = true;
      $('enroll').replaceChildren();
      Promise.resolve(ENROLL[m]()).catch((e) => say(e.message));
    });
    $('methods').appendChild(b);
  }
}

$('form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  if (submit) submit($('code').value.trim()).catch((e) => say(e.message));
});

(async () => {
  try {
    const step = await call('/api/mfa/step');
    $('app').textContent = step.app_name;
    if (step.enroll_required) return offerEnrollment(step);
    for (const m of step.methods) {
      if (m === 'passkey' && !window.PublicKeyCredential) continue;
      const b = el('button', { type: 'button', class: 'method', 'data-method': m }, LABELS[m] || m);
      b.addEventListener('click', () => choose(m).catch((e) => say(e.message)));
      $('methods').appendChild(b);
    }
    const first = step.methods.find((m) => m === 'totp' || m === 'recovery');
    if (first) choose(first);
  } catch (e) {
    $('intro').textContent = 'This sign-in step cannot continue: ' + e.message + '. Sign in again.';
  }
})();
