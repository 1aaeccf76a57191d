/* admin_users.c — the dashboard's Users and Devices pages over the admin API: search a
 * project's users by email or id; one user's identities, factors, devices, push
 * sign-ins and security events; disable, end every session, delete with the data
 * removed (factors are reset by api/factors.c); the enrolled devices and their
 * removal. */
#include <string.h>

#include "api/api.h"
#include "auth/factors.h"
#include "auth/oauth.h"
#include "auth/push.h"
#include "auth/seclog.h"
#include "auth/sessions.h"
#include "auth/user_sessions.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "store/store.h"

/* The project and the user of the path ({app_id}/users/{user_id}); false having answered. */
static bool path_user(struct req *r, struct project **p, struct user **u)
{
	if (!api_path_project(r, p))
		return false;
	enum ag_err e = user_by_id(r->a, (*p)->app_id, req_param(r, 1), u);
	if (ag_err_is(e, AG_ENOTFOUND) || (e == AG_OK && (*u)->deleted))
		e = AG_USER_NOT_FOUND;
	if (e)
		api_fail(r, e, NULL);
	return e == AG_OK;
}

void h_admin_users_search(struct req *r)
{
	struct project *p;
	int limit;
	if (!api_path_project(r, &p) || !api_limit_query(r, 50, 200, &limit))
		return;
	const char *q = req_query(r, "q");
	if (q && strlen(q) > 320) {
		resp_error(r, AG_EINVAL, "q must be at most 320 bytes");
		return;
	}
	cJSON *list;
	enum ag_err e = user_search(r->a, p->app_id, q, limit, &list);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "users", list);
	resp_json(r, 200, o);
}

/* Keep the entries of arr whose key equals value. */
static cJSON *only(struct arena *a, const cJSON *arr, const char *key, const char *value)
{
	cJSON *out = json_arr(a);
	cJSON *x;
	cJSON_ArrayForEach(x, arr) if (str_eq(json_get_str(x, key), value)) cJSON_AddItemReferenceToArray(out, x);
	return out;
}

void h_admin_user_get(struct req *r)
{
	struct project *p;
	struct user *u;
	if (!path_user(r, &p, &u))
		return;
	cJSON *ids, *factors, *devices, *push, *flog, *events, *sessions, *keys;
	struct seclog_filter f = {.q = u->id, .limit = 50};
	enum ag_err e = oauth_identities_list(r->a, p->app_id, u->id, &ids);
	if (e == AG_OK)
		e = factor_list(r->a, p->app_id, u->id, true, &factors);
	if (e == AG_OK)
		e = user_devices_list(r->a, p->app_id, u->email ? u->email : u->id, 50, &devices);
	if (e == AG_OK)
		e = user_push_sessions(r->a, p->app_id, u->id, u->email, 20, &push);
	if (e == AG_OK)
		e = factor_security_log(r->a, p->app_id, u->id, 50, &flog);
	if (e == AG_OK)
		e = seclog_list(r->a, &f, &events);
	if (e == AG_OK)
		e = user_sessions_list(r->a, p->app_id, u->id, false, &sessions);
	if (e == AG_OK)
		e = user_keys_list(r->a, p->app_id, u->id, &keys);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *uj = user_json(r->a, u, true), *o = json_obj(r->a);
	if (u->last_login_at)
		json_add_time(uj, "last_login_at", u->last_login_at);
	cJSON *m = u->mfa_methods ? cJSON_Parse(u->mfa_methods) : NULL;
	cJSON_AddItemToObject(uj, "mfa_methods", m ? m : cJSON_CreateArray());
	cJSON_AddBoolToObject(uj, "has_password", u->password_hash != NULL);
	cJSON_AddItemReferenceToObject(o, "user", uj);
	cJSON_AddItemReferenceToObject(o, "identities", ids);
	cJSON_AddItemReferenceToObject(o, "factors", factors);
	cJSON_AddItemReferenceToObject(o, "devices", u->email ? only(r->a, devices, "email", u->email) : json_arr(r->a));
	cJSON_AddItemReferenceToObject(o, "push_sessions", push);
	cJSON_AddItemReferenceToObject(o, "sessions", sessions);
	cJSON_AddItemReferenceToObject(o, "api_keys", keys);
	cJSON_AddItemReferenceToObject(o, "factor_log", flog);
	cJSON_AddItemReferenceToObject(o, "security_events", events);
	resp_json(r, 200, o);
}

static void answer_user(struct req *r, const struct project *p, const char *user_id)
{
	struct user *u;
	enum ag_err e = user_by_id(r->a, p->app_id, user_id, &u);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	resp_json(r, 200, user_json(r->a, u, true));
}

void h_admin_user_update(struct req *r)
{
	struct project *p;
	struct user *u;
	if (!path_user(r, &p, &u))
		return;
	if (!req_has(r, "disabled")) {
		resp_error(r, AG_EINVAL, "send {\"disabled\": true|false}");
		return;
	}
	bool dis = req_bool(r, "disabled", false);
	enum ag_err e = user_set_disabled(p->app_id, u->id, dis);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_security(dis ? "user_disabled" : "user_enabled", r->ip, "user %s of %s by %s", u->id, p->app_id,
		     r->auth_subject);
	answer_user(r, p, u->id);
}

void h_admin_user_end_sessions(struct req *r)
{
	struct project *p;
	struct user *u;
	if (!path_user(r, &p, &u))
		return;
	int64_t at = 0;
	enum ag_err e = db_begin(g_app.store);
	if (e == AG_OK) /* the 5-minute tokens, the long-lived sessions, the actions API's */
		e = session_end_all(p->app_id, u->id, &at);
	if ((e = db_end(g_app.store, e))) {
		api_fail(r, e, NULL);
		return;
	}
	log_security("sessions_ended", r->ip, "user %s of %s by %s", u->id, p->app_id, r->auth_subject);
	cJSON *o = json_obj(r->a);
	json_add_time(o, "sessions_ended_at", at);
	resp_json(r, 200, o);
}

void h_admin_user_delete(struct req *r)
{
	struct project *p;
	struct user *u;
	if (!path_user(r, &p, &u))
		return;
	enum ag_err e = user_delete_data(r->a, p->app_id, u->id, u->email);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	/* Logged after the user's own events went: this line names only the id. */
	log_security("user_deleted", r->ip, "a user of %s by %s", p->app_id, r->auth_subject);
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "deleted", 1);
	resp_json(r, 200, o);
}

void h_admin_devices_list(struct req *r)
{
	struct project *p;
	int limit;
	if (!api_path_project(r, &p) || !api_limit_query(r, 100, 500, &limit))
		return;
	cJSON *list;
	enum ag_err e = user_devices_list(r->a, p->app_id, req_query(r, "email"), limit, &list);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "devices", list);
	resp_json(r, 200, o);
}

/* A device approves for its email in every project: removing it here removes it. */
void h_admin_device_remove(struct req *r)
{
	struct project *p;
	struct push_device *d;
	if (!api_path_project(r, &p))
		return;
	enum ag_err e = push_device_get(r->a, req_param(r, 1), &d);
	if (e == AG_OK)
		e = push_device_revoke(d->id);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_security("device_removed", r->ip, "device %s by %s", d->id, r->auth_subject);
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "removed", 1);
	resp_json(r, 200, o);
}
