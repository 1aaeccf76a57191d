/* routes_actions.c — the routes of the Authsignal-compatible API (docs/ACTIONS.md): the
 * server API, actions' rules, the hosted challenge page and the client API; and the
 * fields their bodies may carry. Their errors are Authsignal's shape (ROUTE_ALT_ERRORS).
 * One family of the table (routes.c). */
#include "api/routes.h"

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

const struct route routes_actions[] = {
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

const size_t routes_actions_n = sizeof routes_actions / sizeof routes_actions[0];
