// The Next.js route handlers (fetch Request -> Response) against the real binary: the
// seed 001 sample through /api/auth/email/signup with the locale, the HttpOnly session
// cookie, verify, sign-in with the MFA step, the magic-link callback, refusals of
// cross-site posts and open redirects, error mapping with Retry-After, sign-out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../../tests/lib/server.mjs';
import { startMailbox, codeOf, linkOf } from '../../../tests/lib/mailbox.mjs';
import { RELAXED, uniqueEmail, patchProject } from '../../../tests/lib/email.mjs';
import { oathtool } from '../../../tests/lib/factors.mjs';
import { load } from './lib.mjs';

const APP = 'http://localhost:3000';
const SECRET = 'test-session-secret-0123456789abcdef';
let s, mb, next, sdk, h, project;

before(async () => {
  next = await load('next');
  sdk = await load('sdk');
  mb = await startMailbox();
  s = await startServer({ ...mb.env, ...RELAXED });
  project = await s.project('next-app', { origins: [APP], callbacks: [`${APP}/api/auth/callback`] });
  h = next.createAuthHandlers({ authgateUrl: s.url, apiKey: project.key, appId: 'next-app', session: { secret: SECRET }, afterSignInPath: '/home' });
});
after(async () => { await s?.cleanup(); await mb?.close(); });

const post = (route, body, { cookie, headers = {} } = {}) =>
  h.POST(new Request(`${APP}/api/auth/${route}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Origin: APP, ...(cookie ? { Cookie: cookie } : {}), ...headers } }));
const get = (route, cookie) => h.GET(new Request(`${APP}/api/auth/${route}`, { headers: cookie ? { Cookie: cookie } : {} }));
const cookieOf = (res) => (res.headers.get('set-cookie') || '').split(';')[0];

test('seed 001 sample: POST /api/auth/email/signup with locale → user, sealed HttpOnly cookie, no token in the page', async () => {
  const email = uniqueEmail('next');
  const res = await post('email/signup', { email, password: 'securePassword1', locale: 'it' });
  assert.equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  assert.equal(body.user.email, email);
  assert.equal(body.token, undefined, 'the AuthGate token stays on the server');
  const set = res.headers.get('set-cookie');
  assert.match(set, /^authgate_session=v1\.[\w-]+\.[\w-]+; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax$/, 'no Secure on http://localhost');
  assert.ok(!set.includes(email), 'sealed: the cookie does not show the user');
  const mail = await mb.next(email);
  assert.match(mail.subject, /codice|verific/i, 'the locale reached AuthGate');
  const who = await (await get('session', cookieOf(res))).json();
  assert.equal(who.user.email, email);
  assert.equal(who.canManageFactors, true);
  // A tampered cookie is no session.
  const bad = cookieOf(res).slice(0, -4) + 'AAAA';
  assert.equal((await (await get('session', bad)).json()).user, null);
  // verify through the proxy: the cookie is replaced by one with email_verified
  const v = await post('email/verify', { email, code: codeOf(mail) });
  assert.equal((await v.json()).user.email_verified, true);
  const out = await post('signout', {}, { cookie: cookieOf(v) });
  assert.match(out.headers.get('set-cookie'), /^authgate_session=; .*Max-Age=0/);
});

test('sign-in with the MFA step through mfa/verify; refusals keep AuthGate\'s code and status', async () => {
  const email = uniqueEmail('nextmfa');
  const ag = new sdk.AuthGate({ baseUrl: s.url, apiKey: project.key });
  const up = await ag.emailSignup({ email, password: 'securePassword1' });
  const t = await ag.factors(up.token).enrollTotp();
  await ag.factors(up.token).confirm(t.id, oathtool(t.secret, Date.now() / 1000));
  await patchProject(s, 'next-app', { mfa: 'optional' });
  try {
    const r = await post('email/signin', { email, password: 'securePassword1' });
    const step = await r.json();
    assert.equal(step.mfa_required, true);
    assert.equal(r.headers.get('set-cookie'), null, 'no session before the second factor');
    const wrong = await post('mfa/verify', { mfa_token: step.mfa_token, method: 'totp', code: '000000' });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error, 'invalid_code');
    const ok = await post('mfa/verify', { mfa_token: step.mfa_token, method: 'totp', code: oathtool(t.secret, Date.now() / 1000 + 30) });
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal((await (await get('session', cookieOf(ok))).json()).user.email, email);
  } finally {
    await patchProject(s, 'next-app', { mfa: 'off' });
  }
});

test('magic link: email/magic-link/send with the default callback, then GET callback sets the cookie and redirects', async () => {
  const email = uniqueEmail('nextml');
  const r = await post('email/magic-link/send', { email });
  assert.equal(r.status, 200, await r.clone().text());
  const link = linkOf(await mb.next(email));
  const landing = await fetch(s.url + '/api/proxy/email/magic-link/verify', { method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: new URL(link).searchParams.get('token') }).toString() });
  const back = new URL(landing.headers.get('location'));
  assert.equal(back.origin + back.pathname, `${APP}/api/auth/callback`);
  const cb = await h.GET(new Request(back.toString()));
  assert.equal(cb.status, 303);
  assert.equal(cb.headers.get('location'), `${APP}/home`);
  assert.equal((await (await get('session', cookieOf(cb))).json()).user.email, email);
  // An open redirect through ?next= is not possible; a bad token signs nobody in.
  for (const nx of ['//evil.example/', '/\\evil.example', 'https://evil.example/']) {
    const x = await h.GET(new Request(`${APP}/api/auth/callback?token=x.y.z&next=${encodeURIComponent(nx)}`));
    assert.equal(x.status, 303);
    assert.equal(new URL(x.headers.get('location')).origin, APP);
    assert.equal(x.headers.get('set-cookie'), null);
  }
});

test('login CSRF: a form post or a post from another site is refused; unknown routes 404', async () => {
  const form = await h.POST(new Request(`${APP}/api/auth/email/signin`, { method: 'POST', body: 'email=a&password=b', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://evil.example' } }));
  assert.equal(form.status, 415);
  const other = await post('email/signin', { email: 'a@b.co', password: 'x' }, { headers: { Origin: 'https://evil.example' } });
  assert.equal(other.status, 403);
  assert.equal((await other.json()).error, 'origin_not_allowed');
  assert.equal((await post('nope', {})).status, 404);
  assert.equal((await post('email/signin', '[1]')).status, 400);
  // passkey registration needs a session
  assert.equal((await post('passkey/register/options', {})).status, 401);
});

test('POST session exchanges an AuthGate token (push, browser passkeys) for the app session; junk is refused', async () => {
  const ag = new sdk.AuthGate({ baseUrl: s.url, apiKey: project.key });
  const up = await ag.emailSignup({ email: uniqueEmail('nextsess'), password: 'securePassword1' });
  const r = await post('session', { token: up.token });
  assert.equal(r.status, 200);
  assert.equal((await r.json()).user.id, up.user.id);
  const bad = await post('session', { token: up.token + 'x' });
  assert.equal(bad.status, 401);
  assert.equal(bad.headers.get('set-cookie'), null);
});
