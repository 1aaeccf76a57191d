/* factors.c — a signed-in user's own factors (/api/mfa/...): enrollment, confirmation,
 * listing, renaming, removal, recovery codes, security log. The caller is a browser or
 * an app holding the user's session token (Authorization: Bearer <JWT>), or the
 * mfa_token of a sign-in that must enroll a factor first (required policy): then the
 * confirmation of the new factor completes the sign-in and answers the session token.
 * The engine is auth/factors.h; this file only maps HTTP to it. */
#include <string.h>

#include "api/api.h"
#include "auth/factors.h"
#include "auth/mfa.h"
#include "auth/passkeys.h"
#include "auth/sessions.h"
#include "auth/tokens.h"
#include "auth/user_sessions.h"
#include "core/log.h"
#include "core/str.h"
#include "sec/jwt.h"

void api_factor_fail(struct req *r, enum ag_err e, const struct factor_err *fe)
{
	if (fe && fe->retry_after_s > 0)
		resp_header(r, "Retry-After", arena_printf(r->a, "%d", fe->retry_after_s));
	api_fail(r, e, NULL);
}

/* The project of a bearer credential, with CORS decided against its origins. */
static bool set_project(struct req *r, const char *app_id)
{
	if (!app_id || project_get(r->a, app_id, &r->project) != AG_OK || r->project->disabled)
		return false;
	if (r->origin && project_allows_origin(r->project, r->origin))
		r->cors_ok = true;
	return true;
}

bool guard_user(struct req *r)
{
	const char *tok = req_bearer(r);
	static const struct rate_policy fail = {"userauth:ip", 30, 60, false};
	if (tok && str_starts(tok, "mfa_")) {
		/* an enrollment step of a sign-in: the mfa_token names its project */
		struct mfa_pending pend;
		const char *app = mfa_token_app(r->a, tok);
		if (app && set_project(r, app) && mfa_peek(r->a, r->project, tok, &pend) == AG_OK && pend.enroll) {
			r->auth_subject = pend.user->id;
			return true;
		}
	} else if (tok) {
		cJSON *peek = jwt_peek_claims(r->a, tok), *c = NULL;
		const char *app = json_get_str(peek, "app");
		if (set_project(r, app) && token_verify(r->a, r->project, tok, TOKEN_AUD_SESSION, &c) == AG_OK) {
			const cJSON *sv = cJSON_GetObjectItemCaseSensitive(c, "sv");
			int64_t sv_ms = cJSON_IsNumber(sv) ? (int64_t)sv->valuedouble : -1;
			const char *sub = json_get_str(c, "sub");
			if (!session_token_ended(r->project->app_id, sub, sv_ms, (int64_t)json_get_num(c, "iat", 0))) {
				r->auth_subject = sub;
				return true;
			}
		}
		/* seed 004's 30-day user token (not a user's API key: factors need a session) */
		struct user_principal who;
		if (r->project && str_eq(json_get_str(peek, "aud"), USER_TOKEN_AUD) &&
		    user_token_check(r->a, r->project, tok, &who) == AG_OK) {
			r->auth_subject = who.user_id;
			return true;
		}
	}
	if (!api_rate_limit(r, &fail, r->ip))
		return false;
	log_security("auth_failed", r->ip, "user credential refused");
	resp_error(r, AG_EUNAUTH, "a valid session token (or the mfa_token of a sign-in that must enroll) is required");
	return false;
}

/* The acting user; false having answered. */
static bool actor(struct req *r, struct factor_actor *who, struct user **u)
{
	enum ag_err e = user_by_id(r->a, r->project->app_id, r->auth_subject, u);
	if (e) {
		api_fail(r, ag_err_is(e, AG_ENOTFOUND) ? AG_EUNAUTH : e, "the user no longer exists");
		return false;
	}
	*who = (struct factor_actor){r->project, *u, r->ip};
	return true;
}

static bool via_mfa_token(struct req *r)
{
	const char *tok = req_bearer(r);
	return tok && str_starts(tok, "mfa_");
}

/* Only what a session may do: an enrollment mfa_token cannot list or remove. */
static bool session_only(struct req *r)
{
	if (!via_mfa_token(r))
		return true;
	api_fail(r, AG_MFA_SESSION_REQUIRED, NULL);
	return false;
}

static void answer(struct req *r, int status, enum ag_err e, cJSON *o, const struct factor_err *fe)
{
	if (e)
		api_factor_fail(r, e, fe);
	else
		resp_json(r, status, o);
}

void h_factors_list(struct req *r)
{
	struct factor_actor who;
	struct user *u;
	if (!session_only(r) || !actor(r, &who, &u))
		return;
	cJSON *list, *methods;
	int64_t rec = 0;
	enum ag_err e = factor_list(r->a, r->project->app_id, u->id, req_query(r, "pending") != NULL, &list);
	if (e == AG_OK)
		e = factor_methods(r->a, r->project->app_id, u->id, &methods);
	if (e == AG_OK)
		e = recovery_remaining(r->project->app_id, u->id, &rec);
	cJSON *o = json_obj(r->a);
	if (e == AG_OK) {
		cJSON_AddItemReferenceToObject(o, "factors", list);
		cJSON_AddItemReferenceToObject(o, "methods", methods);
		cJSON_AddNumberToObject(o, "recovery_codes_left", (double)rec);
		cJSON_AddStringToObject(o, "policy", r->project->mfa_policy ? r->project->mfa_policy : "off");
	}
	answer(r, 200, e, o, NULL);
}

/* The three code-based enrollments differ only in the engine call. */
typedef enum ag_err (*enroll_fn)(struct req *r, const struct factor_actor *who, cJSON **out, struct factor_err *fe);

static void enroll_with(struct req *r, enroll_fn fn)
{
	struct factor_actor who;
	struct user *u;
	struct factor_err fe = {0};
	cJSON *o = NULL;
	if (!actor(r, &who, &u))
		return;
	enum ag_err e = fn(r, &who, &o, &fe);
	answer(r, 201, e, o, &fe);
}

static enum ag_err totp_start(struct req *r, const struct factor_actor *who, cJSON **out, struct factor_err *fe)
{
	return totp_enroll(r->a, who, req_str(r, "name"), out, fe);
}

static enum ag_err sms_start(struct req *r, const struct factor_actor *who, cJSON **out, struct factor_err *fe)
{
	return sms_enroll(r->a, who, req_str(r, "phone"), req_str(r, "name"), out, fe);
}

static enum ag_err email_start(struct req *r, const struct factor_actor *who, cJSON **out, struct factor_err *fe)
{
	return email_factor_enroll(r->a, who, req_str(r, "name"), out, fe);
}

void h_factors_enroll_totp(struct req *r)
{
	enroll_with(r, totp_start);
}

void h_factors_enroll_sms(struct req *r)
{
	enroll_with(r, sms_start);
}

void h_factors_enroll_email(struct req *r)
{
	enroll_with(r, email_start);
}

/* After a factor became active: with an enrollment mfa_token the sign-in completes. */
static void enrolled(struct req *r, const char *method, cJSON *o)
{
	if (via_mfa_token(r)) {
		struct mfa_pending pend;
		const char *session = NULL;
		enum ag_err e = mfa_peek(r->a, r->project, req_bearer(r), &pend);
		if (e == AG_OK)
			e = mfa_complete_enrolled(r->a, r->project, &pend, method, &session);
		if (e) {
			api_fail(r, e, "the mfa_token was used or expired");
			return;
		}
		cJSON_AddStringToObject(o, "token", session);
		json_add_str(o, "callback_url", pend.callback_url);
		api_mfa_add_redirect(r, o, pend.callback_url, session);
	}
	resp_json(r, 200, o);
}

void h_factors_confirm(struct req *r)
{
	struct factor_actor who;
	struct user *u;
	struct factor_err fe = {0};
	if (!actor(r, &who, &u))
		return;
	const char *id = req_param(r, 0);
	cJSON *f = NULL;
	enum ag_err e = factor_get(r->a, r->project->app_id, u->id, id, &f);
	if (ag_err_is(e, AG_ENOTFOUND))
		e = AG_FACTOR_NOT_FOUND;
	const char *type = e ? NULL : json_get_str(f, "type");
	if (e == AG_OK && str_eq(type, "totp"))
		e = totp_confirm(r->a, &who, id, req_str(r, "code"), &fe);
	else if (e == AG_OK && (str_eq(type, "sms") || str_eq(type, "email")))
		e = code_factor_confirm(r->a, &who, id, req_str(r, "code"), &fe);
	else if (e == AG_OK)
		e = AG_FACTOR_NOTHING_TO_CONFIRM;
	if (e == AG_OK)
		e = factor_get(r->a, r->project->app_id, u->id, id, &f);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "factor", f);
	enrolled(r, type, o);
}

void h_factors_passkey_options(struct req *r)
{
	struct factor_actor who;
	struct user *u;
	struct factor_err fe = {0};
	cJSON *opts = NULL;
	const char *cid = NULL;
	if (!actor(r, &who, &u))
		return;
	enum ag_err e = passkey_register_options(r->a, &who, &opts, &cid, &fe);
	cJSON *o = json_obj(r->a);
	if (e == AG_OK) {
		cJSON_AddStringToObject(o, "ceremony_id", cid);
		cJSON_AddItemReferenceToObject(o, "options", opts);
	}
	answer(r, 200, e, o, &fe);
}

void h_factors_passkey_register(struct req *r)
{
	struct factor_actor who;
	struct user *u;
	struct factor_err fe = {0};
	cJSON *f = NULL;
	if (!actor(r, &who, &u))
		return;
	enum ag_err e = passkey_register_verify(r->a, &who, req_str(r, "ceremony_id"), req_field(r, "credential"),
	                                        req_str(r, "name"), &f, &fe);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "factor", f);
	enrolled(r, "passkey", o);
}

void h_factors_rename(struct req *r)
{
	struct factor_actor who;
	struct user *u;
	struct factor_err fe = {0};
	cJSON *f = NULL;
	if (!session_only(r) || !actor(r, &who, &u))
		return;
	enum ag_err e = factor_rename(r->a, &who, req_param(r, 0), req_str(r, "name"), &fe);
	if (e == AG_OK)
		e = factor_get(r->a, r->project->app_id, u->id, req_param(r, 0), &f);
	answer(r, 200, e, f, &fe);
}

void h_factors_remove(struct req *r)
{
	struct factor_actor who;
	struct user *u;
	struct factor_err fe = {0};
	if (!session_only(r) || !actor(r, &who, &u))
		return;
	enum ag_err e = factor_remove(r->a, &who, req_param(r, 0), &fe);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	resp_raw(r, 204, NULL, "", 0);
}

void h_factors_recovery(struct req *r)
{
	struct factor_actor who;
	struct user *u;
	cJSON *codes = NULL;
	if (!session_only(r) || !actor(r, &who, &u))
		return;
	enum ag_err e = recovery_generate(r->a, &who, &codes);
	cJSON *o = json_obj(r->a);
	if (e == AG_OK)
		cJSON_AddItemReferenceToObject(o, "codes", codes);
	answer(r, 201, e, o, NULL);
}

void h_factors_security_log(struct req *r)
{
	struct factor_actor who;
	struct user *u;
	cJSON *log = NULL;
	if (!session_only(r) || !actor(r, &who, &u))
		return;
	enum ag_err e = factor_security_log(r->a, r->project->app_id, u->id, 50, &log);
	cJSON *o = json_obj(r->a);
	if (e == AG_OK)
		cJSON_AddItemReferenceToObject(o, "events", log);
	answer(r, 200, e, o, NULL);
}

/* ---- admin ------------------------------------------------------------------------ */

static bool admin_user(struct req *r, struct project **p, struct user **u)
{
	if (!api_path_project(r, p))
		return false;
	enum ag_err e = user_by_id(r->a, (*p)->app_id, req_param(r, 1), u);
	if (e)
		api_fail(r, e, "no such user");
	return e == AG_OK;
}

void h_admin_user_factors(struct req *r)
{
	struct project *p;
	struct user *u;
	cJSON *list, *log;
	if (!admin_user(r, &p, &u))
		return;
	enum ag_err e = factor_list(r->a, p->app_id, u->id, true, &list);
	if (e == AG_OK)
		e = factor_security_log(r->a, p->app_id, u->id, 50, &log);
	cJSON *o = json_obj(r->a);
	if (e == AG_OK) {
		cJSON_AddItemReferenceToObject(o, "factors", list);
		cJSON_AddItemReferenceToObject(o, "security_log", log);
	}
	answer(r, 200, e, o, NULL);
}

void h_admin_user_factors_reset(struct req *r)
{
	struct project *p;
	struct user *u;
	if (!admin_user(r, &p, &u))
		return;
	enum ag_err e = factor_reset_user(r->a, p->app_id, u->id, r->ip);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	resp_raw(r, 204, NULL, "", 0);
}
