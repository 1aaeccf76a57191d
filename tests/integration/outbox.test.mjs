// The outbox at rest: a queued job's payload (which may hold codes and links) is
// sealed under the master key, not stored in clear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startServer } from '../lib/server.mjs';

async function closedPort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

test('a pending mail job is sealed at rest', async () => {
  // An SMTP server that is down keeps the job pending in the outbox.
  const s = await startServer({ AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${await closedPort()}`, AUTHGATE_SMTP_TLS: 'off' });
  try {
    const { appId } = await s.project('seal-app');
    const admin = { Authorization: `Bearer ${await s.adminToken()}` };
    const to = `sealed-${Date.now()}@recipient.example`;
    const r = await s.req('POST', `/admin/api/projects/${appId}/test-mail`, { headers: admin, body: { to } });
    assert.equal(r.status, 202, r.text);
    const jobs = await s.req('GET', '/admin/api/outbox?status=pending', { headers: admin });
    assert.ok(jobs.body.jobs.some((j) => j.id === r.body.id), jobs.text);
    const files = readdirSync(s.dataDir).filter((f) => f.startsWith('authgate.db'));
    const bytes = Buffer.concat(files.map((f) => readFileSync(path.join(s.dataDir, f))));
    assert.equal(bytes.indexOf(to), -1, 'the recipient is stored in clear');
  } finally {
    await s.cleanup();
  }
});
