/* admin_session.c — signing in to the dashboard: an admin token is exchanged for a
 * session cookie (HttpOnly, SameSite=Strict, Path=/admin, Secure over TLS) and a CSRF
 * token the page sends with every change; who is signed in; signing out; the live
 * sessions and the audit log. The token itself never reaches the browser's storage. */
#include <string.h>

#include "api/api.h"
#include "auth/admin.h"
#include "config/config.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"

/* Sign-in attempts per address, right or wrong (wrong ones also spend from the shared
 * failed-credentials bucket). */
static const struct rate_policy signin_ip = {"admin:signin:ip", 10, 60, false};

static void set_cookie(struct req *r, const char *value, int64_t max_age_s)
{
	resp_header(r, "Set-Cookie",
		    arena_printf(r->a, "%s=%s; Path=/admin; Max-Age=%lld; HttpOnly; SameSite=Strict%s", ADMIN_COOKIE,
				 value, (long long)max_age_s, api_is_tls(r) ? "; Secure" : ""));
}

static cJSON *session_json(struct req *r, const struct admin_session *s)
{
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "signed_in", 1);
	cJSON_AddStringToObject(o, "token_id", s->token_id);
	json_add_str(o, "token_name", s->token_name);
	if (s->csrf)
		cJSON_AddStringToObject(o, "csrf_token", s->csrf);
	json_add_time(o, "created_at", s->created_at);
	json_add_time(o, "idle_until", s->idle_until);
	json_add_time(o, "expires_at", s->expires_at);
	cJSON_AddNumberToObject(o, "idle_timeout_s", (double)g_cfg.admin_session_idle_s);
	cJSON_AddBoolToObject(o, "dev", g_cfg.dev);
	return o;
}

void h_admin_session_open(struct req *r)
{
	/* A sign-in from another site's page would sign the browser in as someone else. */
	if (r->origin && !api_same_origin(r, r->origin)) {
		api_audit(r, NULL);
		log_security("csrf_refused", r->ip, "dashboard sign-in from another origin");
		api_fail(r, AG_ADMIN_CSRF_REFUSED, "refused: the sign-in comes from another origin");
		return;
	}
	if (api_auth_throttled(r) || !api_rate_limit(r, &signin_ip, r->ip))
		return;
	const char *ua = req_header(r, "User-Agent");
	if (ua && (strlen(ua) > 256 || !str_is_utf8(ua, strlen(ua))))
		ua = NULL;
	struct admin_session s;
	enum ag_err e = admin_session_open(r->a, req_str(r, "token"), r->ip, ua, &s);
	r->auth_subject = s.token_id;
	api_audit(r, NULL);
	if (ag_err_is(e, AG_EUNAUTH)) {
		api_auth_failed(r, "the admin token is not valid");
		return;
	}
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_info("admin", "dashboard sign-in with %s from %s", s.token_id, r->ip);
	api_admin_session_answer(r, &s);
}

void api_admin_session_answer(struct req *r, const struct admin_session *s)
{
	set_cookie(r, s->cookie, (s->expires_at - s->created_at) / 1000);
	resp_json(r, 201, session_json(r, s));
}

void h_admin_session_get(struct req *r)
{
	const char *cookie = req_bearer(r) ? NULL : req_cookie(r, ADMIN_COOKIE);
	struct admin_session s = {.token_id = r->auth_subject};
	if (cookie && admin_session_check(r->a, cookie, &s)) {
		api_fail(r, AG_EUNAUTH, "your dashboard session ended: sign in again");
		return;
	}
	resp_json(r, 200, session_json(r, &s));
}

void h_admin_session_end(struct req *r)
{
	const char *cookie = req_cookie(r, ADMIN_COOKIE);
	if (req_bearer(r) || !cookie) {
		resp_error(r, AG_EINVAL, "only a dashboard session can sign out (revoke a token with authgate admin-token revoke)");
		return;
	}
	enum ag_err e = admin_session_end(cookie);
	if (e && !ag_err_is(e, AG_EUNAUTH)) {
		api_fail(r, e, NULL);
		return;
	}
	log_info("admin", "dashboard sign-out of %s", r->auth_subject);
	set_cookie(r, "", 0);
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "signed_in", 0);
	resp_json(r, 200, o);
}

void h_admin_sessions_list(struct req *r)
{
	cJSON *list;
	enum ag_err e = admin_session_list(r->a, &list);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "sessions", list);
	resp_json(r, 200, o);
}

/* ?since= / ?until= as ISO 8601 or Unix milliseconds. False having answered 400. */
bool api_time_query(struct req *r, const char *name, int64_t *ms)
{
	const char *v = req_query(r, name);
	*ms = 0;
	if (!v || !*v)
		return true;
	if (str_to_i64(v, 0, INT64_MAX / 2, ms) == 0 || time_parse_iso8601(v, ms) == 0)
		return true;
	resp_errorf(r, AG_EINVAL, "%s must be an ISO 8601 time or Unix milliseconds", name);
	return false;
}

/* ?limit= from 1 to max (default dflt). False having answered 400. */
bool api_limit_query(struct req *r, int dflt, int max, int *limit)
{
	const char *l = req_query(r, "limit");
	int64_t v = dflt;
	if (l && str_to_i64(l, 1, max, &v)) {
		resp_errorf(r, AG_EINVAL, "limit must be an integer from 1 to %d", max);
		return false;
	}
	*limit = (int)v;
	return true;
}

void h_admin_audit_list(struct req *r)
{
	struct audit_filter f = {.actor = req_query(r, "actor"), .app_id = req_query(r, "app_id"), .q = req_query(r, "q")};
	if (!api_time_query(r, "since", &f.since_ms) || !api_time_query(r, "until", &f.until_ms) ||
	    !api_limit_query(r, 100, 500, &f.limit))
		return;
	cJSON *list;
	enum ag_err e = admin_audit_list(r->a, &f, &list);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "entries", list);
	resp_json(r, 200, o);
}
