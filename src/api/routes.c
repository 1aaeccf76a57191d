/* routes.c — every endpoint AuthGate serves, in one table: method, path, guard, body
 * cap and accepted fields. Nothing reaches a handler without passing through here. */
#include "api/api.h"
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
	{NULL, 0, false, 0},
};

static const struct field f_key_create[] = {
	{"name", FK_STRING, false, 100},
	{NULL, 0, false, 0},
};

static const struct field f_test_mail[] = {
	{"to", FK_STRING, true, 254},
	{NULL, 0, false, 0},
};

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
	{"POST", "/admin/api/projects/{app_id}/test-mail", h_admin_test_mail, guard_admin, 1 * KB, f_test_mail, 0,
	 NULL},
	{"GET", "/admin/api/outbox", h_admin_outbox_list, guard_admin, 0, NULL, 0, NULL},

	/* development mail viewer (captured mail; loopback only; 404 when SMTP is configured) */
	{"GET", "/_dev/mail", h_devmail_page, NULL, 0, NULL, ROUTE_PAGE | ROUTE_LOOPBACK, NULL},
	{"GET", "/_dev/mail/messages", h_devmail_messages, NULL, 0, NULL, ROUTE_LOOPBACK, NULL},
	{"GET", "/_dev/mail/{id}/html", h_devmail_html, NULL, 0, NULL, ROUTE_LOOPBACK, NULL},
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
