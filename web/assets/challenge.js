// AuthGate's hosted challenge page (src/api/actions_page.c, docs/ACTIONS.md). The server
// rendered what this script needs into #ctx: the action's state, the user's enrolled
// methods (passkey first) or what may be enrolled, the project's origins and branding,
// the locale's strings. Every step is a call of the client API (/v1/client) with the
// track token, as @authsignal/browser would make it. The end: redirectUrl?token=<access
// token>; in popup mode (the browser SDK's iframe or window) the SDK's messages instead:
// AUTHSIGNAL_READY, {height} while the content changes, AUTHSIGNAL_CLOSE_POPUP with the
// token — posted only to the project's allowed origins.
'use strict';

const ctx = JSON.parse(document.getElementById('ctx').textContent);
const S = ctx.strings || {};
const root = document.getElementById('app');
const card = document.getElementById('widget_container');
const popup = ctx.mode === 'popup';
const peer = popup ? (window.opener && window.opener !== window ? window.opener : window.parent !== window ? window.parent : null) : null;
const ORDER = ['PASSKEY', 'PUSH', 'AUTHENTICATOR_APP', 'SMS', 'EMAIL_OTP', 'EMAIL_MAGIC_LINK'];

if (ctx.brand && ctx.brand.color) document.documentElement.style.setProperty('--brand', ctx.brand.color);
if (popup) document.body.classList.add('popup');

// ---- the browser SDK's window protocol ------------------------------------------------
function post(message, raw) {
  if (!peer) return;
  const data = raw ? message : JSON.stringify(message);
  // targetOrigin is exact: a page of another origin gets nothing.
  for (const origin of ctx.origins || []) {
    try { peer.postMessage(data, origin); } catch { /* an origin the browser cannot parse */ }
  }
}
if (popup && 'ResizeObserver' in window) {
  new ResizeObserver(() => post({ height: Math.ceil(card.getBoundingClientRect().height) }, true)).observe(card);
}

// ---- the client API ------------------------------------------------------------------
async function api(path, body) {
  const res = await fetch(new URL('v1/client' + path, location.href), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + ctx.token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try { data = await res.json(); } catch { /* not JSON: an error below */ }
  if (!res.ok || (data && data.error)) {
    post({ event: 'AUTHSIGNAL_API_ERROR', errorCode: data.error, statusCode: res.status });
    const e = new Error(data.errorDescription || data.error || 'HTTP ' + res.status);
    e.code = data.error;
    throw e;
  }
  return data;
}

// ---- building the page (no innerHTML: text is text) --------------------------------------
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function show(...nodes) {
  root.replaceChildren(...nodes);
}

function message(title, text, cls) {
  show(el('h1', {}, title), el('p', cls ? { class: cls } : {}, text));
}

const errorLine = () => el('p', { class: 'error', role: 'alert' });

function explain(line, e) {
  line.textContent = e && e.code === 'mfa_locked' ? S.locked : e && e.code === 'expired_token' ? S.expired : S.error;
}

// A code form: submit(code) answers the verify call's JSON.
function codeForm(prompt, submit) {
  const input = el('input', { class: 'code', id: 'code', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '10', required: '' });
  const line = errorLine();
  const button = el('button', { type: 'submit', id: 'verify' }, S.verify);
  const form = el('form', { id: 'code-form' }, el('p', {}, prompt), el('label', { for: 'code' }, S.code), input, line, button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    line.textContent = '';
    try {
      const r = await submit(input.value.trim());
      if (r.isVerified && r.accessToken) return done(r.accessToken);
      line.textContent = S.wrong_code;
      input.select();
    } catch (e) {
      explain(line, e);
    } finally {
      button.disabled = false;
    }
  });
  setTimeout(() => input.focus(), 0);
  return form;
}

// ---- WebAuthn (options as JSON, base64url fields) -------------------------------------------
const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const descriptors = (list) => (list || []).map((d) => ({ ...d, id: unb64(d.id) }));

function credentialJSON(c) {
  if (typeof c.toJSON === 'function') return c.toJSON();
  const r = c.response, out = { id: c.id, rawId: b64(c.rawId), type: c.type, clientExtensionResults: {}, response: { clientDataJSON: b64(r.clientDataJSON) } };
  if (r.attestationObject) {
    out.response.attestationObject = b64(r.attestationObject);
    out.response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    out.response.authenticatorData = b64(r.authenticatorData);
    out.response.signature = b64(r.signature);
    out.response.userHandle = r.userHandle ? b64(r.userHandle) : null;
  }
  return out;
}

async function passkeySignIn() {
  const { challengeId, options } = await api('/user-authenticators/passkey/authentication-options', {});
  const cred = await navigator.credentials.get({
    publicKey: { ...options, challenge: unb64(options.challenge), allowCredentials: descriptors(options.allowCredentials) },
  });
  return api('/verify/passkey', { challengeId, authenticationCredential: credentialJSON(cred) });
}

async function passkeyCreate() {
  const { challengeId, options } = await api('/user-authenticators/passkey/registration-options', {});
  const cred = await navigator.credentials.create({
    publicKey: { ...options, challenge: unb64(options.challenge), user: { ...options.user, id: unb64(options.user.id) }, excludeCredentials: descriptors(options.excludeCredentials) },
  });
  return api('/user-authenticators/passkey', { challengeId, registrationCredential: credentialJSON(cred) });
}

function passkeyPanel(enroll) {
  const line = errorLine();
  const button = el('button', { type: 'button', id: 'passkey' }, enroll ? S.passkey_create : S.passkey);
  button.addEventListener('click', async () => {
    button.disabled = true;
    line.textContent = '';
    try {
      const r = enroll ? await passkeyCreate() : await passkeySignIn();
      if (r.isVerified && r.accessToken) return done(r.accessToken);
      line.textContent = S.passkey_failed;
    } catch (e) {
      if (e && e.code) explain(line, e);
      else line.textContent = S.passkey_failed; // the browser's refusal (cancelled, no passkey)
    } finally {
      button.disabled = false;
    }
  });
  return [button, line];
}

// ---- the methods -----------------------------------------------------------------------------
const label = { PASSKEY: () => S.passkey, AUTHENTICATOR_APP: () => S.totp, SMS: () => S.sms, EMAIL_OTP: () => S.email, EMAIL_MAGIC_LINK: () => S.email_link, PUSH: () => S.push };
const kind = { SMS: 'sms', EMAIL_OTP: 'email-otp', EMAIL_MAGIC_LINK: 'email-magic-link' };

// A link was mailed: wait for its click (the SDK's finalize poll, every 2 s).
async function awaitLink(head, others) {
  const line = errorLine();
  show(...head, el('p', { id: 'link-sent' }, S.link_sent), line, others);
  for (;;) {
    await new Promise((r) => setTimeout(r, 2000));
    try {
      const r = await api('/verify/email-magic-link/finalize', {});
      if (r.isVerified && r.accessToken) return done(r.accessToken);
    } catch (e) {
      return explain(line, e);
    }
  }
}

// Push: the device app is asked; the person types the number shown here into it.
async function pushPanel(head, others) {
  const line = errorLine();
  show(...head, line, others);
  let ch;
  try {
    ch = await api('/challenge/push', {});
  } catch (e) {
    return explain(line, e);
  }
  show(...head, el('p', {}, S.push_prompt), el('p', { class: 'number', id: 'push-code' }, ch.code), line, others);
  for (;;) {
    await new Promise((r) => setTimeout(r, 2000));
    try {
      const r = await api('/verify/push', { challengeId: ch.challengeId });
      if (r.isVerified && r.accessToken) return done(r.accessToken);
      if (r.isConsumed) return (line.textContent = S.push_denied);
    } catch (e) {
      return explain(line, e);
    }
  }
}

// Meet the challenge with an enrolled method.
async function challenge(method, others) {
  const head = [el('h1', {}, S.title), el('p', {}, S.intro)];
  if (method === 'PUSH') return pushPanel(head, others);
  if (method === 'PASSKEY') return show(...head, ...passkeyPanel(false), others);
  if (method === 'AUTHENTICATOR_APP') {
    return show(...head, codeForm(S.totp_prompt, (code) => api('/verify/totp', { verificationCode: code })), others);
  }
  const line = errorLine();
  show(...head, line, others);
  try {
    await api('/challenge/' + kind[method]);
  } catch (e) {
    return explain(line, e);
  }
  if (method === 'EMAIL_MAGIC_LINK') return awaitLink(head, others);
  show(...head, codeForm(method === 'SMS' ? S.sms_prompt : S.email_prompt, (code) => api('/verify/' + kind[method], { verificationCode: code })), others);
}

// Enroll a first method (which also meets the challenge).
async function enroll(method, others) {
  const head = [el('h1', {}, S.enroll_title), el('p', {}, S.enroll_intro)];
  if (method === 'PASSKEY') return show(...head, ...passkeyPanel(true), others);
  const line = errorLine();
  if (method === 'AUTHENTICATOR_APP') {
    show(...head, line, others);
    let t;
    try {
      t = await api('/user-authenticators/totp');
    } catch (e) {
      return explain(line, e);
    }
    const qr = t.qrSvg ? el('img', { class: 'qr', id: 'qr', alt: '', src: 'data:image/svg+xml;base64,' + btoa(t.qrSvg) }) : null;
    return show(el('h1', {}, S.enroll_title), el('p', {}, S.totp_scan), qr, el('p', { class: 'secret', id: 'secret' }, t.secret),
      codeForm(S.totp_prompt, (code) => api('/verify/totp', { verificationCode: code })), others);
  }
  const sms = method === 'SMS';
  const id = sms ? 'phone' : 'email';
  const input = el('input', { id, name: id, type: sms ? 'tel' : 'email', autocomplete: sms ? 'tel' : 'email', required: '', value: (sms ? ctx.phoneNumber : ctx.email) || '' });
  const button = el('button', { type: 'submit', id: 'send' }, S.send_code);
  const form = el('form', {}, el('label', { for: id }, sms ? S.phone_number : S.email_address), input, line, button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    try {
      await api('/user-authenticators/' + (sms ? 'sms' : kind[method]), sms ? { phoneNumber: input.value.trim() } : { email: input.value.trim() });
      if (method === 'EMAIL_MAGIC_LINK') return awaitLink([el('h1', {}, S.enroll_title)], others);
      show(el('h1', {}, S.enroll_title), codeForm(sms ? S.sms_prompt : S.email_prompt, (code) => api('/verify/' + kind[method], { verificationCode: code })), others);
    } catch (e) {
      line.textContent = e.message || S.error;
      button.disabled = false;
    }
  });
  show(...head, form, others);
}

// The first method now, the others one click away.
function offer(methods, run) {
  const go = (m) => {
    const rest = methods.filter((x) => x !== m);
    const others = rest.length
      ? el('div', { class: 'others' }, el('p', {}, S.other_methods),
        ...rest.map((x) => el('button', { type: 'button', class: 'secondary', 'data-method': x, on: { click: () => go(x) } }, label[x]())))
      : null;
    run(m, others);
  };
  go(methods[0]);
}

function done(access) {
  message(S.success, '', 'done');
  if (popup) return post({ event: 'AUTHSIGNAL_CLOSE_POPUP', token: access });
  if (ctx.redirectUrl) {
    const u = new URL(ctx.redirectUrl);
    u.searchParams.set('token', access);
    location.assign(u.toString());
  }
}

function start() {
  const sorted = (list) => ORDER.filter((m) => (list || []).includes(m));
  if (ctx.error) message(S.title, S[ctx.error] || S.error);
  else if (ctx.state === 'BLOCK') message(S.title, S.blocked);
  else if ((ctx.state || '').startsWith('REVIEW_')) message(S.title, S.review);
  else if (ctx.validated) message(S.success, '', 'done');
  else if (ctx.accessToken) done(ctx.accessToken);
  else if (sorted(ctx.enrolled).length) offer(sorted(ctx.enrolled), challenge);
  else if (sorted(ctx.enroll).length) offer(sorted(ctx.enroll), enroll);
  else message(S.title, S.error);
  post({ event: 'AUTHSIGNAL_READY' });
}

start();
