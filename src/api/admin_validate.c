/* admin_validate.c — GET /admin/api/validate?kind=&value=: is this an allowed origin,
 * a callback URL or a webhook URL? The dashboard asks as the operator types, so the
 * rules it shows are the server's own (the checks projects and webhooks apply when
 * saving), never a second validator in JavaScript that could disagree. */
#include <string.h>

#include "api/api.h"
#include "auth/projects.h"
#include "core/str.h"
#include "hook/hook.h"

#define VALIDATE_VALUE_MAX 2048

void h_admin_validate(struct req *r)
{
	const char *kind = req_query(r, "kind"), *value = req_query(r, "value");
	if (!value || strlen(value) > VALIDATE_VALUE_MAX) {
		resp_error(r, AG_EINVAL, "value is required (at most 2048 bytes)");
		return;
	}
	const char *why;
	cJSON *one = json_arr(r->a);
	cJSON_AddItemToArray(one, cJSON_CreateString(value));
	if (str_eq(kind, "origin")) {
		why = project_check_origins(r->a, one);
	} else if (str_eq(kind, "callback_url")) {
		why = project_check_callbacks(r->a, one);
	} else if (str_eq(kind, "webhook_url")) {
		why = hook_check_url(r->a, value);
	} else {
		resp_error(r, AG_EINVAL, "kind must be origin, callback_url or webhook_url");
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "kind", kind);
	cJSON_AddBoolToObject(o, "valid", why == NULL);
	if (why)
		cJSON_AddStringToObject(o, "message", why);
	resp_json(r, 200, o);
}
