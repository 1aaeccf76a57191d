-- 020: actions and challenges, the Authsignal-compatible API (docs/ACTIONS.md).
-- Numbered 020 so migrations other work adds meanwhile keep their order.

-- The app's own user ids. An app names its users by its own ids (userId); each maps
-- to one AuthGate user of the project, whose factors are the authenticators. A userId
-- that is an AuthGate user id of the project is that user (external_id = the id).
-- The profile attributes the app sets (track, updateUser) live here, not in users:
-- they are the app's assertions (an email it did not verify must never become a way to
-- sign in to users.email).
CREATE TABLE action_users (
  user_id         TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  app_id          TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  external_id     TEXT NOT NULL,
  email           TEXT,
  email_verified  BIGINT NOT NULL DEFAULT 0,
  phone           TEXT,
  phone_verified  BIGINT NOT NULL DEFAULT 0,
  username        TEXT,
  display_name    TEXT,
  custom          TEXT NOT NULL DEFAULT '{}',   -- JSON object of strings, numbers, booleans
  locale          TEXT,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  UNIQUE (app_id, external_id)
);
CREATE INDEX action_users_email ON action_users(app_id, email);
CREATE INDEX action_users_phone ON action_users(app_id, phone);
CREATE INDEX action_users_username ON action_users(app_id, username);

-- One tracked action. Tokens are not stored: they are MACs of the row id under a
-- master-derived key (auth/actions.c), so a retried track answers the same token.
CREATE TABLE actions (
  id                  TEXT PRIMARY KEY,           -- act_<random>
  app_id              TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  user_id             TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code                TEXT NOT NULL,              -- the action code, e.g. signIn
  idempotency_key     TEXT NOT NULL,
  state               TEXT NOT NULL,              -- ALLOW | BLOCK | CHALLENGE_REQUIRED | ...
  state_updated_at    BIGINT NOT NULL,
  rule_ids            TEXT NOT NULL DEFAULT '[]', -- JSON: the matching rules, in order
  rules               TEXT NOT NULL DEFAULT '[]', -- JSON: their snapshot {ruleId, name, description}
  verification_method TEXT,                       -- how the challenge was met (PASSKEY, SMS, ...)
  authenticator_id    TEXT,                       -- the factor that met it
  pending_factor_id   TEXT,                       -- an enrollment started with this action's token
  redirect_url        TEXT,
  scope               TEXT NOT NULL DEFAULT '',   -- space-separated (add:authenticators ...)
  ip                  TEXT,
  user_agent          TEXT,
  device_id           TEXT,
  attrs               TEXT NOT NULL DEFAULT '{}', -- JSON: custom, locale, redirectToSettings
  token_expires_at    BIGINT NOT NULL,            -- the track token's end
  verified_at         BIGINT,                     -- the challenge succeeded (the access token's start)
  validated_at        BIGINT,                     -- POST /v1/validate said isValid (once)
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL,
  UNIQUE (app_id, idempotency_key)
);
CREATE INDEX actions_user ON actions(app_id, user_id, code, created_at);

-- Devices and addresses an action of the user completed from (ALLOW, or a challenge
-- met): what the "new device" and "new IP" rules compare with. Only hashes are kept.
CREATE TABLE action_seen (
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,                      -- device | ip
  value_hash  TEXT NOT NULL,
  first_at    BIGINT NOT NULL,
  last_at     BIGINT NOT NULL,
  PRIMARY KEY (user_id, kind, value_hash)
);

-- Per project and action code: the default outcome when no rule matches.
CREATE TABLE action_configs (
  app_id           TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  code             TEXT NOT NULL,
  default_outcome  TEXT NOT NULL,                 -- ALLOW | CHALLENGE | REVIEW | BLOCK
  updated_at       BIGINT NOT NULL,
  PRIMARY KEY (app_id, code)
);

-- Ordered rules of an action: the first that matches decides the outcome; every
-- match is reported (ruleIds).
CREATE TABLE action_rules (
  id           TEXT PRIMARY KEY,                  -- rul_<random>
  app_id       TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  code         TEXT NOT NULL,
  position     BIGINT NOT NULL,
  name         TEXT NOT NULL,
  description  TEXT,
  outcome      TEXT NOT NULL,
  conditions   TEXT NOT NULL,                     -- JSON array, all must hold
  enabled      BIGINT NOT NULL DEFAULT 1,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL
);
CREATE INDEX action_rules_code ON action_rules(app_id, code, position);

-- Sessions made from a met challenge (POST /v1/sessions): the refresh token is stored
-- as its SHA-256; access tokens are JWTs naming the session and its generation, so a
-- refresh or a revocation ends the older ones.
CREATE TABLE action_sessions (
  id                  TEXT PRIMARY KEY,           -- ses_<random>
  app_id              TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  user_id             TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id           TEXT NOT NULL,
  verification_method TEXT,
  generation          BIGINT NOT NULL DEFAULT 1,
  refresh_hash        TEXT NOT NULL UNIQUE,
  refresh_expires_at  BIGINT NOT NULL,
  revoked_at          BIGINT,
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL
);
CREATE INDEX action_sessions_user ON action_sessions(app_id, user_id);

-- An email factor may send to an address of its own (an Authsignal EMAIL_OTP
-- authenticator names its address); NULL: the user's own.
ALTER TABLE factors ADD COLUMN email TEXT;
