/* users_admin.c — the operator's side of seed 004 (docs/USERS.md): a project's end-user
 * settings (plans, features, forward-auth rules, key prefix, cookie, hosts, Google
 * search keys), a user's plan, sessions and API keys (the dashboard lists and ends
 * them), and the backend's way to set a plan with the project API key. */
#include <string.h>

#include "api/api.h"
#include "api/users.h"
#include "auth/plans.h"
#include "auth/user_config.h"
#include "core/log.h"
#include "core/str.h"

/* ---- /admin/api/projects/{app_id}/users-config ----------------------------------------- */

void h_admin_users_config_get(struct req *r)
{
	struct project *p;
	const struct user_config *c;
	if (!api_path_project(r, &p))
		return;
	enum ag_err e = user_config_get(r->a, p->app_id, &c);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	/* the stored document with the defaults filled in */
	cJSON *o = json_obj(r->a), *plans = cJSON_AddArrayToObject(o, "plans"),
	      *rules = cJSON_AddArrayToObject(o, "rules");
	for (int i = 0; i < c->nplans; i++) {
		cJSON *pl = cJSON_CreateObject();
		cJSON_AddStringToObject(pl, "name", c->plans[i].name);
		cJSON *fs = cJSON_AddArrayToObject(pl, "features");
		for (int k = 0; k < c->plans[i].nfeatures; k++)
			cJSON_AddItemToArray(fs, cJSON_CreateString(c->plans[i].features[k]));
		cJSON_AddItemToArray(plans, pl);
	}
	const cJSON *stored_rules = cJSON_GetObjectItemCaseSensitive(c->json, "rules"), *x;
	cJSON_ArrayForEach(x, stored_rules) cJSON_AddItemToArray(rules, cJSON_Duplicate(x, 1));
	cJSON_AddStringToObject(o, "api_key_prefix", c->api_key_prefix);
	cJSON_AddStringToObject(o, "session_cookie", c->cookie_name);
	cJSON_AddNumberToObject(o, "session_max_days", c->session_max_days);
	cJSON *hosts = cJSON_AddArrayToObject(o, "hosts");
	for (int i = 0; i < c->nhosts; i++)
		cJSON_AddItemToArray(hosts, cJSON_CreateString(c->hosts[i]));
	if (c->google_api_key) {
		cJSON *g = cJSON_AddObjectToObject(o, "google_search");
		cJSON_AddStringToObject(g, "apiKey", c->google_api_key);
		cJSON_AddStringToObject(g, "searchEngineId", c->google_engine_id);
	} else {
		cJSON_AddNullToObject(o, "google_search");
	}
	resp_json(r, 200, o);
}

void h_admin_users_config_patch(struct req *r)
{
	struct project *p;
	if (!api_path_project(r, &p))
		return;
	struct ag_error e = user_config_patch(r->a, p->app_id, req_json(r));
	if (e.code) {
		api_fail(r, e.code, e.message);
		return;
	}
	log_info("admin", "project %s: end-user settings changed by %s", p->app_id, r->auth_subject);
	h_admin_users_config_get(r);
}

/* ---- a user ------------------------------------------------------------------------------ */

/* The path's project and user ({app_id}, {user_id}); false having answered 404. */
static bool path_user(struct req *r, struct project **p, struct user **u)
{
	if (!api_path_project(r, p))
		return false;
	enum ag_err e = user_by_id(r->a, (*p)->app_id, req_param(r, 1), u);
	if (e)
		api_fail(r, ag_err_is(e, AG_ENOTFOUND) ? AG_USER_NOT_FOUND : e, NULL);
	return e == AG_OK;
}

static cJSON *user_view(struct req *r, const struct project *p, const struct user *u)
{
	const struct user_config *c;
	struct user_state st;
	cJSON *o = user_json(r->a, u, true);
	if (user_config_get(r->a, p->app_id, &c) == AG_OK && user_state_get(r->a, p->app_id, u->id, &st) == AG_OK) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, "plan");
		cJSON_AddStringToObject(o, "plan", st.plan);
		cJSON_AddItemReferenceToObject(o, "features", user_features_json(r->a, c, &st));
		cJSON *own = NULL;
		const char *detail;
		if (json_parse_strict(r->a, st.features, strlen(st.features), &own, &detail) == JSON_OK)
			cJSON_AddItemReferenceToObject(o, "own_features", own);
	}
	return o;
}

/* PUT {plan, features}: features (optional) are the user's own, besides the plan's. */
static void set_plan(struct req *r, const struct project *p, const char *user_id)
{
	struct ag_error err = user_plan_set(r->a, p->app_id, user_id, req_str(r, "plan"), req_field(r, "features"));
	if (err.code) {
		api_fail(r, err.code, err.message);
		return;
	}
	log_info("user_plan", "project %s user %s: plan %s set by %s", p->app_id, user_id,
	         req_str(r, "plan") ? req_str(r, "plan") : "(unchanged)", r->auth_subject);
	struct user *u;
	enum ag_err e;
	if ((e = user_by_id(r->a, p->app_id, user_id, &u))) {
		api_fail(r, e, NULL);
		return;
	}
	resp_json(r, 200, user_view(r, p, u));
}

void h_admin_user_plan(struct req *r)
{
	struct project *p;
	struct user *u;
	if (path_user(r, &p, &u))
		set_plan(r, p, u->id);
}

/* PUT /api/v1/users/{user_id}/plan with the project API key: the app's backend (its
 * billing) sets the plan. */
void h_backend_user_plan(struct req *r)
{
	set_plan(r, r->project, req_param(r, 0));
}

/* ---- a user's sessions and keys ------------------------------------------------------------ */

void h_admin_user_sessions(struct req *r)
{
	struct project *p;
	struct user *u;
	cJSON *arr;
	if (!path_user(r, &p, &u))
		return;
	enum ag_err e = user_sessions_list(r->a, p->app_id, u->id, str_eq(req_query(r, "all"), "true"), &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "sessions", arr);
	resp_json(r, 200, o);
}

void h_admin_user_sessions_end(struct req *r)
{
	struct project *p;
	struct user *u;
	int64_t n = 0;
	if (!path_user(r, &p, &u))
		return;
	enum ag_err e = user_sessions_end_user(p->app_id, u->id, "revoked", &n);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_info("admin", "project %s user %s: %lld sessions ended by %s", p->app_id, u->id, (long long)n,
	         r->auth_subject);
	cJSON *o = json_obj(r->a);
	cJSON_AddNumberToObject(o, "ended", (double)n);
	resp_json(r, 200, o);
}

void h_admin_user_session_end(struct req *r)
{
	struct project *p;
	struct user *u;
	if (!path_user(r, &p, &u))
		return;
	enum ag_err e = user_session_end(p->app_id, u->id, req_param(r, 2), "revoked");
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	resp_raw(r, 204, NULL, "", 0);
}

void h_admin_user_keys(struct req *r)
{
	struct project *p;
	struct user *u;
	cJSON *arr;
	if (!path_user(r, &p, &u))
		return;
	enum ag_err e = user_keys_list(r->a, p->app_id, u->id, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "api_keys", arr);
	resp_json(r, 200, o);
}

void h_admin_user_key_revoke(struct req *r)
{
	struct project *p;
	struct user *u;
	if (!path_user(r, &p, &u))
		return;
	enum ag_err e = user_key_revoke(p->app_id, u->id, req_param(r, 2));
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	resp_raw(r, 204, NULL, "", 0);
}
