// signin.mjs — sign-in throughput at 1, 2 and 4 concurrent clients against the machine's
// argon2id limit (cores / one hash's time, from bench/argon2_limit), and token-verify
// latency (wrk, p50/p99) alone and while sign-in saturates the CPU. A benchmark, not a
// test: it prints a table (and --json prints one JSON object).
//   node bench/signin.mjs --url http://127.0.0.1:PORT --key agk_... --token <session JWT>
//        --emails a@x,b@x --password P --limit 104.2 [--duration 8] [--json]
// bench/email.sh sets everything up; docs/EMAIL.md explains the figures.
import { spawnSync, spawn } from 'node:child_process';
import path from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : true]);
  return acc;
}, []));
const url = args.url, key = args.key, token = args.token, password = args.password;
const emails = String(args.emails).split(',');
const limit = Number(args.limit);
const duration = Number(args.duration || 8) * 1000;
const here = path.dirname(new URL(import.meta.url).pathname);

async function signinLoop(clients, ms) {
  let ok = 0, other = 0;
  const lat = [];
  const end = Date.now() + ms;
  const one = async (i) => {
    let n = i;
    while (Date.now() < end) {
      const email = emails[n++ % emails.length];
      const t0 = performance.now();
      const r = await fetch(url + '/api/proxy/email/signin', {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      await r.arrayBuffer();
      lat.push(performance.now() - t0);
      if (r.status === 200) ok++; else other++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, i) => one(i)));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { clients, rps: ok / secs, errors: other, p50: lat[lat.length >> 1], p99: lat[Math.floor(lat.length * 0.99)] };
}

function parseWrk(out) {
  const ms = (v, u) => Number(v) * (u === 's' ? 1000 : u === 'us' ? 0.001 : 1);
  const pick = (p) => { const m = out.match(new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`)); return m ? ms(m[1], m[2]) : NaN; };
  const rps = out.match(/Requests\/sec:\s+([\d.]+)/);
  const non2xx = out.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  return { rps: rps ? Number(rps[1]) : NaN, p50: pick('50'), p99: pick('99'), non2xx: non2xx ? Number(non2xx[1]) : 0 };
}

function wrkArgs(secs) {
  return ['-t1', '-c4', `-d${secs}s`, '--latency', '-s', path.join(here, 'token_verify.lua'), url + '/api/v1/token/verify'];
}
const env = { ...process.env, BENCH_API_KEY: key, BENCH_TOKEN: token };

const results = { limit_per_s: limit, signin: [], verify_alone: null, verify_under_signin: null };
results.verify_alone = parseWrk(spawnSync('wrk', wrkArgs(Math.max(2, duration / 2000)), { env, encoding: 'utf8' }).stdout);
for (const c of [1, 2, 4]) results.signin.push(await signinLoop(c, duration));
// verify latency while 4 sign-in clients keep every core hashing
const secs = Math.max(2, Math.floor(duration / 1000) - 2);
const wrkOut = new Promise((resolve) => {
  const p = spawn('wrk', wrkArgs(secs), { env });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  p.on('close', () => resolve(out));
});
const [load, out] = await Promise.all([signinLoop(4, duration), new Promise((r) => setTimeout(r, 1000)).then(() => wrkOut)]);
results.verify_under_signin = { ...parseWrk(out), signin_rps: load.rps };

if (args['bench-result']) {
  // one line for bench/run.sh's `measure` rows: the 4-client sign-in phase
  const c4 = results.signin[2], secs = duration / 1000;
  const u = results.verify_under_signin;
  const pct = (r) => (100 * r.rps / limit).toFixed(0);
  const note = `argon2id-limit-${limit.toFixed(1)}/s;` +
    results.signin.map((r) => `${r.clients}-client${r.clients > 1 ? 's' : ''}-${r.rps.toFixed(1)}/s-${pct(r)}%`).join(';') +
    `;verify-p99-alone-${results.verify_alone.p99.toFixed(2)}ms;verify-p99-during-signin-${u.p99.toFixed(2)}ms`;
  console.log(`BENCH_RESULT requests=${Math.round(c4.rps * secs)} duration_us=${Math.round(secs * 1e6)} note=${note}`);
}
if (args.json) {
  console.log(JSON.stringify(results));
} else {
  console.log(`argon2id limit (cores / one hash): ${limit.toFixed(1)} sign-ins/s`);
  console.log('clients  sign-in/s  % of limit  p50 ms  p99 ms  errors');
  for (const r of results.signin)
    console.log(`${String(r.clients).padStart(7)}  ${r.rps.toFixed(1).padStart(9)}  ${(100 * r.rps / limit).toFixed(0).padStart(9)}%  ${r.p50.toFixed(1).padStart(6)}  ${r.p99.toFixed(1).padStart(6)}  ${r.errors}`);
  const a = results.verify_alone, b = results.verify_under_signin;
  console.log(`token verify alone:            ${a.rps.toFixed(0)} req/s, p50 ${a.p50.toFixed(2)} ms, p99 ${a.p99.toFixed(2)} ms`);
  console.log(`token verify during sign-in:   ${b.rps.toFixed(0)} req/s, p50 ${b.p50.toFixed(2)} ms, p99 ${b.p99.toFixed(2)} ms (sign-in ${b.signin_rps.toFixed(1)}/s)`);
}
