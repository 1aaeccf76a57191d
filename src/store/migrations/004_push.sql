-- 004: push-to-approve sign-in (seed 000) — devices, auth sessions, number-matching codes,
-- single-use signed messages, webhook endpoints and their delivery log.

-- A device proves one email address (by a mailed code or link) and then approves
-- sign-ins for that email in any project that has push enabled.
CREATE TABLE push_devices (
  id           TEXT PRIMARY KEY,                -- ag-xxxxxxxxxxxx
  email        TEXT NOT NULL,                   -- normalised
  name         TEXT NOT NULL,                   -- "James iPhone"
  public_key   TEXT NOT NULL,                   -- P-256 point, uncompressed, base64url
  created_at   BIGINT NOT NULL,
  last_seen_at BIGINT,
  revoked_at   BIGINT
);
CREATE INDEX push_devices_email ON push_devices(email);

-- First approval by a device for a project (the webhook's new_device).
CREATE TABLE push_device_apps (
  device_id         TEXT NOT NULL REFERENCES push_devices(id) ON DELETE CASCADE,
  app_id            TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  first_approved_at BIGINT NOT NULL,
  PRIMARY KEY (device_id, app_id)
);

CREATE TABLE push_enrollments (
  id          TEXT PRIMARY KEY,                 -- enr_<random>
  email       TEXT NOT NULL,
  app_id      TEXT,                             -- branding of the mail, may be NULL
  code_hash   TEXT NOT NULL,                    -- HMAC of the 6-digit code, keyed by a master-key derivative
  link_hash   TEXT NOT NULL UNIQUE,             -- SHA-256 of the link token
  attempts    BIGINT NOT NULL DEFAULT 0,
  ip          TEXT,
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  used_at     BIGINT
);

CREATE TABLE push_sessions (
  id_hash          TEXT PRIMARY KEY,            -- hex SHA-256 of the session_id
  request_id       TEXT NOT NULL UNIQUE,        -- public handle devices see and sign
  app_id           TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  email            TEXT,                        -- NULL: code-only session not yet claimed
  code_hash        TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending', -- pending | approved | denied
  reason           TEXT,                        -- denied: denied | not_me | wrong_code
  ip               TEXT NOT NULL,
  user_agent       TEXT,
  code_attempts    BIGINT NOT NULL DEFAULT 0,
  device_id        TEXT,
  user_id          TEXT,
  created_at       BIGINT NOT NULL,
  expires_at       BIGINT NOT NULL,
  decided_at       BIGINT,
  token_claimed_at BIGINT
);
CREATE INDEX push_sessions_email ON push_sessions(email, status, expires_at);
CREATE INDEX push_sessions_expiry ON push_sessions(expires_at);

-- Codes of code-only sessions: unique while their session can still be decided.
CREATE TABLE push_codes (
  code_hash  TEXT PRIMARY KEY,
  id_hash    TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);

-- Signed device messages already used (replay protection), until past their skew window.
CREATE TABLE push_nonces (
  sig_hash   TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX push_nonces_expiry ON push_nonces(expires_at);

CREATE TABLE webhook_endpoints (
  id              TEXT PRIMARY KEY,             -- wh_<random>
  app_id          TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  url             TEXT NOT NULL,
  secret_sealed   TEXT NOT NULL,                -- whsec_..., sealed with the master key
  events          TEXT NOT NULL DEFAULT '["approved","denied"]',
  description     TEXT,
  disabled_at     BIGINT,
  disabled_reason TEXT,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_app ON webhook_endpoints(app_id);

CREATE TABLE webhook_deliveries (
  id              TEXT PRIMARY KEY,             -- msg_<random>: webhook-id, X-AuthGate-Delivery
  endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  app_id          TEXT NOT NULL,
  event           TEXT NOT NULL,
  body_sealed     TEXT NOT NULL,                -- the exact body (it names a session_id), sealed
  status          TEXT NOT NULL DEFAULT 'pending', -- pending | delivered | failed
  attempts        BIGINT NOT NULL DEFAULT 0,
  last_status     BIGINT,
  last_error      TEXT,
  created_at      BIGINT NOT NULL,
  delivered_at    BIGINT,
  next_attempt_at BIGINT
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, created_at);

CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt     BIGINT NOT NULL,
  at          BIGINT NOT NULL,
  status      BIGINT,                           -- HTTP status, NULL when none arrived
  latency_ms  BIGINT NOT NULL,
  error       TEXT,
  PRIMARY KEY (delivery_id, attempt)
);
