-- 003: email + password sign-in, verification codes, single-use reset and magic-link
-- tokens, durable attempt counters (they survive restarts and are shared by nodes).

-- 6-digit email verification codes. code_hash is a keyed hash (HMAC-SHA256 with a key
-- derived from the master key) of user_id:code, so a copy of the database alone does
-- not give the codes away even though they have only 10^6 values.
CREATE TABLE email_codes (
  id          TEXT PRIMARY KEY,
  app_id      TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash   TEXT NOT NULL,
  attempts    BIGINT NOT NULL DEFAULT 0,     -- failed tries; the code dies at 3
  expires_at  BIGINT NOT NULL,
  used_at     BIGINT,                        -- consumed, superseded or dead
  created_at  BIGINT NOT NULL
);
CREATE INDEX email_codes_user ON email_codes(user_id, created_at);

-- Single-use tokens: password reset (the token itself, 256 random bits) and magic
-- links (the jti of the link JWT). Only the SHA-256 is stored.
CREATE TABLE email_tokens (
  token_hash  TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,                 -- 'reset' | 'magic'
  app_id      TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at  BIGINT NOT NULL,
  used_at     BIGINT,
  created_at  BIGINT NOT NULL
);
CREATE INDEX email_tokens_user ON email_tokens(user_id, kind);

-- Fixed-window attempt counters. key is the SHA-256 of "policy:subject" so neither
-- addresses nor emails are stored here.
CREATE TABLE rate_counters (
  key          TEXT PRIMARY KEY,
  window_start BIGINT NOT NULL,
  hits         BIGINT NOT NULL
);
CREATE INDEX rate_counters_window ON rate_counters(window_start);

-- Outbox jobs of the email flows that ran already (at-least-once delivery must not
-- mail twice).
CREATE TABLE email_jobs_done (
  job_id      TEXT PRIMARY KEY,
  created_at  BIGINT NOT NULL
);

-- Recently ended sessions are loaded into memory by the token verifier.
CREATE INDEX users_tokens_valid_after ON users(tokens_valid_after);
