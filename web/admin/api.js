// api.js — the dashboard speaks only the JSON admin API (/admin/api, documented in
// /openapi.json). The session cookie is HttpOnly: this module never sees it; it sends
// the session's CSRF token with every change, as the server requires.

let csrf = null;
const listeners = new Set();

export function setCsrf(token) { csrf = token; }

// Called with no arguments when the server says the session is over.
export function onSignedOut(fn) { listeners.add(fn); }

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'AuthGate cannot be reached: check the server and your connection');
  }
  let data = null;
  const text = await res.text();
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = new ApiError(res.status, data?.error, data?.message);
    if (res.status === 401 && !path.endsWith('/admin/api/session')) listeners.forEach((fn) => fn());
    throw err;
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);
export const put = (path, body) => api('PUT', path, body);

// Path segment escaping for ids typed by people.
export const seg = (s) => encodeURIComponent(s);

// A query string from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
