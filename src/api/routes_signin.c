/* routes_signin.c — the routes of the sign-in flows of seeds 000-002: push approval and
 * the device app, webhooks, email + password and magic links, OAuth, token verification,
 * a user's factors, the MFA step and passkeys, the dev mail and SMS viewers; and the
 * fields their bodies may carry. One family of the table (routes.c). */
#include "api/routes.h"
#include "auth/push.h"

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

const struct field f_webhook_create[] = {
	{"app_id", FK_STRING, false, 63},
	{"url", FK_STRING, true, 2048},
	{"events", FK_STRINGS, false, 32},
	{"description", FK_STRING, false, 200},
	{NULL, 0, false, 0},
};

const struct field f_webhook_patch[] = {
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

const struct field f_passkey_verify[] = {
	{"ceremony_id", FK_STRING, true, 64},
	{"credential", FK_OBJECT, true, 0},
	{NULL, 0, false, 0},
};

const struct field f_mfa_challenge[] = {
	{"mfa_token", FK_STRING, true, 128},
	{"method", FK_STRING, true, 16},
	{NULL, 0, false, 0},
};

const struct field f_mfa_verify[] = {
	{"mfa_token", FK_STRING, true, 128},
	{"method", FK_STRING, true, 16},
	{"code", FK_STRING, false, 32},
	{"ceremony_id", FK_STRING, false, 64},
	{"assertion", FK_OBJECT, false, 0},
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

const struct route routes_signin[] = {
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

	/* development SMS viewer (dev mode, loopback peers only) */
	{"GET", "/_dev/sms", h_devsms_page, NULL, 0, NULL, ROUTE_PAGE | ROUTE_DEV, NULL},
	{"GET", "/_dev/sms/messages", h_devsms_messages, NULL, 0, NULL, ROUTE_DEV, NULL},
};

const size_t routes_signin_n = sizeof routes_signin / sizeof routes_signin[0];
