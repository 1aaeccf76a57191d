// signin_enumeration.mjs — how long a sign-in with an unknown email takes next to one
// with a wrong password, against the real argon2id parameters (no user enumeration by
// time; docs/EMAIL.md). A benchmark row (`signin-enumeration`), not a test: the test
// suite checks the same property without a clock (email_enumeration.test.mjs: the same
// status, body and argon2id count). The two kinds alternate, one request at a time, the
// order flipped each round so drift hits both alike. Prints one BENCH_RESULT line: the
// unknown-email latencies as the row's percentiles, and in the note the wrong password's
// p50/p99, the ratio of the medians and a Mann-Whitney z (|z| < 2: no difference seen).
//   BENCH_AUTHGATE_URL, BENCH_API_KEY, BENCH_EMAILS (accounts with benchPassword1);
//   BENCH_ENUM_ROUNDS (default 200) rounds of one of each.
import { percentiles, result } from './push_lib.mjs';

const url = process.env.BENCH_AUTHGATE_URL;
const key = process.env.BENCH_API_KEY;
const known = String(process.env.BENCH_EMAILS || '').split(',').filter(Boolean);
const rounds = Number(process.env.BENCH_ENUM_ROUNDS || 200);
if (!url || !key || !known.length) throw new Error('BENCH_AUTHGATE_URL, BENCH_API_KEY and BENCH_EMAILS are needed');

async function signin(email) {
  const t0 = performance.now();
  const r = await fetch(url + '/api/proxy/email/signin', {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'wrongPassword1' }),
  });
  const body = await r.text();
  const us = (performance.now() - t0) * 1000;
  if (r.status !== 401) throw new Error(`sign-in answered ${r.status}: ${body}`);
  return { us, body };
}

// Mann-Whitney U with the normal approximation (ties averaged); returns z.
function mannWhitneyZ(a, b) {
  const all = [...a.map((v) => [v, 0]), ...b.map((v) => [v, 1])].sort((x, y) => x[0] - y[0]);
  const ranks = new Array(all.length);
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1][0] === all[i][0]) j++;
    for (let k = i; k <= j; k++) ranks[k] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let ra = 0;
  all.forEach((x, i) => { if (x[1] === 0) ra += ranks[i]; });
  const n1 = a.length, n2 = b.length;
  const u = ra - (n1 * (n1 + 1)) / 2;
  return (u - (n1 * n2) / 2) / Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
}

for (let i = 0; i < 4; i++) { await signin(known[0]); await signin(`warmup${i}@bench.example`); }
const unknown = [], wrong = [];
const bodies = new Set();
const t0 = performance.now();
for (let i = 0; i < rounds; i++) {
  const kinds = i % 2 ? ['unknown', 'wrong'] : ['wrong', 'unknown'];
  for (const k of kinds) {
    const r = k === 'unknown' ? await signin(`nobody-${process.pid}-${i}@bench.example`) : await signin(known[i % known.length]);
    (k === 'unknown' ? unknown : wrong).push(r.us);
    bodies.add(r.body);
  }
}
const elapsedUs = (performance.now() - t0) * 1000;
const pu = percentiles(unknown), pw = percentiles(wrong);
const ms = (us) => (us / 1000).toFixed(2);
const note = `unknown-email-p50-${ms(pu.p50)}ms-p99-${ms(pu.p99)}ms;wrong-password-p50-${ms(pw.p50)}ms-p99-${ms(pw.p99)}ms;` +
  `median-ratio-${(pu.p50 / pw.p50).toFixed(3)};mann-whitney-z-${mannWhitneyZ(unknown, wrong).toFixed(2)};` +
  `bodies-${bodies.size === 1 ? 'same' : 'DIFFER'}`;
result({ requests: unknown.length + wrong.length, duration_us: Math.round(elapsedUs), ...pu, note });
