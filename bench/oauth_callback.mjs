// oauth_callback.mjs — OAuth sign-in, AuthGate's side. A provider on loopback (the tests'
// programmable one: discovery, JWKS, token endpoint minting RS256 ID tokens) is set up as
// the bench project's "google"; each round is one whole sign-in: the start (302 to the
// provider), the provider's redirect, and the callback (code exchange over HTTP, ID token
// verified with the cached JWKS, user lookup, session token issued, 303 to the app).
// Latency percentiles are the callback request's, provider round trip included; the
// server CPU column of the table divided by the rounds is AuthGate's cost per sign-in
// (both requests). Rounds: BENCH_OAUTH_ROUNDS (default 1000).
import { performance } from 'node:perf_hooks';
import { startFakeProvider } from '../tests/lib/oauth_fake.mjs';
import { percentiles, result } from './push_lib.mjs';

const base = process.env.BENCH_AUTHGATE_URL;
const admin = { Authorization: `Bearer ${process.env.BENCH_ADMIN_TOKEN}`, 'Content-Type': 'application/json' };
const rounds = Number(process.env.BENCH_OAUTH_ROUNDS || 1000);
const cb = 'http://127.0.0.1:9/bench/callback';

const fake = await startFakeProvider({ clientId: 'bench-client' });
let r = await fetch(`${base}/admin/api/projects/bench`, { method: 'PATCH', headers: admin, body: JSON.stringify({ callback_urls: [cb] }) });
if (r.status !== 200) throw new Error(`patch: ${r.status} ${await r.text()}`);
r = await fetch(`${base}/admin/api/projects/bench/oauth/google`, { method: 'PUT', headers: admin,
  body: JSON.stringify({ client_id: fake.clientId, client_secret: fake.clientSecret, issuer: fake.issuer, enabled: true }) });
if (r.status !== 200) throw new Error(`configure: ${r.status} ${await r.text()}`);

const start = `${base}/api/proxy/google?callback_url=${encodeURIComponent(cb)}&app_id=bench`;
async function signIn(i) {
  fake.account = { sub: `bench-${i % 200}`, email: `oauth-bench${i % 200}@example.net`, email_verified: true, name: 'Bench', picture: 'https://img.example/b.png' };
  const s = await fetch(start, { redirect: 'manual' });
  const cookie = s.headers.get('set-cookie').split(';')[0];
  const back = (await fetch(s.headers.get('location'), { redirect: 'manual' })).headers.get('location');
  const t = performance.now();
  const c = await fetch(back, { redirect: 'manual', headers: { Cookie: cookie } });
  const us = (performance.now() - t) * 1000;
  const ok = c.status === 303 && c.headers.get('location').includes('?token=');
  if (!ok && process.env.BENCH_OAUTH_DEBUG) console.error(c.status, c.headers.get('location'));
  return { us, ok };
}

for (let i = 0; i < 20; i++) await signIn(i); // warm-up: discovery and JWKS cached, users exist
const samples = [];
let errors = 0;
const t0 = performance.now();
for (let i = 0; i < rounds; i++) {
  const { us, ok } = await signIn(i);
  if (ok) samples.push(us); else errors++;
}
const dur = Math.round((performance.now() - t0) * 1000);
result({ requests: samples.length, duration_us: dur, ...percentiles(samples), status: errors, note: 'whole-sign-ins;callback-latency-includes-provider' });
await fake.close();
process.exit(0);
