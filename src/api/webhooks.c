/* webhooks.c — /api/webhooks: a project's webhook endpoints and their delivery log,
 * for holders of the project's API key. Seed 000 shows registration without any
 * credential; that would let anyone receive another app's sign-ins, so AuthGate
 * requires the key (docs/WEBHOOKS.md). */
#include <string.h>

#include "api/api.h"
#include "auth/projects.h"
#include "core/log.h"
#include "core/str.h"
#include "hook/hook.h"

void h_webhooks_create(struct req *r)
{
	const char *app_id = req_str(r, "app_id");
	if (app_id && !str_eq(app_id, r->project->app_id)) {
		resp_error(r, AG_EFORBIDDEN, "app_id names another project than this API key's");
		return;
	}
	cJSON *out;
	struct ag_error err = hook_endpoint_create(r->a, r->project->app_id, req_str(r, "url"), req_field(r, "events"),
						   req_str(r, "description"), &out);
	if (err.code) {
		api_fail(r, err.code, err.message);
		return;
	}
	log_info("webhooks", "endpoint %s created for %s by %s", json_get_str(out, "id"), r->project->app_id,
		 r->auth_subject);
	resp_json(r, 201, out);
}

void h_webhooks_list(struct req *r)
{
	cJSON *list;
	enum ag_err e = hook_endpoint_list(r->a, r->project->app_id, &list);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "webhooks", list);
	resp_json(r, 200, o);
}

void h_webhooks_get(struct req *r)
{
	cJSON *out;
	enum ag_err e = hook_endpoint_get(r->a, r->project->app_id, req_param(r, 0), &out);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	resp_json(r, 200, out);
}

void h_webhooks_update(struct req *r)
{
	struct ag_error err = hook_endpoint_update(r->a, r->project->app_id, req_param(r, 0), req_json(r));
	if (err.code) {
		api_fail(r, err.code, err.message);
		return;
	}
	h_webhooks_get(r);
}

void h_webhooks_delete(struct req *r)
{
	enum ag_err e = hook_endpoint_delete(r->project->app_id, req_param(r, 0));
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "deleted", 1);
	resp_json(r, 200, o);
}

void h_webhooks_rotate(struct req *r)
{
	const char *secret;
	enum ag_err e = hook_endpoint_rotate(r->a, r->project->app_id, req_param(r, 0), &secret);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_info("webhooks", "endpoint %s secret rotated by %s", req_param(r, 0), r->auth_subject);
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "id", req_param(r, 0));
	cJSON_AddStringToObject(o, "secret", secret);
	resp_json(r, 200, o);
}

void h_webhooks_test(struct req *r)
{
	const char *delivery;
	enum ag_err e = hook_send_test(r->a, r->project->app_id, req_param(r, 0), &delivery);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "delivery_id", delivery);
	resp_json(r, 202, o);
}

void h_webhooks_deliveries(struct req *r)
{
	int64_t limit = 50;
	const char *l = req_query(r, "limit");
	if (l && str_to_i64(l, 1, 200, &limit)) {
		resp_error(r, AG_EINVAL, "limit must be 1 to 200");
		return;
	}
	cJSON *list, *ep;
	enum ag_err e = hook_endpoint_get(r->a, r->project->app_id, req_param(r, 0), &ep);
	if (e == AG_OK)
		e = hook_delivery_list(r->a, r->project->app_id, req_param(r, 0), (int)limit, &list);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "deliveries", list);
	resp_json(r, 200, o);
}

void h_webhooks_delivery(struct req *r)
{
	cJSON *out;
	enum ag_err e = hook_delivery_get(r->a, r->project->app_id, req_param(r, 0), req_param(r, 1), &out);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	resp_json(r, 200, out);
}

void h_webhooks_redeliver(struct req *r)
{
	enum ag_err e = hook_redeliver(r->project->app_id, req_param(r, 0), req_param(r, 1));
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "delivery_id", req_param(r, 1));
	cJSON_AddStringToObject(o, "status", "pending");
	resp_json(r, 202, o);
}
