-- 030 (SQLite): users.email becomes nullable. A user an app names only by its own id
-- (the Authsignal-compatible API, auth/action_users.c) has no address; until now the row
-- held "~" + its id because SQLite cannot drop a NOT NULL in place. This is the table
-- rebuild of https://www.sqlite.org/lang_altertable.html#otheralter ("12 steps"): the
-- migrator runs it in one transaction with foreign keys off (turned off before BEGIN,
-- checked with PRAGMA foreign_key_check before COMMIT, on again after: store.c), so the
-- DROP does not cascade into the tables that reference users(id). NULLs are distinct in
-- UNIQUE (app_id, email): addresses stay unique per project, users without one do not
-- collide. The column list is every column users has by 025; a migration that adds a
-- users column must come after this one (the contract suite checks that none is lost).
CREATE TABLE users_new (
  id                 TEXT PRIMARY KEY,            -- user_<random>
  app_id             TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  email              TEXT,                        -- normalised: trimmed, lower-case; NULL: none
  name               TEXT,
  picture            TEXT,
  email_verified     BIGINT NOT NULL DEFAULT 0,
  locale             TEXT,
  password_hash      TEXT,                        -- argon2id string, NULL when no password
  plan               TEXT NOT NULL DEFAULT 'free',
  features           TEXT NOT NULL DEFAULT '[]',  -- JSON array
  tokens_valid_after BIGINT NOT NULL DEFAULT 0,   -- sessions issued before this (ms) are ended
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL,
  last_login_at      BIGINT,
  mfa_methods        TEXT NOT NULL DEFAULT '[]',
  factors_changed_at BIGINT NOT NULL DEFAULT 0,
  disabled_at        BIGINT,
  plan_epoch         BIGINT NOT NULL DEFAULT 0,
  UNIQUE (app_id, email)
);
INSERT INTO users_new (id, app_id, email, name, picture, email_verified, locale, password_hash, plan, features,
                       tokens_valid_after, created_at, updated_at, last_login_at, mfa_methods, factors_changed_at,
                       disabled_at, plan_epoch)
  SELECT id, app_id, CASE WHEN email = '~' || id THEN NULL ELSE email END, name, picture, email_verified, locale,
         password_hash, plan, features, tokens_valid_after, created_at, updated_at, last_login_at, mfa_methods,
         factors_changed_at, disabled_at, plan_epoch
  FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_tokens_valid_after ON users(tokens_valid_after);
CREATE INDEX users_factors_changed ON users(factors_changed_at);
CREATE INDEX users_plan_epoch ON users(plan_epoch);
