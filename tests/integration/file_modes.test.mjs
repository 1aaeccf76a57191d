// Files AuthGate creates hold secrets (the SQLite database, its -wal/-shm, the master
// key): owner-only whatever the umask it was started with, and files left readable by
// an older version are tightened on start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/server.mjs';

const mode = (f) => statSync(f).mode & 0o777;
const FILES = ['authgate.db', 'authgate.db-wal', 'authgate.db-shm', 'master.key'];

test('the data dir, database, its WAL files and the master key are owner-only under umask 022', async () => {
  const old = process.umask(0o022); // the server inherits it, as from a login shell
  let s;
  try {
    s = await startServer({ AUTHGATE_DEV: 'true' });
  } finally {
    process.umask(old);
  }
  try {
    await s.project('modes-app'); // the CLI writes too (another process, same umask)
    assert.equal(mode(s.dataDir) & 0o077, 0, 'data dir');
    for (const f of FILES) {
      const p = path.join(s.dataDir, f);
      assert.ok(existsSync(p), `${f} exists`);
      assert.equal(mode(p), 0o600, `${f} is ${mode(p).toString(8)}`);
    }
  } finally {
    await s.cleanup();
  }
});

test('a database left group/other-readable is tightened on start', async () => {
  const s = await startServer({ AUTHGATE_DEV: 'true' });
  const dataDir = s.dataDir;
  await s.stop();
  for (const f of FILES) if (existsSync(path.join(dataDir, f))) chmodSync(path.join(dataDir, f), 0o644);
  const again = await startServer({ AUTHGATE_DEV: 'true' }, { dataDir });
  try {
    for (const f of FILES) {
      const p = path.join(dataDir, f);
      if (existsSync(p)) assert.equal(mode(p), 0o600, `${f} is ${mode(p).toString(8)}`);
    }
    assert.ok(again.logLines().some((l) => /authgate\.db was readable by group\/others: now mode 600/.test(l.msg)));
  } finally {
    await again.cleanup();
    await s.cleanup();
  }
});
