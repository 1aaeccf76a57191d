/* admin.c — /admin/api: projects and their API keys, for project owners holding an
 * admin token. */
#include <string.h>

#include "api/api.h"
#include "auth/apikeys.h"
#include "auth/projects.h"
#include "core/log.h"
#include "core/str.h"

void h_admin_projects_list(struct req *r)
{
	cJSON *arr;
	enum ag_err e = project_list(r->a, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "projects", arr);
	resp_json(r, 200, o);
}

void h_admin_projects_create(struct req *r)
{
	const char *app_id = req_str(r, "app_id"), *name = req_str(r, "name");
	const cJSON *origins = req_field(r, "allowed_origins"), *callbacks = req_field(r, "callback_urls");
	struct project *p;
	struct ag_error err = project_create(r->a, app_id, name, origins, callbacks, &p);
	if (err.code) {
		api_fail(r, err.code, err.message);
		return;
	}
	log_info("admin", "project %s created by %s", app_id, r->auth_subject);
	resp_json(r, 201, project_json(r->a, p));
}

void h_admin_projects_get(struct req *r)
{
	struct project *p;
	if (!api_path_project(r, &p))
		return;
	resp_json(r, 200, project_json(r->a, p));
}

void h_admin_projects_update(struct req *r)
{
	struct ag_error err = project_update(r->a, req_param(r, 0), req_json(r));
	if (err.code) {
		api_fail(r, err.code, err.message);
		return;
	}
	log_info("admin", "project %s updated by %s", req_param(r, 0), r->auth_subject);
	h_admin_projects_get(r);
}

void h_admin_projects_delete(struct req *r)
{
	enum ag_err e = project_delete(req_param(r, 0));
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_info("admin", "project %s deleted by %s", req_param(r, 0), r->auth_subject);
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "deleted", 1);
	resp_json(r, 200, o);
}

void h_admin_keys_list(struct req *r)
{
	struct project *p;
	enum ag_err e = project_get(r->a, req_param(r, 0), &p);
	cJSON *arr = NULL;
	if (e == AG_OK)
		e = apikey_list(r->a, p->app_id, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "keys", arr);
	resp_json(r, 200, o);
}

void h_admin_keys_create(struct req *r)
{
	struct apikey_created k;
	enum ag_err e = apikey_create(r->a, req_param(r, 0), req_str(r, "name"), &k);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_info("admin", "API key %s created for %s by %s", k.id, req_param(r, 0), r->auth_subject);
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "id", k.id);
	cJSON_AddStringToObject(o, "key", k.key);
	cJSON_AddStringToObject(o, "prefix", k.prefix);
	cJSON_AddStringToObject(o, "note", "store this key now: it is not shown again");
	resp_json(r, 201, o);
}

void h_admin_keys_revoke(struct req *r)
{
	enum ag_err e = apikey_revoke(req_param(r, 0), req_param(r, 1));
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_info("admin", "API key %s of %s revoked by %s", req_param(r, 1), req_param(r, 0), r->auth_subject);
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "revoked", 1);
	resp_json(r, 200, o);
}
