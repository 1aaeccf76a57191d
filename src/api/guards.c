/* guards.c — authentication of routes and the rate-limit helper every handler uses. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/users.h"
#include "auth/admin.h"
#include "auth/apikeys.h"
#include "auth/throttle.h"
#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/client_addr.h"
#include "http/cors.h"
#include "net/net.h"
#include "sec/sec.h"

/* Failed credentials per client address: slows down anyone guessing keys. */
static const struct rate_policy auth_fail_policy = {"authfail:ip", 30, 60, false};

bool api_rate_limit(struct req *r, const struct rate_policy *p, const char *key)
{
	int retry = 1;
	enum ag_err e = AG_OK;
	if (p->durable)
		e = throttle_hit(p, key, &retry);
	else if (!ratelimit_take(g_app.rl, p, key, 1, time_now_ms(), &retry))
		e = AG_ERATE;
	if (e == AG_OK)
		return true;
	if (!ag_err_is(e, AG_ERATE)) {
		api_fail(r, e, NULL); /* the store could not count: refuse rather than not count */
		return false;
	}
	resp_header(r, "Retry-After", arena_printf(r->a, "%d", retry));
	resp_error(r, AG_ERATE, arena_printf(r->a, "too many %s; retry in %d s", p->durable ? "attempts" : "requests", retry));
	log_security("rate_limited", r->ip, "policy %s", p->name);
	return false;
}

bool api_rate_limit_email(struct req *r, const struct rate_policy *ip, const struct rate_policy *em,
			  const char *email)
{
	return api_rate_limit(r, ip, r->ip) &&
	       (!em || api_rate_limit(r, em, arena_printf(r->a, "%s:%s", r->project->app_id, email)));
}

struct locale_hint api_locale_hint(struct req *r)
{
	const char *al = req_header(r, "Accept-Language");
	struct locale_hint lh = {req_str(r, "locale"), al && strlen(al) <= API_ACCEPT_LANGUAGE_MAX ? al : NULL};
	return lh;
}

void api_answer_ok(struct req *r, const char *message)
{
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "success", true);
	if (message)
		cJSON_AddStringToObject(o, "message", message);
	resp_json(r, 200, o);
}

void api_fail(struct req *r, enum ag_err e, const char *message)
{
	enum ag_err kind = ag_err_kind(e);
	if (kind == AG_EINTERNAL || kind == AG_EUNAVAIL)
		message = NULL; /* the table's words: nothing of what failed inside */
	resp_error(r, e, message);
}

bool api_auth_failed(struct req *r, const char *what)
{
	int retry;
	ratelimit_take(g_app.rl, &auth_fail_policy, r->ip, 1, time_now_ms(), &retry);
	log_security("auth_failed", r->ip, "%s", what);
	resp_error(r, AG_EUNAUTH, what);
	return false;
}

bool api_auth_throttled(struct req *r)
{
	int retry;
	/* Only failures spend from this bucket; an empty one means too many failures. */
	if (ratelimit_peek(g_app.rl, &auth_fail_policy, r->ip, time_now_ms(), &retry))
		return false;
	resp_header(r, "Retry-After", arena_printf(r->a, "%d", retry));
	resp_error(r, AG_ERATE, "too many failed authentications; retry later");
	return true;
}

bool guard_api_key(struct req *r)
{
	if (api_auth_throttled(r))
		return false;
	const char *key = req_bearer(r);
	if (!key)
		return api_auth_failed(r, "Missing or invalid API key");
	const char *key_id = NULL;
	enum ag_err e = apikey_authenticate(r->a, key, &r->project, &key_id);
	if (ag_err_is(e, AG_EUNAUTH))
		return api_auth_failed(r, "Missing or invalid API key");
	if (ag_err_is(e, AG_EFORBIDDEN)) {
		resp_error(r, AG_EFORBIDDEN, "this project is disabled");
		return false;
	}
	if (e) {
		api_fail(r, e, NULL);
		return false;
	}
	r->auth_subject = key_id;
	return api_name_client(r, req_header(r, CLIENT_IP_HEADER), CLIENT_IP_HEADER);
}

/* ---- the end user's address, named by an app backend ------------------------------ */

/* An app backend signs its users in through AuthGate with one API key from one address:
 * counted by that address, every per-address limit would be shared by all its users (one
 * busy app reaches them for everyone, and one abusive user is not told apart). So the
 * backend may say whose request it is passing on. Only a project API key may (the key
 * is the app's, and browsers cannot send the header: no CORS preflight allows it), the
 * key's guard checks the key first (a bad key is throttled by the sender's address), and
 * the names one key gives are counted against the key, so an app that names a new
 * address for every attempt still meets a limit. */
bool api_name_client(struct req *r, const char *value, const char *what)
{
	char ip[CLIENT_ADDR_MAX];
	if (!value)
		return true;
	if (!client_addr_parse(value, ip)) {
		log_security("bad_client_ip", r->peer_ip, "%s is not an IP address", what);
		api_fail(r, AG_EINVAL, arena_printf(r->a, "%s must be the end user's IPv4 or IPv6 address", what));
		return false;
	}
	if (r->ip_named) {
		if (str_eq(ip, r->ip))
			return true;
		api_fail(r, AG_EINVAL, "X-AuthGate-Client-IP and ipAddress name two different addresses");
		return false;
	}
	const struct rate_policy per_key = {"apikey:client-ip", (int)g_cfg.api_key_client_ip_per_min, 60, false};
	if (!api_rate_limit(r, &per_key, r->auth_subject))
		return false;
	r->ip = arena_strdup(r->a, ip);
	r->ip_named = true;
	return true;
}

/* ---- admin: a token (scripts) or a dashboard session (browsers) ------------------ */

static bool safe_method(const char *m)
{
	return str_eq(m, "GET") || str_eq(m, "HEAD");
}

/* A browser request with a session cookie that changes something must come from our
 * own pages: the CSRF token in X-CSRF-Token (a header no other site can make a browser
 * send to us: the admin API answers no CORS), and, when the browser says where the
 * request comes from (Origin, Sec-Fetch-Site), our own origin. SameSite=Strict keeps
 * the cookie off cross-site requests already; this also covers sibling sites on the
 * same registrable domain and other ports of the same host, which count as same-site. */
static bool csrf_refused(struct req *r, const char *cookie)
{
	const char *why = NULL;
	const char *site = req_header(r, "Sec-Fetch-Site");
	if (r->origin && !api_same_origin(r, r->origin))
		why = "the request comes from another origin";
	else if (site && !str_eq(site, "same-origin"))
		why = "the request comes from another site";
	else if (!admin_csrf_ok(cookie, req_header(r, "X-CSRF-Token")))
		why = "missing or wrong X-CSRF-Token";
	if (!why)
		return false;
	log_security("csrf_refused", r->ip, "%s %s: %s", r->method, route_log_path(r), why);
	api_fail(r, AG_ADMIN_CSRF_REFUSED, arena_printf(r->a, "refused: %s (changes need the dashboard's X-CSRF-Token)", why));
	return true;
}

bool guard_admin(struct req *r)
{
	if (api_auth_throttled(r))
		return false;
	const char *tok = req_bearer(r);
	const char *cookie = tok ? NULL : req_cookie(r, ADMIN_COOKIE);
	const char *id = NULL;
	enum ag_err e;
	if (tok) {
		e = admin_token_check(r->a, tok, &id);
	} else if (cookie) {
		struct admin_session s;
		e = admin_session_check(r->a, cookie, &s);
		id = s.token_id;
		if (ag_err_is(e, AG_EUNAUTH)) {
			api_fail(r, AG_ADMIN_SESSION_EXPIRED, NULL);
			return false;
		}
	} else {
		e = AG_EUNAUTH;
	}
	if (ag_err_is(e, AG_EUNAUTH))
		return api_auth_failed(r, "admin credential required (Authorization: Bearer <admin token>, or sign in to the dashboard)");
	if (e) {
		api_fail(r, e, NULL);
		return false;
	}
	if (cookie && !safe_method(r->method) && csrf_refused(r, cookie))
		return false;
	r->auth_subject = id;
	if (!safe_method(r->method))
		api_audit(r, NULL);
	return true;
}

bool guard_admin_project(struct req *r)
{
	if (!guard_admin(r) || !api_path_project(r, &r->project))
		return false;
	/* The handlers written for API keys read their own parameters from 0. */
	for (int i = 1; i < r->nparams; i++)
		r->params[i - 1] = r->params[i];
	r->nparams--;
	return true;
}

bool api_same_origin(struct req *r, const char *origin)
{
	/* Our origin as a browser writes it (lowercase host, no default port): the public
	 * URL's, or the one the request was addressed to. Both by the one URL parser. */
	if (!origin)
		return false;
	if (api_public_origin(r, origin))
		return true;
	const char *host = req_header(r, "Host");
	const char *scheme = api_is_tls(r) ? "https" : "http";
	return host && str_eq(origin, url_origin_of(r->a, arena_printf(r->a, "%s://%s/", scheme, host)));
}

bool api_public_origin(struct req *r, const char *origin)
{
	return origin && str_eq(origin, url_origin_of(r->a, g_cfg.public_url));
}

bool api_is_tls(struct req *r)
{
	if (str_starts(g_cfg.public_url, "https://"))
		return true;
	return g_cfg.trust_proxy && str_ieq(req_header(r, "X-Forwarded-Proto"), "https");
}

/* ---- the audit log ---------------------------------------------------------------- */

/* The value of the route's {app_id} parameter, if it has one. */
static const char *param_app_id(struct req *r)
{
	if (!r->route)
		return NULL;
	int i = 0;
	for (const char *p = strchr(r->route->pattern, '{'); p; p = strchr(p + 1, '{'), i++)
		if (str_starts(p, "{app_id}"))
			return req_param(r, i);
	return NULL;
}

/* The names of the body's fields, never their values. */
static const char *body_fields(struct req *r)
{
	cJSON *j = NULL;
	const char *detail;
	if (!r->body_len || json_parse_strict(r->a, r->body, r->body_len, &j, &detail) != JSON_OK || !cJSON_IsObject(j))
		return NULL;
	cJSON *names = json_arr(r->a), *o = json_obj(r->a);
	const cJSON *f;
	cJSON_ArrayForEach(f, j) cJSON_AddItemToArray(names, cJSON_CreateString(f->string));
	cJSON_AddItemReferenceToObject(o, "fields", names);
	return json_print(r->a, o);
}

void api_audit(struct req *r, const char *detail)
{
	if (r->done_ud)
		return;
	struct audit_entry e = {
		.actor = r->auth_subject,
		.via = req_bearer(r) ? "token" : "session",
		.ip = r->ip,
		.action = arena_printf(r->a, "%s %s", r->method, r->route ? r->route->pattern : r->path),
		.path = route_log_path(r),
		.app_id = param_app_id(r),
		.detail = detail ? detail : body_fields(r),
	};
	const char *id = admin_audit_begin(r->a, &e);
	/* The row outlives this arena only as the id we keep for api_on_done. */
	r->done_ud = (void *)id;
}

void api_on_done(struct req *r)
{
	if (r->done_ud)
		admin_audit_finish(r->done_ud, r->status);
}

bool guard_metrics(struct req *r)
{
	if (!g_cfg.metrics_token[0])
		return true;
	const char *tok = req_bearer(r);
	if (tok && ct_streq(tok, g_cfg.metrics_token))
		return true;
	return api_auth_failed(r, "metrics token required");
}

bool api_path_project(struct req *r, struct project **p)
{
	enum ag_err e = project_get(r->a, req_param(r, 0), p);
	if (e)
		api_fail(r, e, NULL);
	return e == AG_OK;
}

const char *api_guard_name(bool (*guard)(struct req *r))
{
	static const struct {
		bool (*guard)(struct req *r);
		const char *name;
	} names[] = {{guard_api_key, "api_key"}, {guard_admin, "admin_token"}, {guard_metrics, "metrics_token"}, {guard_admin_project, "admin_token"},
		       {guard_as_secret, "secret_key"}, {guard_as_client, "action_token"}};
	if (!guard)
		return "public";
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (names[i].guard == guard)
			return names[i].name;
	return "guarded";
}

void api_install_hooks(void)
{
	cors_set_origin_check(project_any_allows_origin);
	resp_set_error_writer(ROUTE_ALT_ERRORS, as_error_body);
	resp_set_error_writer(ROUTE_ENVELOPE, users_error_body);
}
