/* connections.h — seed 004's tool providers: the registry (the OAuth engine's built-in
 * providers a project configured, plus custom ones of connectionType "oauth" or
 * "api_key"), users' OAuth connections to them, and users' own API keys for them.
 * providers.c is the registry and the keys, connections.c the connections.
 *
 * A connection is made with the OAuth engine's flows (auth/oauth.h: state 256 random
 * bits stored as a hash, single use, 10 minutes, bound to project, user and provider;
 * PKCE S256 unless a custom provider says it cannot take it). Its access and refresh
 * tokens are sealed under the master key bound to "app:user:provider", so a row moved
 * to another user or provider does not open. valid-token refreshes a token near expiry
 * once however many callers ask at once, on one node or many: one thread per process
 * leads, and one process at a time holds the row's refresh lease; the rotated refresh
 * token is stored before anyone is answered. A refresh refused with invalid_grant marks
 * the connection "reconnect required". */
#ifndef AG_CONNECTIONS_H
#define AG_CONNECTIONS_H

#include "auth/oauth.h"

#define PROVIDER_ID_MAX 64
#define PROVIDER_KEY_MAX 4096
#define CONNECT_REFRESH_AHEAD_S 60 /* refresh a token with less than this left */
#define CONNECT_LEASE_S 30 /* how long one refresh may hold the row */

/* ---- the registry ---------------------------------------------------------------------- */

/* Every provider a project's users can use, public view: [{id, name, icon, categories,
 * connectionType, builtin}] (built-ins only when the project configured them). */
enum ag_err providers_list(struct arena *a, const struct project *p, cJSON **out) MUST_CHECK;
/* One provider, public view (no secret); AG_ENOTFOUND. */
enum ag_err provider_get_json(struct arena *a, const struct project *p, const char *id, cJSON **out) MUST_CHECK;
/* Custom providers (project admins only): create, merge-update, delete. AG_EINVAL with
 * a message naming the field, AG_PROVIDERS_EXISTS for an id in use (built-in ids
 * included), AG_PROVIDERS_BUILTIN for a built-in (configured through
 * /admin/api/projects/{app_id}/oauth/{provider}). */
struct ag_error provider_create(struct arena *a, const char *app_id, const cJSON *body) MUST_CHECK;
struct ag_error provider_update(struct arena *a, const char *app_id, const char *id, const cJSON *body) MUST_CHECK;
enum ag_err provider_delete(const char *app_id, const char *id) MUST_CHECK;
/* The provider as an OAuth client: a built-in's project settings, or a custom "oauth"
 * provider as a plain OAuth 2.0 client (its secret opened). AG_OAUTH_UNKNOWN_PROVIDER,
 * AG_CONNECT_PROVIDER_NOT_CONFIGURED, AG_CONNECT_NOT_OAUTH. */
struct ag_error provider_client(struct arena *a, const char *app_id, const char *id,
                                struct oauth_client **out) MUST_CHECK;

/* ---- connections ------------------------------------------------------------------------ */

/* The provider's authorization URL for this user. redirect_uri: where the provider sends
 * the browser back (AuthGate's GET callback or an app page the project registered);
 * scope: NULL for the provider's scopes. */
struct ag_error connect_start(struct arena *a, const struct project *p, const char *user_id, const char *provider,
                              const char *redirect_uri, const char *scope, const char **auth_url) MUST_CHECK;

/* What came back to a callback. user_id: the caller (POST /auth/callback), who must be
 * the user the flow was started for; NULL for the browser's callback once its page was
 * confirmed (below). provider: the path's (browser), or NULL. iss: RFC 9207's
 * parameter, may be NULL. */
struct connect_result {
	const char *provider, *user_id, *email;
};
struct ag_error connect_finish(struct arena *a, const struct project *p, const char *state, const char *code,
                               const char *iss, const char *user_id, const char *provider,
                               struct connect_result *out) MUST_CHECK;

/* The browser's GET callback does not connect on the state alone: a connect link the
 * starter sent to someone else would connect that person's provider account to the
 * starter (docs/USERS.md, "The browser's callback asks first"). It shows who the
 * connection is for and asks; only the page's own form, bound to that browser by a
 * cookie nonce, goes on. connect_pending reads the flow without taking it: AG_OK with
 * the account it was started for, else why not (AG_CONNECT_STATE, AG_OAUTH_STATE,
 * AG_OAUTH_FLOW_EXPIRED, AG_CONNECT_ACCOUNT_GONE). */
struct connect_pending {
	const char *provider, *provider_name, *user_id, *user_email;
};
struct ag_error connect_pending(struct arena *a, const struct project *p, const char *state, const char *provider,
                                struct connect_pending *out) MUST_CHECK;
/* The person said no: the flow is spent, nothing is connected (logged). */
struct ag_error connect_cancel(struct arena *a, const struct project *p, const char *state,
                               const char *provider) MUST_CHECK;
/* The confirmation form's token for this state and browser nonce, and its check
 * (constant time). */
const char *connect_confirm_token(struct arena *a, const char *state, const char *nonce);
bool connect_confirm_ok(struct arena *a, const char *state, const char *nonce, const char *token);

/* Forget the connection, revoking its token at the provider when it has a revocation
 * endpoint (*revoked). AG_ENOTFOUND when there is none. */
enum ag_err connection_disconnect(struct arena *a, const struct project *p, const char *user_id, const char *provider,
                                  bool *revoked) MUST_CHECK;
/* [{provider, email, connectedAt, status, scope, expiresAt}] */
enum ag_err connections_list(struct arena *a, const char *app_id, const char *user_id, cJSON **out) MUST_CHECK;

/* A fresh access token (refreshed when less than CONNECT_REFRESH_AHEAD_S is left).
 * AG_CONNECT_NOT_FOUND: not connected; AG_CONNECT_RECONNECT: reconnect required (the
 * message says why); AG_OAUTH_PROVIDER_UNAVAILABLE: the provider did not answer. */
struct ag_error connection_valid_token(struct arena *a, const struct project *p, const char *user_id,
                                       const char *provider, const char **access_token,
                                       int64_t *expires_at) MUST_CHECK;

/* ---- users' own provider keys --------------------------------------------------------------- */

/* AG_ENOTFOUND for a provider not in the registry. */
enum ag_err provider_key_set(struct arena *a, const struct project *p, const char *user_id, const char *provider,
                             const char *key) MUST_CHECK;
enum ag_err provider_key_get(struct arena *a, const char *app_id, const char *user_id, const char *provider,
                             const char **key) MUST_CHECK;
enum ag_err provider_key_delete(const char *app_id, const char *user_id, const char *provider) MUST_CHECK;

#endif
