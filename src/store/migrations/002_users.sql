-- 002: end users, per project. Shared by every sign-in method.
CREATE TABLE users (
  id                 TEXT PRIMARY KEY,            -- user_<random>
  app_id             TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  email              TEXT NOT NULL,               -- normalised: trimmed, lower-case
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
  UNIQUE (app_id, email)
);
