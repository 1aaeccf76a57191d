-- 021: seed 004 — long-lived user sessions, user API keys, plans and features, the
-- provider registry, connections to tool providers and provider API keys
-- (docs/USERS.md, docs/FORWARD_AUTH.md). Numbered 021 so work landing meanwhile keeps
-- the numbers below it.

-- Three more in-memory caches with their own epochs (store.h): users' sessions, users'
-- API keys, users' plans. Their rows carry the epoch of their last change
-- (changed_epoch / plan_epoch), so a cache evicts only what changed since the epoch it
-- last saw instead of emptying itself (core/epcache.h, "deltas").
INSERT INTO meta (key, value) VALUES ('cache_epoch.user_sessions', '1');
INSERT INTO meta (key, value) VALUES ('cache_epoch.user_keys', '1');
INSERT INTO meta (key, value) VALUES ('cache_epoch.users', '1');

ALTER TABLE users ADD COLUMN plan_epoch BIGINT NOT NULL DEFAULT 0;
CREATE INDEX users_plan_epoch ON users(plan_epoch);

-- A project's seed 004 settings (JSON): plan ladder and features, forward-auth rules,
-- the user API key prefix, the session cookie's name, Google search keys.
CREATE TABLE users_config (
  app_id     TEXT PRIMARY KEY REFERENCES projects(app_id) ON DELETE CASCADE,
  config     TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- Host names a project claims: a request to one of them belongs to that project.
CREATE TABLE project_hosts (
  host   TEXT PRIMARY KEY,                     -- lower-case host[:port]
  app_id TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE
);
CREATE INDEX project_hosts_app ON project_hosts(app_id);

-- Server-side sessions behind long-lived user tokens. The token carries the id (sid);
-- the row says whether it still counts. kind: 'user' (seed 004's 30-day token).
-- A refresh makes a child (parent_id, same family_id) and ends the parent ('rotated');
-- presenting an ended parent to refresh again ends the whole family ('reuse').
CREATE TABLE user_sessions (
  id            TEXT PRIMARY KEY,              -- ses_<random>
  app_id        TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind          TEXT NOT NULL,
  auth_type     TEXT NOT NULL,                 -- google-login | magic-link | ...
  amr           TEXT,                          -- space-separated RFC 8176 values
  family_id     TEXT NOT NULL,
  parent_id     TEXT,
  ip            TEXT,
  user_agent    TEXT,
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL,
  ended_at      BIGINT,
  end_reason    TEXT,                          -- logout | rotated | reuse | revoked | password_reset
  changed_epoch BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX user_sessions_user ON user_sessions(app_id, user_id);
CREATE INDEX user_sessions_family ON user_sessions(family_id);
CREATE INDEX user_sessions_changed ON user_sessions(changed_epoch);
CREATE INDEX user_sessions_expiry ON user_sessions(expires_at);

-- A user's own API keys (X-API-Key): shown once, stored as SHA-256.
CREATE TABLE user_api_keys (
  id            TEXT PRIMARY KEY,              -- uak_<random>
  app_id        TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  prefix        TEXT NOT NULL,                 -- first characters, for display
  key_hash      TEXT NOT NULL UNIQUE,
  created_at    BIGINT NOT NULL,
  revoked_at    BIGINT,
  changed_epoch BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX user_api_keys_user ON user_api_keys(app_id, user_id);
CREATE INDEX user_api_keys_changed ON user_api_keys(changed_epoch);

-- Providers a project adds to the registry besides the built-in OAuth ones.
CREATE TABLE custom_providers (
  app_id          TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  id              TEXT NOT NULL,
  name            TEXT NOT NULL,
  icon            TEXT,
  categories      TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  connection_type TEXT NOT NULL,               -- oauth | api_key
  authorize_url   TEXT,
  token_url       TEXT,
  revoke_url      TEXT,
  userinfo_url    TEXT,
  scopes          TEXT,
  client_id       TEXT,
  secret_sealed   TEXT,                        -- client secret, sealed (app:id)
  pkce            BIGINT NOT NULL DEFAULT 1,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  PRIMARY KEY (app_id, id)
);

-- A user's OAuth connection to a tool provider. Tokens are sealed under the master key
-- bound to "app:user:provider"; version grows with every token change. The refresh
-- lease (refresh_owner, refresh_until) lets one node refresh while the others wait.
CREATE TABLE connections (
  id              TEXT PRIMARY KEY,            -- con_<random>
  app_id          TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  provider        TEXT NOT NULL,
  account_email   TEXT,
  account_subject TEXT,
  scope           TEXT,
  access_sealed   TEXT,
  refresh_sealed  TEXT,
  expires_at      BIGINT,                      -- the access token's expiry (ms); NULL: not said
  status          TEXT NOT NULL,               -- active | reconnect_required
  version         BIGINT NOT NULL DEFAULT 1,
  refresh_owner   TEXT,
  refresh_until   BIGINT NOT NULL DEFAULT 0,
  refreshed_at    BIGINT,
  connected_at    BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  UNIQUE (app_id, user_id, provider)
);

-- A user's own API key for a provider (e.g. OpenAI), sealed (app:user:provider).
CREATE TABLE provider_keys (
  app_id       TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  provider     TEXT NOT NULL,
  key_sealed   TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  last_read_at BIGINT,
  PRIMARY KEY (app_id, user_id, provider)
);
