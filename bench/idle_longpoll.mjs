// idle_longpoll.mjs PID — how many idle long-polls the server holds and its memory. Opens
// BENCH_IDLE (default 10000) connections, each parked on GET /auth/check/{id}?wait=30 for
// its own code-only sign-in, checks the server holds them all (authgate_waiters), reads
// the server's RSS from /proc/PID/status before and with them, then closes them.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { req, result, sleep, waiters } from './push_lib.mjs';

const pid = process.argv[2];
const n = Number(process.env.BENCH_IDLE || 10000);
const rss = () => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)[1]);
const url = new URL(process.env.BENCH_AUTHGATE_URL);

// Sessions first (one each), so that opening the connections is all that is measured.
const sids = [];
for (let i = 0; i < n; i++) {
  const st = await req('POST', '/auth/start', { body: { app_id: 'bench', email: 'user' } });
  if (st.status !== 200) throw new Error(`start: ${st.status} ${st.text}`);
  sids.push(st.body.session_id);
}
await sleep(500);
const base = await waiters();
const before = rss();
const socks = [];
let failed = 0;
for (let i = 0; i < n; i++) {
  const s = net.connect(Number(url.port), url.hostname);
  s.on('error', () => { failed++; });
  s.write(`GET /auth/check/${sids[i]}?wait=30 HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
  socks.push(s);
  if (i % 500 === 499) await sleep(20); // do not overrun the listen backlog
}
const end = Date.now() + 20000;
let held = 0;
while (Date.now() < end && (held = (await waiters()) - base) < n - failed) await sleep(100);
await sleep(500);
const with_ = rss();
for (const s of socks) s.destroy();
const mb = (kb) => (kb / 1024).toFixed(0);
result({
  requests: held,
  status: failed,
  note: `held-${held}-idle-longpolls;rss-${mb(before)}MB-before-${mb(with_)}MB-with-them;${((with_ - before) / Math.max(held, 1)).toFixed(1)}KB-each`,
});
process.exit(0);
