/* email.c — /api/proxy/email/...: sign-up, sign-in, code verification and resend,
 * password reset and confirmation, magic-link send (seed 001). Each handler checks the
 * provider switch and the inputs on the connection thread, then runs the rest (attempt
 * counters, argon2id, store) on the worker pool. */
#include <string.h>

#include "api/api.h"
#include "auth/email_auth.h"
#include "auth/passwords.h"
#include "auth/throttle.h"
#include "auth/tokens.h"
#include "core/log.h"
#include "core/str.h"


/* Attempt limits (before AUTHGATE_AUTH_RATE_PERCENT): per client address per minute,
 * per project+email per 15 minutes. Table in docs/EMAIL.md. */
static const struct rate_policy p_signup_ip = {"signup:ip", 20, 60, true}, p_signup_email = {"signup:email", 5, 900, true},
				    p_signin_ip = {"signin:ip", 60, 60, true}, p_signin_email = {"signin:email", 10, 900, true},
				    p_verify_ip = {"verify:ip", 60, 60, true}, p_verify_email = {"verify:email", 10, 900, true},
				    p_resend_ip = {"resend:ip", 20, 60, true}, p_resend_email = {"resend:email", 5, 900, true},
				    p_reset_ip = {"reset:ip", 20, 60, true}, p_reset_email = {"reset:email", 5, 900, true},
				    p_confirm_ip = {"reset-confirm:ip", 20, 60, true}, p_magic_ip = {"magic:ip", 20, 60, true},
				    p_magic_email = {"magic:email", 5, 900, true};

static bool locale_shape_ok(const char *s)
{
	size_t n = strlen(s), i = 0;
	while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
		i++;
	if (i < 2 || i > 3)
		return false;
	for (; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-' || s[i] == '_'))
			return false;
	return n <= 35;
}

static void disabled(struct req *r, const char *provider)
{
	api_fail(r, str_eq(provider, "email") ? AG_EMAIL_PASSWORD_OFF : AG_EMAIL_MAGIC_OFF, NULL);
}

/* Provider switch, locale and callback_url shape: the checks that need no store. */
static bool precheck(struct req *r, const char *provider)
{
	if (!project_provider_on(r->project, provider)) {
		disabled(r, provider);
		return false;
	}
	const char *loc = req_str(r, "locale");
	if (loc && !locale_shape_ok(loc)) {
		resp_error(r, AG_EINVAL, "locale must be a language tag such as \"it\" or \"pt-BR\"");
		return false;
	}
	const char *cb = req_str(r, "callback_url");
	const char *cb_why = cb ? project_callback_problem(r->a, r->project, cb) : NULL;
	if (cb_why) {
		api_fail(r, AG_CALLBACK_URL, cb_why);
		return false;
	}
	return true;
}

static const char *email_of(struct req *r)
{
	return user_normalize_email(r->a, req_str(r, "email"));
}

static bool need_email(struct req *r)
{
	if (email_of(r))
		return true;
	resp_error(r, AG_EINVAL, "email must be a valid email address");
	return false;
}

static void answer_session(struct req *r, const struct user *u, const char *provider, bool success_flag)
{
	/* email + password ("email") or an email code proves the address ("email") */
	api_signin_answer(r, u, provider, str_eq(provider, "email") ? "pwd" : "email", NULL, success_flag);
}

static bool password_ok(struct req *r, const char *field)
{
	const char *why = password_check_rules(req_str(r, field));
	if (!why)
		return true;
	api_fail(r, AG_EMAIL_WEAK_PASSWORD, why);
	return false;
}

/* ---- sign-up ------------------------------------------------------------------------ */

static void signup_work(struct req *r)
{
	const char *email = email_of(r);
	if (!api_rate_limit_email(r, &p_signup_ip, &p_signup_email, email))
		return;
	struct locale_hint lh = api_locale_hint(r);
	struct user *u;
	enum ag_err e = email_signup(r->a, r->project, email, req_str(r, "password"), req_str(r, "name"), &lh, &u);
	if (ag_err_is(e, AG_ECONFLICT)) {
		/* The one thing the contract forces us to reveal (docs/EMAIL.md). */
		api_fail(r, AG_EMAIL_UNAVAILABLE, NULL);
		return;
	}
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	answer_session(r, u, "email", false);
}

void h_email_signup(struct req *r)
{
	if (!precheck(r, "email") || !need_email(r) || !password_ok(r, "password"))
		return;
	const char *name = req_str(r, "name");
	if (name && (!*name || strlen(name) > USER_NAME_MAX)) {
		resp_error(r, AG_EINVAL, "name must be 1 to 200 bytes");
		return;
	}
	req_async(r, signup_work);
}

/* ---- sign-in -------------------------------------------------------------------------- */

static void signin_work(struct req *r)
{
	const char *email = email_of(r);
	if (!api_rate_limit_email(r, &p_signin_ip, &p_signin_email, email))
		return;
	struct locale_hint lh = api_locale_hint(r);
	struct user *u;
	enum ag_err e = email_signin(r->a, r->project, email, req_str(r, "password"), &lh, &u);
	if (ag_err_is(e, AG_EUNAUTH)) {
		log_security("signin_failed", r->ip, "project %s", r->project->app_id);
		api_fail(r, AG_EMAIL_BAD_CREDENTIALS, NULL);
		return;
	}
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	answer_session(r, u, "email", false);
}

void h_email_signin(struct req *r)
{
	const char *pw = req_str(r, "password");
	if (!precheck(r, "email") || !need_email(r))
		return;
	if (!pw || !*pw) {
		resp_error(r, AG_EINVAL, "password is required");
		return;
	}
	req_async(r, signin_work);
}

/* ---- verification code ---------------------------------------------------------------- */

static void verify_work(struct req *r)
{
	const char *email = email_of(r);
	if (!api_rate_limit_email(r, &p_verify_ip, &p_verify_email, email))
		return;
	struct locale_hint lh = api_locale_hint(r);
	struct user *u;
	enum ag_err e = email_verify_code(r->a, r->project, email, req_str(r, "code"), &lh, &u);
	if (ag_err_is(e, AG_EINVAL)) {
		api_fail(r, AG_EMAIL_BAD_CODE, NULL);
		return;
	}
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	answer_session(r, u, "email", true);
}

void h_email_verify(struct req *r)
{
	if (!precheck(r, "email") || !need_email(r))
		return;
	req_async(r, verify_work);
}

static void resend_work(struct req *r)
{
	const char *email = email_of(r);
	if (!api_rate_limit_email(r, &p_resend_ip, &p_resend_email, email))
		return;
	struct locale_hint lh = api_locale_hint(r);
	enum ag_err e = email_queue_resend(r->a, r->project, email, &lh);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	api_answer_ok(r, "If this address has an account waiting for verification, a new code has been sent.");
}

void h_email_verify_resend(struct req *r)
{
	if (!precheck(r, "email") || !need_email(r))
		return;
	req_async(r, resend_work);
}

/* ---- password reset ------------------------------------------------------------------- */

static const char *reset_target(struct req *r)
{
	const char *cb = req_str(r, "callback_url");
	if (cb)
		return cb; /* checked by precheck */
	return r->project->ncallbacks > 0 ? r->project->callbacks[0] : NULL;
}

static void reset_work(struct req *r)
{
	const char *email = email_of(r);
	if (!api_rate_limit_email(r, &p_reset_ip, &p_reset_email, email))
		return;
	struct locale_hint lh = api_locale_hint(r);
	enum ag_err e = email_queue_reset(r->a, r->project, email, reset_target(r), &lh);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	api_answer_ok(r, "If an account exists for this email, a password reset link has been sent.");
}

void h_email_reset(struct req *r)
{
	if (!precheck(r, "email") || !need_email(r))
		return;
	if (!reset_target(r)) {
		api_fail(r, AG_CALLBACK_URL,
			 "callback_url is required: the reset link leads to your page (the project has no callback URLs)");
		return;
	}
	req_async(r, reset_work);
}

static void confirm_work(struct req *r)
{
	if (!api_rate_limit_email(r, &p_confirm_ip, NULL, NULL))
		return;
	const char *token = req_str(r, "token");
	struct locale_hint lh = api_locale_hint(r);
	struct user *u;
	enum ag_err e = email_reset_token_live(r->a, r->project, token);
	if (e == AG_OK)
		e = email_reset_confirm(r->a, r->project, token, req_str(r, "password"), &lh, &u);
	if (ag_err_is(e, AG_EGONE)) {
		api_fail(r, AG_EMAIL_BAD_TOKEN, NULL);
		return;
	}
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	api_answer_ok(r, "Your password has been changed.");
}

void h_email_reset_confirm(struct req *r)
{
	if (!precheck(r, "email") || !password_ok(r, "password"))
		return;
	req_async(r, confirm_work);
}

/* ---- magic link ------------------------------------------------------------------------- */

static void magic_work(struct req *r)
{
	const char *email = email_of(r);
	if (!api_rate_limit_email(r, &p_magic_ip, &p_magic_email, email))
		return;
	struct locale_hint lh = api_locale_hint(r);
	enum ag_err e = email_queue_magic(r->a, r->project, email, req_str(r, "callback_url"), &lh);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	api_answer_ok(r, "A sign-in link has been sent to this email address.");
}

void h_email_magic_send(struct req *r)
{
	if (!precheck(r, "magic-link") || !need_email(r))
		return;
	req_async(r, magic_work);
}
