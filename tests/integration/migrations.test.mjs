// Upgrading a database made before migration 030 (users.email nullable): the database
// is built from the migration files up to 029 as an older binary left it, filled with a
// user an app named by id (the "~<id>" placeholder that version stored), users with
// addresses and rows that reference them; then `authgate migrate` runs. The placeholder
// becomes NULL, nothing else changes, no referencing row is lost (SQLite rebuilds the
// table with foreign keys off: a DROP with them on would cascade), the indexes and the
// per-project uniqueness of addresses are back. On SQLite, and on PostgreSQL when
// tests/run_all.sh started one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, freshPgDatabase } from '../lib/server.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const MIGRATIONS = path.join(root, 'src/store/migrations');
const BEFORE = 30;

// The files an engine applies below version 30, in order, and their versions.
function olderMigrations(engine) {
  return readdirSync(MIGRATIONS)
    .filter((f) => /^\d{3}_[^.]+(\.(sqlite|postgres))?\.sql$/.test(f))
    .filter((f) => !/\.(sqlite|postgres)\.sql$/.test(f) || f.endsWith(`.${engine}.sql`))
    .filter((f) => Number(f.slice(0, 3)) < BEFORE)
    .sort();
}

function script(engine) {
  const files = olderMigrations(engine);
  let sql = 'CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL);\n';
  for (const f of files) {
    sql += readFileSync(path.join(MIGRATIONS, f), 'utf8') + ';\n';
    sql += `INSERT INTO schema_migrations (version, applied_at) VALUES (${Number(f.slice(0, 3))}, 1);\n`;
  }
  return sql + `
INSERT INTO projects (app_id, name, signing_secret, created_at, updated_at) VALUES ('mig-a', 'A', 's', 1, 1), ('mig-b', 'B', 's', 1, 1);
INSERT INTO users (id, app_id, email, created_at, updated_at, plan) VALUES
  ('user_ext1', 'mig-a', '~user_ext1', 1, 2, 'pro'),
  ('user_ext2', 'mig-a', '~user_ext2', 1, 2, 'free'),
  ('user_jane', 'mig-a', 'jane@example.com', 1, 2, 'free'),
  ('user_tilde', 'mig-a', '~user_jane', 1, 2, 'free'),
  ('user_jane_b', 'mig-b', 'jane@example.com', 1, 2, 'free');
INSERT INTO action_users (user_id, app_id, external_id, created_at, updated_at) VALUES
  ('user_ext1', 'mig-a', 'app-42', 1, 1), ('user_ext2', 'mig-a', 'app-43', 1, 1);
INSERT INTO email_codes (id, app_id, user_id, code_hash, expires_at, created_at) VALUES
  ('c1', 'mig-a', 'user_jane', 'h', 9, 1), ('c2', 'mig-a', 'user_ext1', 'h', 9, 1);
INSERT INTO factors (id, app_id, user_id, kind, name, status, created_at, updated_at) VALUES
  ('f1', 'mig-a', 'user_ext1', 'totp', 'Phone', 'active', 1, 1);
`;
}

// The rows after the upgrade, the same way on both engines.
const CHECKS = {
  users: "SELECT id || '|' || COALESCE(email, '<null>') || '|' || plan FROM users ORDER BY id",
  children: "SELECT (SELECT COUNT(*) FROM action_users) || ',' || (SELECT COUNT(*) FROM email_codes) || ',' || (SELECT COUNT(*) FROM factors)",
  version: 'SELECT MAX(version) FROM schema_migrations',
};
const WANT_USERS = [
  'user_ext1|<null>|pro',
  'user_ext2|<null>|free',
  'user_jane|jane@example.com|free',
  'user_jane_b|jane@example.com|free',
  'user_tilde|~user_jane|free', // not its own id: an address-like value stays as it was
];

function migrate(env) {
  return execFileSync(BIN, ['migrate'], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('SQLite: the placeholder becomes NULL, nothing referencing users is lost', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-mig-'));
  try {
    const db = path.join(dir, 'authgate.db');
    const q = (sql) => execFileSync('sqlite3', ['-bail', db, sql], { encoding: 'utf8' }).trim();
    execFileSync('sqlite3', ['-bail', db], { input: script('sqlite') });
    assert.equal(q('SELECT COUNT(*) FROM users'), '5');
    migrate({ AUTHGATE_DATA_DIR: dir, AUTHGATE_DATABASE_URL: '' });
    assert.equal(Number(q(CHECKS.version)) >= BEFORE, true);
    assert.deepEqual(q(CHECKS.users).split('\n'), WANT_USERS);
    assert.equal(q(CHECKS.children), '2,2,1');
    assert.equal(q('PRAGMA foreign_key_check'), '');
    assert.equal(q('PRAGMA integrity_check'), 'ok');
    assert.match(q(".schema users"), /email\s+TEXT,/);
    assert.deepEqual(q("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL ORDER BY name").split('\n'),
      ['users_factors_changed', 'users_plan_epoch', 'users_tokens_valid_after']);
    assert.equal(q("SELECT COUNT(*) FROM sqlite_master WHERE name = 'users_new'"), '0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SQLite: addresses stay unique per project, users without one do not collide', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-mig-'));
  try {
    const db = path.join(dir, 'authgate.db');
    execFileSync('sqlite3', ['-bail', db], { input: script('sqlite') });
    migrate({ AUTHGATE_DATA_DIR: dir, AUTHGATE_DATABASE_URL: '' });
    const run = (sql) => execFileSync('sqlite3', ['-bail', db, sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    run("INSERT INTO users (id, app_id, email, created_at, updated_at) VALUES ('user_n3', 'mig-a', NULL, 1, 1)");
    assert.throws(() => run("INSERT INTO users (id, app_id, email, created_at, updated_at) VALUES ('user_x', 'mig-a', 'jane@example.com', 1, 1)"),
      /UNIQUE constraint failed: users.app_id, users.email/);
    // foreign keys still hold for a connection that turns them on (as the server does)
    assert.throws(() => run("PRAGMA foreign_keys=ON; INSERT INTO email_codes (id, app_id, user_id, code_hash, expires_at, created_at) VALUES ('c9', 'mig-a', 'nobody', 'h', 1, 1)"),
      /FOREIGN KEY constraint failed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const skip = !process.env.AUTHGATE_TEST_PG_URL && 'needs AUTHGATE_TEST_PG_URL (tests/run_all.sh starts PostgreSQL)';

test('PostgreSQL: the same upgrade', { skip }, async () => {
  const url = await freshPgDatabase();
  const q = (sql) => execFileSync('psql', [url, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  execFileSync('psql', [url, '-qAt', '-v', 'ON_ERROR_STOP=1', '-1'], { input: script('postgres'), stdio: ['pipe', 'ignore', 'pipe'] });
  migrate({ AUTHGATE_DATABASE_URL: url });
  assert.equal(Number(q(CHECKS.version)) >= BEFORE, true);
  assert.deepEqual(q(CHECKS.users).split('\n'), WANT_USERS);
  assert.equal(q(CHECKS.children), '2,2,1');
  assert.equal(q("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'"), 'YES');
  q("INSERT INTO users (id, app_id, email, created_at, updated_at) VALUES ('user_n3', 'mig-a', NULL, 1, 1)");
  assert.throws(() => q("INSERT INTO users (id, app_id, email, created_at, updated_at) VALUES ('user_x', 'mig-a', 'jane@example.com', 1, 1)"),
    /duplicate key value violates unique constraint/);
});
