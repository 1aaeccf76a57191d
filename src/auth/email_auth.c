/* email_auth.c — sign-up, sign-in, code verification, reset confirmation and magic-link
 * completion (see email_auth.h). The queued flows live in email_jobs.c. */
#include "auth/email_auth.h"

#include <string.h>

#include "auth/codes.h"
#include "auth/oauth.h"
#include "auth/onetime.h"
#include "auth/passwords.h"
#include "auth/sessions.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "jobs/outbox.h"
#include "mail/locale.h"
#include "mail/templates.h"
#include "sec/sec.h"
#include "store/store.h"

static const char *resolve(const struct project *p, const struct user *u, const struct locale_hint *lh)
{
	return locale_resolve(lh ? lh->explicit_locale : NULL, u ? u->locale : NULL, lh ? lh->accept_language : NULL,
			      p->default_locale);
}

/* Store the resolved locale on the user when it changed. */
static void remember_locale(struct user *u, const char *loc)
{
	if (str_eq(u->locale, loc))
		return;
	if (user_set_locale(u->id, loc) == AG_OK)
		u->locale = loc;
}

static enum ag_err mail_code(struct arena *a, const struct project *p, const struct user *u, const char *loc)
{
	char code[CODE_DIGITS + 1];
	enum ag_err e = code_create(p->app_id, u->id, code);
	if (e == AG_OK) {
		const struct tmpl_var v[] = {{"code", code}, {"minutes", "5"}, {"email", u->email}, {NULL, NULL}};
		e = project_send_mail(a, p, u->email, loc, "verify_code", v);
	}
	sec_zero(code, sizeof code);
	return e;
}

enum ag_err email_signup(struct arena *a, const struct project *p, const char *email, const char *password,
			 const char *name, const struct locale_hint *lh, struct user **out)
{
	*out = NULL;
	char hash[PWHASH_MAX];
	enum ag_err e = password_hash(hash, password);
	if (e)
		return e;
	const char *loc = resolve(p, NULL, lh);
	struct user *u = NULL;
	e = db_begin(g_app.store);
	if (e == AG_OK)
		e = user_create(a, p->app_id, email, name, hash, false, loc, &u);
	if (e == AG_OK)
		e = mail_code(a, p, u, loc);
	e = db_end(g_app.store, e);
	sec_zero(hash, sizeof hash);
	if (e)
		return e;
	outbox_kick();
	*out = u;
	return AG_OK;
}

/* Replace an outdated hash, unless the password changed meanwhile. */
static void rehash(const struct user *u, const char *password)
{
	char hash[PWHASH_MAX];
	if (password_hash(hash, password) != AG_OK)
		return;
	if (db_exec(g_app.store, "UPDATE users SET password_hash = $3, updated_at = $4 WHERE id = $1 AND password_hash = $2",
		    P(SV_TEXT(u->id), SV_TEXT(u->password_hash), SV_TEXT(hash), SV_INT(time_now_ms()))) == AG_OK)
		log_info("password_rehashed", "user %s: argon2id parameters updated", u->id);
	sec_zero(hash, sizeof hash);
}

enum ag_err email_signin(struct arena *a, const struct project *p, const char *email, const char *password,
			 const struct locale_hint *lh, struct user **out)
{
	*out = NULL;
	struct user *u = NULL;
	enum ag_err e = user_by_email(a, p->app_id, email, &u);
	if (e && !ag_err_is(e, AG_ENOTFOUND))
		return e;
	bool needs_rehash = false;
	/* Unknown account or no password: the dummy hash is verified, same time, false. */
	bool ok = password_verify(u ? u->password_hash : NULL, password, &needs_rehash);
	if (!ok)
		return AG_EUNAUTH;
	if (needs_rehash)
		rehash(u, password);
	remember_locale(u, resolve(p, u, lh));
	(void)!user_touch_login(u->id);
	*out = u;
	return AG_OK;
}

/* The user's mailbox was just proven (inside the caller's transaction): mark it, and
 * drop provider identities linked on the address before anyone had proven it — they
 * may be an attacker's, registered ahead of the owner (docs/OAUTH.md). */
static enum ag_err mailbox_proven(struct user *u)
{
	enum ag_err e = db_exec(g_app.store, "UPDATE users SET email_verified = 1, updated_at = $2 WHERE id = $1",
				P(SV_TEXT(u->id), SV_INT(time_now_ms())));
	return e ? e : oauth_identities_drop_unproven(u->id);
}

enum ag_err email_verify_code(struct arena *a, const struct project *p, const char *email, const char *code,
			      const struct locale_hint *lh, struct user **out)
{
	*out = NULL;
	struct user *u = NULL;
	enum ag_err e = user_by_email(a, p->app_id, email, &u);
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_EINVAL;
	if (e)
		return e;
	e = code_check(a, p->app_id, u->id, code);
	if (e)
		return e;
	e = db_begin(g_app.store);
	if (e == AG_OK)
		e = mailbox_proven(u);
	if ((e = db_end(g_app.store, e)))
		return e;
	u->email_verified = true;
	remember_locale(u, resolve(p, u, lh));
	*out = u;
	return AG_OK;
}

enum ag_err email_reset_token_live(struct arena *a, const struct project *p, const char *token)
{
	const char *uid;
	return onetime_peek(a, ONETIME_RESET, p->app_id, token, &uid);
}

enum ag_err email_reset_confirm(struct arena *a, const struct project *p, const char *token, const char *password,
				const struct locale_hint *lh, struct user **out)
{
	*out = NULL;
	char hash[PWHASH_MAX];
	enum ag_err e = password_hash(hash, password);
	if (e)
		return e;
	const char *uid = NULL;
	struct user *u = NULL;
	e = db_begin(g_app.store);
	if (e == AG_OK)
		e = onetime_consume(a, ONETIME_RESET, p->app_id, token, &uid);
	if (e == AG_OK)
		e = user_by_id(a, p->app_id, uid, &u);
	if (ag_err_is(e, AG_ENOTFOUND))
		e = AG_EGONE;
	if (e == AG_OK)
		e = db_exec(g_app.store,
			    "UPDATE users SET password_hash = $2, email_verified = 1, updated_at = $3 WHERE id = $1",
			    P(SV_TEXT(u->id), SV_TEXT(hash), SV_INT(time_now_ms())));
	if (e == AG_OK && !u->email_verified)
		e = oauth_identities_drop_unproven(u->id);
	if (e == AG_OK)
		e = onetime_void_user(ONETIME_RESET, u->id);
	if (e == AG_OK)
		e = code_void_user(u->id); /* the mailbox is proven: pending codes have no use */
	if (e == AG_OK)
		e = session_end_all(p->app_id, u->id, &u->tokens_valid_after);
	const char *loc = u ? resolve(p, u, lh) : "en";
	if (e == AG_OK) {
		const struct tmpl_var v[] = {{"email", u->email}, {NULL, NULL}};
		e = project_send_mail(a, p, u->email, loc, "password_changed", v);
	}
	e = db_end(g_app.store, e);
	sec_zero(hash, sizeof hash);
	if (e)
		return e;
	outbox_kick();
	u->email_verified = true;
	remember_locale(u, loc);
	log_security("password_reset", NULL, "user %s: password changed with a reset link; sessions ended", u->id);
	*out = u;
	return AG_OK;
}

enum ag_err email_magic_live(struct arena *a, const struct project *p, const cJSON *claims)
{
	const char *uid;
	enum ag_err e = onetime_peek(a, ONETIME_MAGIC, p->app_id, json_get_str(claims, "jti"), &uid);
	if (e == AG_OK && !str_eq(uid, json_get_str(claims, "sub")))
		e = AG_EGONE;
	return e;
}

/* A passwordless sign-in proved the mailbox (inside the caller's transaction). A
 * password set by whoever signed up before the mailbox was ever proven goes, with its
 * sessions: it may be an attacker's, set ahead of the owner (docs/EMAIL.md). */
static enum ag_err passwordless_proven(const struct project *p, struct user *u, bool *cleared)
{
	enum ag_err e = AG_OK;
	*cleared = false;
	if (u->email_verified)
		return AG_OK;
	if (u->password_hash) {
		e = db_exec(g_app.store, "UPDATE users SET password_hash = NULL WHERE id = $1", P(SV_TEXT(u->id)));
		if (e == AG_OK)
			e = session_end_all(p->app_id, u->id, &u->tokens_valid_after);
		*cleared = true;
	}
	return e ? e : mailbox_proven(u);
}

/* After its transaction committed. */
static void passwordless_done(struct user *u, bool cleared, const char *how)
{
	if (cleared)
		log_security("unproven_password_cleared", NULL, "user %s: a %s proved the mailbox", u->id, how);
	u->email_verified = true;
	u->password_hash = cleared ? NULL : u->password_hash;
	(void)!user_touch_login(u->id);
}

enum ag_err email_magic_complete(struct arena *a, const struct project *p, const cJSON *claims, struct user **out)
{
	*out = NULL;
	const char *uid = NULL;
	struct user *u = NULL;
	bool cleared = false;
	enum ag_err e = db_begin(g_app.store);
	if (e == AG_OK)
		e = onetime_consume(a, ONETIME_MAGIC, p->app_id, json_get_str(claims, "jti"), &uid);
	if (e == AG_OK && !str_eq(uid, json_get_str(claims, "sub")))
		e = AG_EGONE;
	if (e == AG_OK)
		e = user_by_id(a, p->app_id, uid, &u);
	if (ag_err_is(e, AG_ENOTFOUND))
		e = AG_EGONE;
	if (e == AG_OK)
		e = passwordless_proven(p, u, &cleared);
	e = db_end(g_app.store, e);
	if (e)
		return e;
	passwordless_done(u, cleared, "magic link");
	*out = u;
	return AG_OK;
}

enum ag_err email_signin_code(struct arena *a, const struct project *p, const char *email, const char *code,
			      const struct locale_hint *lh, struct user **out)
{
	*out = NULL;
	struct user *u = NULL;
	bool cleared = false;
	enum ag_err e = user_by_email(a, p->app_id, email, &u);
	if (e == AG_ENOTFOUND)
		return AG_EINVAL;
	if (e == AG_OK)
		e = code_check(a, p->app_id, u->id, code);
	if (e)
		return e;
	e = db_begin(g_app.store);
	if (e == AG_OK)
		e = passwordless_proven(p, u, &cleared);
	if ((e = db_end(g_app.store, e)))
		return e;
	passwordless_done(u, cleared, "sign-in code");
	remember_locale(u, resolve(p, u, lh));
	*out = u;
	return AG_OK;
}
