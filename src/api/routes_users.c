/* routes_users.c — the routes of seed 004's end users (docs/USERS.md): sessions, keys
 * and sign-in under /users, the provider registry and connections under /auth,
 * forward-auth, the access check and plans, and their admin routes; and the fields
 * their bodies may carry. One family of the table (routes.c). */
#include "api/routes.h"
#include "api/users.h"

/* Seed 004: end users (docs/USERS.md, docs/FORWARD_AUTH.md). */
static const struct field f_user_email[] = {
	{"email", FK_STRING, true, 320},
	{"locale", FK_STRING, false, 35},
	{NULL, 0, false, 0},
};

static const struct field f_user_code[] = {
	{"email", FK_STRING, true, 320},
	{"code", FK_STRING, true, 16},
	{"locale", FK_STRING, false, 35},
	{NULL, 0, false, 0},
};

static const struct field f_user_key[] = {
	{"name", FK_STRING, false, 100},
	{NULL, 0, false, 0},
};

static const struct field f_user_plan[] = {
	{"plan", FK_STRING, false, 64},
	{"features", FK_STRINGS, false, 64},
	{NULL, 0, false, 0},
};

static const struct field f_users_config[] = {
	{"plans", FK_JSON, false, 0}, /* lists or null: checked by the handler (auth/user_config.c) */
	{"rules", FK_JSON, false, 0},
	{"api_key_prefix", FK_JSON, false, 0},
	{"session_cookie", FK_JSON, false, 0},
	{"google_search", FK_JSON, false, 0},
	{"hosts", FK_JSON, false, 0},
	{"session_max_days", FK_JSON, false, 0},
	{NULL, 0, false, 0},
};

static const struct field f_access_check[] = {
	{"token", FK_STRING, false, 8192},
	{"api_key", FK_STRING, false, 128},
	{"path", FK_STRING, false, 8192},
	{"method", FK_STRING, false, 16},
	{"plan", FK_STRING, false, 64},
	{"feature", FK_STRING, false, 64},
	{NULL, 0, false, 0},
};

/* A custom provider (validated by auth/connections.c: camelCase as the seed writes it). */
static const struct field f_provider[] = {
	{"id", FK_JSON, false, 0},           {"name", FK_JSON, false, 0},        {"icon", FK_JSON, false, 0},
	{"categories", FK_JSON, false, 0},   {"connectionType", FK_JSON, false, 0},
	{"authorizeUrl", FK_JSON, false, 0}, {"tokenUrl", FK_JSON, false, 0},    {"revokeUrl", FK_JSON, false, 0},
	{"userinfoUrl", FK_JSON, false, 0},  {"scopes", FK_JSON, false, 0},      {"clientId", FK_JSON, false, 0},
	{"clientSecret", FK_JSON, false, 0}, {"pkce", FK_JSON, false, 0},        {NULL, 0, false, 0},
};

static const struct field f_connect_callback[] = {
	{"code", FK_STRING, false, 2048},
	{"state", FK_STRING, true, 128},
	{"iss", FK_STRING, false, 512},
	{"error", FK_STRING, false, 128},
	{"error_description", FK_STRING, false, 1024},
	{NULL, 0, false, 0},
};

static const struct field f_provider_key[] = {
	{"apiKey", FK_STRING, true, 4096},
	{NULL, 0, false, 0},
};

const struct route routes_users[] = {
	/* Seed 004: end users' sessions, keys and sign-in; the project comes from the path
	 * (/p/{app_id}/...), a claimed host or the default project (guard_users) */
#define U (ROUTE_TENANT | ROUTE_ENVELOPE | ROUTE_CORS)
	{"POST", "/users/auth/magic-link/request", h_users_magic_request, guard_users, 2 * KB, f_user_email, U, NULL},
	{"POST", "/users/auth/magic-link/verify", h_users_magic_verify, guard_users, 2 * KB, f_user_code, U, NULL},
	{"POST", "/users/auth/mfa/challenge", h_users_mfa_challenge, guard_users, 2 * KB, f_mfa_challenge, U, NULL},
	{"POST", "/users/auth/mfa/verify", h_users_mfa_verify, guard_users, 32 * KB, f_mfa_verify, U, NULL},
	{"GET", "/users/auth/status", h_users_status, guard_users, 0, NULL, U, NULL},
	{"POST", "/users/auth/refresh", h_users_refresh, guard_users, 0, NULL, U, NULL},
	{"GET", "/users/auth/{provider}", h_users_oauth_start, guard_users, 0, NULL, ROUTE_TENANT | ROUTE_ENVELOPE, NULL},
	{"GET", "/users/auth/{provider}/callback", h_users_oauth_callback, guard_users, 0, NULL,
	 ROUTE_TENANT | ROUTE_ENVELOPE, NULL},
	{"POST", "/users/logout", h_users_logout, guard_users, 0, NULL, U, NULL},
	{"POST", "/users/generate-api-key", h_users_key_create, guard_users, 1 * KB, f_user_key, U, NULL},
	{"GET", "/users/api-keys", h_users_keys_list, guard_users, 0, NULL, U, NULL},
	{"DELETE", "/users/api-keys/{key_id}", h_users_key_revoke, guard_users, 0, NULL, U, NULL},
	{"GET", "/users/sessions", h_users_sessions_list, guard_users, 0, NULL, U, NULL},
	{"DELETE", "/users/sessions/{session_id}", h_users_session_end, guard_users, 0, NULL, U, NULL},
#undef U

	/* the provider registry, connections to tool providers, provider keys (seed 004) */
#define U (ROUTE_TENANT | ROUTE_ENVELOPE | ROUTE_CORS)
	{"GET", "/auth/providers", h_providers_list, guard_users, 0, NULL, U, NULL},
	{"POST", "/auth/providers", h_providers_create, guard_users, 16 * KB, f_provider, U, NULL},
	{"GET", "/auth/providers/{id}", h_providers_get, guard_users, 0, NULL, U, NULL},
	{"PUT", "/auth/providers/{id}", h_providers_update, guard_users, 16 * KB, f_provider, U, NULL},
	{"DELETE", "/auth/providers/{id}", h_providers_delete, guard_users, 0, NULL, U, NULL},
	{"GET", "/auth/connect/{provider}", h_connect_start, guard_users, 0, NULL, U, NULL},
	{"POST", "/auth/callback", h_connect_callback_post, guard_users, 8 * KB, f_connect_callback, U, NULL},
	{"GET", "/auth/callback/{provider}", h_connect_callback_get, guard_users, 0, NULL, ROUTE_TENANT | ROUTE_PAGE,
	 NULL},
	{"POST", "/auth/callback/{provider}/confirm", h_connect_confirm, guard_users, 8 * KB, NULL,
	 ROUTE_TENANT | ROUTE_PAGE | ROUTE_FORM, NULL},
	{"POST", "/auth/disconnect/{provider}", h_connect_disconnect, guard_users, 0, NULL, U, NULL},
	{"GET", "/auth/connected", h_connected_list, guard_users, 0, NULL, U, NULL},
	{"POST", "/auth/apikeys/{provider}", h_provider_key_put, guard_users, 8 * KB, f_provider_key, U, NULL},
	{"GET", "/auth/apikeys/{provider}", h_provider_key_get, guard_users, 0, NULL, U, NULL},
	{"DELETE", "/auth/apikeys/{provider}", h_provider_key_delete, guard_users, 0, NULL, U, NULL},
	{"GET", "/auth/valid-token", h_valid_token, guard_users, 0, NULL, U, NULL},
	{"GET", "/auth/google-search-keys", h_google_search_keys, guard_users, 0, NULL, U, NULL},
#undef U

	/* forward-auth for reverse proxies (any method: nginx's auth_request keeps the
	 * original's), and the same decision as JSON for app backends */
#define FA (ROUTE_TENANT | ROUTE_ENVELOPE)
	{"GET", "/forward-auth", h_forward_auth, guard_users, 0, NULL, FA, NULL},
	{"POST", "/forward-auth", h_forward_auth, guard_users, 0, NULL, FA, NULL},
	{"PUT", "/forward-auth", h_forward_auth, guard_users, 0, NULL, FA, NULL},
	{"PATCH", "/forward-auth", h_forward_auth, guard_users, 0, NULL, FA, NULL},
	{"DELETE", "/forward-auth", h_forward_auth, guard_users, 0, NULL, FA, NULL},
#undef FA
	{"POST", "/api/v1/access/check", h_access_check, guard_api_key, 16 * KB, f_access_check, 0, NULL},
	{"PUT", "/api/v1/users/{user_id}/plan", h_backend_user_plan, guard_api_key, 4 * KB, f_user_plan, 0, NULL},

	/* admin: end-user settings, a user's plan, sessions and keys */
	{"GET", "/admin/api/projects/{app_id}/users-config", h_admin_users_config_get, guard_admin, 0, NULL, 0, NULL},
	{"PATCH", "/admin/api/projects/{app_id}/users-config", h_admin_users_config_patch, guard_admin, 64 * KB,
	 f_users_config, 0, NULL},
	{"PUT", "/admin/api/projects/{app_id}/users/{user_id}/plan", h_admin_user_plan, guard_admin, 4 * KB, f_user_plan,
	 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/users/{user_id}/sessions", h_admin_user_sessions, guard_admin, 0, NULL, 0,
	 NULL},
	{"DELETE", "/admin/api/projects/{app_id}/users/{user_id}/sessions", h_admin_user_sessions_end, guard_admin, 0,
	 NULL, 0, NULL},
	{"DELETE", "/admin/api/projects/{app_id}/users/{user_id}/sessions/{session_id}", h_admin_user_session_end,
	 guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/users/{user_id}/api-keys", h_admin_user_keys, guard_admin, 0, NULL, 0,
	 NULL},
	{"DELETE", "/admin/api/projects/{app_id}/users/{user_id}/api-keys/{key_id}", h_admin_user_key_revoke,
	 guard_admin, 0, NULL, 0, NULL},
};

const size_t routes_users_n = sizeof routes_users / sizeof routes_users[0];
