/* oauth.h — the OAuth 2.0 / OpenID Connect client engine (no HTTP server types):
 * the registry of providers AuthGate knows, each project's settings for them (client
 * secrets sealed at rest), discovery and JWKS caches, authorization flows (state bound
 * to a browser, PKCE S256, nonce, the issuer each flow went to), the code exchange,
 * ID-token verification, the provider's profile (userinfo, GitHub's /user/emails), and
 * the identities linked to users. Sign-in (/api/proxy/{provider}) is one user of it;
 * connections to tool providers (seed 004) are meant to be another: flows carry a
 * `purpose`, and oauth_token_request hands back access and refresh tokens.
 *
 * Every provider call goes through net/http_client.c (SSRF guard, TLS, timeouts,
 * response cap). Failures are codes of the error table's OAuth block (core/err.h):
 * their stable names are the JSON errors and the ?error= of a redirect back to the app;
 * functions whose message depends on what the provider said return a struct ag_error. */
#ifndef AG_OAUTH_H
#define AG_OAUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/projects.h"
#include "auth/users.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define OAUTH_FLOW_TTL_S 600 /* a browser has 10 minutes to come back */
#define OAUTH_CLOCK_SKEW_S 60 /* exp/iat of ID tokens */
#define OAUTH_JWKS_REFETCH_MIN_S 60 /* an unknown kid refetches at most this often */
#define OAUTH_META_MIN_TTL_S 60 /* Cache-Control max-age is clamped to these */
#define OAUTH_META_MAX_TTL_S 86400
#define OAUTH_META_DEFAULT_TTL_S 3600 /* when the provider sends none */
#define OAUTH_BINDING_COOKIE "ag_oauth"
#define OAUTH_SUBJECT_MAX 255

/* A store error met on the way, as the OAuth family reports it ("server_error"): 503
 * when a retry may help (busy, a concurrent insert), else 500. */
static inline enum ag_err oauth_server_error(enum ag_err e)
{
	return ag_err_is(e, AG_EUNAVAIL) || ag_err_is(e, AG_ECONFLICT) ? AG_OAUTH_SERVER_BUSY : AG_OAUTH_SERVER;
}

/* How a provider's profile is read after the code exchange. */
enum oauth_kind {
	OAUTH_KIND_OIDC, /* ID token (+ userinfo when the token lacks claims) */
	OAUTH_KIND_GITHUB, /* /user and /user/emails */
	OAUTH_KIND_DISCORD, /* /users/@me */
	OAUTH_KIND_PLAIN, /* plain OAuth 2.0 with no known profile API: a connection's custom
	                     provider; its userinfo URL, when set, is read for id and email */
};

/* One entry of the built-in registry. */
struct oauth_provider_def {
	const char *name; /* "google": path segment, token claim "provider", toggle name */
	const char *label; /* "Google" */
	enum oauth_kind kind;
	const char *issuer; /* OIDC: default issuer (discovery); Microsoft's has {tenant} */
	const char *authorize_url, *token_url, *userinfo_url, *emails_url; /* plain OAuth 2.0 */
	const char *scopes;
	bool form_post; /* the provider posts the response (Apple) */
	bool secret_is_es256_jwt; /* the client secret is a JWT signed per request (Apple) */
	bool trusts_email_verified; /* false: the provider's email is never taken as verified */
	bool needs_issuer; /* the generic provider: no default issuer */
};

const struct oauth_provider_def *oauth_provider_find(const char *name);
extern const struct oauth_provider_def oauth_providers[]; /* {NULL} terminated */

/* A project's settings for one provider, secrets opened (arena-owned). */
struct oauth_client {
	const struct oauth_provider_def *def;
	const char *app_id;
	const char *client_id;
	const char *client_secret; /* Apple: the PEM private key */
	const char *scopes;
	const char *issuer; /* OIDC kinds: the issuer to discover (may have {tenant} filled) */
	const char *tenant; /* Microsoft: "common", "organizations", "consumers" or a tenant id */
	const char *team_id, *key_id; /* Apple */
	const char *authorize_url, *token_url, *userinfo_url, *emails_url; /* plain OAuth 2.0 (overridable) */
	const char *revoke_url; /* plain OAuth 2.0: an RFC 7009 endpoint (connections' custom providers) */
	bool no_pkce; /* the provider refuses PKCE parameters (a custom provider says so) */
	int64_t updated_at;
};

/* Settings (oauth_clients.c). get: AG_ENOTFOUND when the project has none for it. set:
 * merge `settings` (client_id, client_secret, scopes, issuer, tenant, team_id, key_id,
 * private_key, authorization_endpoint, token_endpoint, userinfo_endpoint,
 * emails_endpoint) into the stored ones, validated (AG_OAUTH_SETTINGS with a message
 * that names the setting and its rule). */
enum ag_err oauth_client_get(struct arena *a, const char *app_id, const char *provider,
                             struct oauth_client **out) MUST_CHECK;
struct ag_error oauth_client_set(struct arena *a, const char *app_id, const char *provider,
                                 const cJSON *settings) MUST_CHECK;
enum ag_err oauth_client_delete(const char *app_id, const char *provider) MUST_CHECK;
/* Public view: every setting but secrets ("client_secret_set": true). */
cJSON *oauth_client_json(struct arena *a, const struct oauth_client *c, bool enabled);
enum ag_err oauth_client_list(struct arena *a, const struct project *p, cJSON **out) MUST_CHECK;
/* The redirect URI to register with the provider: PUBLIC_URL/api/proxy/{provider}/callback. */
const char *oauth_redirect_uri(struct arena *a, const char *provider);

/* Endpoints of a client: discovered (OIDC, cached per issuer) or configured. */
struct oauth_endpoints {
	const char *issuer; /* what the flow is bound to; for plain OAuth 2.0 the authorize origin */
	const char *authorize, *token, *userinfo, *jwks_uri;
	const char *revoke; /* RFC 7009 revocation endpoint, NULL when the provider has none */
	bool offline_access; /* discovery lists the offline_access scope (refresh tokens) */
	bool iss_param; /* RFC 9207: the provider sends iss with the response */
	bool token_auth_basic; /* client_secret_basic only (discovery said so) */
	/* The redirect URI of this flow, sent again with the code; NULL: oauth_redirect_uri.
	 * Set by the caller (endpoints_get leaves it NULL). */
	const char *redirect_uri;
};
struct ag_error oauth_endpoints_get(struct arena *a, const struct oauth_client *c,
                                    struct oauth_endpoints *out) MUST_CHECK;

/* ---- flows (oauth_flow.c) ----------------------------------------------------------- */

struct oauth_flow_req {
	const char *app_id, *provider, *callback_url;
	const char *locale; /* resolved at the start, may be NULL */
	bool locale_explicit; /* from a locale parameter (stored even over a user's own) */
	const char *purpose; /* "signin" | "link" | "user" (seed 004 sign-in) | "connect" */
	const char *user_id; /* link, connect: who is signed in */
	/* Where the provider sends the browser back (not stored: the callback knows it);
	 * NULL: oauth_redirect_uri's /api/proxy/{provider}/callback. */
	const char *redirect_uri;
	/* More authorization parameters, form-encoded ("access_type=offline&prompt=consent"),
	 * or NULL. Not stored. */
	const char *extra_params;
};

/* A start asked for over the API: a single-use ticket (returned, 256 bits) that the
 * browser opens at AuthGate, which then starts the flow in that browser. */
enum ag_err oauth_ticket_create(struct arena *a, const struct oauth_flow_req *q, const char **ticket) MUST_CHECK;
/* Take a ticket (once); AG_EGONE when unknown, used or expired. */
enum ag_err oauth_ticket_take(struct arena *a, const char *ticket, const char *provider,
                              struct oauth_flow_req **out) MUST_CHECK;

/* Start a flow bound to the browser holding `binding` (a cookie value; a new one is
 * made when NULL or malformed and returned in *binding_out): *url is the provider's
 * authorization URL with state, PKCE S256 challenge, nonce (OIDC) and the fixed
 * redirect URI. */
struct ag_error oauth_flow_start(struct arena *a, const struct oauth_client *c, const struct oauth_flow_req *q,
                                 const char *binding, const char **binding_out, const char **url) MUST_CHECK;

/* A flow taken at the callback: single use (taken even when the checks below fail). */
struct oauth_flow {
	struct oauth_flow_req q;
	const char *state;
	const char *issuer;
	const char *code_verifier, *nonce; /* derived from the state */
	bool expired, binding_ok;
};
/* AG_ENOTFOUND when no unused flow has this state (no safe place to send the browser). */
enum ag_err oauth_flow_take(struct arena *a, const char *state, const char *binding,
                            struct oauth_flow **out) MUST_CHECK;
/* The same flow read without taking it (a page that asks before the callback goes on):
 * no code verifier, nonce or binding. AG_ENOTFOUND when no unused flow has this state. */
enum ag_err oauth_flow_peek(struct arena *a, const char *state, struct oauth_flow **out) MUST_CHECK;

/* ---- the provider's answer (oauth_exchange.c) ------------------------------------- */

struct oauth_tokens {
	const char *access_token, *refresh_token, *id_token, *scope;
	int64_t expires_in; /* seconds, 0 when not said */
};

/* POST to the token endpoint: grant "authorization_code" (code + the flow's verifier)
 * or "refresh_token" (refresh_token). Handles errors in 200 bodies and form-encoded
 * replies (GitHub). */
struct ag_error oauth_token_request(struct arena *a, const struct oauth_client *c, const struct oauth_endpoints *ep,
                                    const char *grant, const char *code_or_refresh, const char *code_verifier,
                                    struct oauth_tokens *out) MUST_CHECK;

/* RFC 7009: ask the provider to revoke a token (hint "refresh_token" or "access_token").
 * AG_OK when it said so (200) or has no revocation endpoint (nothing to do, *revoked
 * false); AG_EUNAVAIL when it could not be reached. */
enum ag_err oauth_token_revoke(struct arena *a, const struct oauth_client *c, const struct oauth_endpoints *ep,
                               const char *token, const char *hint, bool *revoked) MUST_CHECK;

struct oauth_profile {
	const char *subject;
	const char *email; /* normalised, NULL when the provider gave none */
	bool email_verified;
	const char *name, *picture;
};

/* Verify an ID token: signature with a key of the issuer's JWKS (RS256, ES256, EdDSA),
 * iss exact, aud has the client id (azp when several), exp/iat within the skew, nonce.
 * *claims on success. Exposed for tests and the bench. */
struct ag_error oauth_id_token_verify(struct arena *a, const struct oauth_client *c,
                                      const struct oauth_endpoints *ep, const char *id_token, const char *nonce,
                                      cJSON **claims) MUST_CHECK;

/* The iss an ID token from this issuer must carry: the issuer itself, except Microsoft's
 * multi-tenant endpoints (common, organizations, consumers), whose tokens name the user's
 * own tenant: https://login.microsoftonline.com/{tid}/v2.0 (NULL when tid is not a
 * tenant id). */
const char *oauth_token_issuer(struct arena *a, const char *issuer, const char *tid);

/* Who signed in: the verified ID token (OIDC; userinfo fills missing claims), or the
 * provider's REST API (GitHub: the primary verified address of /user/emails). */
struct ag_error oauth_profile_get(struct arena *a, const struct oauth_client *c, const struct oauth_endpoints *ep,
                                  const struct oauth_flow *fl, const struct oauth_tokens *t,
                                  struct oauth_profile *out) MUST_CHECK;

/* Apple sends the user's name only on the first sign-in, in the form field "user"
 * ({"name": {"firstName", "lastName"}}), outside the signed ID token: it fills an empty
 * display name and nothing else. */
void oauth_profile_apple_user(struct arena *a, struct oauth_profile *p, const char *user_json);

/* ---- identities (oauth_accounts.c) -------------------------------------------------- */

/* Sign-in: the user of (project, provider, subject); else, for a new identity, a user
 * with the same email when both the provider and the user verified it (linked), else a
 * new user. AG_OAUTH_ACCOUNT_EXISTS when the email belongs to a user and either side
 * has not verified it; AG_OAUTH_EMAIL_REQUIRED when the provider gave no email. */
enum ag_err oauth_account_signin(struct arena *a, const struct project *p, const char *provider,
                                 const struct oauth_profile *pr, const struct oauth_flow_req *q,
                                 struct user **out) MUST_CHECK;
/* Link: add the identity to the signed-in user (AG_OAUTH_IDENTITY_IN_USE when it belongs
 * to another user, AG_OAUTH_ALREADY_LINKED, AG_OAUTH_USER_GONE). */
enum ag_err oauth_account_link(struct arena *a, const struct project *p, const char *user_id, const char *provider,
                               const struct oauth_profile *pr, struct user **out) MUST_CHECK;
enum ag_err oauth_identities_list(struct arena *a, const char *app_id, const char *user_id, cJSON **out) MUST_CHECK;
/* Unlink; AG_OAUTH_NOT_LINKED, or AG_OAUTH_LAST_METHOD when the user could not sign in
 * any more. */
enum ag_err oauth_identity_unlink(struct arena *a, const char *app_id, const char *user_id,
                                  const char *provider) MUST_CHECK;
/* Someone just proved the user's mailbox: identities linked on an unverified address
 * go (inside the caller's transaction). */
enum ag_err oauth_identities_drop_unproven(const char *user_id) MUST_CHECK;

/* The key set of jwks_uri with one reference for the caller (jwks_unref; NULL when
 * none could ever be fetched). force: the caller met an unknown kid; refetch unless the
 * last fetch was less than OAUTH_JWKS_REFETCH_MIN_S ago. */
struct jwk_set;
struct jwk_set *oauth_jwks_get(const char *jwks_uri, bool force);

/* Forget cached discovery documents and key sets (tests, shutdown). */
void oauth_cache_clear(void);

#endif
