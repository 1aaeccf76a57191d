// dom.js — small helpers to build the dashboard's DOM without innerHTML (text from the
// server and from people is always set as text), labelled fields, confirmation
// dialogs, copy buttons, times.
import { get, query } from './api.js';

// h('button', {class: 'x', onclick: fn}, 'text', child, ...)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'selected' || k === 'required') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
export const newId = (p = 'f') => `${p}-${++uid}`;

// A labelled control with an optional hint and a live message, wired with
// aria-describedby so screen readers read them with the control.
export function field(label, control, { hint, className } = {}) {
  control.id ||= newId();
  const msg = h('p', { class: 'field-msg', id: newId('m'), 'aria-live': 'polite' });
  const parts = [h('label', { for: control.id }, label), control];
  const described = [msg.id];
  if (hint) {
    const hp = h('p', { class: 'hint', id: newId('h') }, hint);
    parts.push(hp);
    described.unshift(hp.id);
  }
  parts.push(msg);
  control.setAttribute('aria-describedby', described.join(' '));
  const wrap = h('div', { class: `field ${className || ''}` }, parts);
  wrap.control = control;
  wrap.message = (text, kind = 'error') => {
    msg.textContent = text || '';
    msg.className = `field-msg ${text ? kind : ''}`;
    control.setAttribute('aria-invalid', text && kind === 'error' ? 'true' : 'false');
  };
  return wrap;
}

export function section(title, ...children) {
  const id = newId('s');
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), children);
}

// The page's status line (role=status): short news after an action.
export function say(text, kind = 'ok') {
  const s = document.getElementById('status');
  s.textContent = text || '';
  s.className = `status ${text ? kind : ''}`;
}

export function fail(err) {
  say(err?.message || String(err), 'error');
}

// A modal confirmation (the native <dialog>: focus trapped, Escape cancels).
export function confirmDialog(title, text, okLabel = 'Confirm') {
  const d = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  d.returnValue = '';
  return new Promise((resolve) => {
    d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
    d.showModal();
  });
}

// A button that copies text (and says so).
export function copyButton(getText, label = 'Copy') {
  const b = h('button', { type: 'button', class: 'quiet small' }, label);
  b.addEventListener('click', async () => {
    const text = typeof getText === 'function' ? getText() : getText;
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = 'Copied';
    } catch {
      b.textContent = 'Select and copy it';
    }
    setTimeout(() => { b.textContent = label; }, 2000);
  });
  return b;
}

// A secret shown once: monospace, selectable, a copy button and a warning.
export function secretBox(label, value, note) {
  const code = h('code', { class: 'secret', tabindex: '0' }, value);
  return h('div', { class: 'secret-box', role: 'group', 'aria-label': label },
    h('p', { class: 'secret-label' }, label), h('div', { class: 'row' }, code, copyButton(value)),
    note ? h('p', { class: 'hint warn' }, note) : null);
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function timeEl(iso) {
  return iso ? h('time', { datetime: iso }, fmtTime(iso)) : '—';
}

export function badge(text, kind = '') {
  return h('span', { class: `badge ${kind}` }, text);
}

// A table with a caption; rows are arrays of cells (strings or nodes).
export function table(caption, headers, rows, { empty = 'Nothing yet.' } = {}) {
  if (!rows.length) return h('p', { class: 'muted' }, empty);
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', { class: 'sr-only' }, caption),
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))))));
}

// Ask the server whether value is a valid `kind` (origin, callback_url, webhook_url)
// as the operator types: the server's own rules, debounced. onResult(valid, message).
export function validateAsYouType(input, kind, onResult) {
  let timer, seq = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const value = input.value.trim();
    if (!value) { onResult(null, ''); return; }
    const mine = ++seq;
    timer = setTimeout(async () => {
      try {
        const r = await get(`/admin/api/validate${query({ kind, value })}`);
        if (mine === seq) onResult(r.valid, r.message || '');
      } catch (e) {
        if (mine === seq) onResult(false, e.message);
      }
    }, 200);
  });
}

// Disable a button while an action runs; report its error in the status line.
export async function busy(button, fn) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (e) {
    fail(e);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}
