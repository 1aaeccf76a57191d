/* forward_auth.c — plans and features at the reverse proxy (docs/FORWARD_AUTH.md).
 *
 * GET /forward-auth (any method: nginx's auth_request keeps the original's) is the
 * endpoint of nginx `auth_request`, Traefik `ForwardAuth` and Caddy `forward_auth`: it
 * authenticates the original request by Authorization: Bearer, X-API-Key or the
 * project's session cookie, finds the project's rule for the original method and path
 * (X-Original-URI / X-Forwarded-Uri, X-Original-Method / X-Forwarded-Method; a
 * ?plan= or ?feature= on the auth URL adds a requirement), and answers 200 with the
 * user in response headers the proxy passes on, or 401 / 403 with seed 004's bodies.
 * POST /api/v1/access/check is the same decision as JSON for app backends (project
 * API key). The hot path reads no row: project, settings, the session or key and the
 * user's plan all come from memory. */
#include <string.h>

#include "api/api.h"
#include "api/users.h"
#include "auth/plans.h"
#include "auth/user_config.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "net/net.h"

#define URI_MAX 8192

/* The original request's path as the application will see it: the query and fragment
 * dropped, percent-escapes decoded, "//" collapsed and dot segments removed, so
 * "/public/../admin" or "/%61dmin" meet the rules of /admin. NULL when malformed (a bad
 * escape, a control byte). An absolute-form target (http://host/path) gives its path by
 * the one URL parser, so http://app.example?/public is the path /, as the application
 * reads it, and a target that parser refuses (credentials, a trailing dot, dot
 * segments, ...) is malformed. */
static char *normalize_path(struct arena *a, const char *raw)
{
	if (str_starts(raw, "http://") || str_starts(raw, "https://")) {
		struct url_parts u;
		if (url_parse(a, raw, &u))
			return NULL;
		raw = u.path;
	}
	size_t n = strcspn(raw, "?#");
	if (n > URI_MAX || raw[0] != '/')
		return NULL;
	char *dec = arena_alloc(a, n + 2), *out = arena_alloc(a, n + 2);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)raw[i];
		if (ch == '%') {
			int hi = i + 2 < n ? str_hexval(raw[i + 1]) : -1, lo = hi >= 0 ? str_hexval(raw[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return NULL;
			ch = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if (ch < 0x20 || ch == 0x7f)
			return NULL;
		dec[k++] = (char)(ch == '\\' ? '/' : ch);
	}
	dec[k] = 0;
	/* RFC 3986 5.2.4 over segments, with empty segments dropped */
	size_t o = 0;
	for (const char *p = dec; *p;) {
		while (*p == '/')
			p++;
		size_t sl = strcspn(p, "/");
		if (sl == 1 && p[0] == '.') {
			/* nothing */
		} else if (sl == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[--o] != '/')
				;
		} else if (sl) {
			out[o++] = '/';
			memcpy(out + o, p, sl);
			o += sl;
		}
		p += sl;
	}
	if (!o || (k && dec[k - 1] == '/' && out[o - 1] != '/'))
		out[o++] = '/';
	out[o] = 0;
	return out;
}

struct verdict {
	int status; /* 200, 401 or 403 (400 for a malformed original URI, 500 for trouble) */
	const char *error, *message;
	const char *required_plan, *required_feature;
	struct user_principal who;
	struct user_state st;
	const struct user_config *cfg;
	bool anonymous; /* a public rule: no credential looked at */
};

/* What the original request may do. cred_* are the credentials to check (NULL: none). */
static void decide(struct req *r, const char *method, const char *path, const char *need_plan, const char *need_feature,
                   const char *bearer, const char *api_key, const char *cookie_tok, struct verdict *v)
{
	memset(v, 0, sizeof *v);
	v->status = 500;
	const char *app = r->project->app_id;
	if (user_config_get(r->a, app, &v->cfg))
		return;
	const struct access_rule *rule = path ? user_config_rule(v->cfg, method, path) : NULL;
	if (rule && rule->public_path && !need_plan && !need_feature) {
		v->status = 200;
		v->anonymous = true;
		return;
	}
	v->required_plan = need_plan ? need_plan : rule ? rule->plan : NULL;
	v->required_feature = need_feature ? need_feature : rule ? rule->feature : NULL;
	enum ag_err e = AG_EUNAUTH;
	if (bearer)
		e = user_token_check(r->a, r->project, bearer, &v->who);
	else if (api_key)
		e = user_key_check(r->a, r->project, api_key, &v->who);
	else if (cookie_tok)
		e = user_token_check(r->a, r->project, cookie_tok, &v->who);
	if (ag_err_is(e, AG_EUNAUTH)) {
		v->status = 401;
		v->error = bearer || api_key || cookie_tok ? "Invalid token" : "Authentication required";
		v->message = bearer || cookie_tok ? "The token is malformed, expired or was signed out"
		             : api_key            ? "The API key is invalid or was revoked"
		                                  : "No token provided";
		return;
	}
	if (e || user_state_get(r->a, app, v->who.user_id, &v->st)) {
		v->status = ag_err_is(e, AG_EUNAVAIL) ? 503 : 500;
		return;
	}
	switch (access_decide(v->cfg, &v->st, v->required_plan, v->required_feature)) {
	case ACCESS_ALLOWED: v->status = 200; break;
	case ACCESS_UPGRADE_REQUIRED:
		v->status = 403;
		v->error = "Upgrade required";
		v->message = arena_printf(r->a, "This feature requires %s plan or higher", v->required_plan);
		break;
	case ACCESS_FEATURE_MISSING:
		v->status = 403;
		v->error = "Feature not available";
		v->message = "This feature is not available on your current plan";
		break;
	}
}

/* The seed's bodies, field for field: 401 is its error example, 403 its two upgrade
 * answers. */
static void write_denial(struct jw *w, const struct verdict *v)
{
	if (v->status == 401) {
		char ts[32];
		time_iso8601(ts, time_now_ms(), true);
		jw_lit(w, "{\"success\":false,\"error\":");
		jw_str(w, v->error);
		jw_lit(w, ",\"statusCode\":401,\"timestamp\":");
		jw_str(w, ts);
		jw_lit(w, "}");
		return;
	}
	jw_lit(w, "{\"error\":");
	jw_str(w, v->error);
	jw_lit(w, ",\"message\":");
	jw_str(w, v->message);
	jw_lit(w, ",\"currentPlan\":");
	jw_str(w, v->st.plan);
	if (!strcmp(v->error, "Upgrade required")) {
		jw_lit(w, ",\"requiredPlan\":");
		jw_str(w, v->required_plan);
	} else {
		jw_lit(w, ",\"requiredFeature\":");
		jw_str(w, v->required_feature);
	}
	jw_lit(w, "}");
}

/* A ?plan= / ?feature= of the auth URL: a plan of the ladder, a feature name. */
static bool query_needs(struct req *r, const char **plan, const char **feature)
{
	*plan = req_query(r, "plan");
	*feature = req_query(r, "feature");
	const struct user_config *cfg;
	if (*plan && (user_config_get(r->a, r->project->app_id, &cfg) || user_config_plan_rank(cfg, *plan) < 0)) {
		api_fail(r, AG_USERS_UNKNOWN_PLAN, "plan= names no plan of this project's ladder");
		return false;
	}
	if (*feature && (!**feature || strlen(*feature) > UCFG_NAME_MAX)) {
		api_fail(r, AG_USERS_BAD_FEATURE, NULL);
		return false;
	}
	return true;
}

static const char *blank_if_none(const char *v)
{
	return v && *v ? v : " ";
}

/* The original request's URI or method: nginx's header (the configuration sets it) or
 * Traefik's and Caddy's (they set it). Each proxy passes the client's own headers on,
 * so a client behind Traefik could add X-Original-URI: /public to a request for
 * /admin; when both are present they must agree, else *bad. */
static const char *original(struct req *r, const char *nginx, const char *others, bool *bad)
{
	const char *a = req_header(r, nginx), *b = req_header(r, others);
	if (a && b && strcmp(a, b) != 0)
		*bad = true;
	return a ? a : b;
}

void h_forward_auth(struct req *r)
{
	const char *need_plan, *need_feature;
	if (!query_needs(r, &need_plan, &need_feature))
		return;
	bool bad = false;
	const char *method = original(r, "X-Original-Method", "X-Forwarded-Method", &bad);
	const char *uri = original(r, "X-Original-URI", "X-Forwarded-Uri", &bad);
	if (!method)
		method = r->method;
	char *path = normalize_path(r->a, uri ? uri : "/");
	if (!path || bad) {
		if (bad)
			log_security("forward_auth_ambiguous", r->ip,
			             "project %s: two different original URIs or methods", r->project->app_id);
		api_fail(r, AG_USERS_BAD_URI, NULL);
		return;
	}
	const char *bearer = req_bearer(r), *key = bearer ? NULL : req_header(r, "X-API-Key"), *cookie = NULL;
	const struct user_config *cfg;
	if (!bearer && !key && user_config_get(r->a, r->project->app_id, &cfg) == AG_OK)
		cookie = req_cookie(r, cfg->cookie_name);
	/* A browser's cookie on a cross-site change is not the user's intent (CSRF). */
	bool cross = cookie && !str_eq(method, "GET") && !str_eq(method, "HEAD") &&
	             str_eq(req_header(r, "Sec-Fetch-Site"), "cross-site");
	struct verdict v;
	decide(r, method, path, need_plan, need_feature, bearer, key, cross ? NULL : cookie, &v);
	if (v.status == 200) {
		/* Every header, blank when there is no value (a public path, a user without
		 * features): Caddy's copy_headers writes its unexpanded placeholder
		 * "{http.reverse_proxy.header.X-Auth-User-Id}" onto the app's request for a header
		 * the answer lacks, which an app could take for a user (FORWARD_AUTH.md). A single
		 * space, as libmicrohttpd sends no empty header: proxies read it as empty. */
		resp_header(r, "X-Auth-User-Id", blank_if_none(v.anonymous ? NULL : v.who.user_id));
		resp_header(r, "X-Auth-User-Email", blank_if_none(v.anonymous ? NULL : v.st.email));
		resp_header(r, "X-Auth-User-Plan", blank_if_none(v.anonymous ? NULL : v.st.plan));
		resp_header(r, "X-Auth-User-Features",
		            blank_if_none(v.anonymous ? NULL : user_features_csv(r->a, v.cfg, &v.st)));
		resp_header(r, "X-Auth-Type", blank_if_none(v.anonymous ? NULL : v.who.auth_type));
		if (!v.anonymous)
			r->auth_subject = v.who.session_id ? v.who.session_id : v.who.key_id;
		resp_raw(r, 200, "text/plain; charset=utf-8", "", 0);
		return;
	}
	if (v.status != 401 && v.status != 403) {
		api_fail(r, v.status == 503 ? AG_EUNAVAIL : AG_EINTERNAL, NULL);
		return;
	}
	if (v.status == 401) {
		resp_header(r, "WWW-Authenticate", "Bearer realm=\"authgate\"");
		if (bearer || key || cookie)
			log_security("forward_auth_refused", r->ip, "project %s: %s", r->project->app_id, v.message);
	}
	struct jw w;
	jw_init(&w, r->a, 256);
	write_denial(&w, &v);
	resp_raw(r, v.status, "application/json", jw_text(&w), w.len);
}

/* ---- POST /api/v1/access/check {token | api_key, path, method, plan, feature} ----------- */

void h_access_check(struct req *r)
{
	const char *tok = req_str(r, "token"), *key = req_str(r, "api_key"), *raw = req_str(r, "path");
	const char *method = req_str(r, "method"), *plan = req_str(r, "plan"), *feature = req_str(r, "feature");
	if (tok && key) {
		api_fail(r, AG_EINVAL, "give token or api_key, not both");
		return;
	}
	char *path = raw ? normalize_path(r->a, raw) : NULL;
	if (raw && !path) {
		api_fail(r, AG_EINVAL, "path must be an absolute path such as /advanced-feature");
		return;
	}
	const struct user_config *cfg;
	if (plan && (user_config_get(r->a, r->project->app_id, &cfg) || user_config_plan_rank(cfg, plan) < 0)) {
		api_fail(r, AG_USERS_UNKNOWN_PLAN, NULL);
		return;
	}
	struct verdict v;
	decide(r, method ? method : "GET", path, plan, feature, tok, key, NULL, &v);
	if (v.status != 200 && v.status != 401 && v.status != 403) {
		api_fail(r, v.status == 503 ? AG_EUNAVAIL : AG_EINTERNAL, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "allowed", v.status == 200);
	cJSON_AddNumberToObject(o, "status", v.status);
	if (v.error) {
		cJSON_AddStringToObject(o, "error", v.error);
		cJSON_AddStringToObject(o, "message", v.message);
	}
	if (v.status == 403) {
		cJSON_AddStringToObject(o, "currentPlan", v.st.plan);
		if (str_eq(v.error, "Upgrade required"))
			cJSON_AddStringToObject(o, "requiredPlan", v.required_plan);
		else
			cJSON_AddStringToObject(o, "requiredFeature", v.required_feature);
	}
	if (v.status != 401 && !v.anonymous) {
		cJSON *u = cJSON_AddObjectToObject(o, "user");
		cJSON_AddStringToObject(u, "id", v.who.user_id);
		json_add_str(u, "email", v.st.email);
		cJSON_AddStringToObject(u, "auth_type", v.who.auth_type);
		cJSON_AddStringToObject(u, "plan", v.st.plan);
		cJSON_AddItemReferenceToObject(u, "features", user_features_json(r->a, v.cfg, &v.st));
	}
	resp_json(r, 200, o);
}
