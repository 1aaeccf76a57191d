// Seed 004's samples, verbatim (../shared/seeds/004_27b05de3f82c46d0.txt, as the seed
// prints them: its indentation was lost), with their base URL as SEED_BASE. Tests swap
// only that string for the server's URL (`asIs`) and run them with curl, Node's fetch
// and Python's `requests` (Debian's python3-requests) — the brief's rule: a client
// written from the seed works with only the base URL changed.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const execFileP = promisify(execFile);
export const SEED_BASE = 'https://api.agnt.gg';

export const CURL_MAGIC_REQUEST = `curl -X POST https://api.agnt.gg/users/auth/magic-link/request \\
-H "Content-Type: application/json" \\
-d '{"email": "user@example.com"}'`;

export const FETCH_MAGIC_REQUEST = `const response = await fetch('https://api.agnt.gg/users/auth/magic-link/request', {
method: 'POST',
headers: { 'Content-Type': 'application/json' },
body: JSON.stringify({ email: 'user@example.com' }),
});
const data = await response.json();`;

export const PYTHON_MAGIC_REQUEST = `import requests
response = requests.post(
'https://api.agnt.gg/users/auth/magic-link/request',
json={'email': 'user@example.com'}
)
data = response.json()`;

export const FETCH_WITH_API_KEY = `fetch('https://api.agnt.gg/agents', {
headers: {
'X-API-Key': 'agnt_sk_1234567890abcdef',
},
});`;

export const AGNT_AUTH_CLASS = `class AgntAuth {
constructor() {
this.token = null;
this.user = null;
}
async requestMagicLink(email) {
const response = await fetch('https://api.agnt.gg/users/auth/magic-link/request', {
method: 'POST',
headers: { 'Content-Type': 'application/json' },
body: JSON.stringify({ email }),
});
if (!response.ok) {
throw new Error('Failed to send magic link');
}
return await response.json();
}
async verifyMagicLink(email, code) {
const response = await fetch('https://api.agnt.gg/users/auth/magic-link/verify', {
method: 'POST',
headers: { 'Content-Type': 'application/json' },
body: JSON.stringify({ email, code }),
});
if (!response.ok) {
throw new Error('Magic link verification failed');
}
const data = await response.json();
this.token = data.token;
this.user = data.user;
// Store securely
this.storeToken(data.token);
return data;
}
async makeAuthenticatedRequest(url, options = {}) {
if (!this.token) {
throw new Error('Not authenticated');
}
const response = await fetch(url, {
...options,
headers: {
...options.headers,
Authorization: \`Bearer \${this.token}\`,
},
});
if (response.status === 401) {
// Token expired, clear and redirect
this.logout();
throw new Error('Session expired');
}
return response;
}
storeToken(token) {
// Implement secure storage
sessionStorage.setItem('agnt_token', token);
}
logout() {
this.token = null;
this.user = null;
sessionStorage.removeItem('agnt_token');
}
}`;

export function asIs(snippet, base) {
  return snippet.split(SEED_BASE).join(base);
}

// Run a curl sample through bash; resolves its stdout.
export async function runCurl(snippet, base) {
  const { stdout } = await execFileP('bash', ['-c', asIs(snippet, base).replace(/^curl /, 'curl -s ')]);
  return stdout;
}

// Run JavaScript (a sample, then `tail`) in this process as an async function whose
// globals are Node's (fetch) plus a sessionStorage; resolves what tail returns.
export async function runJs(snippet, base, tail, scope = {}) {
  const storage = new Map();
  const sessionStorage = { setItem: (k, v) => storage.set(k, String(v)), getItem: (k) => storage.get(k) ?? null,
    removeItem: (k) => storage.delete(k) };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const names = ['sessionStorage', ...Object.keys(scope)];
  const fn = new AsyncFunction(...names, `${asIs(snippet, base)}\n${tail}`);
  return fn(sessionStorage, ...Object.values(scope));
}

// Run a Python sample with Debian's python3 (and its python3-requests), then `tail`
// (Python code, e.g. print(json.dumps(data))); resolves stdout.
export async function runPython(snippet, base, tail) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ag-py-'));
  try {
    const file = path.join(dir, 'sample.py');
    writeFileSync(file, `import json\n${asIs(snippet, base)}\n${tail}\n`);
    const env = { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
    const { stdout } = await execFileP('/usr/bin/python3', [file], { env });
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
