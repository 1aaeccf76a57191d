-- 001: the foundation — settings, projects, API keys, admin tokens, outbox, captured mail.
-- Portable subset: TEXT and BIGINT only, booleans as 0/1, times in Unix milliseconds.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('cache_epoch', '1');

CREATE TABLE projects (
  app_id          TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  allowed_origins TEXT NOT NULL DEFAULT '[]',   -- JSON array of origins
  callback_urls   TEXT NOT NULL DEFAULT '[]',   -- JSON array of URLs
  providers       TEXT NOT NULL DEFAULT '{}',   -- JSON object provider -> bool
  default_locale  TEXT NOT NULL DEFAULT 'en',
  branding        TEXT NOT NULL DEFAULT '{}',   -- JSON: name, color, logo_url
  signing_secret  TEXT NOT NULL,                -- sealed with the master key
  disabled        BIGINT NOT NULL DEFAULT 0,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL
);

CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  app_id      TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  prefix      TEXT NOT NULL,                    -- first characters, for display
  key_hash    TEXT NOT NULL UNIQUE,             -- hex SHA-256 of the whole key
  created_at  BIGINT NOT NULL,
  revoked_at  BIGINT
);
CREATE INDEX api_keys_app ON api_keys(app_id);

CREATE TABLE admin_tokens (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,
  created_at  BIGINT NOT NULL,
  revoked_at  BIGINT
);

-- Durable outbox: written in the same transaction as the change that causes it.
CREATE TABLE outbox (
  id           TEXT PRIMARY KEY,                -- idempotency id, sent to receivers
  kind         TEXT NOT NULL,                   -- 'mail' | 'webhook'
  app_id       TEXT,
  ref          TEXT,                            -- e.g. webhook endpoint id
  payload      TEXT NOT NULL,                   -- JSON
  status       TEXT NOT NULL DEFAULT 'pending', -- pending | done | failed
  attempts     BIGINT NOT NULL DEFAULT 0,
  run_at       BIGINT NOT NULL,
  lease_until  BIGINT NOT NULL DEFAULT 0,
  last_error   TEXT,
  created_at   BIGINT NOT NULL,
  done_at      BIGINT
);
CREATE INDEX outbox_due ON outbox(status, run_at);

-- Mail captured instead of sent (no AUTHGATE_SMTP_URL): read at /_dev/mail or `authgate mail list`.
CREATE TABLE mail_captured (
  id          TEXT PRIMARY KEY,
  app_id      TEXT,
  to_addr     TEXT NOT NULL,
  subject     TEXT NOT NULL,
  text_body   TEXT NOT NULL,
  html_body   TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE INDEX mail_captured_time ON mail_captured(created_at);
