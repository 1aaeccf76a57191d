/* factor_codes.c — SMS and email code factors. Codes follow seed 001's rules: 6 digits,
 * 5 minutes, 3 attempts, single use, one live code per factor, stored as an HMAC under
 * a key derived from the master key (bound to the challenge id). Attempts are reserved
 * before the compare (as auth/codes.c does), so concurrent guesses cannot get more
 * than 3 compares out of one code. Sending is limited per number or address, per
 * client address and per project: SMS pumping costs real money. */
#include <stdio.h>
#include <string.h>

#include "auth/codes.h"
#include "core/ctx.h"
#include "sec/sec.h"
#include "store/store.h"
#include "auth/factors.h"
#include "auth/throttle.h"
#include "config/config.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "hook/hook.h"
#include "jobs/outbox.h"
#include "mail/templates.h"
#include "sms/sms.h"

#define CODE_LABEL "authgate factor-code v1"

/* Limits before AUTHGATE_AUTH_RATE_PERCENT scaling (docs/MFA.md). */
static const struct rate_policy p_sms_number = {"sms:number", 3, 600, true},
                                p_sms_number_day = {"sms:number-day", 10, 86400, true},
                                p_sms_ip = {"sms:ip", 10, 3600, true},
                                p_sms_project = {"sms:project", 1000, 3600, true},
                                p_email_user = {"email-code:user", 5, 900, true},
                                p_email_ip = {"email-code:ip", 20, 60, true};

bool phone_is_e164(const char *s)
{
	if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	size_t n = 0;
	for (const char *p = s + 1; *p; p++, n++)
		if (*p < '0' || *p > '9')
			return false;
	return n >= 8 && n <= 15;
}

static enum ag_err limited(const struct rate_policy *p, const char *subject, struct factor_err *fe)
{
	int retry = 0;
	enum ag_err e = throttle_hit(p, subject, &retry);
	if (ag_err_is(e, AG_ERATE)) {
		fe->retry_after_s = retry;
		return AG_FACTOR_SEND_LIMIT;
	}
	return e;
}

static enum ag_err send_limits(struct arena *a, const struct factor_actor *who, const char *kind, const char *dest,
                               struct factor_err *fe)
{
	enum ag_err e;
	if (str_eq(kind, "sms")) {
		if ((e = limited(&p_sms_ip, who->ip, fe)) || (e = limited(&p_sms_number, dest, fe)) ||
		    (e = limited(&p_sms_number_day, dest, fe)) || (e = limited(&p_sms_project, who->p->app_id, fe)))
			return e;
		return AG_OK;
	}
	if ((e = limited(&p_email_ip, who->ip, fe)) ||
	    (e = limited(&p_email_user, arena_printf(a, "%s:%s", who->p->app_id, who->u->id ? who->u->id : dest), fe)))
		return e;
	return AG_OK;
}

/* The message itself, inside the caller's transaction. */
static enum ag_err deliver(struct arena *a, const struct factor_actor *who, const char *kind, const char *dest,
                           const char *code)
{
	if (str_eq(kind, "email")) {
		char minutes[8];
		snprintf(minutes, sizeof minutes, "%d", CODE_TTL_S / 60);
		const struct tmpl_var v[] = {{"code", code}, {"minutes", minutes}, {NULL, NULL}};
		return project_send_mail(a, who->p, dest, who->u->locale ? who->u->locale : who->p->default_locale,
		                         "sign_in_code", v);
	}
	const char *body = arena_printf(a, "%s is your %s code. It expires in %d minutes. Never share it.", code,
	                                project_display_name(who->p), CODE_TTL_S / 60);
	if (!str_eq(sms_provider(), "webhook"))
		return sms_enqueue(a, who->p->app_id, dest, body);
	/* The app sends it: a signed sms.send event to its webhook endpoints. */
	cJSON *ev = json_obj(a), *d;
	cJSON_AddStringToObject(ev, "type", "sms.send");
	d = cJSON_AddObjectToObject(ev, "data");
	cJSON_AddStringToObject(d, "to", dest);
	cJSON_AddStringToObject(d, "body", body);
	cJSON_AddStringToObject(d, "code", code);
	json_add_str(d, "user_id", who->u->id);
	json_add_time(ev, "timestamp", time_now_ms());
	int n = 0;
	enum ag_err e = hook_emit(a, who->p->app_id, "sms.send", json_print(a, ev), &n);
	return e ? e : n > 0 ? AG_OK : AG_EUNAVAIL;
}

/* A new code for factor_id (superseding its live one), sent to dest. Without a factor
 * (factor_id NULL: a challenge for a number or address, code_challenge_start) the row
 * keeps data and its id goes to *cid_out; who->u may then be a user without an id. */
static enum ag_err issue_code_row(struct arena *a, const struct factor_actor *who, const char *kind,
                                  const char *factor_id, const char *dest, const char *data, const char **cid_out,
                                  struct factor_err *fe)
{
	if (str_eq(kind, "sms") && !sms_provider())
		return AG_SMS_UNAVAILABLE;
	enum ag_err e = send_limits(a, who, kind, dest, fe);
	if (e)
		return e;
	char code[CODE_DIGITS + 1], h[65];
	snprintf(code, sizeof code, "%06u", rand_uniform(1000000));
	const char *cid = factor_new_id(a, "chl");
	master_mac_hex(h, CODE_LABEL, cid, code);
	int64_t now = time_now_ms();
	factor_sweep();
	e = db_begin(g_app.store);
	if (e == AG_OK)
		e = db_exec(g_app.store,
		            "UPDATE factor_challenges SET used_at = $2 WHERE factor_id = $1 AND kind = 'code' AND "
		            "used_at IS NULL",
		            P(SV_TEXT(factor_id), SV_INT(now)));
	if (e == AG_OK)
		e = db_exec(g_app.store,
		            "INSERT INTO factor_challenges (id, kind, app_id, user_id, factor_id, code_hash, data, "
		            "expires_at, created_at) "
		            "VALUES ($1, 'code', $2, $3, $4, $5, $6, $7, $8)",
		            P(SV_TEXT(cid), SV_TEXT(who->p->app_id), SV_TEXT(who->u->id),
		              SV_TEXT(factor_id), SV_TEXT(h), SV_TEXT(data ? data : "{}"),
		              SV_INT(now + CODE_TTL_S * 1000LL), SV_INT(now)));
	if (e == AG_OK)
		e = deliver(a, who, kind, dest, code);
	sec_zero(code, sizeof code);
	e = db_end(g_app.store, e);
	if (e == AG_OK)
		outbox_kick();
	else if (ag_err_is(e, AG_EUNAVAIL) && str_eq(kind, "sms"))
		return AG_SMS_NO_ENDPOINT;
	if (e == AG_OK && cid_out)
		*cid_out = cid;
	return e;
}

static enum ag_err issue_code(struct arena *a, const struct factor_actor *who, const char *kind, const char *factor_id,
                              const char *dest, struct factor_err *fe)
{
	return issue_code_row(a, who, kind, factor_id, dest, NULL, NULL, fe);
}

enum ag_err code_challenge_start(struct arena *a, const struct factor_actor *who, const char *kind, const char *dest,
                                 const char *data, const char **challenge_id, struct factor_err *fe)
{
	if (!str_eq(kind, "sms") && !str_eq(kind, "email"))
		return AG_MFA_METHOD;
	if (!project_provider_on(who->p, str_eq(kind, "sms") ? "sms" : "email-code"))
		return AG_FACTOR_DISABLED;
	return issue_code_row(a, who, kind, NULL, dest, data, challenge_id, fe);
}

enum ag_err code_challenge_check(struct arena *a, const struct project *p, const char *challenge_id, const char *code,
                                 const char *ip, const char **data)
{
	int64_t now = time_now_ms();
	struct store_row row;
	/* Reserve an attempt first: concurrent guesses get no more than 3 compares. */
	enum ag_err e = db_row(g_app.store, a, &row,
	                       "UPDATE factor_challenges SET attempts = attempts + 1 WHERE id = $1 AND app_id = $2 "
	                       "AND kind = 'code' AND factor_id IS NULL AND used_at IS NULL AND expires_at > $3 "
	                       "AND attempts < $4 RETURNING id, code_hash, attempts, data",
	                       P(SV_TEXT(challenge_id ? challenge_id : ""), SV_TEXT(p->app_id), SV_INT(now),
	                         SV_INT(CODE_MAX_ATTEMPTS)));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_FACTOR_BAD_CODE;
	if (e)
		return e;
	char h[65];
	bool shape = code && strlen(code) == CODE_DIGITS && strspn(code, "0123456789") == CODE_DIGITS;
	master_mac_hex(h, CODE_LABEL, row_str(&row, 0), shape ? code : "-");
	int64_t n = 0;
	if (shape && ct_streq(h, row_str(&row, 1)))
		e = db_exec_n(g_app.store, "UPDATE factor_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
		              P(SV_TEXT(row_str(&row, 0)), SV_INT(now)), &n);
	else if (row_int(&row, 2) >= CODE_MAX_ATTEMPTS)
		(void)!db_exec(g_app.store, "UPDATE factor_challenges SET used_at = $2 WHERE id = $1",
		               P(SV_TEXT(row_str(&row, 0)), SV_INT(now)));
	if (e)
		return e;
	if (n != 1) {
		log_security("code_failed", ip, "app %s challenge code wrong or expired", p->app_id);
		return AG_FACTOR_BAD_CODE;
	}
	*data = row_str(&row, 3);
	return AG_OK;
}

/* own_email: an email factor's own address (NULL: the user's). */
static enum ag_err enroll(struct arena *a, const struct factor_actor *who, const char *kind, const char *dest,
                          const char *own_email, const char *name, cJSON **out, struct factor_err *fe)
{
	bool sms = str_eq(kind, "sms");
	enum ag_err e = factor_room(who, sms ? "sms" : "email-code");
	if (e)
		return e;
	int64_t now = time_now_ms();
	const char *id = factor_new_id(a, "fac");
	e = db_exec(
	    g_app.store,
	    "INSERT INTO factors (id, app_id, user_id, kind, name, status, phone, email, created_at, updated_at) "
	    "VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $8)",
	    P(SV_TEXT(id), SV_TEXT(who->p->app_id), SV_TEXT(who->u->id), SV_TEXT(kind),
	      SV_TEXT(name && *name         ? name
	              : str_eq(kind, "sms") ? "Phone"
	                                    : "Email"),
	      SV_TEXT(str_eq(kind, "sms") ? dest : NULL), SV_TEXT(own_email), SV_INT(now)));
	if (e == AG_OK)
		e = issue_code(a, who, kind, id, dest, fe);
	if (e) {
		(void)!db_exec(g_app.store, "DELETE FROM factors WHERE id = $1", P(SV_TEXT(id)));
		return e;
	}
	factor_log(who->p->app_id, who->u->id, "factor.enroll_started", id, kind, who->ip, NULL);
	return factor_get(a, who->p->app_id, who->u->id, id, out);
}

enum ag_err sms_enroll(struct arena *a, const struct factor_actor *who, const char *phone, const char *name,
                       cJSON **out, struct factor_err *fe)
{
	if (!phone_is_e164(phone))
		return AG_FACTOR_PHONE;
	return enroll(a, who, "sms", phone, NULL, name, out, fe);
}

enum ag_err email_factor_enroll(struct arena *a, const struct factor_actor *who, const char *name, cJSON **out,
                                struct factor_err *fe)
{
	return email_factor_enroll_to(a, who, NULL, name, out, fe);
}

enum ag_err email_factor_enroll_to(struct arena *a, const struct factor_actor *who, const char *address,
                                   const char *name, cJSON **out, struct factor_err *fe)
{
	const char *own = address ? user_normalize_email(a, address) : NULL;
	if ((address && !own) || (!own && !who->u->email))
		return AG_FACTOR_EMAIL; /* not an address; or a user without one who named none */
	return enroll(a, who, "email", own ? own : who->u->email, own, name, out, fe);
}

/* Reserve an attempt on the live code of the factor(s) and compare. */
static enum ag_err check_code(struct arena *a, const struct factor_actor *who, const char *kind, const char *factor_id,
                              const char *status, const char *code, const char **matched, struct factor_err *fe)
{
	enum ag_err e = factor_lock_check(who->p->app_id, who->u->id, fe);
	if (e)
		return e;
	int64_t now = time_now_ms();
	struct store_row row;
	e = db_row(
	    g_app.store, a, &row,
	    "UPDATE factor_challenges SET attempts = attempts + 1 WHERE id = ("
	    "SELECT c.id FROM factor_challenges c JOIN factors f ON f.id = c.factor_id "
	    "WHERE c.app_id = $1 AND c.user_id = $2 AND c.kind = 'code' AND c.used_at IS NULL AND c.expires_at > $3 "
	    "AND c.attempts < $4 AND f.kind = $5 AND f.status = $6 AND ($7 = '' OR f.id = $7) "
	    "ORDER BY c.created_at DESC LIMIT 1) AND attempts < $4 RETURNING id, code_hash, attempts, factor_id",
	    P(SV_TEXT(who->p->app_id), SV_TEXT(who->u->id), SV_INT(now), SV_INT(CODE_MAX_ATTEMPTS), SV_TEXT(kind),
	      SV_TEXT(status), SV_TEXT(factor_id ? factor_id : "")));
	bool ok = false;
	if (e == AG_OK) {
		char h[65];
		bool shape = code && strlen(code) == CODE_DIGITS && strspn(code, "0123456789") == CODE_DIGITS;
		master_mac_hex(h, CODE_LABEL, row_str(&row, 0), shape ? code : "-");
		ok = shape && ct_streq(h, row_str(&row, 1));
		int64_t n = 0;
		if (ok)
			e = db_exec_n(g_app.store,
			              "UPDATE factor_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
			              P(SV_TEXT(row_str(&row, 0)), SV_INT(now)), &n);
		else if (row_int(&row, 2) >= CODE_MAX_ATTEMPTS)
			(void)!db_exec(g_app.store, "UPDATE factor_challenges SET used_at = $2 WHERE id = $1",
			               P(SV_TEXT(row_str(&row, 0)), SV_INT(now)));
		ok = ok && e == AG_OK && n == 1;
	} else if (!ag_err_is(e, AG_ENOTFOUND)) {
		return e;
	}
	if (!ok) {
		factor_lock_fail(who->p->app_id, who->u->id);
		factor_log(who->p->app_id, who->u->id, "mfa.failed", factor_id, kind, who->ip, "wrong or expired code");
		return AG_FACTOR_BAD_CODE;
	}
	factor_lock_clear(who->p->app_id, who->u->id);
	*matched = row_str(&row, 3);
	(void)!db_exec(g_app.store, "UPDATE factors SET last_used_at = $2 WHERE id = $1",
	               P(SV_TEXT(*matched), SV_INT(now)));
	return AG_OK;
}

enum ag_err code_factor_confirm(struct arena *a, const struct factor_actor *who, const char *id, const char *code,
                                struct factor_err *fe)
{
	struct store_row r;
	enum ag_err e =
	    db_row(g_app.store, a, &r,
	           "SELECT kind FROM factors WHERE app_id = $1 AND user_id = $2 AND id = $3 AND status = 'pending' "
	           "AND kind IN ('sms', 'email')",
	           P(SV_TEXT(who->p->app_id), SV_TEXT(who->u->id), SV_TEXT(id)));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_FACTOR_NO_ENROLLMENT;
	if (e)
		return e;
	const char *kind = row_str(&r, 0), *matched = NULL;
	if ((e = check_code(a, who, kind, id, "pending", code, &matched, fe)))
		return e;
	e = db_begin(g_app.store);
	if (e == AG_OK)
		e = db_exec(g_app.store, "UPDATE factors SET status = 'active', updated_at = $2 WHERE id = $1",
		            P(SV_TEXT(id), SV_INT(time_now_ms())));
	if (e == AG_OK)
		e = factor_methods_changed(a, who->p->app_id, who->u->id);
	e = db_end(g_app.store, e);
	if (e == AG_OK)
		factor_log(who->p->app_id, who->u->id, "factor.enrolled", id, kind, who->ip, NULL);
	return e;
}

enum ag_err code_factor_send(struct arena *a, const struct factor_actor *who, const char *kind, struct factor_err *fe)
{
	if (!str_eq(kind, "sms") && !str_eq(kind, "email"))
		return AG_MFA_METHOD;
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "SELECT id, phone, email FROM factors WHERE app_id = $1 AND user_id = $2 AND kind = $3 "
	                       "AND status = 'active' ORDER BY COALESCE(last_used_at, 0) DESC, created_at LIMIT 1",
	                       P(SV_TEXT(who->p->app_id), SV_TEXT(who->u->id), SV_TEXT(kind)));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_MFA_NOT_ENROLLED;
	if (e)
		return e;
	const char *dest = str_eq(kind, "sms") ? row_str(&r, 1) : row_str(&r, 2) ? row_str(&r, 2) : who->u->email;
	return dest ? issue_code(a, who, kind, row_str(&r, 0), dest, fe) : AG_FACTOR_EMAIL;
}

enum ag_err code_factor_resend(struct arena *a, const struct factor_actor *who, const char *id, struct factor_err *fe)
{
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "SELECT kind, phone, email FROM factors WHERE app_id = $1 AND user_id = $2 AND id = $3 "
	                       "AND status = 'pending' AND kind IN ('sms', 'email')",
	                       P(SV_TEXT(who->p->app_id), SV_TEXT(who->u->id), SV_TEXT(id)));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_FACTOR_NO_ENROLLMENT;
	if (e)
		return e;
	const char *kind = row_str(&r, 0);
	const char *dest = str_eq(kind, "sms") ? row_str(&r, 1) : row_str(&r, 2) ? row_str(&r, 2) : who->u->email;
	return dest ? issue_code(a, who, kind, id, dest, fe) : AG_FACTOR_EMAIL;
}

enum ag_err code_factor_verify(struct arena *a, const struct factor_actor *who, const char *kind, const char *code,
                               const char **factor_id, struct factor_err *fe)
{
	const char *matched = NULL;
	enum ag_err e = check_code(a, who, kind, NULL, "active", code, &matched, fe);
	if (e == AG_OK && factor_id)
		*factor_id = matched;
	return e;
}
