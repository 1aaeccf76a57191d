/* email_jobs.c — the flows that must not reveal whether an account exists: the request
 * queues an outbox job (same work for every email), and the job, on an outbox worker,
 * looks the account up and writes the code or token and its mail in one transaction.
 * Jobs run at least once: email_jobs_done makes a repeated run a no-op. */
#include <stdio.h>
#include <string.h>

#include "auth/codes.h"
#include "auth/email_auth.h"
#include "auth/onetime.h"
#include "auth/passwords.h"
#include "auth/tokens.h"
#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "jobs/outbox.h"
#include "mail/locale.h"
#include "mail/templates.h"
#include "sec/sec.h"
#include "store/store.h"

#define JOB_RESEND "email.resend"
#define JOB_RESET "email.reset"
#define JOB_MAGIC "email.magic"
#define JOB_SIGNIN_CODE "email.signin_code"

static enum ag_err queue(struct arena *a, const char *kind, const struct project *p, const char *email,
			 const char *callback_url, const struct locale_hint *lh)
{
	cJSON *o = json_obj(a);
	cJSON_AddStringToObject(o, "email", email);
	json_add_str(o, "callback_url", callback_url);
	json_add_str(o, "locale", lh ? lh->explicit_locale : NULL);
	json_add_str(o, "accept_language", lh ? lh->accept_language : NULL);
	enum ag_err e = db_begin(g_app.store);
	if (e == AG_OK)
		e = outbox_enqueue(kind, p->app_id, NULL, json_print(a, o), 0, NULL);
	e = db_end(g_app.store, e);
	if (e == AG_OK)
		outbox_kick();
	return e;
}

enum ag_err email_queue_resend(struct arena *a, const struct project *p, const char *email, const struct locale_hint *lh)
{
	return queue(a, JOB_RESEND, p, email, NULL, lh);
}

enum ag_err email_queue_reset(struct arena *a, const struct project *p, const char *email, const char *callback_url,
			      const struct locale_hint *lh)
{
	return queue(a, JOB_RESET, p, email, callback_url, lh);
}

enum ag_err email_queue_magic(struct arena *a, const struct project *p, const char *email, const char *callback_url,
			      const struct locale_hint *lh)
{
	return queue(a, JOB_MAGIC, p, email, callback_url, lh);
}

enum ag_err email_queue_signin_code(struct arena *a, const struct project *p, const char *email,
				    const struct locale_hint *lh)
{
	return queue(a, JOB_SIGNIN_CODE, p, email, NULL, lh);
}

/* ---- job side ------------------------------------------------------------------- */

struct job_ctx {
	struct arena *a;
	const struct outbox_job *job;
	struct project *p;
	const char *email, *callback_url;
	struct locale_hint lh;
};

/* Inside the transaction: false when this job already ran. */
static enum ag_err first_run(const struct outbox_job *job, bool *first)
{
	int64_t n = 0;
	enum ag_err e = db_exec_n(g_app.store,
				  "INSERT INTO email_jobs_done (job_id, created_at) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING",
				  P(SV_TEXT(job->id), SV_INT(time_now_ms())), &n);
	*first = n == 1;
	return e;
}

static const char *with_param(struct arena *a, const char *url, const char *name, const char *value)
{
	return arena_printf(a, "%s%c%s=%s", url, strchr(url, '?') ? '&' : '?', name, value);
}

/* The resolved locale, stored on the user. */
static const char *user_locale(struct job_ctx *c, struct user *u)
{
	const char *loc = locale_resolve(c->lh.explicit_locale, u->locale, c->lh.accept_language, c->p->default_locale);
	if (!str_eq(loc, u->locale) && user_set_locale(u->id, loc) == AG_OK)
		u->locale = loc;
	return loc;
}

/* A new code for the user (the old one dies) and its mail, in the job's transaction. */
static enum ag_err send_code(struct job_ctx *c, const struct user *u, const char *loc, const char *template_id,
			     bool *sent)
{
	char code[CODE_DIGITS + 1];
	enum ag_err e = code_create(c->p->app_id, u->id, code);
	if (e == AG_OK) {
		const struct tmpl_var v[] = {{"code", code}, {"minutes", "5"}, {"email", u->email}, {NULL, NULL}};
		e = project_send_mail(c->a, c->p, u->email, loc, template_id, v);
	}
	sec_zero(code, sizeof code);
	*sent = e == AG_OK;
	return e;
}

static enum ag_err run_resend(struct job_ctx *c, bool *sent)
{
	struct user *u;
	enum ag_err e = user_by_email(c->a, c->p->app_id, c->email, &u);
	if (ag_err_is(e, AG_ENOTFOUND) || (e == AG_OK && u->email_verified))
		return AG_OK; /* nothing to send: no account, or already verified */
	if (e)
		return e;
	return send_code(c, u, user_locale(c, u), "verify_code", sent);
}

static enum ag_err run_reset(struct job_ctx *c, bool *sent)
{
	struct user *u;
	enum ag_err e = user_by_email(c->a, c->p->app_id, c->email, &u);
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_OK; /* no account: no mail (the request answered 200 all the same) */
	if (e)
		return e;
	if (!c->callback_url || !project_allows_callback(c->a, c->p, c->callback_url))
		return AG_OK; /* the project's callbacks changed since: nowhere safe to send */
	const char *loc = user_locale(c, u);
	char secret[48];
	onetime_new_secret(secret);
	e = onetime_void_user(ONETIME_RESET, u->id);
	if (e == AG_OK)
		e = onetime_create(ONETIME_RESET, c->p->app_id, u->id, secret, RESET_TOKEN_TTL_S);
	if (e == AG_OK) {
		const struct tmpl_var v[] = {{"link", with_param(c->a, c->callback_url, RESET_TOKEN_PARAM, secret)},
					     {"email", u->email},
					     {"minutes", "60"},
					     {NULL, NULL}};
		e = project_send_mail(c->a, c->p, u->email, loc, "reset_password", v);
	}
	sec_zero(secret, sizeof secret);
	*sent = e == AG_OK;
	return e;
}

static enum ag_err run_magic(struct job_ctx *c, bool *sent)
{
	if (!project_provider_on(c->p, "magic-link") || !c->callback_url ||
	    !project_allows_callback(c->a, c->p, c->callback_url))
		return AG_OK; /* switched off or callbacks changed since the request */
	struct user *u;
	const char *loc = locale_resolve(c->lh.explicit_locale, NULL, c->lh.accept_language, c->p->default_locale);
	enum ag_err e = user_upsert(c->a, c->p->app_id, c->email, false, loc, &u);
	if (e)
		return e;
	loc = user_locale(c, u);
	char jti[48];
	onetime_new_secret(jti);
	cJSON *extra = json_obj(c->a);
	cJSON_AddStringToObject(extra, "jti", jti);
	cJSON_AddStringToObject(extra, "cb", c->callback_url);
	cJSON_AddStringToObject(extra, "locale", loc);
	const char *link_jwt = token_issue(c->a, c->p, u, TOKEN_AUD_LINK, "magic-link", LINK_TOKEN_TTL_S, extra);
	e = link_jwt ? onetime_create(ONETIME_MAGIC, c->p->app_id, u->id, jti, LINK_TOKEN_TTL_S) : AG_EINTERNAL;
	if (e == AG_OK) {
		const char *link = arena_printf(c->a, "%s%s?token=%s", g_cfg.public_url, MAGIC_LINK_PATH, link_jwt);
		const struct tmpl_var v[] = {{"link", link}, {"email", u->email}, {"minutes", "15"}, {NULL, NULL}};
		e = project_send_mail(c->a, c->p, u->email, loc, "magic_link", v);
	}
	sec_zero(jti, sizeof jti);
	*sent = e == AG_OK;
	return e;
}

static enum ag_err run_signin_code(struct job_ctx *c, bool *sent)
{
	if (!project_provider_on(c->p, "magic-link"))
		return AG_OK; /* switched off since the request */
	struct user *u;
	const char *loc = locale_resolve(c->lh.explicit_locale, NULL, c->lh.accept_language, c->p->default_locale);
	enum ag_err e = user_upsert(c->a, c->p->app_id, c->email, false, loc, &u);
	if (e)
		return e;
	return send_code(c, u, user_locale(c, u), "magic_code", sent);
}

static enum outbox_result run(const struct outbox_job *job, enum ag_err (*fn)(struct job_ctx *, bool *), char *err,
			      size_t errsz)
{
	struct arena *a = arena_new();
	struct job_ctx c = {.a = a, .job = job};
	enum outbox_result res = OUTBOX_DONE;
	cJSON *o = NULL;
	const char *detail;
	if (!job->payload || json_parse_strict(a, job->payload, strlen(job->payload), &o, &detail) != JSON_OK ||
	    !(c.email = json_get_str(o, "email"))) {
		snprintf(err, errsz, "malformed payload");
		res = OUTBOX_GIVE_UP;
		goto out;
	}
	c.callback_url = json_get_str(o, "callback_url");
	c.lh.explicit_locale = json_get_str(o, "locale");
	c.lh.accept_language = json_get_str(o, "accept_language");
	enum ag_err e = project_get(a, job->app_id, &c.p);
	if (ag_err_is(e, AG_ENOTFOUND) || (e == AG_OK && c.p->disabled)) {
		snprintf(err, errsz, "project gone or disabled");
		res = OUTBOX_GIVE_UP;
		goto out;
	}
	bool first = false, sent = false;
	if (e == AG_OK)
		e = db_begin(g_app.store);
	if (e == AG_OK) {
		e = first_run(job, &first);
		if (e == AG_OK && first)
			e = fn(&c, &sent);
		e = db_end(g_app.store, e);
	}
	if (e) {
		snprintf(err, errsz, "%s", ag_err_code(e));
		res = OUTBOX_RETRY; /* store trouble or a race (PostgreSQL aborts the transaction) */
		goto out;
	}
	if (sent)
		outbox_kick();
out:
	arena_free(a);
	return res;
}

static enum outbox_result h_resend(const struct outbox_job *job, char *err, size_t errsz, int64_t *retry_after_ms)
{
	(void)retry_after_ms;
	return run(job, run_resend, err, errsz);
}

static enum outbox_result h_reset(const struct outbox_job *job, char *err, size_t errsz, int64_t *retry_after_ms)
{
	(void)retry_after_ms;
	return run(job, run_reset, err, errsz);
}

static enum outbox_result h_magic(const struct outbox_job *job, char *err, size_t errsz, int64_t *retry_after_ms)
{
	(void)retry_after_ms;
	return run(job, run_magic, err, errsz);
}

static enum outbox_result h_signin_code(const struct outbox_job *job, char *err, size_t errsz,
					int64_t *retry_after_ms)
{
	(void)retry_after_ms;
	return run(job, run_signin_code, err, errsz);
}

int email_auth_init(int pwhash_concurrency)
{
	outbox_register(JOB_SIGNIN_CODE, h_signin_code);
	outbox_register(JOB_RESEND, h_resend);
	outbox_register(JOB_RESET, h_reset);
	outbox_register(JOB_MAGIC, h_magic);
	if (i18n_init())
		return -1;
	return password_init(pwhash_concurrency);
}
