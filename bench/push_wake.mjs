// push_wake.mjs [longpoll|sse] — approval -> waiting client answered. For each round:
// start a push sign-in, park a long-poll (GET /auth/check/{id}?wait=30) or open an event
// stream on it, wait until the server holds it, then send the device's signed approval
// and time until the waiting client has the answer. The time includes the approval's own
// work (signature check, the decision's transaction with its outbox rows): an upper
// bound on the wake itself. Rounds: BENCH_PUSH_ROUNDS (default 400).
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { BASE, agent, percentiles, phones, req, result, untilWaiters } from './push_lib.mjs';

const mode = process.argv[2] || 'longpoll';
const rounds = Number(process.env.BENCH_PUSH_ROUNDS || 400);

function waitAnswer(sid) {
  return new Promise((resolve, reject) => {
    const headers = mode === 'sse' ? { Accept: 'text/event-stream' } : {};
    const path = mode === 'sse' ? `/auth/check/${sid}` : `/auth/check/${sid}?wait=30`;
    const r = http.get(BASE + path, { headers, agent: mode === 'sse' ? false : agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
        // SSE: the first event is "pending"; the answer is the event after it.
        if (mode === 'sse' && /"status":"(approved|denied)"/.test(text)) {
          resolve(performance.now());
          r.destroy();
        }
      });
      res.on('end', () => resolve(performance.now()));
    });
    r.on('error', (e) => { if (mode !== 'sse') reject(e); });
  });
}

const devs = await phones(rounds, `wake-${mode}`);
const samples = [], approvals = [];
let errors = 0;
const t0 = performance.now();
for (let i = 0; i < rounds; i++) {
  const dev = devs[Math.floor(i / 25)];
  const st = await req('POST', '/auth/start', { body: { app_id: 'bench', email: dev.email } });
  if (st.status !== 200) { errors++; continue; }
  const rid = await dev.requestId();
  const body = await dev.approval(rid, st.body.code);
  const answered = waitAnswer(st.body.session_id);
  await untilWaiters(1);
  const sent = performance.now();
  const d = await req('POST', `/app/api/requests/${rid}/decision`, { body });
  const decided = performance.now();
  if (d.status !== 200) { errors++; continue; }
  samples.push((await answered - sent) * 1000);
  approvals.push((decided - sent) * 1000);
}
const dur = Math.round((performance.now() - t0) * 1000);
// The approval request's own round trip, for scale: the waiter is answered before it.
const a = percentiles(approvals);
const ms = (us) => (us / 1000).toFixed(2);
result({
  requests: samples.length, duration_us: dur, ...percentiles(samples), status: errors,
  note: `${mode}-answered-after-approval-sent;the-approval-request-itself:p50=${ms(a.p50)}ms,p99=${ms(a.p99)}ms`,
});
agent.destroy();
