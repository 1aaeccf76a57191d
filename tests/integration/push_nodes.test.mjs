// Push sign-in across two nodes on one PostgreSQL: a waiter on one node is answered by
// an approval made on the other (NOTIFY carries the event; the waiting node claims the
// token, so it still goes out once), and a phone's stream on one node sees sign-ins
// started on the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshPgDatabase, startServer } from '../lib/server.mjs';
import { Device, mailbox, sseReader, start, waitFor, waiters } from '../lib/push.mjs';

const skip = !process.env.AUTHGATE_TEST_PG_URL && 'needs AUTHGATE_TEST_PG_URL (tests/run_all.sh starts PostgreSQL)';

test('an approval on node A answers the long-poll and the stream waiting on node B', { skip }, async () => {
  const mb = await mailbox();
  const env = {
    ...mb.env,
    AUTHGATE_DATABASE_URL: await freshPgDatabase(),
    AUTHGATE_MASTER_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=', // every node needs the same
  };
  const a = await startServer(env);
  const b = await startServer(env);
  try {
    const p = await a.project('nodes-app');
    const phone = await Device.create();
    await phone.enroll(a, mb, 'nodes@example.com');

    // The phone listens on B; the sign-in starts on A.
    const stream = sseReader(await b.fetch(`/app/api/events?token=${encodeURIComponent(phone.token)}`));
    assert.equal((await stream.next()).event, 'requests');
    await waitFor(async () => (await waiters(b)) === 1, 'the phone stream attached on B');
    const st = (await start(a, p.appId, phone.email)).body;
    const ev = await stream.next();
    assert.equal(ev.event, 'request');
    assert.equal(ev.data.app_id, p.appId);

    // The login screen waits on B (a long-poll and a stream); the phone approves on A.
    const poll = b.req('GET', `/auth/check/${st.session_id}?wait=25`);
    const es = sseReader(await b.fetch(`/auth/check/${st.session_id}`, { headers: { Accept: 'text/event-stream' } }));
    assert.equal((await es.next()).data.status, 'pending');
    await waitFor(async () => (await waiters(b)) === 3, 'the long-poll and the stream parked on B');
    const d = await phone.decide(a, ev.data.request_id, 'approve', st.code);
    assert.equal(d.status, 200, d.text);
    const r = await poll;
    assert.equal(r.body.status, 'approved', 'answered by the approval, not by its 25 s deadline');
    assert.ok(r.body.token);
    const sse = await es.next();
    assert.equal(sse.data.status, 'approved');
    assert.equal(sse.data.token, r.body.token, 'one token for every waiter');
    const resolved = await stream.next();
    assert.equal(resolved.event, 'resolved');
    // Handed out once, across nodes.
    assert.equal((await a.req('GET', `/auth/check/${st.session_id}`)).body.token_claimed, true);
    assert.equal((await b.req('GET', `/auth/check/${st.session_id}`)).body.token_claimed, true);
    const v = await a.req('GET', `/auth/verify?token=${r.body.token}`);
    assert.equal(v.body.user.email, 'nodes@example.com');
    stream.cancel();
  } finally {
    await a.cleanup();
    await b.cleanup();
    await mb.close();
  }
});
