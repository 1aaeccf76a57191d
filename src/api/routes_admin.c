/* routes_admin.c — the routes of the admin API and the dashboard (docs/DASHBOARD.md):
 * projects, keys, provider settings, the dashboard's sign-in, audit and pages, the
 * Users, Emails and Webhooks pages, the Live Webhook Tester, a user's factors, the dev
 * clock; and the fields their bodies may carry. One family of the table (routes.c). */
#include "api/routes.h"

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
	{"passkey_attestation_roots", FK_JSON, false, 0}, /* PEM list or null: checked by auth/projects.c */
	{NULL, 0, false, 0},
};

static const struct field f_key_create[] = {
	{"name", FK_STRING, false, 100},
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

const struct route routes_admin[] = {
	/* admin */
	{"GET", "/admin/api/projects", h_admin_projects_list, guard_admin, 0, NULL, 0, NULL},
	{"POST", "/admin/api/projects", h_admin_projects_create, guard_admin, 16 * KB, f_project_create, 0, NULL},
	{"GET", "/admin/api/projects/{app_id}", h_admin_projects_get, guard_admin, 0, NULL, 0, NULL},
	{"PATCH", "/admin/api/projects/{app_id}", h_admin_projects_update, guard_admin, 128 * KB, f_project_patch, 0,
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
	/* the Users and Devices pages (a user's factors: below) */
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

	/* admin: a user's factors and security log; reset */
	{"GET", "/admin/api/projects/{app_id}/users/{user_id}/factors", h_admin_user_factors, guard_admin, 0, NULL, 0,
	 NULL},
	{"DELETE", "/admin/api/projects/{app_id}/users/{user_id}/factors", h_admin_user_factors_reset, guard_admin, 0,
	 NULL, 0, NULL},

	/* dev mode and loopback peers only (404 otherwise): shift the clock to test expiry */
	{"POST", "/_dev/clock", h_dev_clock, guard_admin, 1 * KB, f_dev_clock, ROUTE_DEV, NULL},
};

const size_t routes_admin_n = sizeof routes_admin / sizeof routes_admin[0];
