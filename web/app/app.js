/* AuthGate device app. Enrolls this browser as a device for one proven email: a
 * non-extractable P-256 key made with WebCrypto, kept in IndexedDB (the private key
 * never leaves the browser); shows that email's pending sign-ins in real time (SSE);
 * approves (with the number from the login screen) or denies with signed requests. */
'use strict';

const $ = (id) => document.getElementById(id);
const enc = new TextEncoder();
let device = null;      // {id, email, name, keys}
let token = null;       // device app bearer token
let es = null;          // the event stream
let refreshTimer = null;
const cards = new Map(); // request_id -> {li, req}

// ---- storage (IndexedDB keeps CryptoKey objects, non-extractable ones included) ----

function idb() {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open('authgate', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('device');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function store(op, value) {
  const db = await idb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction('device', op === 'get' ? 'readonly' : 'readwrite');
    const os = tx.objectStore('device');
    const r = op === 'get' ? os.get('self') : op === 'put' ? os.put(value, 'self') : os.delete('self');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

// ---- crypto ---------------------------------------------------------------------------

const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

async function newKeys() {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const jwk = await crypto.subtle.exportKey('jwk', keys.publicKey);
  return { keys, jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } };
}

async function sign(text) {
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, device.keys.privateKey, enc.encode(text));
  return b64url(sig);
}

// ---- HTTP -------------------------------------------------------------------------------

async function api(method, path, body, auth) {
  const headers = {};
  if (body) headers['Content-Type'] = 'application/json';
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, cache: 'no-store' });
  let data = {};
  try { data = await r.json(); } catch { /* empty */ }
  return { status: r.status, data };
}

function say(text, error) {
  const s = $('status');
  s.textContent = text || '';
  s.classList.toggle('error', !!error);
}

function show(view) {
  for (const v of ['view-enroll', 'view-link', 'view-main']) $(v).hidden = v !== view;
}

function guessName() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iPhone' : /Mac OS/.test(ua) ? 'Mac' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : 'device';
  return `${browser} on ${os}`;
}

function uaSummary(ua) {
  if (!ua) return '';
  const b = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : null;
  const o = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS/.test(ua) ? 'macOS' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : null;
  return b && o ? `${b} on ${o}` : ua.slice(0, 60);
}

// ---- enrollment ---------------------------------------------------------------------------

let enrollmentId = null;

async function registered(answer, keys) {
  device = { id: answer.device_id, email: answer.email, name: answer.name, keys };
  await store('put', device);
  token = answer.token;
  scheduleRefresh(answer.token_expires_in);
  history.replaceState(null, '', '/app');
  await main();
}

function enrollError(status, data) {
  if (status === 429) return 'Too many attempts: wait a little and try again.';
  return data.message || 'That did not work.';
}

$('enroll-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  say('Sending…');
  const body = { email: $('enroll-email').value.trim(), locale: (navigator.language || 'en').slice(0, 16) };
  const { status, data } = await api('POST', '/app/api/enroll', body);
  if (status !== 200) return say(enrollError(status, data), true);
  enrollmentId = data.enrollment_id;
  $('code-form').hidden = false;
  $('enroll-code').focus();
  say('We mailed you a 6-digit code. It works for 5 minutes.');
});

$('code-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  say('Adding this device…');
  const k = await newKeys();
  const { status, data } = await api('POST', '/app/api/enroll/verify', {
    enrollment_id: enrollmentId, code: $('enroll-code').value.trim(), name: $('enroll-name').value.trim(), public_key: k.jwk,
  });
  if (status !== 201) return say(enrollError(status, data), true);
  await registered(data, k.keys);
});

$('link-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  say('Adding this device…');
  const link = decodeURIComponent(location.hash.slice('#enroll='.length));
  const k = await newKeys();
  const { status, data } = await api('POST', '/app/api/enroll/verify', { link, name: $('link-name').value.trim(), public_key: k.jwk });
  if (status !== 201) return say(enrollError(status, data), true);
  await registered(data, k.keys);
});

// ---- the signed-in device -------------------------------------------------------------------

function scheduleRefresh(expiresIn) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => login().then(stream), Math.max(10, expiresIn - 60) * 1000);
}

async function login() {
  const ts = Date.now();
  const sig = await sign(`authgate-device-v1\n${device.id}\n${ts}`);
  const { status, data } = await api('POST', '/app/api/login', { device_id: device.id, ts, sig });
  if (status === 401 && data.error === 'unknown_device') {
    await forget('This device was removed. Set it up again.');
    return false;
  }
  if (status !== 200) {
    say(status === 401 && data.error === 'stale_signature' ? 'Check this device\'s clock: it is off.' : 'Cannot sign in to AuthGate; retrying…', true);
    setTimeout(() => login().then((ok) => ok && stream()), 5000);
    return false;
  }
  token = data.token;
  scheduleRefresh(data.expires_in);
  return true;
}

async function forget(message) {
  if (es) es.close();
  es = null;
  clearTimeout(refreshTimer);
  await store('delete');
  device = null;
  token = null;
  for (const id of [...cards.keys()]) drop(id);
  $('who').textContent = '';
  show('view-enroll');
  $('enroll-name').value = guessName();
  say(message || '');
}

function stream() {
  if (es) es.close();
  es = new EventSource(`/app/api/events?token=${encodeURIComponent(token)}`);
  es.addEventListener('requests', (m) => {
    const { requests } = JSON.parse(m.data);
    const live = new Set(requests.map((r) => r.request_id));
    for (const id of [...cards.keys()]) if (!live.has(id) && !cards.get(id).req.code_only) drop(id);
    for (const r of requests) add(r);
  });
  es.addEventListener('request', (m) => add(JSON.parse(m.data)));
  es.addEventListener('resolved', (m) => drop(JSON.parse(m.data).request_id));
  es.addEventListener('reauth', () => { es.close(); login().then((ok) => ok && stream()); });
  es.onerror = () => {
    if (es && es.readyState === EventSource.CLOSED) setTimeout(() => login().then((ok) => ok && stream()), 3000);
  };
}

async function main() {
  show('view-main');
  $('who').textContent = device.email;
  $('device-info').textContent = `${device.name} · ${device.id}`;
  say('');
  stream();
}

// ---- request cards ------------------------------------------------------------------------------

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 5 ? 'just now' : s < 60 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

function tick() {
  for (const [id, { li, req }] of cards) {
    const left = Math.round((Date.parse(req.expires_at) - Date.now()) / 1000);
    if (left <= 0) { drop(id); continue; }
    li.querySelector('.when').textContent = ago(req.created_at);
    li.querySelector('.expires').textContent = `Expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  }
  $('empty').hidden = cards.size > 0;
}

function add(req, code) {
  if (cards.has(req.request_id)) return;
  const li = $('request-tpl').content.firstElementChild.cloneNode(true);
  li.dataset.requestId = req.request_id;
  li.querySelector('.app').textContent = req.app_name;
  li.querySelector('.ip').textContent = req.ip;
  li.querySelector('.ua').textContent = uaSummary(req.user_agent);
  const input = li.querySelector('.code-input');
  if (code) input.value = code;
  li.querySelector('.decide').addEventListener('submit', (e) => { e.preventDefault(); decide(req, 'approve', input.value.trim()); });
  li.querySelector('.deny').addEventListener('click', () => decide(req, 'deny', input.value.trim()));
  li.querySelector('.not-me').addEventListener('click', () => decide(req, 'not_me', input.value.trim()));
  cards.set(req.request_id, { li, req });
  $('requests').prepend(li);
  tick();
  if (navigator.vibrate) navigator.vibrate(80);
}

function drop(id) {
  const c = cards.get(id);
  if (!c) return;
  c.li.remove();
  cards.delete(id);
  $('empty').hidden = cards.size > 0;
}

async function decide(req, decision, code) {
  const li = cards.get(req.request_id)?.li;
  if (decision === 'approve' && !/^\d{6}$/.test(code)) return say('Type the 6-digit number shown on the login screen.', true);
  // A denial needs no code, except for a sign-in this device found by its code.
  const sendCode = decision === 'approve' || req.code_only ? code : '';
  li?.querySelectorAll('button').forEach((b) => { b.disabled = true; });
  const ts = Date.now();
  const sig = await sign(`authgate-push-v1\n${req.request_id}\n${decision}\n${sendCode}\n${ts}\n${device.id}`);
  const body = { device_id: device.id, decision, ts, sig };
  if (sendCode) body.code = sendCode;
  const { status, data } = await api('POST', `/app/api/requests/${encodeURIComponent(req.request_id)}/decision`, body);
  li?.querySelectorAll('button').forEach((b) => { b.disabled = false; });
  if (status === 200) {
    drop(req.request_id);
    const what = data.status === 'approved' ? `Approved: you are signed in to ${req.app_name}.`
      : data.reason === 'not_me' ? `Denied and reported. ${req.app_name} is told it was not you.` : 'Denied.';
    return say(what);
  }
  if (data.error === 'wrong_code') {
    if (data.status === 'denied') { drop(req.request_id); return say('Wrong number too often: the sign-in was denied.', true); }
    return say(`That is not the number on the login screen. ${data.attempts_left} tries left.`, true);
  }
  if (status === 409 || status === 410) drop(req.request_id);
  say(data.message || 'That did not work.', true);
}

$('lookup-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const code = $('lookup-code').value.trim();
  const { status, data } = await api('POST', '/app/api/lookup', { code }, true);
  if (status !== 200) return say(status === 429 ? 'Too many tries: wait a minute.' : 'No sign-in shows that code.', true);
  add(data.request, code);
  $('lookup-code').value = '';
  $('have-code').open = false;
  say(`Found a sign-in to ${data.request.app_name}. Check it, then approve.`);
});

$('remove').addEventListener('click', async () => {
  if (!confirm('Remove this device? It will no longer approve sign-ins.')) return;
  await api('DELETE', '/app/api/device', null, true);
  await forget('This device was removed.');
});

// ---- start ---------------------------------------------------------------------------------------

async function boot() {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/app/sw.js', { scope: '/app' }).catch(() => {});
  setInterval(tick, 1000);
  device = await store('get').catch(() => null);
  if (location.hash.startsWith('#enroll=')) {
    show('view-link');
    $('link-name').value = guessName();
    say(device ? 'This replaces the device set up here before.' : '');
    return;
  }
  if (!device) {
    show('view-enroll');
    $('enroll-name').value = guessName();
    return;
  }
  if (await login()) await main();
}

boot();
