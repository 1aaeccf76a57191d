/* users_oauth.c — seed 004's OAuth sign-in: GET /users/auth/{provider} sends the browser
 * to the provider, GET /users/auth/{provider}/callback comes back with the seed's JSON
 * ({success, token, user}: a 30-day user token) or, when the start named a registered
 * callback_url, redirects there with ?token= (or ?mfa_token=). Every provider of the
 * OAuth engine works (docs/OAUTH.md: its checks apply unchanged); the flow is bound to
 * the browser by its own cookie and its redirect URI is this callback at the base URL
 * the request came to (register it with the provider: docs/USERS.md). */
#include <string.h>

#include "api/api.h"
#include "api/users.h"
#include "auth/user_config.h"
#include "config/config.h"
#include "core/log.h"
#include "core/str.h"

#define BINDING_COOKIE "ag_oauth_u"

static const struct rate_policy p_start = {"user-oauth-start:ip", 60, 60, false},
                                p_cb = {"user-oauth-cb:ip", 60, 60, false};

const char *users_base_url(struct req *r)
{
	if (r->tenant)
		return arena_printf(r->a, "%s" TENANT_PREFIX "%s", g_cfg.public_url, r->tenant);
	const char *host = req_header(r, "Host");
	const char *claimed = host ? user_config_host_project(r->a, host) : NULL;
	if (claimed && str_eq(claimed, r->project->app_id))
		return arena_printf(r->a, "%s://%s", api_is_tls(r) ? "https" : "http", host);
	return g_cfg.public_url;
}

static const char *redirect_uri(struct req *r, const char *provider)
{
	return arena_printf(r->a, "%s/users/auth/%s/callback", users_base_url(r), provider);
}

static void start_work(struct req *r)
{
	struct oauth_client *c;
	const char *cb = req_query(r, "callback_url");
	const char *why = cb ? project_callback_problem(r->a, r->project, cb) : NULL;
	if (why) {
		api_fail(r, AG_CALLBACK_URL, why);
		return;
	}
	if (!api_oauth_provider_ready(r, r->project, req_param(r, 0), &c, false))
		return;
	struct oauth_flow_req q = {.app_id = r->project->app_id,
	                           .provider = c->def->name,
	                           .callback_url = cb ? cb : "",
	                           .purpose = "user",
	                           .redirect_uri = redirect_uri(r, c->def->name)};
	api_oauth_locale(r, req_query(r, "locale"), &q);
	const char *binding = NULL, *url = NULL;
	struct ag_error e = oauth_flow_start(r->a, c, &q, req_cookie(r, BINDING_COOKIE), &binding, &url);
	if (e.code) {
		api_fail(r, e.code, e.message);
		return;
	}
	resp_header(r, "Set-Cookie",
	            arena_printf(r->a, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s", BINDING_COOKIE, binding,
	                         OAUTH_FLOW_TTL_S, api_is_tls(r) ? "; Secure" : ""));
	resp_redirect(r, 302, url);
}

void h_users_oauth_start(struct req *r)
{
	if (api_rate_limit(r, &p_start, r->ip))
		req_async(r, start_work);
}

static void callback_work(struct req *r)
{
	struct api_oauth_cb x = {0};
	enum ag_err e = oauth_flow_take(r->a, req_query(r, "state"), req_cookie(r, BINDING_COOKIE), &x.fl);
	if (ag_err_is(e, AG_ENOTFOUND) || (e == AG_OK && !str_eq(x.fl->q.purpose, "user"))) {
		log_security("oauth_state_unknown", r->ip, "provider %s (user sign-in)", req_param(r, 0));
		api_fail(r, AG_USERS_BAD_STATE, NULL);
		return;
	}
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	const char *cb = x.fl->q.callback_url && *x.fl->q.callback_url ? x.fl->q.callback_url : NULL;
	struct oauth_tokens t;
	struct oauth_profile pr;
	struct user *u = NULL;
	bool ok = api_oauth_callback_checks(r, &x);
	if (ok && !str_eq(x.p->app_id, r->project->app_id))
		ok = false, x.err = AG_ERROR_MSG(AG_OAUTH_STATE, "this sign-in belongs to another project");
	if (ok) {
		x.ep.redirect_uri = redirect_uri(r, x.c->def->name);
		ok = !(x.err = oauth_token_request(r->a, x.c, &x.ep, "authorization_code", req_query(r, "code"),
		                                   x.fl->code_verifier, &t)).code &&
		     !(x.err = oauth_profile_get(r->a, x.c, &x.ep, x.fl, &t, &pr)).code &&
		     !(x.err = AG_ERROR(oauth_account_signin(r->a, x.p, x.c->def->name, &pr, &x.fl->q, &u))).code;
	}
	if (!ok) {
		log_info("user_oauth_failed", "project %s provider %s: %s", x.fl->q.app_id, req_param(r, 0),
		         ag_err_code(x.err.code));
		if (cb)
			api_oauth_to_app_error(r, cb, x.err);
		else
			api_fail(r, x.err.code, x.err.message);
		return;
	}
	log_info("user_signin", "project %s user %s: %s", x.p->app_id, u->id, x.c->def->name);
	cJSON *extra = users_signin_extra(r, arena_printf(r->a, "%s-login", x.c->def->name));
	if (!cb) { /* the seed's answer: JSON with the token (or the MFA step) */
		api_signin_answer(r, u, x.c->def->name, "fed", extra, true);
		return;
	}
	const char *to = api_signin_redirect(r, x.p, u, x.c->def->name, "fed", extra, cb);
	if (!to) {
		api_oauth_to_app_error(r, cb, AG_ERROR_MSG(AG_OAUTH_SERVER, "the session cannot be issued"));
		return;
	}
	resp_redirect(r, 303, to);
}

void h_users_oauth_callback(struct req *r)
{
	if (api_rate_limit(r, &p_cb, r->ip))
		req_async(r, callback_work);
}
