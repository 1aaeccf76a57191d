-- 013: the admin dashboard (docs/DASHBOARD.md) — browser sessions opened with an admin
-- token, the audit log of every admin action, and what the webhook delivery log and the
-- Live Webhook Tester need. Numbered 013 (the issue's number) so the migrations other
-- work adds meanwhile keep their order.

-- A dashboard session: the cookie value is 256 random bits; only its SHA-256 is stored.
-- It lives while its admin token does (a revoked token ends its sessions), until
-- expires_at (absolute) and while used (idle_until slides with use).
CREATE TABLE admin_sessions (
  id_hash      TEXT PRIMARY KEY,
  token_id     TEXT NOT NULL REFERENCES admin_tokens(id) ON DELETE CASCADE,
  ip           TEXT,
  user_agent   TEXT,
  created_at   BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  idle_until   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  ended_at     BIGINT
);
CREATE INDEX admin_sessions_expiry ON admin_sessions(expires_at);

-- Every admin action (each change through /admin/api, each sign-in attempt, each read
-- of a secret): who, from where, what, on which project, and how it ended. Written
-- before the action runs (status NULL) and completed after it, so an action cut short
-- by a crash still shows. Field names of the request body are kept, never values.
CREATE TABLE admin_audit (
  id          TEXT PRIMARY KEY,
  at          BIGINT NOT NULL,
  actor       TEXT,                -- admin token id, or NULL for a failed sign-in
  via         TEXT NOT NULL,       -- session | token
  ip          TEXT,
  action      TEXT NOT NULL,       -- "PATCH /admin/api/projects/{app_id}"
  path        TEXT NOT NULL,       -- the path as requested
  app_id      TEXT,
  detail      TEXT,                -- JSON: {"fields": [...]} and the like
  status      BIGINT,              -- HTTP status, NULL while running or cut short
  done_at     BIGINT
);
CREATE INDEX admin_audit_at ON admin_audit(at);

-- The delivery log shows each attempt's request headers and the receiver's answer.
ALTER TABLE webhook_attempts ADD COLUMN request_headers TEXT;   -- JSON object, no secret in it
ALTER TABLE webhook_attempts ADD COLUMN response_sealed TEXT;   -- first 2 KiB of the answer, sealed

-- Live Webhook Tester endpoints: bound to one push sign-in (tester_session is the id
-- hash of its session), they get that session's events only, are not listed with the
-- project's endpoints and are swept after tester_expires_at. target 'self' is AuthGate's
-- own receiver (/wh1/receiver/{id}), delivered over loopback.
ALTER TABLE webhook_endpoints ADD COLUMN tester_session TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN tester_expires_at BIGINT;
ALTER TABLE webhook_endpoints ADD COLUMN target TEXT NOT NULL DEFAULT 'url';
CREATE INDEX webhook_endpoints_tester ON webhook_endpoints(tester_session);

-- What AuthGate's own receiver got: the request as it arrived and its check of both
-- signatures (the body sealed: it names a session_id).
CREATE TABLE webhook_receipts (
  id           TEXT PRIMARY KEY,
  endpoint_id  TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  delivery_id  TEXT,
  headers      TEXT NOT NULL,      -- JSON object
  body_sealed  TEXT NOT NULL,
  seed_ok      BIGINT NOT NULL,    -- X-AuthGate-Signature verified
  standard_ok  BIGINT NOT NULL,    -- webhook-signature verified
  status       BIGINT NOT NULL,    -- what the receiver answered
  received_at  BIGINT NOT NULL
);
CREATE INDEX webhook_receipts_endpoint ON webhook_receipts(endpoint_id, received_at);

-- The security log the dashboard's Activity page reads: every log_security line
-- (failed credentials, rate limits, "this wasn't me", refused origins, secret reads),
-- written in batches by a background thread, kept for AUTHGATE_SECURITY_LOG_DAYS.
CREATE TABLE security_events (
  id       TEXT PRIMARY KEY,
  at       BIGINT NOT NULL,
  event    TEXT NOT NULL,
  ip       TEXT,
  message  TEXT NOT NULL
);
CREATE INDEX security_events_at ON security_events(at);
CREATE INDEX security_events_event ON security_events(event, at);

-- An administrator can disable a user: sign-in is refused and sessions end.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
