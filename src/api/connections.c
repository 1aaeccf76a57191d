/* connections.c — seed 004's provider API under /auth (docs/USERS.md): the provider
 * registry (list and get for users, changes for project admins only: a user who could
 * change a provider's URLs could phish the others), OAuth connections (connect, both
 * callbacks, disconnect, the connected list), users' own provider keys, a fresh access
 * token for a connection, and the project's Google search keys. The work is
 * auth/connections.h's. */
#include <string.h>

#include "api/api.h"
#include "api/users.h"
#include "auth/apikeys.h"
#include "auth/connections.h"
#include "auth/user_config.h"
#include "core/log.h"
#include "core/str.h"
#include "mail/i18n.h"
#include "sec/sec.h"

/* Reading a stored provider key back: per user, and per address. */
static const struct rate_policy p_key_read = {"provider-key-read:user", 10, 60, false},
                                p_key_read_ip = {"provider-key-read:ip", 30, 60, false};

/* ---- who may change the registry --------------------------------------------------------- */

/* The project's own backend: Authorization: Bearer <an API key of this project>. */
static bool backend_key(struct req *r)
{
	const char *tok = req_bearer(r);
	struct project *p = NULL;
	const char *key_id = NULL;
	if (!tok || !str_starts(tok, API_KEY_PREFIX))
		return false;
	if (apikey_authenticate(r->a, tok, &p, &key_id) != AG_OK || !str_eq(p->app_id, r->project->app_id))
		return false;
	r->auth_subject = key_id;
	return true;
}

/* A project admin: its API key (its backend) or an admin token. */
static bool project_admin(struct req *r)
{
	const char *tok = req_bearer(r), *id = NULL;
	if (api_auth_throttled(r))
		return false;
	if (backend_key(r))
		return true;
	if (tok && str_starts(tok, ADMIN_TOKEN_PREFIX) && admin_token_check(r->a, tok, &id) == AG_OK) {
		r->auth_subject = id;
		return true;
	}
	if (tok && (str_starts(tok, API_KEY_PREFIX) || str_starts(tok, ADMIN_TOKEN_PREFIX))) {
		api_auth_failed(r, "the project API key or admin token is not valid here");
		api_fail(r, AG_EUNAUTH, "the project API key or admin token is not valid here");
		return false;
	}
	api_fail(r, AG_PROVIDERS_ADMIN_REQUIRED, NULL);
	return false;
}

/* ---- the registry ----------------------------------------------------------------------- */

void h_providers_list(struct req *r)
{
	struct user_principal who;
	cJSON *arr;
	if (!backend_key(r) && !users_who(r, WHO_API_KEY | WHO_COOKIE, &who))
		return;
	enum ag_err e = providers_list(r->a, r->project, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	resp_json(r, 200, arr); /* the seed's answer is the bare list */
}

void h_providers_get(struct req *r)
{
	struct user_principal who;
	cJSON *o;
	if (!backend_key(r) && !users_who(r, WHO_API_KEY | WHO_COOKIE, &who))
		return;
	enum ag_err e = provider_get_json(r->a, r->project, req_param(r, 0), &o);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	resp_json(r, 200, o);
}

static void registry_answer(struct req *r, struct ag_error e, int status, const char *id)
{
	if (e.code) {
		api_fail(r, e.code, e.message);
		return;
	}
	log_info("providers", "project %s: provider %s changed by %s", r->project->app_id, id, r->auth_subject);
	cJSON *o;
	if (status == 204 || provider_get_json(r->a, r->project, id, &o) != AG_OK) {
		cJSON *ok = json_obj(r->a);
		cJSON_AddBoolToObject(ok, "success", true);
		resp_json(r, 200, ok);
		return;
	}
	resp_json(r, status, o);
}

void h_providers_create(struct req *r)
{
	if (!project_admin(r))
		return;
	registry_answer(r, provider_create(r->a, r->project->app_id, req_json(r)), 201, req_str(r, "id"));
}

void h_providers_update(struct req *r)
{
	if (!project_admin(r))
		return;
	registry_answer(r, provider_update(r->a, r->project->app_id, req_param(r, 0), req_json(r)), 200, req_param(r, 0));
}

void h_providers_delete(struct req *r)
{
	if (!project_admin(r))
		return;
	registry_answer(r, AG_ERROR(provider_delete(r->project->app_id, req_param(r, 0))), 204, req_param(r, 0));
}

/* ---- connect ----------------------------------------------------------------------------- */

static void connect_work(struct req *r)
{
	struct user_principal who;
	if (!users_who(r, WHO_API_KEY, &who))
		return;
	const char *provider = req_param(r, 0), *ru = req_query(r, "redirect_uri");
	if (ru && !project_allows_callback(r->a, r->project, ru)) {
		api_fail(r, AG_CONNECT_REDIRECT, NULL);
		return;
	}
	if (!ru)
		ru = arena_printf(r->a, "%s/auth/callback/%s", users_base_url(r), provider);
	const char *url;
	struct ag_error e = connect_start(r->a, r->project, who.user_id, provider, ru, req_query(r, "scope"), &url);
	if (e.code) {
		api_fail(r, e.code, e.message);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "authUrl", url);
	resp_json(r, 200, o);
}

void h_connect_start(struct req *r)
{
	req_async(r, connect_work);
}

/* The provider said no (?error=): the flow is spent all the same. */
static const char *provider_error(struct req *r, const char *err)
{
	if (!err)
		return NULL;
	return str_eq(err, "access_denied") ? "the user declined" : "the provider reported an error";
}

/* What to answer when the provider said no: its refusal, unless the state itself was
 * bad (then that). */
static struct ag_error refused(const char *perr, struct ag_error e)
{
	return e.code && str_eq(ag_err_code(e.code), "invalid_state") ? e : AG_ERROR_MSG(AG_OAUTH_ACCESS_DENIED, perr);
}

static void callback_post_work(struct req *r)
{
	struct user_principal who;
	if (!users_who(r, WHO_API_KEY, &who))
		return;
	struct connect_result res;
	const char *perr = provider_error(r, req_str(r, "error"));
	struct ag_error e = connect_finish(r->a, r->project, req_str(r, "state"), perr ? NULL : req_str(r, "code"),
	                                   req_str(r, "iss"), who.user_id, NULL, &res);
	if (perr)
		e = refused(perr, e);
	if (e.code) {
		api_fail(r, e.code, e.message);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "success", true);
	cJSON_AddStringToObject(o, "provider", res.provider);
	json_add_str(o, "email", res.email);
	resp_json(r, 200, o);
}

void h_connect_callback_post(struct req *r)
{
	req_async(r, callback_post_work);
}

/* ---- the browser's callback: it asks before it connects ------------------------------------
 *
 * GET /auth/callback/{provider}?code&state does not connect on the state alone: whoever
 * started a connect flow can send its authUrl to someone else, and the provider account
 * of whoever opens it would be connected to the starter's user (who could then act on
 * it through valid-token). So the GET only shows a page that names the account the
 * connection is for and asks; the code is redeemed by the page's own form
 * (POST /auth/callback/{provider}/confirm), which must carry a token bound to the flow's
 * state and to a nonce cookie this page set in this browser (SameSite=Strict, HttpOnly).
 * A provider made to answer with response_mode=form_post, a form on another site, or a
 * framed page (frame-ancestors 'none') cannot produce it. Apps that want no page use
 * their own redirect_uri and POST /auth/callback with the user's token (docs/USERS.md). */

#define CONFIRM_COOKIE "ag_connect"
#define CONFIRM_CSP "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

static const struct rate_policy p_confirm_ip = {"connect-confirm:ip", 30, 60, false};

/* A page: title, a message, and the confirmation form when form_html is given. */
static void page(struct req *r, int status, const char *title, const char *message, const char *form_html)
{
	const char *app = r->project ? project_display_name(r->project) : "AuthGate";
	const char *html = arena_printf(
	    r->a,
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"robots\" content=\"noindex\">\n<title>%s</title>\n"
	    "<link rel=\"stylesheet\" href=\"/assets/magic-link.css\">\n</head>\n<body>\n<main class=\"card\">\n"
	    "<p class=\"app\">%s</p>\n<h1>%s</h1>\n<p class=\"message\" id=\"message\">%s</p>\n%s</main>\n</body>\n"
	    "</html>\n",
	    html_escape(r->a, title), html_escape(r->a, app), html_escape(r->a, title), html_escape(r->a, message),
	    form_html ? form_html
	              : "<p class=\"message\">You can close this window and go back to the application.</p>\n");
	resp_header(r, "Content-Security-Policy", CONFIRM_CSP);
	resp_raw(r, status, "text/html; charset=utf-8", html, strlen(html));
}

static void fail_page(struct req *r, struct ag_error e)
{
	page(r, ag_err_status(e.code), "Connection failed", e.message ? e.message : ag_err_message(e.code), NULL);
}

/* This browser's nonce: the cookie it has (another flow's page set it), else a new one. */
static const char *browser_nonce(struct req *r)
{
	const char *have = req_cookie(r, CONFIRM_COOKIE);
	size_t n = have ? strlen(have) : 0;
	if (n >= 32 && n <= 64 && strspn(have, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n)
		return have;
	char *t = arena_alloc(r->a, 48);
	rand_token(t, 32);
	resp_header(r, "Set-Cookie",
	            arena_printf(r->a, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", CONFIRM_COOKIE, t,
	                         OAUTH_FLOW_TTL_S, api_is_tls(r) ? "; Secure" : ""));
	return t;
}

static const char *hidden(struct req *r, const char *name, const char *value)
{
	return value ? arena_printf(r->a, "<input type=\"hidden\" name=\"%s\" value=\"%s\">\n", name,
	                            html_escape(r->a, value))
	             : "";
}

static void callback_get_work(struct req *r)
{
	const char *provider = req_param(r, 0), *state = req_query(r, "state"), *code = req_query(r, "code");
	const char *perr = provider_error(r, req_query(r, "error"));
	if (perr) { /* the provider said no: the flow is spent all the same */
		fail_page(r, refused(perr, connect_cancel(r->a, r->project, state, provider)));
		return;
	}
	struct connect_pending pend;
	struct ag_error e = connect_pending(r->a, r->project, state, provider, &pend);
	if (e.code) {
		fail_page(r, e);
		return;
	}
	if (!code || !*code || strlen(code) > 2048) {
		fail_page(r, AG_ERROR_MSG(AG_EINVAL, "the provider sent no code"));
		return;
	}
	const char *who = pend.user_email ? pend.user_email : pend.user_id;
	const char *form = arena_printf(
	    r->a,
	    "<p class=\"message\"><strong>Only continue if you started this yourself, signed in as %s.</strong> "
	    "If someone sent you this link, choose Cancel: they would get access to your %s account.</p>\n"
	    "<form method=\"post\" action=\"%s/confirm\">\n%s%s%s%s"
	    "<button type=\"submit\" name=\"decision\" value=\"connect\" id=\"connect\">Connect %s</button>\n"
	    "<button type=\"submit\" name=\"decision\" value=\"cancel\" id=\"cancel\" "
	    "class=\"method\">Cancel</button>\n"
	    "</form>\n",
	    html_escape(r->a, who), html_escape(r->a, pend.provider_name), html_escape(r->a, provider),
	    hidden(r, "state", state), hidden(r, "code", code), hidden(r, "iss", req_query(r, "iss")),
	    hidden(r, "csrf", connect_confirm_token(r->a, state, browser_nonce(r))),
	    html_escape(r->a, pend.provider_name));
	page(r, 200, arena_printf(r->a, "Connect %s?", pend.provider_name),
	     arena_printf(r->a, "%s will connect the %s account you just used to the account %s.",
	                  project_display_name(r->project), pend.provider_name, who),
	     form);
}

void h_connect_callback_get(struct req *r)
{
	req_async(r, callback_get_work);
}

static void confirm_work(struct req *r)
{
	struct connect_result res;
	const char *provider = req_param(r, 0), *state = req_form(r, "state");
	struct ag_error e;
	if (str_eq(req_form(r, "decision"), "cancel")) {
		if ((e = connect_cancel(r->a, r->project, state, provider)).code)
			fail_page(r, e);
		else
			page(r, 200, "Not connected", "Nothing was connected.", NULL);
		return;
	}
	if ((e = connect_finish(r->a, r->project, state, req_form(r, "code"), req_form(r, "iss"), NULL, provider,
	                        &res)).code) {
		fail_page(r, e);
		return;
	}
	struct user *u = NULL;
	(void)!user_by_id(r->a, r->project->app_id, res.user_id, &u);
	page(r, 200, "Connected",
	     arena_printf(r->a, "%s%s%s is now connected to %s.", res.provider, res.email ? " account " : "",
	                  res.email ? res.email : "", u && u->email ? u->email : "your account"),
	     NULL);
}

/* POST /auth/callback/{provider}/confirm: only the page above, in the browser it was
 * shown to, can send this (see the comment above callback_get_work). */
void h_connect_confirm(struct req *r)
{
	if (!api_rate_limit(r, &p_confirm_ip, r->ip))
		return;
	const char *site = req_header(r, "Sec-Fetch-Site");
	if ((site && !str_eq(site, "same-origin")) ||
	    !connect_confirm_ok(r->a, req_form(r, "state"), req_cookie(r, CONFIRM_COOKIE), req_form(r, "csrf"))) {
		log_security("connect_confirm_refused", r->ip, "project %s: a connect confirmation without its page",
		             r->project->app_id);
		page(r, 403, "Connection refused",
		     "This confirmation did not come from the page AuthGate showed in this browser. Start the "
		     "connection "
		     "again from the application.",
		     NULL);
		return;
	}
	req_async(r, confirm_work);
}

static void disconnect_work(struct req *r)
{
	struct user_principal who;
	bool revoked = false;
	if (!users_who(r, WHO_API_KEY, &who))
		return;
	enum ag_err e = connection_disconnect(r->a, r->project, who.user_id, req_param(r, 0), &revoked);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "success", true);
	cJSON_AddBoolToObject(o, "revokedAtProvider", revoked);
	resp_json(r, 200, o);
}

void h_connect_disconnect(struct req *r)
{
	req_async(r, disconnect_work);
}

void h_connected_list(struct req *r)
{
	struct user_principal who;
	cJSON *arr;
	if (!users_who(r, WHO_API_KEY | WHO_COOKIE, &who))
		return;
	enum ag_err e = connections_list(r->a, r->project->app_id, who.user_id, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "success", true);
	cJSON_AddItemReferenceToObject(o, "connectedApps", arr);
	resp_json(r, 200, o);
}

/* ---- the user's own provider keys ---------------------------------------------------------- */

void h_provider_key_put(struct req *r)
{
	struct user_principal who;
	if (!users_who(r, WHO_API_KEY, &who))
		return;
	const char *key = req_str(r, "apiKey");
	if (!key || !*key) {
		api_fail(r, AG_EINVAL, "apiKey is required");
		return;
	}
	enum ag_err e = provider_key_set(r->a, r->project, who.user_id, req_param(r, 0), key);
	if (e) {
		api_fail(r, e, ag_err_is(e, AG_EINVAL) ? "apiKey is 1 to 4096 bytes" : NULL);
		return;
	}
	log_security("provider_key_stored", r->ip, "project %s user %s provider %s", r->project->app_id, who.user_id,
	             req_param(r, 0));
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "success", true);
	resp_json(r, 200, o);
}

void h_provider_key_get(struct req *r)
{
	struct user_principal who;
	/* the user's session only: an API key (or a page's cookie) cannot read secrets back */
	if (!users_who(r, 0, &who) || !api_rate_limit(r, &p_key_read_ip, r->ip) ||
	    !api_rate_limit(r, &p_key_read, arena_printf(r->a, "%s:%s", r->project->app_id, who.user_id)))
		return;
	const char *key;
	enum ag_err e = provider_key_get(r->a, r->project->app_id, who.user_id, req_param(r, 0), &key);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_security("provider_key_read", r->ip, "project %s user %s provider %s session %s", r->project->app_id,
	             who.user_id, req_param(r, 0), who.session_id);
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "success", true);
	cJSON_AddStringToObject(o, "apiKey", key);
	resp_json(r, 200, o);
}

void h_provider_key_delete(struct req *r)
{
	struct user_principal who;
	if (!users_who(r, WHO_API_KEY, &who))
		return;
	enum ag_err e = provider_key_delete(r->project->app_id, who.user_id, req_param(r, 0));
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "success", true);
	resp_json(r, 200, o);
}

/* ---- GET /auth/valid-token?providerId=&userId= ------------------------------------------------ */

static void valid_token_work(struct req *r)
{
	struct user_principal who;
	const char *provider = req_query(r, "providerId"), *uid = req_query(r, "userId");
	bool backend = backend_key(r);
	if (!backend && !users_who(r, WHO_API_KEY, &who))
		return;
	if (!provider || !*provider) {
		api_fail(r, AG_EINVAL, "providerId is required");
		return;
	}
	if (backend && (!uid || !*uid)) {
		api_fail(r, AG_USERS_USER_ID_REQUIRED, NULL);
		return;
	}
	if (!backend && uid && *uid && !str_eq(uid, who.user_id)) {
		log_security("valid_token_foreign", r->ip, "project %s user %s asked for another user's token",
		             r->project->app_id, who.user_id);
		api_fail(r, AG_USERS_NOT_YOURS, NULL);
		return;
	}
	const char *tok;
	int64_t exp = 0;
	struct ag_error e = connection_valid_token(r->a, r->project, backend ? uid : who.user_id, provider, &tok, &exp);
	if (e.code) {
		api_fail(r, e.code, e.message);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "access_token", tok);
	if (exp)
		json_add_time(o, "expiresAt", exp);
	resp_json(r, 200, o);
}

void h_valid_token(struct req *r)
{
	req_async(r, valid_token_work);
}

/* ---- GET /auth/google-search-keys ----------------------------------------------------------- */

void h_google_search_keys(struct req *r)
{
	struct user_principal who;
	const struct user_config *cfg;
	if (!users_who(r, WHO_API_KEY | WHO_COOKIE, &who))
		return;
	enum ag_err e = user_config_get(r->a, r->project->app_id, &cfg);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	if (!cfg->google_api_key) {
		api_fail(r, AG_ENOTFOUND, "this project has no Google search keys");
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "apiKey", cfg->google_api_key);
	cJSON_AddStringToObject(o, "searchEngineId", cfg->google_engine_id);
	resp_json(r, 200, o);
}
