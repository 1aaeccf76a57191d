/* routes.c — every endpoint AuthGate serves, in one table: method, path, guard, body
 * cap and accepted fields. Nothing reaches a handler without passing through here. */
#include "api/api.h"
#include "api/users.h"
#include "auth/push.h"
#include "http/route.h"

#define KB 1024

static const struct field f_project_create[] = {
	{"app_id", FK_STRING, true, 63},
	{"name", FK_STRING, true, 100},
	{"allowed_origins", FK_STRINGS, false, 512},
	{"callback_urls", FK_STRINGS, false, 2048},
	{NULL, 0, false, 0},
};

static const struct field f_project_patch[] = {
	{"name", FK_STRING, false, 100},
	{"allowed_origins", FK_STRINGS, false, 512},
	{"callback_urls", FK_STRINGS, false, 2048},
	{"providers", FK_OBJECT, false, 0},
	{"default_locale", FK_STRING, false, 8},
	{"branding", FK_OBJECT, false, 0},
	{"disabled", FK_BOOL, false, 0},
	{"mfa", FK_STRING, false, 16},
	{NULL, 0, false, 0},
};

static const struct field f_key_create[] = {
	{"name", FK_STRING, false, 100},
	{NULL, 0, false, 0},
};

static const struct field f_push_start[] = {
	{"app_id", FK_STRING, true, 63},
	{"email", FK_STRING, true, 320},
	{NULL, 0, false, 0},
};

static const struct field f_device_enroll[] = {
	{"email", FK_STRING, true, 320},
	{"app_id", FK_STRING, false, 63},
	{"locale", FK_STRING, false, 16},
	{NULL, 0, false, 0},
};

static const struct field f_device_enroll_verify[] = {
	{"enrollment_id", FK_STRING, false, 64},
	{"code", FK_STRING, false, 16},
	{"link", FK_STRING, false, 200},
	{"name", FK_STRING, true, 4 * PUSH_DEVICE_NAME_MAX}, /* bytes: 64 characters of up to 4 */
	{"public_key", FK_OBJECT, true, 0},
	{NULL, 0, false, 0},
};

static const struct field f_device_login[] = {
	{"device_id", FK_STRING, true, 32},
	{"ts", FK_INT, true, 0},
	{"sig", FK_STRING, true, 128},
	{NULL, 0, false, 0},
};

static const struct field f_device_lookup[] = {
	{"code", FK_STRING, true, 16},
	{NULL, 0, false, 0},
};

static const struct field f_device_decide[] = {
	{"device_id", FK_STRING, true, 32},
	{"decision", FK_STRING, true, 16},
	{"code", FK_STRING, false, 16},
	{"ts", FK_INT, true, 0},
	{"sig", FK_STRING, true, 128},
	{NULL, 0, false, 0},
};

static const struct field f_webhook_create[] = {
	{"app_id", FK_STRING, false, 63},
	{"url", FK_STRING, true, 2048},
	{"events", FK_STRINGS, false, 32},
	{"description", FK_STRING, false, 200},
	{NULL, 0, false, 0},
};

static const struct field f_webhook_patch[] = {
	{"url", FK_STRING, false, 2048},
	{"events", FK_STRINGS, false, 32},
	{"description", FK_STRING, false, 200},
	{"disabled", FK_BOOL, false, 0},
	{NULL, 0, false, 0},
};

/* Email + password, magic links (seed 001). Every endpoint takes an optional locale. */
static const struct field f_email_signup[] = {
	{"email", FK_STRING, true, 320},     {"password", FK_STRING, true, 512}, {"name", FK_STRING, false, 200},
	{"callback_url", FK_STRING, false, 2048}, {"locale", FK_STRING, false, 35}, {NULL, 0, false, 0},
};

static const struct field f_email_signin[] = {
	{"email", FK_STRING, true, 320},          {"password", FK_STRING, true, 512},
	{"callback_url", FK_STRING, false, 2048}, {"locale", FK_STRING, false, 35},
	{NULL, 0, false, 0},
};

static const struct field f_email_verify[] = {
	{"email", FK_STRING, true, 320},          {"code", FK_STRING, true, 16},
	{"callback_url", FK_STRING, false, 2048}, {"locale", FK_STRING, false, 35},
	{NULL, 0, false, 0},
};

static const struct field f_email_only[] = {
	{"email", FK_STRING, true, 320},
	{"callback_url", FK_STRING, false, 2048},
	{"locale", FK_STRING, false, 35},
	{NULL, 0, false, 0},
};

static const struct field f_email_confirm[] = {
	{"token", FK_STRING, true, 128},
	{"password", FK_STRING, true, 512},
	{"locale", FK_STRING, false, 35},
	{NULL, 0, false, 0},
};

static const struct field f_magic_send[] = {
	{"email", FK_STRING, true, 320},
	{"callback_url", FK_STRING, true, 2048},
	{"locale", FK_STRING, false, 35},
	{NULL, 0, false, 0},
};

/* OAuth sign-in: starts for apps, linking while signed in (a seed 002 token). */
static const struct field f_oauth_start[] = {
	{"callback_url", FK_STRING, true, 2048},
	{"locale", FK_STRING, false, 35},
	{NULL, 0, false, 0},
};

static const struct field f_oauth_link[] = {
	{"token", FK_STRING, true, 8192},
	{"callback_url", FK_STRING, true, 2048},
	{"locale", FK_STRING, false, 35},
	{NULL, 0, false, 0},
};

static const struct field f_oauth_token[] = {
	{"token", FK_STRING, true, 8192},
	{NULL, 0, false, 0},
};

/* Provider settings (merged into the stored ones; docs/OAUTH.md). */
static const struct field f_oauth_settings[] = {
	{"enabled", FK_BOOL, false, 0},
	{"client_id", FK_STRING, false, 256},
	{"client_secret", FK_STRING, false, 4096},
	{"private_key", FK_STRING, false, 4096},
	{"scopes", FK_STRING, false, 512},
	{"issuer", FK_STRING, false, 512},
	{"tenant", FK_STRING, false, 64},
	{"team_id", FK_STRING, false, 10},
	{"key_id", FK_STRING, false, 10},
	{"authorization_endpoint", FK_STRING, false, 512},
	{"token_endpoint", FK_STRING, false, 512},
	{"userinfo_endpoint", FK_STRING, false, 512},
	{"emails_endpoint", FK_STRING, false, 512},
	{NULL, 0, false, 0},
};

/* Token verification (seed 002): a missing token is the handler's 400. */
static const struct field f_token_verify[] = {
	{"token", FK_STRING, false, 8192},
	{NULL, 0, false, 0},
};

/* Factors and the MFA step (docs/MFA.md, docs/PASSKEYS.md). */
static const struct field f_factor_name[] = {
	{"name", FK_STRING, false, 256},
	{NULL, 0, false, 0},
};

static const struct field f_factor_sms[] = {
	{"phone", FK_STRING, true, 32},
	{"name", FK_STRING, false, 256},
	{NULL, 0, false, 0},
};

static const struct field f_factor_code[] = {
	{"code", FK_STRING, true, 16},
	{NULL, 0, false, 0},
};

static const struct field f_factor_rename[] = {
	{"name", FK_STRING, true, 256},
	{NULL, 0, false, 0},
};

static const struct field f_passkey_register[] = {
	{"ceremony_id", FK_STRING, true, 64},
	{"credential", FK_OBJECT, true, 0},
	{"name", FK_STRING, false, 256},
	{NULL, 0, false, 0},
};

static const struct field f_passkey_verify[] = {
	{"ceremony_id", FK_STRING, true, 64},
	{"credential", FK_OBJECT, true, 0},
	{NULL, 0, false, 0},
};

static const struct field f_none[] = {
	{NULL, 0, false, 0},
};

static const struct field f_mfa_challenge[] = {
	{"mfa_token", FK_STRING, true, 128},
	{"method", FK_STRING, true, 16},
	{NULL, 0, false, 0},
};

static const struct field f_mfa_verify[] = {
	{"mfa_token", FK_STRING, true, 128},
	{"method", FK_STRING, true, 16},
	{"code", FK_STRING, false, 32},
	{"ceremony_id", FK_STRING, false, 64},
	{"assertion", FK_OBJECT, false, 0},
	{NULL, 0, false, 0},
};

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

static const struct field f_mfa_step_challenge[] = {
	{"method", FK_STRING, true, 16},
	{NULL, 0, false, 0},
};

static const struct field f_mfa_step_verify[] = {
	{"method", FK_STRING, true, 16},
	{"code", FK_STRING, false, 32},
	{"ceremony_id", FK_STRING, false, 64},
	{"assertion", FK_OBJECT, false, 0},
	{NULL, 0, false, 0},
};

static const struct field f_dev_clock[] = {
	{"offset_ms", FK_INT, true, 0},
	{NULL, 0, false, 0},
};

static const struct field f_admin_signin[] = {
	{"token", FK_STRING, true, 64},
	{NULL, 0, false, 0},
};

static const struct field f_tester_start[] = {
	{"email", FK_STRING, true, 320},
	{"receiver_url", FK_STRING, false, 2048},
	{NULL, 0, false, 0},
};

static const struct field f_admin_passkey_add[] = {
	{"ceremony_id", FK_STRING, true, 64},
	{"credential", FK_OBJECT, true, 0},
	{"name", FK_STRING, false, 64},
	{NULL, 0, false, 0},
};

static const struct field f_admin_user_patch[] = {
	{"disabled", FK_BOOL, false, 0},
	{NULL, 0, false, 0},
};

static const struct field f_test_mail[] = {
	{"to", FK_STRING, true, 254},
	{"template", FK_STRING, false, 32},
	{"locale", FK_STRING, false, 8},
	{NULL, 0, false, 0},
};


/* The Authsignal-compatible server API (docs/ACTIONS.md): the fields @authsignal/node sends. */
static const struct field f_as_track[] = {
	{"idempotencyKey", FK_STRING, false, 128}, {"redirectUrl", FK_STRING, false, 2048},
	{"redirectToSettings", FK_BOOL, false, 0}, {"ipAddress", FK_STRING, false, 64},
	{"userAgent", FK_STRING, false, 1024},     {"deviceId", FK_STRING, false, 128},
	{"scope", FK_STRING, false, 256},          {"email", FK_STRING, false, 320},
	{"phoneNumber", FK_STRING, false, 32},     {"username", FK_STRING, false, 255},
	{"custom", FK_OBJECT, false, 0},           {"challengeId", FK_STRING, false, 64},
	{"locale", FK_STRING, false, 35},          {"customDomain", FK_STRING, false, 255},
	{NULL, 0, false, 0},
};

static const struct field f_as_validate[] = {
	{"token", FK_STRING, true, 512},
	{"userId", FK_STRING, false, 255},
	{"action", FK_STRING, false, 64},
	{NULL, 0, false, 0},
};

static const struct field f_as_user[] = {
	{"email", FK_STRING, false, 320},      {"emailVerified", FK_BOOL, false, 0},
	{"phoneNumber", FK_STRING, false, 32}, {"phoneNumberVerified", FK_BOOL, false, 0},
	{"username", FK_STRING, false, 255},   {"displayName", FK_STRING, false, 255},
	{"custom", FK_OBJECT, false, 0},       {"locale", FK_STRING, false, 35},
	{NULL, 0, false, 0},
};

static const struct field f_as_enroll_verified[] = {
	{"verificationMethod", FK_STRING, true, 32},
	{"phoneNumber", FK_STRING, false, 32},
	{"email", FK_STRING, false, 320},
	{"isDefault", FK_BOOL, false, 0},
	{NULL, 0, false, 0},
};

static const struct field f_as_action_update[] = {
	{"state", FK_STRING, true, 32},
	{NULL, 0, false, 0},
};


static const struct field f_as_challenge[] = {
	{"verificationMethod", FK_STRING, true, 32}, {"action", FK_STRING, false, 64},
	{"challengeId", FK_STRING, false, 64},       {"idempotencyKey", FK_STRING, false, 128},
	{"userId", FK_STRING, false, 255},           {"email", FK_STRING, false, 320},
	{"phoneNumber", FK_STRING, false, 32},       {"smsChannel", FK_STRING, false, 16},
	{"locale", FK_STRING, false, 35},            {"deviceId", FK_STRING, false, 128},
	{"ipAddress", FK_STRING, false, 64},         {"userAgent", FK_STRING, false, 1024},
	{"custom", FK_OBJECT, false, 0},             {"scope", FK_STRING, false, 256},
	{NULL, 0, false, 0},
};

static const struct field f_as_verify[] = {
	{"challengeId", FK_STRING, true, 64},
	{"verificationCode", FK_STRING, true, 32},
	{NULL, 0, false, 0},
};

static const struct field f_as_claim[] = {
	{"challengeId", FK_STRING, true, 64},
	{"userId", FK_STRING, true, 255},
	{"skipVerificationCheck", FK_BOOL, false, 0},
	{NULL, 0, false, 0},
};

static const struct field f_as_session[] = {
	{"clientId", FK_STRING, true, 128},
	{"token", FK_STRING, true, 512},
	{"action", FK_STRING, false, 64},
	{NULL, 0, false, 0},
};

static const struct field f_as_session_validate[] = {
	{"accessToken", FK_STRING, true, 8192},
	{"clientIds", FK_STRINGS, false, 128},
	{NULL, 0, false, 0},
};

static const struct field f_as_session_refresh[] = {
	{"refreshToken", FK_STRING, true, 128},
	{NULL, 0, false, 0},
};

static const struct field f_as_session_revoke[] = {
	{"accessToken", FK_STRING, true, 8192},
	{NULL, 0, false, 0},
};

static const struct field f_as_user_revoke[] = {
	{"userId", FK_STRING, true, 255},
	{NULL, 0, false, 0},
};

/* The client API (@authsignal/browser). */
static const struct field f_asc_reg_options[] = {
	{"username", FK_STRING, false, 255},
	{"displayName", FK_STRING, false, 255},
	{"authenticatorAttachment", FK_STRING, false, 32},
	{NULL, 0, false, 0},
};

static const struct field f_asc_passkey_add[] = {
	{"registrationCredential", FK_OBJECT, true, 0},
	{"conditionalCreate", FK_BOOL, false, 0},
	{"challengeId", FK_STRING, false, 64},
	{NULL, 0, false, 0},
};

static const struct field f_asc_auth_options[] = {
	{"challengeId", FK_STRING, false, 64},
	{NULL, 0, false, 0},
};

static const struct field f_asc_verify_passkey[] = {
	{"authenticationCredential", FK_OBJECT, true, 0},
	{"deviceId", FK_STRING, false, 128},
	{"challengeId", FK_STRING, false, 64},
	{NULL, 0, false, 0},
};

static const struct field f_asc_challenge[] = {
	{"action", FK_STRING, false, 64},
	{NULL, 0, false, 0},
};

static const struct field f_asc_code[] = {
	{"verificationCode", FK_STRING, true, 32},
	{NULL, 0, false, 0},
};

static const struct field f_asc_push_verify[] = {
	{"challengeId", FK_STRING, true, 128},
	{NULL, 0, false, 0},
};

static const struct field f_asc_email[] = {
	{"email", FK_STRING, false, 320},
	{NULL, 0, false, 0},
};

static const struct field f_asc_sms[] = {
	{"phoneNumber", FK_STRING, true, 32},
	{NULL, 0, false, 0},
};

/* An action's rules (admin API): a bad rule is refused naming its field. */
static const struct field f_action_rules[] = {
	{"defaultOutcome", FK_STRING, false, 16},
	{"rules", FK_ARRAY, false, 0},
	{NULL, 0, false, 0},
};

/* A route of the Authsignal-compatible family: its errors are Authsignal's shape. */
#define AS(method, pattern, handler, guard, body, fields, flags) \
	{method, pattern, handler, guard, body, fields, (flags) | ROUTE_ALT_ERRORS, NULL}

const struct route api_routes[] = {
	/* operations */
	{"GET", "/healthz", h_ops_healthz, NULL, 0, NULL, 0, NULL},
	{"GET", "/readyz", h_ops_readyz, NULL, 0, NULL, 0, NULL},
	{"GET", "/metrics", h_ops_metrics, guard_metrics, 0, NULL, 0, NULL},
	{"GET", "/openapi.json", h_ops_openapi, NULL, 0, NULL, 0, NULL},
	{"GET", "/assets/{file}", h_assets_get, NULL, 0, NULL, 0, NULL},
	{"GET", "/api/v1/project", h_ops_project, guard_api_key, 0, NULL, 0, NULL},

	/* admin */
	{"GET", "/admin/api/projects", h_admin_projects_list, guard_admin, 0, NULL, 0, NULL},
	{"POST", "/admin/api/projects", h_admin_projects_create, guard_admin, 16 * KB, f_project_create, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}", h_admin_projects_get, guard_admin, 0, NULL, 0, NULL},
	{"PATCH", "/admin/api/projects/{app_id}", h_admin_projects_update, guard_admin, 32 * KB, f_project_patch, 0,
	 NULL},
	{"DELETE", "/admin/api/projects/{app_id}", h_admin_projects_delete, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/keys", h_admin_keys_list, guard_admin, 0, NULL, 0, NULL},
	{"POST", "/admin/api/projects/{app_id}/keys", h_admin_keys_create, guard_admin, 1 * KB, f_key_create, 0,
	 NULL},
	{"DELETE", "/admin/api/projects/{app_id}/keys/{key_id}", h_admin_keys_revoke, guard_admin, 0, NULL, 0,
	 NULL},
	{"GET", "/admin/api/projects/{app_id}/signing-secret", h_admin_signing_secret, guard_admin, 0, NULL, 0, NULL},
	{"POST", "/admin/api/projects/{app_id}/test-mail", h_admin_test_mail, guard_admin, 1 * KB, f_test_mail, 0,
	 NULL},
	{"GET", "/admin/api/outbox", h_admin_outbox_list, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/oauth", h_admin_oauth_list, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/oauth/{provider}", h_admin_oauth_get, guard_admin, 0, NULL, 0, NULL},
	{"PUT", "/admin/api/projects/{app_id}/oauth/{provider}", h_admin_oauth_put, guard_admin, 16 * KB,
	 f_oauth_settings, 0, NULL},
	{"DELETE", "/admin/api/projects/{app_id}/oauth/{provider}", h_admin_oauth_delete, guard_admin, 0, NULL, 0,
	 NULL},
	{"POST", "/admin/api/projects/{app_id}/signing-secret/rotate", h_admin_signing_secret_rotate, guard_admin, 0,
	 NULL, 0, NULL},

	/* the dashboard (docs/DASHBOARD.md): sign-in, audit, validation, pages */
	{"POST", "/admin/api/session", h_admin_session_open, NULL, 1 * KB, f_admin_signin, 0, NULL},
	{"GET", "/admin/api/session", h_admin_session_get, guard_admin, 0, NULL, 0, NULL},
	{"DELETE", "/admin/api/session", h_admin_session_end, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/sessions", h_admin_sessions_list, guard_admin, 0, NULL, 0, NULL},
	{"POST", "/admin/api/session/passkey/options", h_admin_session_passkey_options, NULL, 1 * KB, f_none, 0, NULL},
	{"POST", "/admin/api/session/passkey", h_admin_session_passkey, NULL, 16 * KB, f_passkey_verify, 0, NULL},
	{"GET", "/admin/api/passkeys", h_admin_passkeys_list, guard_admin, 0, NULL, 0, NULL},
	{"POST", "/admin/api/passkeys/options", h_admin_passkeys_options, guard_admin, 1 * KB, f_none, 0, NULL},
	{"POST", "/admin/api/passkeys", h_admin_passkeys_add, guard_admin, 16 * KB, f_admin_passkey_add, 0, NULL},
	{"DELETE", "/admin/api/passkeys/{id}", h_admin_passkeys_remove, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/audit", h_admin_audit_list, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/security-events", h_admin_security_events, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/metrics/series", h_admin_metrics_series, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/validate", h_admin_validate, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/app-qr.svg", h_admin_app_qr, guard_admin, 0, NULL, 0, NULL},
	/* webhooks of a project for the dashboard (/wh1): the API-key handlers, the admin
	 * session in place of the key (guard_admin_project) */
	{"POST", "/admin/api/projects/{app_id}/webhooks", h_webhooks_create, guard_admin_project, 4 * KB, f_webhook_create,
	 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/webhooks", h_webhooks_list, guard_admin_project, 0, NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/webhooks/{id}", h_webhooks_get, guard_admin_project, 0, NULL, 0, NULL},
	{"PATCH", "/admin/api/projects/{app_id}/webhooks/{id}", h_webhooks_update, guard_admin_project, 4 * KB,
	 f_webhook_patch, 0, NULL},
	{"DELETE", "/admin/api/projects/{app_id}/webhooks/{id}", h_webhooks_delete, guard_admin_project, 0, NULL, 0, NULL},
	{"POST", "/admin/api/projects/{app_id}/webhooks/{id}/rotate-secret", h_webhooks_rotate, guard_admin_project, 0,
	 NULL, 0, NULL},
	{"POST", "/admin/api/projects/{app_id}/webhooks/{id}/test", h_webhooks_test, guard_admin_project, 0, NULL, 0,
	 NULL},
	{"GET", "/admin/api/projects/{app_id}/webhooks/{id}/deliveries", h_webhooks_deliveries, guard_admin_project, 0,
	 NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/webhooks/{id}/deliveries/{delivery_id}", h_webhooks_delivery,
	 guard_admin_project, 0, NULL, 0, NULL},
	{"POST", "/admin/api/projects/{app_id}/webhooks/{id}/deliveries/{delivery_id}/redeliver", h_webhooks_redeliver,
	 guard_admin_project, 0, NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/providers", h_admin_providers, guard_admin, 0, NULL, 0, NULL},
	/* the Users and Devices pages (a user's factors: api/factors.c below) */
	{"GET", "/admin/api/projects/{app_id}/users", h_admin_users_search, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/users/{user_id}", h_admin_user_get, guard_admin, 0, NULL, 0, NULL},
	{"PATCH", "/admin/api/projects/{app_id}/users/{user_id}", h_admin_user_update, guard_admin, 1 * KB,
	 f_admin_user_patch, 0, NULL},
	{"DELETE", "/admin/api/projects/{app_id}/users/{user_id}", h_admin_user_delete, guard_admin, 0, NULL, 0, NULL},
	{"POST", "/admin/api/projects/{app_id}/users/{user_id}/sessions/end", h_admin_user_end_sessions, guard_admin, 0,
	 NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/devices", h_admin_devices_list, guard_admin, 0, NULL, 0, NULL},
	{"DELETE", "/admin/api/projects/{app_id}/devices/{device_id}", h_admin_device_remove, guard_admin, 0, NULL, 0,
	 NULL},
	/* the Emails page: templates, locales, previews as mail clients show them */
	{"GET", "/admin/api/mail/catalog", h_admin_mail_catalog, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/mail-preview", h_admin_mail_preview, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/mail-preview.html", h_admin_mail_preview_html, guard_admin, 0, NULL, 0,
	 NULL},
	/* the Live Webhook Tester */
	{"POST", "/admin/api/projects/{app_id}/tester", h_admin_tester_start, guard_admin, 1 * KB, f_tester_start, 0,
	 NULL},
	{"GET", "/admin/api/projects/{app_id}/tester/{id}", h_admin_tester_get, guard_admin, 0, NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/tester/{id}/events", h_admin_tester_events, guard_admin, 0, NULL, ROUTE_LONG,
	 NULL},
	{"POST", "/wh1/receiver/{id}", h_wh1_receiver, NULL, 64 * KB, NULL, ROUTE_RAW, NULL},
	{"GET", "/admin", h_admin_page_root, NULL, 0, NULL, ROUTE_PAGE, NULL},
	{"GET", "/admin/{page}", h_admin_page, NULL, 0, NULL, ROUTE_PAGE, NULL},
	{"GET", "/admin/ui/{file}", h_admin_file, NULL, 0, NULL, 0, NULL},
	{"GET", "/wh1", h_admin_page_root, NULL, 0, NULL, ROUTE_PAGE, NULL},

	/* push-to-approve sign-in (seed 000) */
	{"POST", "/auth/start", h_push_start, NULL, 2 * KB, f_push_start, ROUTE_CORS, NULL},
	{"GET", "/auth/check/{session_id}", h_push_check, NULL, 0, NULL, ROUTE_CORS | ROUTE_LONG | ROUTE_SECRET_PATH,
	 NULL},
	{"GET", "/auth/verify", h_push_verify, NULL, 0, NULL, ROUTE_CORS, NULL},
	{"GET", "/widget.js", h_push_widget, NULL, 0, NULL, 0, NULL},
	{"GET", "/app", h_device_page, NULL, 0, NULL, ROUTE_PAGE, NULL},
	{"GET", "/app/{file}", h_device_file, NULL, 0, NULL, 0, NULL},
	{"POST", "/app/api/enroll", h_device_enroll, NULL, 2 * KB, f_device_enroll, 0, NULL},
	{"POST", "/app/api/enroll/verify", h_device_enroll_verify, NULL, 4 * KB, f_device_enroll_verify, 0, NULL},
	{"POST", "/app/api/login", h_device_login, NULL, 1 * KB, f_device_login, 0, NULL},
	{"GET", "/app/api/requests", h_device_requests, NULL, 0, NULL, 0, NULL},
	{"GET", "/app/api/events", h_device_events, NULL, 0, NULL, ROUTE_LONG, NULL},
	{"POST", "/app/api/lookup", h_device_lookup, NULL, 1 * KB, f_device_lookup, 0, NULL},
	{"POST", "/app/api/requests/{request_id}/decision", h_device_decide, NULL, 1 * KB, f_device_decide, 0, NULL},
	{"DELETE", "/app/api/device", h_device_remove, NULL, 0, NULL, 0, NULL},

	/* webhooks (seed 000), with the project API key */
	{"POST", "/api/webhooks", h_webhooks_create, guard_api_key, 4 * KB, f_webhook_create, 0, NULL},
	{"GET", "/api/webhooks", h_webhooks_list, guard_api_key, 0, NULL, 0, NULL},
	{"GET", "/api/webhooks/{id}", h_webhooks_get, guard_api_key, 0, NULL, 0, NULL},
	{"PATCH", "/api/webhooks/{id}", h_webhooks_update, guard_api_key, 4 * KB, f_webhook_patch, 0, NULL},
	{"DELETE", "/api/webhooks/{id}", h_webhooks_delete, guard_api_key, 0, NULL, 0, NULL},
	{"POST", "/api/webhooks/{id}/rotate-secret", h_webhooks_rotate, guard_api_key, 0, NULL, 0, NULL},
	{"POST", "/api/webhooks/{id}/test", h_webhooks_test, guard_api_key, 0, NULL, 0, NULL},
	{"GET", "/api/webhooks/{id}/deliveries", h_webhooks_deliveries, guard_api_key, 0, NULL, 0, NULL},
	{"GET", "/api/webhooks/{id}/deliveries/{delivery_id}", h_webhooks_delivery, guard_api_key, 0, NULL, 0, NULL},
	{"POST", "/api/webhooks/{id}/deliveries/{delivery_id}/redeliver", h_webhooks_redeliver, guard_api_key, 0, NULL,
	 0, NULL},

	/* development mail viewer (dev mode, loopback peers only; 404 when SMTP is configured) */
	{"GET", "/_dev/mail", h_devmail_page, NULL, 0, NULL, ROUTE_PAGE | ROUTE_DEV, NULL},
	{"GET", "/_dev/mail/messages", h_devmail_messages, NULL, 0, NULL, ROUTE_DEV, NULL},
	{"GET", "/_dev/mail/{id}/html", h_devmail_html, NULL, 0, NULL, ROUTE_DEV, NULL},


	/* email + password, magic links (seed 001) */
	{"POST", "/api/proxy/email/signup", h_email_signup, guard_api_key, 4 * KB, f_email_signup, 0, NULL},
	{"POST", "/api/proxy/email/signin", h_email_signin, guard_api_key, 4 * KB, f_email_signin, 0, NULL},
	{"POST", "/api/proxy/email/verify", h_email_verify, guard_api_key, 4 * KB, f_email_verify, 0, NULL},
	{"POST", "/api/proxy/email/verify/resend", h_email_verify_resend, guard_api_key, 4 * KB, f_email_only, 0, NULL},
	{"POST", "/api/proxy/email/reset-password", h_email_reset, guard_api_key, 4 * KB, f_email_only, 0, NULL},
	{"POST", "/api/proxy/email/reset-password/confirm", h_email_reset_confirm, guard_api_key, 4 * KB,
	 f_email_confirm, 0, NULL},
	{"POST", "/api/proxy/email/magic-link/send", h_email_magic_send, guard_api_key, 4 * KB, f_magic_send, 0, NULL},
	{"GET", "/api/proxy/email/magic-link/verify", h_magic_page, NULL, 0, NULL, ROUTE_PAGE, NULL},
	{"POST", "/api/proxy/email/magic-link/verify", h_magic_complete, NULL, 12 * KB, NULL, ROUTE_PAGE | ROUTE_FORM,
	 NULL},

	/* OAuth / OpenID Connect sign-in (seed 001); literal paths before {provider} */
	{"GET", "/api/proxy/{provider}", h_oauth_start_get, NULL, 0, NULL, ROUTE_PAGE, NULL},
	{"POST", "/api/proxy/{provider}", h_oauth_start_post, guard_api_key, 4 * KB, f_oauth_start, 0, NULL},
	{"GET", "/api/proxy/{provider}/start", h_oauth_start_ticket, NULL, 0, NULL, ROUTE_PAGE, NULL},
	{"GET", "/api/proxy/{provider}/callback", h_oauth_callback, NULL, 0, NULL, ROUTE_PAGE, NULL},
	{"POST", "/api/proxy/{provider}/callback", h_oauth_callback_post, NULL, 32 * KB, NULL, ROUTE_PAGE | ROUTE_FORM,
	 NULL},
	{"POST", "/api/proxy/{provider}/link", h_oauth_link, guard_api_key, 12 * KB, f_oauth_link, 0, NULL},
	{"POST", "/api/proxy/{provider}/unlink", h_oauth_unlink, guard_api_key, 12 * KB, f_oauth_token, 0, NULL},
	{"POST", "/api/v1/identities", h_oauth_identities, guard_api_key, 12 * KB, f_oauth_token, 0, NULL},

	/* token verification (seed 002) */
	{"POST", "/api/v1/token/verify", h_token_verify, guard_api_key, 16 * KB, f_token_verify, 0, NULL},

	/* a signed-in user's factors (session token, or an enrollment mfa_token) */
	{"GET", "/api/mfa/factors", h_factors_list, guard_user, 0, NULL, ROUTE_CORS, NULL},
	{"POST", "/api/mfa/enroll/totp", h_factors_enroll_totp, guard_user, 1 * KB, f_factor_name, ROUTE_CORS, NULL},
	{"POST", "/api/mfa/enroll/sms", h_factors_enroll_sms, guard_user, 1 * KB, f_factor_sms, ROUTE_CORS, NULL},
	{"POST", "/api/mfa/enroll/email", h_factors_enroll_email, guard_user, 1 * KB, f_factor_name, ROUTE_CORS, NULL},
	{"POST", "/api/mfa/enroll/passkey/options", h_factors_passkey_options, guard_user, 1 * KB, f_none, ROUTE_CORS,
	 NULL},
	{"POST", "/api/mfa/enroll/passkey", h_factors_passkey_register, guard_user, 32 * KB, f_passkey_register,
	 ROUTE_CORS, NULL},
	{"POST", "/api/mfa/factors/{id}/confirm", h_factors_confirm, guard_user, 1 * KB, f_factor_code, ROUTE_CORS, NULL},
	{"PATCH", "/api/mfa/factors/{id}", h_factors_rename, guard_user, 1 * KB, f_factor_rename, ROUTE_CORS, NULL},
	{"DELETE", "/api/mfa/factors/{id}", h_factors_remove, guard_user, 0, NULL, ROUTE_CORS, NULL},
	{"POST", "/api/mfa/recovery-codes", h_factors_recovery, guard_user, 1 * KB, f_none, ROUTE_CORS, NULL},
	{"GET", "/api/mfa/security-log", h_factors_security_log, guard_user, 0, NULL, ROUTE_CORS, NULL},

	/* the MFA step of sign-in, and passkey sign-in */
	{"POST", "/api/proxy/mfa/challenge", h_mfa_challenge, guard_api_key, 2 * KB, f_mfa_challenge, 0, NULL},
	{"POST", "/api/proxy/mfa/verify", h_mfa_verify, guard_api_key, 32 * KB, f_mfa_verify, 0, NULL},
	{"POST", "/api/proxy/passkey/options", h_passkey_options, guard_api_key, 1 * KB, f_none, 0, NULL},
	{"POST", "/api/proxy/passkey/verify", h_passkey_verify, guard_api_key, 32 * KB, f_passkey_verify, 0, NULL},
	{"POST", "/api/passkey/options", h_passkey_options, guard_app_query, 1 * KB, f_none, ROUTE_CORS, NULL},
	{"POST", "/api/passkey/verify", h_passkey_verify, guard_app_query, 32 * KB, f_passkey_verify, ROUTE_CORS, NULL},
	{"GET", "/passkey", h_passkey_page, NULL, 0, NULL, ROUTE_PAGE, NULL},
	/* the hosted MFA step page and its calls (same origin; the mfa_token is the credential) */
	{"GET", "/mfa", h_mfa_page, NULL, 0, NULL, ROUTE_PAGE, NULL},
	{"GET", "/api/mfa/step", h_mfa_step, guard_mfa_token, 0, NULL, 0, NULL},
	{"POST", "/api/mfa/step/challenge", h_mfa_challenge, guard_mfa_token, 1 * KB, f_mfa_step_challenge, 0, NULL},
	{"POST", "/api/mfa/step/verify", h_mfa_verify, guard_mfa_token, 32 * KB, f_mfa_step_verify, 0, NULL},

	/* admin: a user's factors and security log; reset */
	{"GET", "/admin/api/projects/{app_id}/users/{user_id}/factors", h_admin_user_factors, guard_admin, 0, NULL, 0,
	 NULL},
	{"DELETE", "/admin/api/projects/{app_id}/users/{user_id}/factors", h_admin_user_factors_reset, guard_admin, 0,
	 NULL, 0, NULL},

	/* development SMS viewer (dev mode, loopback peers only) */
	{"GET", "/_dev/sms", h_devsms_page, NULL, 0, NULL, ROUTE_PAGE | ROUTE_DEV, NULL},
	{"GET", "/_dev/sms/messages", h_devsms_messages, NULL, 0, NULL, ROUTE_DEV, NULL},

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

	/* dev mode and loopback peers only (404 otherwise): shift the clock to test expiry */
	{"POST", "/_dev/clock", h_dev_clock, guard_admin, 1 * KB, f_dev_clock, ROUTE_DEV, NULL},

	/* the Authsignal-compatible server API (docs/ACTIONS.md), HTTP Basic with the secret key */
	AS("POST", "/v1/users/{userId}/actions/{action}", h_as_track, guard_as_secret, 16 * KB, f_as_track, 0),
	AS("GET", "/v1/users/{userId}/actions/{action}/{idempotencyKey}", h_as_action_get, guard_as_secret, 0, NULL, 0),
	AS("PATCH", "/v1/users/{userId}/actions/{action}/{idempotencyKey}", h_as_action_update, guard_as_secret, 1 * KB,
	   f_as_action_update, 0),
	AS("GET", "/v1/users/{userId}/actions", h_as_actions_list, guard_as_secret, 0, NULL, 0),
	AS("POST", "/v1/validate", h_as_validate, guard_as_secret, 2 * KB, f_as_validate, 0),
	AS("GET", "/v1/users", h_as_users_query, guard_as_secret, 0, NULL, 0),
	AS("GET", "/v1/users/{userId}", h_as_user_get, guard_as_secret, 0, NULL, 0),
	AS("PATCH", "/v1/users/{userId}", h_as_user_update, guard_as_secret, 16 * KB, f_as_user, 0),
	AS("DELETE", "/v1/users/{userId}", h_as_user_delete, guard_as_secret, 0, NULL, 0),
	AS("GET", "/v1/users/{userId}/authenticators", h_as_authenticators, guard_as_secret, 0, NULL, 0),
	AS("POST", "/v1/users/{userId}/authenticators", h_as_authenticator_enroll, guard_as_secret, 2 * KB,
	   f_as_enroll_verified, 0),
	AS("DELETE", "/v1/users/{userId}/authenticators/{authenticatorId}", h_as_authenticator_delete, guard_as_secret,
	   0, NULL, 0),
	AS("POST", "/v1/challenge", h_as_challenge, guard_as_secret, 4 * KB, f_as_challenge, 0),
	AS("POST", "/v1/verify", h_as_verify, guard_as_secret, 1 * KB, f_as_verify, 0),
	AS("POST", "/v1/claim", h_as_claim, guard_as_secret, 1 * KB, f_as_claim, 0),
	AS("GET", "/v1/challenges", h_as_challenges, guard_as_secret, 0, NULL, 0),
	AS("POST", "/v1/sessions", h_as_session_create, guard_as_secret, 2 * KB, f_as_session, 0),
	AS("POST", "/v1/sessions/validate", h_as_session_validate, guard_as_secret, 16 * KB, f_as_session_validate, 0),
	AS("POST", "/v1/sessions/refresh", h_as_session_refresh, guard_as_secret, 1 * KB, f_as_session_refresh, 0),
	AS("POST", "/v1/sessions/revoke", h_as_session_revoke, guard_as_secret, 16 * KB, f_as_session_revoke, 0),
	AS("POST", "/v1/sessions/user/revoke", h_as_session_revoke_user, guard_as_secret, 1 * KB, f_as_user_revoke, 0),
	/* actions' rules: a default outcome and ordered rules per action code (admin) */
	{"GET", "/admin/api/projects/{app_id}/actions", h_admin_action_rules_list, guard_admin_project, 0, NULL, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}/actions/{action}", h_admin_action_rules_get, guard_admin_project, 0, NULL, 0,
	 NULL},
	{"PUT", "/admin/api/projects/{app_id}/actions/{action}", h_admin_action_rules_put, guard_admin_project, 64 * KB,
	 f_action_rules, 0, NULL},
	{"DELETE", "/admin/api/projects/{app_id}/actions/{action}", h_admin_action_rules_delete, guard_admin_project, 0,
	 NULL, 0, NULL},
	/* the hosted challenge page the track url opens; its script calls the client API */
	{"GET", "/challenge", h_as_page, NULL, 0, NULL, ROUTE_PAGE, NULL},
	{"GET", "/challenge/link", h_as_link_page, NULL, 0, NULL, ROUTE_PAGE, NULL},
	{"POST", "/challenge/link", h_as_link_confirm, NULL, 1 * KB, NULL, ROUTE_PAGE | ROUTE_FORM, NULL},
	/* the client API (@authsignal/browser): Bearer <token> or Basic <tenant id>, CORS */
	AS("POST", "/v1/client/user-authenticators/passkey/registration-options", h_asc_passkey_registration_options,
	   guard_as_client, 2 * KB, f_asc_reg_options, ROUTE_CORS),
	AS("POST", "/v1/client/user-authenticators/passkey", h_asc_passkey_add, guard_as_client, 32 * KB,
	   f_asc_passkey_add, ROUTE_CORS),
	AS("GET", "/v1/client/user-authenticators/passkey", h_asc_passkey_lookup, guard_as_client, 0, NULL, ROUTE_CORS),
	AS("POST", "/v1/client/user-authenticators/passkey/authentication-options", h_asc_passkey_authentication_options,
	   guard_as_client, 1 * KB, f_asc_auth_options, ROUTE_CORS),
	AS("POST", "/v1/client/verify/passkey", h_asc_verify_passkey, guard_as_client, 32 * KB, f_asc_verify_passkey,
	   ROUTE_CORS),
	AS("POST", "/v1/client/challenge", h_asc_challenge, guard_as_client, 1 * KB, f_asc_challenge, ROUTE_CORS),
	AS("POST", "/v1/client/user-authenticators/totp", h_asc_totp_enroll, guard_as_client, 1 * KB, f_none, ROUTE_CORS),
	AS("POST", "/v1/client/verify/totp", h_asc_totp_verify, guard_as_client, 1 * KB, f_asc_code, ROUTE_CORS),
	AS("POST", "/v1/client/user-authenticators/email-otp", h_asc_email_enroll, guard_as_client, 1 * KB, f_asc_email,
	   ROUTE_CORS),
	AS("POST", "/v1/client/challenge/email-otp", h_asc_email_challenge, guard_as_client, 1 * KB, f_none, ROUTE_CORS),
	AS("POST", "/v1/client/verify/email-otp", h_asc_email_verify, guard_as_client, 1 * KB, f_asc_code, ROUTE_CORS),
	AS("POST", "/v1/client/user-authenticators/sms", h_asc_sms_enroll, guard_as_client, 1 * KB, f_asc_sms, ROUTE_CORS),
	AS("POST", "/v1/client/challenge/sms", h_asc_sms_challenge, guard_as_client, 1 * KB, f_none, ROUTE_CORS),
	AS("POST", "/v1/client/user-authenticators/email-magic-link", h_asc_link_enroll, guard_as_client, 1 * KB, f_asc_email,
	   ROUTE_CORS),
	AS("POST", "/v1/client/challenge/email-magic-link", h_asc_link_challenge, guard_as_client, 1 * KB, f_none,
	   ROUTE_CORS),
	AS("POST", "/v1/client/challenge/push", h_asc_push_challenge, guard_as_client, 1 * KB, f_asc_challenge, ROUTE_CORS),
	AS("POST", "/v1/client/verify/push", h_asc_push_verify, guard_as_client, 1 * KB, f_asc_push_verify, ROUTE_CORS),
	AS("POST", "/v1/client/verify/email-magic-link/finalize", h_asc_link_finalize, guard_as_client, 1 * KB, f_none,
	   ROUTE_CORS),
	AS("POST", "/v1/client/verify/sms", h_asc_sms_verify, guard_as_client, 1 * KB, f_asc_code, ROUTE_CORS),
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
