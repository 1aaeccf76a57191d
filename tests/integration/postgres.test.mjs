// Several nodes on one PostgreSQL: a key revoked on one node stops working on the
// other at once (LISTEN/NOTIFY invalidates the other node's cache), projects created
// on one are served by the other, and both apply migrations safely when they start
// together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freshPgDatabase } from '../lib/server.mjs';

const skip = !process.env.AUTHGATE_TEST_PG_URL && 'needs AUTHGATE_TEST_PG_URL (tests/run_all.sh starts PostgreSQL)';
const bearer = (k) => ({ Authorization: `Bearer ${k}` });

test('two nodes share projects and see revocations at once', { skip }, async () => {
  const url = await freshPgDatabase();
  const key = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY='; // both nodes need the same master key
  const env = { AUTHGATE_DATABASE_URL: url, AUTHGATE_MASTER_KEY: key };
  const [a, b] = await Promise.all([startServer(env), startServer(env)]);
  try {
    const r = await a.req('GET', '/readyz');
    assert.equal(r.body.store, 'postgres');
    const { key: apiKey, keyId, appId } = await a.project('pg-app');
    // Warm node b's cache with the key, then revoke through node a's admin API.
    assert.equal((await b.req('GET', '/api/v1/project', { headers: bearer(apiKey) })).body.app_id, appId);
    const admin = bearer(await a.adminToken());
    assert.equal((await a.req('DELETE', `/admin/api/projects/${appId}/keys/${keyId}`, { headers: admin })).status, 200);
    let status;
    for (let i = 0; i < 50; i++) { // NOTIFY arrives within milliseconds; allow a slow machine
      status = (await b.req('GET', '/api/v1/project', { headers: bearer(apiKey) })).status;
      if (status === 401) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(status, 401);
    // Settings changed on one node are served by the other.
    await a.req('PATCH', `/admin/api/projects/${appId}`, { headers: admin, body: { name: 'Renamed' } });
    const k2 = await a.cliJSON('apikey', 'create', appId);
    let name;
    for (let i = 0; i < 50; i++) {
      name = (await b.req('GET', '/api/v1/project', { headers: bearer(k2.key) })).body?.name;
      if (name === 'Renamed') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(name, 'Renamed');
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});
