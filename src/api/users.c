/* users.c — seed 004's end-user API: which project a request is for, who its credential
 * stands for (a 30-day user token, a user's API key, or the project's session cookie),
 * the magic-link code sign-in, status, refresh, logout, users' API keys and sessions.
 * OAuth sign-in under /users/auth/{provider} is users_oauth.c; forward-auth is
 * forward_auth.c; connections are connections.c. Errors on these routes are seed 004's
 * envelope (ROUTE_ENVELOPE). docs/USERS.md. */
#include <string.h>

#include "api/api.h"
#include "api/users.h"
#include "auth/email_auth.h"
#include "auth/mfa.h"
#include "auth/plans.h"
#include "auth/user_config.h"
#include "config/config.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"


/* Attempt limits (before AUTHGATE_AUTH_RATE_PERCENT): per client address per minute, per
 * project+email per 15 minutes; a code has 3 attempts of its own (auth/codes.h). */
static const struct rate_policy p_code_ip = {"user-code:ip", 20, 60, true},
                                p_code_email = {"user-code:email", 5, 900, true},
                                p_verify_ip = {"user-verify:ip", 60, 60, true},
                                p_verify_email = {"user-verify:email", 10, 900, true},
                                p_refresh_ip = {"user-refresh:ip", 60, 60, false};

/* ---- the seed's error shape (ROUTE_ENVELOPE) ----------------------------------------- */

/* The envelope's "error": a title for people, by status (the seed's table). */
static const char *title(int status, const char *code)
{
	if (status == 401)
		return str_eq(code, "invalid_token") ? "Invalid token" : "Authentication required";
	switch (status) {
	case 400: return "Bad request";
	case 403: return "Forbidden";
	case 404: return "Not found";
	case 405: return "Method not allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload too large";
	case 415: return "Unsupported media type";
	case 429: return "Too Many Requests";
	case 503: return "Service unavailable";
	default: return status >= 500 ? "Internal server error" : "Request failed";
	}
}

void users_error_body(struct req *r, int status, const char *code, const char *message)
{
	char ts[32];
	time_iso8601(ts, time_now_ms(), true);
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "success", false);
	cJSON_AddStringToObject(o, "error", title(status, code));
	cJSON_AddStringToObject(o, "message", message);
	cJSON_AddStringToObject(o, "code", code);
	cJSON_AddNumberToObject(o, "statusCode", status);
	cJSON_AddStringToObject(o, "timestamp", ts);
	resp_json(r, status, o);
}

/* ---- which project ------------------------------------------------------------------ */

bool guard_users(struct req *r)
{
	const char *app = r->tenant, *how = "path";
	if (!app && (app = user_config_host_project(r->a, req_header(r, "Host"))))
		how = "host";
	if (!app && g_cfg.default_project[0]) {
		app = g_cfg.default_project;
		how = "default";
	}
	if (!app) {
		api_fail(r, AG_USERS_NO_PROJECT, NULL);
		return false;
	}
	enum ag_err e = project_get(r->a, app, &r->project);
	if (ag_err_is(e, AG_ENOTFOUND)) {
		api_fail(r, AG_USERS_NO_PROJECT,
		         str_eq(how, "default") ? "AUTHGATE_DEFAULT_PROJECT names no project" : "no such project");
		return false;
	}
	if (e) {
		api_fail(r, e, NULL);
		return false;
	}
	if (r->project->disabled) {
		api_fail(r, AG_USERS_PROJECT_DISABLED, NULL);
		return false;
	}
	if (r->origin && project_allows_origin(r->project, r->origin))
		r->cors_ok = true;
	return true;
}

/* ---- who is calling ------------------------------------------------------------------- */

static bool unsafe_method(const char *m)
{
	return !str_eq(m, "GET") && !str_eq(m, "HEAD");
}

/* A cookie is sent by the browser on its own: a change made with it must come from a
 * page of ours or of the project's origins (SameSite=Strict aside, which the app sets). */
static bool cookie_csrf_ok(struct req *r)
{
	const char *site = req_header(r, "Sec-Fetch-Site");
	if (site && str_eq(site, "cross-site"))
		return false;
	return !r->origin || api_same_origin(r, r->origin) || project_allows_origin(r->project, r->origin);
}

static bool refuse(struct req *r, enum ag_err e)
{
	if (ag_err_is(e, AG_EUNAUTH))
		api_auth_failed(r, ag_err_message(e)); /* counted against the address and logged */
	api_fail(r, e, NULL);
	return false;
}

bool users_who(struct req *r, unsigned allow, struct user_principal *who)
{
	memset(who, 0, sizeof *who);
	if (api_auth_throttled(r))
		return false;
	const char *bearer = req_bearer(r), *key = req_header(r, "X-API-Key"), *cookie = NULL;
	const struct user_config *cfg = NULL;
	enum ag_err e = AG_EUNAUTH;
	if (bearer) {
		e = user_token_check(r->a, r->project, bearer, who);
	} else if (key) {
		if (!(allow & WHO_API_KEY))
			return refuse(r, AG_USERS_SESSION_REQUIRED);
		e = user_key_check(r->a, r->project, key, who);
	} else if ((allow & WHO_COOKIE) && user_config_get(r->a, r->project->app_id, &cfg) == AG_OK &&
	           (cookie = req_cookie(r, cfg->cookie_name))) {
		if (unsafe_method(r->method) && !cookie_csrf_ok(r))
			return refuse(r, AG_USERS_COOKIE_CSRF);
		e = user_token_check(r->a, r->project, cookie, who);
	} else {
		return refuse(r, AG_USERS_NO_CREDENTIAL);
	}
	if (ag_err_is(e, AG_EUNAUTH))
		return refuse(r, key && !bearer ? AG_USERS_BAD_API_KEY : AG_USERS_BAD_TOKEN);
	if (e) {
		api_fail(r, e, NULL);
		return false;
	}
	r->auth_subject = who->session_id ? who->session_id : who->key_id;
	return true;
}

/* ---- shared answers ------------------------------------------------------------------- */

cJSON *users_signin_extra(struct req *r, const char *auth_type)
{
	cJSON *x = json_obj(r->a);
	cJSON_AddBoolToObject(x, USER_SESSION_EXTRA, true);
	cJSON_AddStringToObject(x, "auth_type", auth_type);
	json_add_str(x, "ip", r->ip);
	json_add_str(x, "user_agent", req_header(r, "User-Agent"));
	return x;
}

static const char *email_field(struct req *r)
{
	const char *email = user_normalize_email(r->a, req_str(r, "email"));
	if (!email)
		api_fail(r, AG_EINVAL, "email must be a valid email address");
	return email;
}

static bool magic_on(struct req *r)
{
	if (project_provider_on(r->project, "magic-link"))
		return true;
	api_fail(r, AG_EMAIL_MAGIC_OFF, NULL);
	return false;
}

/* ---- POST /users/auth/magic-link/request {email} ----------------------------------------- */

static void magic_request_work(struct req *r)
{
	const char *email = email_field(r);
	if (!email || !api_rate_limit_email(r, &p_code_ip, &p_code_email, email))
		return;
	struct locale_hint lh = api_locale_hint(r);
	enum ag_err e = email_queue_signin_code(r->a, r->project, email, &lh);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	/* the same answer whoever the address belongs to (the job creates new users) */
	api_answer_ok(r, "Magic link sent to your email");
}

void h_users_magic_request(struct req *r)
{
	if (magic_on(r))
		req_async(r, magic_request_work);
}

/* ---- POST /users/auth/magic-link/verify {email, code} -------------------------------------- */

static void magic_verify_work(struct req *r)
{
	const char *email = email_field(r);
	if (!email || !api_rate_limit_email(r, &p_verify_ip, &p_verify_email, email))
		return;
	struct locale_hint lh = api_locale_hint(r);
	struct user *u;
	enum ag_err e = email_signin_code(r->a, r->project, email, req_str(r, "code"), &lh, &u);
	if (ag_err_is(e, AG_EINVAL)) {
		api_fail(r, AG_EMAIL_BAD_CODE, NULL);
		return;
	}
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_info("user_signin", "project %s user %s: magic-link code", r->project->app_id, u->id);
	/* {success, token, user}, or the MFA step ({mfa_required, mfa_token, methods}) */
	api_signin_answer(r, u, "magic-link", "email", users_signin_extra(r, "magic-link"), true);
}

void h_users_magic_verify(struct req *r)
{
	if (magic_on(r))
		req_async(r, magic_verify_work);
}

/* ---- the MFA step of these sign-ins: POST /users/auth/mfa/challenge|verify --------------- */

/* Only steps that a seed 004 sign-in began (their session is a user session). */
static bool user_mfa_token(struct req *r)
{
	struct mfa_pending pend;
	if (mfa_peek(r->a, r->project, req_str(r, "mfa_token"), &pend) == AG_OK && user_session_wanted(pend.extra))
		return true;
	api_fail(r, AG_MFA_BAD_TOKEN, NULL);
	return false;
}

static void mfa_challenge_work(struct req *r)
{
	if (user_mfa_token(r))
		h_mfa_challenge(r);
}

static void mfa_verify_work(struct req *r)
{
	if (user_mfa_token(r))
		h_mfa_verify(r);
}

void h_users_mfa_challenge(struct req *r)
{
	req_async(r, mfa_challenge_work);
}

void h_users_mfa_verify(struct req *r)
{
	req_async(r, mfa_verify_work);
}

/* ---- GET /users/auth/status (optional authentication) ---------------------------------- */

/* The user as status and the key routes show them: id, email, auth_type, plan, features. */
static cJSON *principal_json(struct req *r, const struct user_principal *who)
{
	const struct user_config *cfg;
	struct user_state st;
	if (user_config_get(r->a, r->project->app_id, &cfg) ||
	    user_state_get(r->a, r->project->app_id, who->user_id, &st))
		return NULL;
	cJSON *u = json_obj(r->a);
	cJSON_AddStringToObject(u, "id", who->user_id);
	cJSON_AddStringToObject(u, "email", st.email);
	cJSON_AddStringToObject(u, "auth_type", who->auth_type);
	cJSON_AddStringToObject(u, "plan", st.plan);
	cJSON_AddItemReferenceToObject(u, "features", user_features_json(r->a, cfg, &st));
	return u;
}

void h_users_status(struct req *r)
{
	/* The seed's middleware: a missing or bad token is "not authenticated", never an error. */
	static const char NO[] = "{\"isAuthenticated\":false}";
	struct user_principal who;
	const struct user_config *cfg = NULL;
	const char *bearer = req_bearer(r), *key = req_header(r, "X-API-Key"), *cookie = NULL;
	enum ag_err e = AG_EUNAUTH;
	if (bearer)
		e = user_token_check(r->a, r->project, bearer, &who);
	else if (key)
		e = user_key_check(r->a, r->project, key, &who);
	else if (user_config_get(r->a, r->project->app_id, &cfg) == AG_OK && (cookie = req_cookie(r, cfg->cookie_name)))
		e = user_token_check(r->a, r->project, cookie, &who);
	cJSON *u = e ? NULL : principal_json(r, &who);
	if (!u) {
		resp_raw(r, 200, "application/json", NO, sizeof NO - 1);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "isAuthenticated", true);
	cJSON_AddItemReferenceToObject(o, "user", u);
	if (who.expires_at)
		json_add_time(o, "expiresAt", who.expires_at);
	resp_json(r, 200, o);
}

/* ---- POST /users/auth/refresh ------------------------------------------------------------ */

static void refresh_work(struct req *r)
{
	const char *tok = req_bearer(r);
	struct user_session_origin o = {NULL, NULL, r->ip, req_header(r, "User-Agent")};
	const char *fresh;
	int64_t exp;
	enum ag_err e = tok ? user_session_refresh(r->a, r->project, tok, &o, &fresh, &exp) : AG_EUNAUTH;
	if (e == AG_USERS_SESSION_MAX_AGE) { /* not a bad credential: not counted as a failure */
		api_fail(r, e, NULL);
		return;
	}
	if (ag_err_is(e, AG_EUNAUTH)) {
		refuse(r, AG_USERS_BAD_TOKEN);
		return;
	}
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *out = json_obj(r->a);
	cJSON_AddBoolToObject(out, "success", true);
	cJSON_AddStringToObject(out, "token", fresh);
	json_add_time(out, "expiresAt", exp);
	resp_json(r, 200, out);
}

void h_users_refresh(struct req *r)
{
	if (api_auth_throttled(r) || !api_rate_limit(r, &p_refresh_ip, r->ip))
		return;
	if (!req_bearer(r)) {
		refuse(r, AG_USERS_NO_CREDENTIAL);
		return;
	}
	req_async(r, refresh_work);
}

/* ---- POST /users/logout[?all=true] -------------------------------------------------------- */

static void logout_work(struct req *r)
{
	struct user_principal who;
	if (!users_who(r, WHO_COOKIE, &who))
		return;
	bool all = str_eq(req_query(r, "all"), "true");
	int64_t n = 0;
	enum ag_err e = all ? user_sessions_end_user(r->project->app_id, who.user_id, "logout", &n)
	                    : user_session_end(r->project->app_id, who.user_id, who.session_id, "logout");
	if (e && !ag_err_is(e, AG_ENOTFOUND)) {
		api_fail(r, e, NULL);
		return;
	}
	log_info("user_logout", "project %s user %s%s", r->project->app_id, who.user_id, all ? " (every session)" : "");
	api_answer_ok(r, "Logged out successfully");
}

void h_users_logout(struct req *r)
{
	req_async(r, logout_work);
}

/* ---- the user's API keys ------------------------------------------------------------------ */

static void key_create_work(struct req *r)
{
	struct user_principal who;
	if (!users_who(r, 0, &who))
		return;
	struct user_key_created k;
	enum ag_err e = user_key_create(r->a, r->project, who.user_id, req_str(r, "name"), &k);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_info("user_api_key", "project %s user %s: key %s created", r->project->app_id, who.user_id, k.id);
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "success", true);
	cJSON_AddStringToObject(o, "apiKey", k.key);
	cJSON_AddStringToObject(o, "id", k.id);
	cJSON_AddStringToObject(o, "name", k.name);
	cJSON_AddStringToObject(o, "prefix", k.prefix);
	json_add_time(o, "createdAt", k.created_at);
	resp_json(r, 200, o);
}

void h_users_key_create(struct req *r)
{
	req_async(r, key_create_work);
}

void h_users_keys_list(struct req *r)
{
	struct user_principal who;
	cJSON *arr;
	if (!users_who(r, 0, &who))
		return;
	enum ag_err e = user_keys_list(r->a, r->project->app_id, who.user_id, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "success", true);
	cJSON_AddItemReferenceToObject(o, "apiKeys", arr);
	resp_json(r, 200, o);
}

void h_users_key_revoke(struct req *r)
{
	struct user_principal who;
	if (!users_who(r, 0, &who))
		return;
	enum ag_err e = user_key_revoke(r->project->app_id, who.user_id, req_param(r, 0));
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_info("user_api_key", "project %s user %s: key %s revoked", r->project->app_id, who.user_id,
	         req_param(r, 0));
	api_answer_ok(r, "API key revoked");
}

/* ---- the user's sessions ------------------------------------------------------------------ */

void h_users_sessions_list(struct req *r)
{
	struct user_principal who;
	cJSON *arr;
	if (!users_who(r, WHO_COOKIE, &who))
		return;
	enum ag_err e = user_sessions_list(r->a, r->project->app_id, who.user_id, false, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	const cJSON *s;
	cJSON_ArrayForEach(s, arr)
	    cJSON_AddBoolToObject((cJSON *)s, "current", str_eq(json_get_str(s, "id"), who.session_id));
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "success", true);
	cJSON_AddItemReferenceToObject(o, "sessions", arr);
	resp_json(r, 200, o);
}

void h_users_session_end(struct req *r)
{
	struct user_principal who;
	if (!users_who(r, 0, &who))
		return;
	enum ag_err e = user_session_end(r->project->app_id, who.user_id, req_param(r, 0), "revoked");
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	api_answer_ok(r, "Session ended");
}
