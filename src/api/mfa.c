/* mfa.c — the MFA step of sign-in over HTTP, and passkey sign-in.
 *   POST /api/proxy/mfa/challenge {mfa_token, method}   send an SMS/email code, or
 *                                                       passkey options for the step
 *   POST /api/proxy/mfa/verify {mfa_token, method, code | ceremony_id + assertion}
 *   POST /api/proxy/passkey/options, /verify            passwordless, with the API key
 *   POST /api/passkey/options?app_id=, /verify?app_id=  the same for browsers (CORS)
 * api_signin_answer is how every first-factor path answers: a session token, or
 * {mfa_required: true, mfa_token, methods}. */
#include <string.h>

#include "api/api.h"
#include "auth/factors.h"
#include "auth/mfa.h"
#include "auth/passkeys.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/str.h"

/* Per client address: the step's own lockout is per user (auth/factors.h). */
static const struct rate_policy p_mfa_ip = {"mfa:ip", 30, 30, false}, p_passkey_ip = {"passkey:ip", 30, 30, false};

cJSON *api_mfa_required_json(struct arena *a, const struct mfa_begin *mb)
{
	cJSON *o = json_obj(a);
	cJSON_AddBoolToObject(o, "mfa_required", true);
	cJSON_AddStringToObject(o, "mfa_token", mb->mfa_token);
	cJSON_AddItemReferenceToObject(o, "methods", mb->methods);
	cJSON_AddNumberToObject(o, "expires_in", MFA_TOKEN_TTL_S);
	if (mb->enroll)
		cJSON_AddBoolToObject(o, "enroll_required", true);
	return o;
}

void api_signin_answer(struct req *r, const struct user *u, const char *provider, const char *amr, const cJSON *extra,
                       bool success_flag)
{
	struct mfa_begin mb;
	enum ag_err e = mfa_begin(r->a, r->project, u, provider, amr, extra, NULL, &mb);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o;
	if (mb.required) {
		o = api_mfa_required_json(r->a, &mb);
	} else {
		const char *tok = mfa_session(r->a, r->project, u, provider, amr, extra);
		if (!tok) {
			api_fail(r, AG_EINTERNAL, NULL);
			return;
		}
		o = json_obj(r->a);
		if (success_flag)
			cJSON_AddBoolToObject(o, "success", true);
		cJSON_AddStringToObject(o, "token", tok);
	}
	cJSON_AddItemReferenceToObject(o, "user", user_json(r->a, u, false));
	resp_json(r, 200, o);
}

void api_mfa_add_redirect(struct req *r, cJSON *o, const char *callback_url, const char *session)
{
	/* a browser flow (magic link, OAuth) goes back to the app with the session */
	if (callback_url)
		cJSON_AddStringToObject(
		    o, "redirect",
		    arena_printf(r->a, "%s%ctoken=%s", callback_url, strchr(callback_url, '?') ? '&' : '?', session));
}

const char *api_signin_redirect(struct req *r, const struct project *p, const struct user *u, const char *provider,
                                const char *amr, const cJSON *extra, const char *cb)
{
	struct mfa_begin mb;
	if (mfa_begin(r->a, p, u, provider, amr, extra, cb, &mb) != AG_OK)
		return NULL;
	char sep = strchr(cb, '?') ? '&' : '?';
	if (!mb.required) {
		const char *jwt = mfa_session(r->a, p, u, provider, amr, extra);
		return jwt ? arena_printf(r->a, "%s%ctoken=%s", cb, sep, jwt) : NULL;
	}
	/* the app finishes the step with POST /api/proxy/mfa/verify, or sends the browser to
	 * AuthGate's page {public URL}/mfa?mfa_token=… (docs/MFA.md) */
	struct buf b = BUF_INIT(4096);
	const cJSON *m;
	cJSON_ArrayForEach(m, mb.methods) buf_printf(&b, "%s%s", b.len ? "," : "", m->valuestring);
	const char *url = arena_printf(r->a, "%s%cmfa_token=%s&mfa_methods=%s%s", cb, sep, mb.mfa_token, b.p ? b.p : "",
	                               mb.enroll ? "&enroll_required=true" : "");
	buf_free(&b);
	return url;
}

/* The step's token: in the body (the app's backend, API key) or as the bearer (the
 * hosted page, guard_mfa_token). */
static const char *step_token(struct req *r)
{
	const char *t = req_str(r, "mfa_token");
	return t ? t : req_bearer(r);
}

bool guard_mfa_token(struct req *r)
{
	static const struct rate_policy fail = {"mfa-page:ip", 30, 60, false};
	const char *tok = req_bearer(r);
	const char *app = tok ? mfa_token_app(r->a, tok) : NULL;
	if (app && project_get(r->a, app, &r->project) == AG_OK && !r->project->disabled)
		return true;
	if (api_rate_limit(r, &fail, r->ip))
		api_fail(r, AG_MFA_BAD_TOKEN, NULL);
	return false;
}

void h_mfa_step(struct req *r)
{
	struct mfa_pending pend;
	enum ag_err e = mfa_peek(r->a, r->project, step_token(r), &pend);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a), *methods;
	if ((e = factor_methods(r->a, r->project->app_id, pend.user->id, &methods))) {
		api_fail(r, e, NULL);
		return;
	}
	int64_t rec = 0;
	if (cJSON_GetArraySize(methods) > 0 && recovery_remaining(r->project->app_id, pend.user->id, &rec) == AG_OK && rec > 0)
		cJSON_AddItemToArray(methods, cJSON_CreateString("recovery"));
	cJSON_AddStringToObject(o, "app_name", project_display_name(r->project));
	cJSON_AddItemReferenceToObject(o, "methods", methods);
	cJSON_AddBoolToObject(o, "enroll_required", pend.enroll);
	/* what the page may enroll with the mfa_token (the enrollment endpoints of
	 * factors.c take it as the bearer; confirming the factor completes the step) */
	if (pend.enroll)
		cJSON_AddItemReferenceToObject(o, "enroll_methods", mfa_enroll_methods(r->a, r->project, pend.user));
	cJSON_AddBoolToObject(o, "returns_to_app", pend.callback_url != NULL);
	resp_json(r, 200, o);
}

void h_mfa_challenge(struct req *r)
{
	if (!api_rate_limit(r, &p_mfa_ip, r->ip))
		return;
	struct mfa_pending pend;
	struct factor_err fe = {0};
	enum ag_err e = mfa_peek(r->a, r->project, step_token(r), &pend);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	const char *m = req_str(r, "method");
	struct factor_actor who = {r->project, pend.user, r->ip};
	cJSON *o = json_obj(r->a);
	if (str_eq(m, "passkey")) {
		cJSON *opts;
		const char *cid;
		e = passkey_auth_options(r->a, r->project, pend.user, &opts, &cid, &fe);
		if (e == AG_OK) {
			cJSON_AddStringToObject(o, "ceremony_id", cid);
			cJSON_AddItemReferenceToObject(o, "options", opts);
		}
	} else {
		e = code_factor_send(r->a, &who, m, &fe);
		if (e == AG_OK) {
			cJSON_AddBoolToObject(o, "sent", true);
			cJSON_AddNumberToObject(o, "expires_in", 300);
		}
	}
	if (e)
		api_factor_fail(r, e, &fe);
	else
		resp_json(r, 200, o);
}

void h_mfa_verify(struct req *r)
{
	if (!api_rate_limit(r, &p_mfa_ip, r->ip))
		return;
	struct mfa_answer ans = {req_str(r, "method"), req_str(r, "code"), req_str(r, "ceremony_id"),
	                         req_field(r, "assertion")};
	const char *session = NULL, *tok = step_token(r);
	struct user *u = NULL;
	struct factor_err fe = {0};
	struct mfa_pending pend;
	enum ag_err e = mfa_peek(r->a, r->project, tok, &pend);
	if (e == AG_OK)
		e = mfa_complete(r->a, r->project, tok, &ans, r->ip, &session, &u, &fe);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "token", session);
	api_mfa_add_redirect(r, o, pend.callback_url, session);
	cJSON_AddItemReferenceToObject(o, "user", user_json(r->a, u, false));
	resp_json(r, 200, o);
}

/* ---- passkey sign-in --------------------------------------------------------------- */

bool guard_app_query(struct req *r)
{
	const char *app = req_query(r, "app_id");
	if (!app || project_get(r->a, app, &r->project) != AG_OK || r->project->disabled) {
		resp_error(r, AG_ENOTFOUND, "unknown app_id");
		return false;
	}
	/* AuthGate's own pages (the hosted /passkey page) are same-origin */
	if (r->origin && !api_public_origin(r, r->origin)) {
		if (!project_allows_origin(r->project, r->origin)) {
			log_security("cors_refused", r->ip, "origin not allowed for app %s", app);
			resp_error(r, AG_EFORBIDDEN, "this origin is not allowed for this app_id");
			return false;
		}
		r->cors_ok = true;
	}
	return true;
}

static bool passkey_on(struct req *r)
{
	if (project_provider_on(r->project, "passkey"))
		return true;
	api_fail(r, AG_PASSKEY_OFF, NULL);
	return false;
}

void h_passkey_options(struct req *r)
{
	if (!passkey_on(r) || !api_rate_limit(r, &p_passkey_ip, r->ip))
		return;
	cJSON *opts;
	const char *cid;
	struct factor_err fe = {0};
	enum ag_err e = passkey_auth_options(r->a, r->project, NULL, &opts, &cid, &fe);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "ceremony_id", cid);
	cJSON_AddItemReferenceToObject(o, "options", opts);
	resp_json(r, 200, o);
}

void h_passkey_verify(struct req *r)
{
	if (!passkey_on(r) || !api_rate_limit(r, &p_passkey_ip, r->ip))
		return;
	const char *uid = NULL;
	bool uv = false;
	struct factor_err fe = {0};
	enum ag_err e = passkey_auth_verify(r->a, r->project, req_str(r, "ceremony_id"), req_field(r, "credential"),
	                                    r->ip, &uid, NULL, &uv, &fe);
	struct user *u = NULL;
	if (e == AG_OK && ag_err_is(e = user_by_id(r->a, r->project->app_id, uid, &u), AG_ENOTFOUND))
		e = AG_PASSKEY_UNKNOWN;
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	if (u->disabled_at) {
		api_fail(r, AG_USER_DISABLED, NULL);
		return;
	}
	(void)!user_touch_login(u->id);
	/* user verification was required: the passkey is two factors at once */
	const char *tok = mfa_session(r->a, r->project, u, "passkey", uv ? "hwk user mfa" : "hwk", NULL);
	if (!tok) {
		api_fail(r, AG_EINTERNAL, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "token", tok);
	cJSON_AddItemReferenceToObject(o, "user", user_json(r->a, u, false));
	resp_json(r, 200, o);
}
