-- 005: OAuth 2.0 / OpenID Connect sign-in — per-project provider settings, flows in
-- progress, and the provider identities linked to users.

-- A project's settings for one provider. secret_sealed is the client secret (Apple: the
-- .p8 private key the client-secret JWT is signed with), sealed under the master key
-- with "oauth-client:<app_id>:<provider>" bound to it.
CREATE TABLE oauth_clients (
  app_id        TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  provider      TEXT NOT NULL,                 -- google | github | microsoft | gitlab | discord | apple | oidc
  client_id     TEXT NOT NULL,
  secret_sealed TEXT,
  settings      TEXT NOT NULL DEFAULT '{}',    -- JSON: scopes, issuer, tenant, team_id, key_id, endpoints
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  PRIMARY KEY (app_id, provider)
);

-- Sign-in flows. A 'ticket' is a start an app asked for over the API (POST
-- /api/proxy/{provider}); the browser that opens it turns it into a 'sent' flow, which
-- is bound to that browser (binding_hash: SHA-256 of a cookie) and identified by the
-- SHA-256 of its state. The PKCE verifier and the nonce are derived from the state
-- with a key only the server holds, so neither is stored. Every row is single use.
CREATE TABLE oauth_flows (
  id_hash         TEXT PRIMARY KEY,            -- SHA-256 of the ticket or of the state
  stage           TEXT NOT NULL,               -- 'ticket' | 'sent'
  app_id          TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  provider        TEXT NOT NULL,
  issuer          TEXT,                        -- where a sent flow went (mix-up defence)
  callback_url    TEXT NOT NULL,
  locale          TEXT,
  locale_explicit BIGINT NOT NULL DEFAULT 0,
  purpose         TEXT NOT NULL,               -- 'signin' | 'link'
  user_id         TEXT,                        -- link: the signed-in user
  binding_hash    TEXT,
  created_at      BIGINT NOT NULL,
  expires_at      BIGINT NOT NULL,
  used_at         BIGINT
);
CREATE INDEX oauth_flows_expiry ON oauth_flows(expires_at);

-- A provider account linked to a user: found by (project, provider, subject), never by
-- email. email_verified records whether the provider vouched for the address when it
-- was linked: identities linked on an unverified address are dropped when someone
-- later proves that mailbox (docs/OAUTH.md).
CREATE TABLE oauth_identities (
  id             TEXT PRIMARY KEY,             -- oid_<random>
  app_id         TEXT NOT NULL REFERENCES projects(app_id) ON DELETE CASCADE,
  user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  provider       TEXT NOT NULL,
  subject        TEXT NOT NULL,
  email          TEXT,
  email_verified BIGINT NOT NULL DEFAULT 0,
  created_at     BIGINT NOT NULL,
  last_login_at  BIGINT,
  UNIQUE (app_id, provider, subject)
);
CREATE INDEX oauth_identities_user ON oauth_identities(user_id);
