// A cookie-keeping HTTP client that walks a real `oidc-provider`'s development login
// and consent pages the way a browser would (GET, follow redirects by hand, fill and
// submit the forms), for tests that need many OAuth round trips without Chromium. The
// browser suite (tests/browser/oauth.test.mjs) covers the same pages in Chromium.
import assert from 'node:assert/strict';

export class Agent {
  constructor() {
    this.jar = new Map(); // host -> Map(name -> value)
  }

  cookies(url) {
    const m = this.jar.get(new URL(url).host);
    return m ? [...m].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  keep(url, res) {
    const host = new URL(url).host;
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim(), value = pair.slice(i + 1).trim();
      if (!this.jar.has(host)) this.jar.set(host, new Map());
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired) this.jar.get(host).delete(name);
      else this.jar.get(host).set(name, value);
    }
  }

  async fetch(url, init = {}) {
    const headers = { ...(init.headers || {}) };
    const c = this.cookies(url);
    if (c) headers.Cookie = c;
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.keep(url, res);
    return res;
  }

  // Follow redirects and the provider's forms (signing in as `login`, consenting) from
  // `start` until the next location starts with `stop`; returns that URL, unfetched.
  async walk(start, login, stop) {
    let res = await this.fetch(start);
    let url = start;
    for (let i = 0; i < 25; i++) {
      if (res.status >= 300 && res.status < 400) {
        const loc = new URL(res.headers.get('location'), url).toString();
        if (loc.startsWith(stop)) return loc;
        url = loc;
        res = await this.fetch(url);
        continue;
      }
      const html = await res.text();
      const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
      if (res.status !== 200 || !form) throw new Error(`stuck at ${url} (${res.status}): ${html.slice(0, 400)}`);
      const body = new URLSearchParams();
      for (const m of form[2].matchAll(/<input[^>]*name="([^"]+)"[^>]*>/g)) {
        const val = /value="([^"]*)"/.exec(m[0]);
        body.set(m[1], m[1] === 'login' ? login : m[1] === 'password' ? 'any password' : val ? val[1] : '');
      }
      url = new URL(form[1].replace(/&amp;/g, '&'), url).toString();
      res = await this.fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    }
    throw new Error(`too many steps from ${start}`);
  }
}

const unescape = (v) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// The form of the page AuthGate's connection callback (GET /auth/callback/{provider}) shows: {action (absolute), fields}.
export function confirmForm(url, html) {
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(html);
  assert.ok(form, `no confirmation form in: ${html}`);
  const fields = {};
  for (const m of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = unescape(m[2]);
  return { action: new URL(unescape(form[1]), url).toString(), fields };
}

// Submit it as the page's own button would (decision connect | cancel).
export function submitConfirm(agent, { action, fields }, decision = 'connect', headers = {}) {
  return agent.fetch(action, { method: 'POST', body: new URLSearchParams({ ...fields, decision }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } });
}
