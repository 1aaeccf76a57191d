-- 010: second factors and passkeys (docs/MFA.md, docs/PASSKEYS.md). Numbered 010 so
-- the migrations other work adds meanwhile (005..009) keep their order.

-- The project's MFA policy: off | optional (users with a factor are challenged) |
-- required (users without one must enroll before they get a session token).
ALTER TABLE projects ADD COLUMN mfa_policy TEXT NOT NULL DEFAULT 'off';

-- What the token verifier needs without a store round trip (auth/mfa.c): the user's
-- active methods (JSON array) and when they last changed (ms), so a token issued
-- before a change is answered with the new methods.
ALTER TABLE users ADD COLUMN mfa_methods TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN factors_changed_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX users_factors_changed ON users(factors_changed_at);

-- One row per factor. Kind-specific columns are NULL for other kinds.
CREATE TABLE factors (
  id               TEXT PRIMARY KEY,            -- fac_<random>
  app_id           TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind             TEXT NOT NULL,               -- totp | sms | email | passkey
  name             TEXT NOT NULL,
  status           TEXT NOT NULL,               -- pending (enrollment not confirmed) | active
  secret           TEXT,                        -- totp: the secret sealed under the master key
  totp_last_step   BIGINT NOT NULL DEFAULT -1,  -- totp: last accepted step (replay fence)
  phone            TEXT,                        -- sms: E.164
  credential_id    TEXT,                        -- passkey: base64url
  public_key       TEXT,                        -- passkey: base64url DER SubjectPublicKeyInfo
  alg              BIGINT,                      -- passkey: COSE algorithm
  sign_count       BIGINT NOT NULL DEFAULT 0,
  aaguid           TEXT,
  user_handle      TEXT,                        -- passkey: base64url user.id given at registration
  user_verified    BIGINT NOT NULL DEFAULT 0,
  backup_eligible  BIGINT NOT NULL DEFAULT 0,
  backup_state     BIGINT NOT NULL DEFAULT 0,
  transports       TEXT NOT NULL DEFAULT '[]',
  attestation      TEXT,                        -- "none" | "packed/self" | "packed/basic"
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  last_used_at     BIGINT
);
CREATE INDEX factors_user ON factors(user_id, created_at);
CREATE UNIQUE INDEX factors_credential ON factors(app_id, credential_id);

-- Recovery codes: HMAC under a key derived from the master key, single use.
CREATE TABLE recovery_codes (
  id          TEXT PRIMARY KEY,
  app_id      TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash   TEXT NOT NULL,
  used_at     BIGINT,
  created_at  BIGINT NOT NULL
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);

-- Challenges of every ceremony, independent of the API that started them: an MFA step
-- after a first factor (token_hash = SHA-256 of the mfa_token), a WebAuthn ceremony
-- (challenge), a code sent by SMS or email (code_hash). Single use (used_at).
CREATE TABLE factor_challenges (
  id          TEXT PRIMARY KEY,
  token_hash  TEXT UNIQUE,
  kind        TEXT NOT NULL,     -- mfa | passkey-register | passkey-signin | code
  app_id      TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  user_id     TEXT REFERENCES users(id) ON DELETE CASCADE,   -- NULL: usernameless
  factor_id   TEXT,
  challenge   TEXT,
  code_hash   TEXT,
  attempts    BIGINT NOT NULL DEFAULT 0,
  data        TEXT NOT NULL DEFAULT '{}',
  expires_at  BIGINT NOT NULL,
  used_at     BIGINT,
  created_at  BIGINT NOT NULL
);
CREATE INDEX factor_challenges_expiry ON factor_challenges(expires_at);

-- Failed second-factor attempts per user: 5 in 15 minutes lock the step for 15 minutes.
CREATE TABLE mfa_lockouts (
  key           TEXT PRIMARY KEY,   -- app_id:user_id
  failures      BIGINT NOT NULL,
  window_start  BIGINT NOT NULL,
  locked_until  BIGINT NOT NULL DEFAULT 0
);

-- The security log: every enrollment, removal, reset and failure.
CREATE TABLE security_log (
  id          TEXT PRIMARY KEY,
  app_id      TEXT NOT NULL,
  user_id     TEXT,
  event       TEXT NOT NULL,      -- factor.enrolled | factor.removed | factor.renamed | mfa.failed | ...
  factor_id   TEXT,
  kind        TEXT,
  ip          TEXT,
  detail      TEXT,
  created_at  BIGINT NOT NULL
);
CREATE INDEX security_log_user ON security_log(app_id, user_id, created_at);

-- SMS captured in dev mode (no SMS provider configured), body sealed at rest.
CREATE TABLE sms_captured (
  id          TEXT PRIMARY KEY,
  app_id      TEXT,
  to_number   TEXT NOT NULL,
  body        TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE INDEX sms_captured_created ON sms_captured(created_at);
