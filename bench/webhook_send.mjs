// webhook_send.mjs — approval -> webhook received. A receiver on loopback is registered
// for the bench project (run.sh sets AUTHGATE_ALLOW_PRIVATE_NETWORK); each round starts a
// push sign-in, sends the device's signed approval and times until the receiver has the
// signed POST. Includes the approval's own work; the outbox worker is woken at commit.
// Rounds: BENCH_PUSH_ROUNDS (default 400).
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentiles, phones, req, result } from './push_lib.mjs';

const rounds = Number(process.env.BENCH_PUSH_ROUNDS || 400);
let waiting = null;
const rx = http.createServer((r, res) => {
  r.resume();
  r.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"received":true}');
    if (waiting) { const w = waiting; waiting = null; w(performance.now()); }
  });
});
await new Promise((r) => rx.listen(0, '127.0.0.1', r));
const key = { Authorization: `Bearer ${process.env.BENCH_API_KEY}` };
const wh = await req('POST', '/api/webhooks', { body: { url: `http://127.0.0.1:${rx.address().port}/hook` }, headers: key });
if (wh.status !== 201) throw new Error(`register: ${wh.status} ${wh.text}`);

const devs = await phones(rounds, 'webhook');
const samples = [];
let errors = 0;
const t0 = performance.now();
for (let i = 0; i < rounds; i++) {
  const dev = devs[Math.floor(i / 25)];
  const st = await req('POST', '/auth/start', { body: { app_id: 'bench', email: dev.email } });
  if (st.status !== 200) { errors++; continue; }
  const rid = await dev.requestId();
  const body = await dev.approval(rid, st.body.code);
  const got = new Promise((r) => { waiting = r; });
  const sent = performance.now();
  const d = await req('POST', `/app/api/requests/${rid}/decision`, { body });
  if (d.status !== 200) { errors++; waiting = null; continue; }
  samples.push((await got - sent) * 1000);
}
const dur = Math.round((performance.now() - t0) * 1000);
await req('DELETE', `/api/webhooks/${wh.body.id}`, { headers: key });
result({ requests: samples.length, duration_us: dur, ...percentiles(samples), status: errors, note: 'webhook-received-after-approval-sent' });
rx.close();
process.exit(0);
