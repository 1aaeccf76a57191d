/* oauth.c — OAuth / OpenID Connect sign-in over HTTP (/api/proxy/{provider}, seed 001):
 * the starts (a browser GET, or an app's POST that returns a URL), the fixed callback,
 * linking and unlinking while signed in, and the admin API for provider settings. The
 * work is auth/oauth.h's; this file reads requests, sets the browser-binding cookie and
 * chooses where the browser goes: the app's callback_url with ?token= or ?error=, or an
 * AuthGate error page when no safe place is known. */
#include <pthread.h>
#include <string.h>

#include "api/api.h"
#include "auth/oauth.h"
#include "auth/throttle.h"
#include "auth/tokens.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/form.h"
#include "core/log.h"
#include "core/str.h"
#include "mail/i18n.h"
#include "mail/locale.h"


/* Starts and callbacks per client address: 60 a minute, scaled by
 * AUTHGATE_AUTH_RATE_PERCENT like the other sign-in limits. */
static struct rate_policy p_start = {"oauth-start:ip", 60, 60, false}, p_callback = {"oauth-callback:ip", 60, 60, false};
static pthread_once_t limits_once = PTHREAD_ONCE_INIT;

static void scale_limits(void)
{
	p_start.limit = throttle_limit(&p_start);
	p_callback.limit = throttle_limit(&p_callback);
}

static bool within_limit(struct req *r, const struct rate_policy *p)
{
	pthread_once(&limits_once, scale_limits);
	return api_rate_limit(r, p, r->ip);
}

/* ---- answers ------------------------------------------------------------------------ */

/* No safe place to send the browser: a small page of our own. */
void api_oauth_error_page(struct req *r, int status, const char *message)
{
	const char *html =
	    arena_printf(r->a,
	                 "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	                 "<title>Sign-in failed</title>\n</head>\n<body>\n<main>\n<h1>Sign-in failed</h1>\n"
	                 "<p id=\"message\">%s</p>\n<p>Go back to the application and start again.</p>\n"
	                 "</main>\n</body>\n</html>\n",
	                 html_escape(r->a, message));
	resp_raw(r, status, "text/html; charset=utf-8", html, strlen(html));
}

/* callback_url?error=code&error_description=... (303): the app learns what went wrong,
 * never with a token. The error table's stable name and message, as in a JSON answer. */
void api_oauth_to_app_error(struct req *r, const char *callback_url, struct ag_error e)
{
	struct buf b = BUF_INIT(4096);
	(void)(form_add(&b, "error", ag_err_code(e.code)) |
	       form_add(&b, "error_description", e.message ? e.message : ag_err_message(e.code)));
	resp_redirect(
	    r, 303, arena_printf(r->a, "%s%c%s", callback_url, strchr(callback_url, '?') ? '&' : '?', b.p ? b.p : ""));
	buf_free(&b);
}

static const char *cookie(struct req *r, const char *name)
{
	const char *h = req_header(r, "Cookie");
	size_t nl = strlen(name);
	for (const char *p = h; p && *p;) {
		while (*p == ' ')
			p++;
		if (strncmp(p, name, nl) == 0 && p[nl] == '=')
			return arena_strndup(r->a, p + nl + 1, strcspn(p + nl + 1, ";"));
		p = strchr(p, ';');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

/* The browser-binding cookie: HttpOnly, only sent to /api/proxy/, Lax so the provider's
 * top-level redirect back carries it (Apple's form POST is turned into a same-site GET
 * first: see h_oauth_callback_post). */
static void set_binding(struct req *r, const char *binding)
{
	bool https = str_starts(g_cfg.public_url, "https://");
	resp_header(r, "Set-Cookie",
	            arena_printf(r->a, "%s=%s; Path=/api/proxy/; Max-Age=%d; HttpOnly; SameSite=Lax%s",
	                         OAUTH_BINDING_COOKIE, binding, OAUTH_FLOW_TTL_S, https ? "; Secure" : ""));
}

/* ---- checks shared by the starts ----------------------------------------------------- */

/* The provider of the path, switched on and configured for p; false having answered. */
bool api_oauth_provider_ready(struct req *r, const struct project *p, const char *name, struct oauth_client **c,
                              bool page)
{
	enum ag_err e = AG_OK;
	if (!oauth_provider_find(name))
		e = AG_OAUTH_UNKNOWN_PROVIDER;
	else if (!project_provider_on(p, name))
		e = AG_OAUTH_PROVIDER_DISABLED;
	else if (ag_err_is(e = oauth_client_get(r->a, p->app_id, name, c), AG_ENOTFOUND))
		e = AG_OAUTH_NOT_CONFIGURED;
	else if (e)
		e = oauth_server_error(e);
	if (!e)
		return true;
	if (page)
		api_oauth_error_page(r, ag_err_status(e), ag_err_message(e));
	else
		api_fail(r, e, NULL);
	return false;
}

/* The request's locale (seed 001: the parameter, else Accept-Language). */
void api_oauth_locale(struct req *r, const char *explicit_locale, struct oauth_flow_req *q)
{
	const char *al = req_header(r, "Accept-Language");
	if (explicit_locale && *explicit_locale) {
		q->locale = locale_resolve(explicit_locale, NULL, NULL, NULL);
		q->locale_explicit = true;
	} else if (al && strlen(al) <= API_ACCEPT_LANGUAGE_MAX) {
		q->locale = locale_from_accept_language(al);
	}
}

static bool callback_ok(struct req *r, const struct project *p, const char *cb)
{
	if (cb && project_allows_callback(r->a, p, cb))
		return true;
	api_fail(r, AG_CALLBACK_URL, cb ? NULL : "callback_url is required");
	return false;
}

/* Start the flow in this browser and send it to the provider. */
static void begin(struct req *r, const struct oauth_client *c, const struct oauth_flow_req *q)
{
	const char *binding = NULL, *url = NULL;
	struct ag_error e = oauth_flow_start(r->a, c, q, cookie(r, OAUTH_BINDING_COOKIE), &binding, &url);
	if (e.code) {
		api_oauth_to_app_error(r, q->callback_url, e);
		return;
	}
	set_binding(r, binding);
	resp_redirect(r, 302, url);
}

/* ---- GET /api/proxy/{provider}?callback_url=&locale=&app_id= ----------------------------- */

static void start_get_work(struct req *r)
{
	const char *cb = req_query(r, "callback_url"), *app_id = req_query(r, "app_id");
	struct project *p = NULL;
	enum ag_err e = app_id ? project_get(r->a, app_id, &p) : project_by_callback(r->a, cb, &p);
	if (ag_err_is(e, AG_ECONFLICT)) {
		api_fail(r, AG_OAUTH_APP_ID_REQUIRED, NULL);
		return;
	}
	if (ag_err_is(e, AG_ENOTFOUND)) {
		if (app_id)
			api_fail(r, AG_OAUTH_UNKNOWN_APP, NULL);
		else
			api_fail(r, AG_CALLBACK_URL, "callback_url is not registered by any project");
		return;
	}
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	if (p->disabled) {
		resp_error(r, AG_EFORBIDDEN, "this project is disabled");
		return;
	}
	struct oauth_client *c;
	if (!callback_ok(r, p, cb) || !api_oauth_provider_ready(r, p, req_param(r, 0), &c, false))
		return;
	struct oauth_flow_req q = {.app_id = p->app_id, .provider = c->def->name, .callback_url = cb, .purpose = "signin"};
	api_oauth_locale(r, req_query(r, "locale"), &q);
	begin(r, c, &q);
}

void h_oauth_start_get(struct req *r)
{
	if (within_limit(r, &p_start))
		req_async(r, start_get_work);
}

/* ---- POST /api/proxy/{provider} and /link: a URL for apps that redirect themselves --------- */

/* A ticket URL at AuthGate: the browser that opens it gets the binding cookie there. */
static void answer_ticket(struct req *r, const struct oauth_flow_req *q)
{
	const char *ticket;
	enum ag_err e = oauth_ticket_create(r->a, q, &ticket);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(
	    o, "url", arena_printf(r->a, "%s/api/proxy/%s/start?ticket=%s", g_cfg.public_url, q->provider, ticket));
	resp_json(r, 200, o);
}

static void start_post_work(struct req *r)
{
	struct oauth_client *c;
	const char *cb = req_str(r, "callback_url");
	if (!callback_ok(r, r->project, cb) || !api_oauth_provider_ready(r, r->project, req_param(r, 0), &c, false))
		return;
	struct oauth_flow_req q = {
	    .app_id = r->project->app_id, .provider = c->def->name, .callback_url = cb, .purpose = "signin"};
	api_oauth_locale(r, req_str(r, "locale"), &q);
	answer_ticket(r, &q);
}

void h_oauth_start_post(struct req *r)
{
	req_async(r, start_post_work);
}

/* The signed-in user of a seed 002 session token in the body; NULL having answered. */
static const char *session_user(struct req *r)
{
	const struct jobj *claims = NULL;
	struct jw answer;
	const char *tok = req_str(r, "token");
	if (!tok || !api_token_check(r->a, r->project, tok, &answer, &claims)) {
		api_fail(r, AG_OAUTH_SESSION_TOKEN, NULL);
		return NULL;
	}
	return jstr(r->a, jobj_get(claims, "sub"), NULL); /* a string: token_check made sure */
}

static void link_work(struct req *r)
{
	struct oauth_client *c;
	const char *cb = req_str(r, "callback_url"), *uid = session_user(r);
	if (!uid || !callback_ok(r, r->project, cb) || !api_oauth_provider_ready(r, r->project, req_param(r, 0), &c, false))
		return;
	struct oauth_flow_req q = {.app_id = r->project->app_id,
	                           .provider = c->def->name,
	                           .callback_url = cb,
	                           .purpose = "link",
	                           .user_id = uid};
	api_oauth_locale(r, req_str(r, "locale"), &q);
	answer_ticket(r, &q);
}

void h_oauth_link(struct req *r)
{
	req_async(r, link_work);
}

static void start_ticket_work(struct req *r)
{
	struct oauth_flow_req *q;
	enum ag_err e = oauth_ticket_take(r->a, req_query(r, "ticket"), req_param(r, 0), &q);
	if (ag_err_is(e, AG_EGONE)) {
		api_oauth_error_page(r, 410, "This sign-in link is invalid, has expired or was already used.");
		return;
	}
	struct project *p = NULL;
	if (e == AG_OK)
		e = project_get(r->a, q->app_id, &p);
	if (e) {
		api_oauth_error_page(r, ag_err_status(e), "The sign-in cannot start right now; try again shortly.");
		return;
	}
	struct oauth_client *c;
	if (p->disabled || !api_oauth_provider_ready(r, p, q->provider, &c, true)) {
		if (p->disabled)
			api_oauth_error_page(r, 403, "This application is disabled.");
		return;
	}
	begin(r, c, q);
}

void h_oauth_start_ticket(struct req *r)
{
	if (within_limit(r, &p_start))
		req_async(r, start_ticket_work);
}

/* ---- the callback -------------------------------------------------------------------------- */

static bool fail_cb(struct api_oauth_cb *x, enum ag_err code, const char *message)
{
	x->err = AG_ERROR_MSG(code, message);
	return false;
}

/* Everything about the flow and the response that needs no token request. */
bool api_oauth_callback_checks(struct req *r, struct api_oauth_cb *x)
{
	const char *provider = req_param(r, 0), *iss = req_query(r, "iss"), *perr = req_query(r, "error");
	struct oauth_flow *fl = x->fl;
	if (!fl->binding_ok) {
		log_security("oauth_state_unbound", r->ip, "project %s provider %s: callback in another browser",
		             fl->q.app_id, provider);
		return fail_cb(x, AG_OAUTH_STATE, NULL);
	}
	if (!str_eq(fl->q.provider, provider)) /* a flow sent to one provider answered at another's */
		return fail_cb(x, AG_OAUTH_STATE, "the response came back to another provider's callback");
	if (fl->expired)
		return fail_cb(x, AG_OAUTH_FLOW_EXPIRED, NULL);
	if (project_get(r->a, fl->q.app_id, &x->p) != AG_OK || x->p->disabled)
		return fail_cb(x, AG_USERS_PROJECT_DISABLED, "this application is disabled");
	if (!project_provider_on(x->p, provider))
		return fail_cb(x, AG_OAUTH_PROVIDER_DISABLED, NULL);
	/* RFC 9207: the issuer that answered must be the one the flow was sent to. */
	if (iss && !str_eq(iss, fl->issuer)) {
		log_security("oauth_mixup", r->ip, "project %s provider %s: response from another issuer", fl->q.app_id,
		             provider);
		return fail_cb(x, AG_OAUTH_ISSUER, NULL);
	}
	if (perr)
		return fail_cb(x, str_eq(perr, "access_denied") ? AG_OAUTH_ACCESS_DENIED : AG_OAUTH_PROVIDER_ERROR, NULL);
	if (oauth_client_get(r->a, fl->q.app_id, provider, &x->c) != AG_OK)
		return fail_cb(x, AG_OAUTH_NOT_CONFIGURED, "this provider is not configured any more");
	if ((x->err = oauth_endpoints_get(r->a, x->c, &x->ep)).code)
		return false;
	if (!str_eq(x->ep.issuer, fl->issuer))
		return fail_cb(x, AG_OAUTH_ISSUER, "the provider's issuer changed during the sign-in");
	if (!iss && x->ep.iss_param)
		return fail_cb(x, AG_OAUTH_ISSUER, "the provider's response lacks its issuer");
	const char *code = req_query(r, "code");
	if (!code || !*code || strlen(code) > 2048)
		return fail_cb(x, AG_EINVAL, "the provider's response has no code");
	return true;
}

static void callback_work(struct req *r)
{
	struct api_oauth_cb x = {0};
	enum ag_err e = oauth_flow_take(r->a, req_query(r, "state"), cookie(r, OAUTH_BINDING_COOKIE), &x.fl);
	if (ag_err_is(e, AG_ENOTFOUND)) {
		log_security("oauth_state_unknown", r->ip, "provider %s", req_param(r, 0));
		api_oauth_error_page(r, 400,
		           "This sign-in response is invalid or was already used. Start again from the application.");
		return;
	}
	if (e) {
		api_oauth_error_page(r, 503, "The sign-in cannot be completed right now; try again shortly.");
		return;
	}
	struct oauth_tokens t;
	struct oauth_profile pr;
	struct user *u = NULL;
	bool ok = api_oauth_callback_checks(r, &x) &&
	          !(x.err = oauth_token_request(r->a, x.c, &x.ep, "authorization_code", req_query(r, "code"),
	                                        x.fl->code_verifier, &t)).code &&
	          !(x.err = oauth_profile_get(r->a, x.c, &x.ep, x.fl, &t, &pr)).code;
	if (ok && x.c->def->form_post)
		oauth_profile_apple_user(r->a, &pr, req_query(r, "user"));
	if (ok && str_eq(x.fl->q.purpose, "link"))
		ok = !(x.err = AG_ERROR(oauth_account_link(r->a, x.p, x.fl->q.user_id, x.c->def->name, &pr, &u))).code;
	else if (ok)
		ok = !(x.err = AG_ERROR(oauth_account_signin(r->a, x.p, x.c->def->name, &pr, &x.fl->q, &u))).code;
	/* the MFA step applies here too: cb?token=… or cb?mfa_token=… (docs/MFA.md) */
	const char *to = ok ? api_signin_redirect(r, x.p, u, x.c->def->name, "fed", NULL, x.fl->q.callback_url) : NULL;
	if (!to) {
		if (ok)
			x.err = AG_ERROR_MSG(AG_OAUTH_SERVER, "the session cannot be issued");
		log_info("oauth_signin_failed", "project %s provider %s: %s", x.fl->q.app_id, req_param(r, 0),
		         ag_err_code(x.err.code));
		api_oauth_to_app_error(r, x.fl->q.callback_url, x.err);
		return;
	}
	log_info("oauth_signin", "project %s provider %s user %s", x.p->app_id, x.c->def->name, u->id);
	resp_redirect(r, 303, to);
}

void h_oauth_callback(struct req *r)
{
	if (within_limit(r, &p_callback))
		req_async(r, callback_work);
}

/* Apple answers with a cross-site form POST (response_mode=form_post), which a Lax
 * cookie does not ride on. Turn it into a same-site GET of the callback: the binding
 * cookie then comes along and every check above applies unchanged. The code is single
 * use and bound to the PKCE verifier, so it crossing a URL once costs nothing. */
void h_oauth_callback_post(struct req *r)
{
	static const char *const fields[] = {"code", "state", "iss", "error", "user"};
	struct buf b = BUF_INIT(16384);
	for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
		const char *v = req_form(r, fields[i]);
		if (v && form_add(&b, fields[i], v)) {
			buf_free(&b);
			resp_error(r, AG_ETOOBIG, "the provider's response is too large");
			return;
		}
	}
	resp_redirect(
	    r, 303,
	    arena_printf(r->a, "%s/api/proxy/%s/callback?%s", g_cfg.public_url, req_param(r, 0), b.p ? b.p : ""));
	buf_free(&b);
}

/* ---- identities of a signed-in user ---------------------------------------------------- */

static void identities_answer(struct req *r, const char *uid, bool unlinked)
{
	cJSON *arr;
	enum ag_err e = oauth_identities_list(r->a, r->project->app_id, uid, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	if (unlinked)
		cJSON_AddBoolToObject(o, "unlinked", true);
	cJSON_AddStringToObject(o, "user_id", uid);
	cJSON_AddItemReferenceToObject(o, "identities", arr);
	resp_json(r, 200, o);
}

static void identities_work(struct req *r)
{
	const char *uid = session_user(r);
	if (uid)
		identities_answer(r, uid, false);
}

void h_oauth_identities(struct req *r)
{
	req_async(r, identities_work);
}

static void unlink_work(struct req *r)
{
	const char *uid = session_user(r);
	if (!uid)
		return;
	if (!oauth_provider_find(req_param(r, 0))) {
		api_fail(r, AG_OAUTH_UNKNOWN_PROVIDER, NULL);
		return;
	}
	enum ag_err e = oauth_identity_unlink(r->a, r->project->app_id, uid, req_param(r, 0));
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	identities_answer(r, uid, true);
}

void h_oauth_unlink(struct req *r)
{
	req_async(r, unlink_work);
}

/* ---- admin: provider settings ------------------------------------------------------------- */

void h_admin_oauth_list(struct req *r)
{
	struct project *p;
	cJSON *arr;
	if (!api_path_project(r, &p))
		return;
	enum ag_err e = oauth_client_list(r->a, p, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "providers", arr);
	resp_json(r, 200, o);
}

static bool admin_provider(struct req *r, struct project **p)
{
	if (!api_path_project(r, p))
		return false;
	if (oauth_provider_find(req_param(r, 1)))
		return true;
	api_fail(r, AG_OAUTH_UNKNOWN_PROVIDER, "providers are google, github, microsoft, gitlab, discord, apple and oidc");
	return false;
}

void h_admin_oauth_get(struct req *r)
{
	struct project *p;
	struct oauth_client *c;
	if (!admin_provider(r, &p))
		return;
	enum ag_err e = oauth_client_get(r->a, p->app_id, req_param(r, 1), &c);
	if (e) {
		api_fail(r, e, "this provider has no settings in this project");
		return;
	}
	resp_json(r, 200, oauth_client_json(r->a, c, project_provider_on(p, c->def->name)));
}

void h_admin_oauth_put(struct req *r)
{
	struct project *p;
	if (!admin_provider(r, &p))
		return;
	struct ag_error e = oauth_client_set(r->a, p->app_id, req_param(r, 1), req_json(r));
	if (e.code) {
		api_fail(r, e.code, e.message);
		return;
	}
	log_info("admin", "project %s: %s provider settings changed by %s", p->app_id, req_param(r, 1),
	         r->auth_subject);
	h_admin_oauth_get(r);
}

void h_admin_oauth_delete(struct req *r)
{
	struct project *p;
	if (!admin_provider(r, &p))
		return;
	enum ag_err e = oauth_client_delete(p->app_id, req_param(r, 1));
	if (e) {
		api_fail(r, e, "this provider has no settings in this project");
		return;
	}
	log_info("admin", "project %s: %s provider settings removed by %s", p->app_id, req_param(r, 1),
	         r->auth_subject);
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "deleted", true);
	resp_json(r, 200, o);
}
