// Helpers for the factor tests: codes from oathtool (an independent TOTP
// implementation), session tokens for a fresh user, the user-facing factor API.
import { execFileSync } from 'node:child_process';
import { client, shiftClock, uniqueEmail } from './email.mjs';

// The TOTP code oathtool computes for a base32 secret at Unix time `secs`.
export function oathtool(secret, secs) {
  return execFileSync('oathtool', ['--totp', '-b', '-N', `@${Math.floor(secs)}`, secret], { encoding: 'utf8' }).trim();
}

// Put the server's clock in the middle of a fresh 30 s step, far from the real one so
// steps never collide between tests; returns the server's Unix time (s) right now.
let stepBase = Math.floor(Date.now() / 30000) + 1000;
export async function midStep(s, steps = 2) {
  stepBase += steps;
  const target = stepBase * 30 + 15;
  await shiftClock(s, target * 1000 - Date.now());
  return target;
}

// A user signed up with email + password; returns {email, password, token, user}.
export async function signUp(s, key) {
  const api = client(s, key);
  const email = uniqueEmail('mfa');
  const password = 'securePassword1';
  const r = await api('POST', '/api/proxy/email/signup', { email, password, name: 'Jane' });
  if (r.status !== 200) throw new Error(`signup: ${r.status} ${r.text}`);
  return { email, password, token: r.body.token, user: r.body.user };
}

// The user-facing API with a bearer credential (session token or mfa_token).
export function userApi(s, bearer) {
  return (method, path, body, headers = {}) => s.req(method, path, { body, headers: { Authorization: `Bearer ${bearer}`, ...headers } });
}

// Enroll and confirm TOTP; returns {factor, secret}.
export async function enrollTotp(s, bearer, now) {
  const u = userApi(s, bearer);
  const st = await u('POST', '/api/mfa/enroll/totp', { name: 'Phone app' });
  if (st.status !== 201) throw new Error(`enroll totp: ${st.status} ${st.text}`);
  const c = await u('POST', `/api/mfa/factors/${st.body.id}/confirm`, { code: oathtool(st.body.secret, now) });
  if (c.status !== 200) throw new Error(`confirm totp: ${c.status} ${c.text}`);
  return { factor: c.body.factor, secret: st.body.secret, confirm: c.body };
}
