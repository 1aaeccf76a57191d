/* factor_totp.c — TOTP factors (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step). The secret
 * is 160 random bits sealed under the master key, bound to the factor id. A code is
 * accepted at most once: the matched step is stored (totp_last_step) with a
 * compare-and-set, and later checks skip every step up to it, so a replayed code, or
 * an older one still inside the window, is refused even by two requests racing. */
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "sec/sec.h"
#include "store/store.h"
#include "auth/factors.h"
#include "core/qr.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/totp.h"

static const char *uri_escape(struct arena *a, const char *s)
{
	char *out = arena_alloc(a, strlen(s) * 3 + 1);
	str_pct_encode(out, s);
	return out;
}

enum ag_err totp_enroll(struct arena *a, const struct factor_actor *who, const char *name, cJSON **out,
                        struct factor_err *fe)
{
	enum ag_err e = factor_room(who, "totp");
	if (e)
		return e;
	int64_t now = time_now_ms();
	unsigned char secret[TOTP_SECRET_LEN];
	rand_bytes(secret, sizeof secret);
	char b32[64];
	base32_encode(b32, secret, sizeof secret);
	const char *id = factor_new_id(a, "fac");
	char *sealed = master_seal("totp-secret", id, secret, sizeof secret);
	sec_zero(secret, sizeof secret);
	if (!sealed)
		return AG_EINTERNAL;
	e = db_exec(g_app.store,
	            "INSERT INTO factors (id, app_id, user_id, kind, name, status, secret, created_at, updated_at) "
	            "VALUES ($1, $2, $3, 'totp', $4, 'pending', $5, $6, $6)",
	            P(SV_TEXT(id), SV_TEXT(who->p->app_id), SV_TEXT(who->u->id),
	              SV_TEXT(name && *name ? name : "Authenticator app"), SV_TEXT(sealed), SV_INT(now)));
	free(sealed);
	if (e)
		return e;
	const char *issuer = uri_escape(a, project_display_name(who->p));
	const char *uri =
	    arena_printf(a, "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d&period=%d", issuer,
	                 uri_escape(a, who->u->email  ? who->u->email
	                               : who->u->name ? who->u->name
	                                              : who->u->id),
	                 b32, issuer, TOTP_DIGITS, TOTP_PERIOD_S);
	cJSON *o = json_obj(a);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "type", "totp");
	cJSON_AddStringToObject(o, "status", "pending");
	cJSON_AddStringToObject(o, "secret", b32);
	cJSON_AddStringToObject(o, "otpauth_uri", uri);
	json_add_str(o, "qr_svg", qr_svg(a, uri));
	cJSON_AddStringToObject(o, "algorithm", "SHA1");
	cJSON_AddNumberToObject(o, "digits", TOTP_DIGITS);
	cJSON_AddNumberToObject(o, "period", TOTP_PERIOD_S);
	sec_zero(b32, sizeof b32);
	*out = o;
	factor_log(who->p->app_id, who->u->id, "factor.enroll_started", id, "totp", who->ip, NULL);
	return AG_OK;
}

struct totp_row {
	struct arena *a;
	const char *app_id, *user_id, *code, *status;
	int64_t now_s;
	const char *matched_id;
	int64_t matched_step, fence;
	enum ag_err err;
};

/* Check one factor's code; remember the first match. */
static int try_row(void *ud, const struct store_row *r)
{
	struct totp_row *c = ud;
	size_t n = 0;
	unsigned char *secret = master_open("totp-secret", row_str(r, 0), row_str(r, 1), &n);
	if (!secret) {
		c->err = AG_EINTERNAL;
		return 0;
	}
	int64_t fence = row_int(r, 2);
	int64_t step =
	    totp_match(OTP_SHA1, secret, n, c->code, TOTP_DIGITS, TOTP_PERIOD_S, c->now_s, TOTP_WINDOW, fence);
	sec_zero(secret, n);
	free(secret);
	if (step >= 0 && !c->matched_id) {
		c->matched_id = arena_strdup(c->a, row_str(r, 0));
		c->matched_step = step;
		c->fence = fence;
	}
	return 0;
}

/* Shared by confirm (one pending factor) and verify (every active one). */
static enum ag_err check(struct arena *a, const struct factor_actor *who, const char *id, const char *status,
                         const char *code, const char **factor_id, struct factor_err *fe)
{
	enum ag_err e = factor_lock_check(who->p->app_id, who->u->id, fe);
	if (e)
		return e;
	struct totp_row c = {a, who->p->app_id, who->u->id, code, status, time_now_ms() / 1000, NULL, -1, -1, AG_OK};
	e = db_query(
	    g_app.store,
	    "SELECT id, secret, totp_last_step FROM factors WHERE app_id = $1 AND user_id = $2 AND kind = 'totp' "
	    "AND status = $3 AND ($4 = '' OR id = $4)",
	    P(SV_TEXT(who->p->app_id), SV_TEXT(who->u->id), SV_TEXT(status), SV_TEXT(id ? id : "")), try_row, &c);
	if (e)
		return e;
	if (c.err)
		return c.err;
	int64_t changed = 0;
	if (c.matched_id) {
		/* compare-and-set on the fence: of two requests with one code, one wins */
		e = db_exec_n(
		    g_app.store,
		    "UPDATE factors SET totp_last_step = $2, last_used_at = $3, updated_at = $3, status = 'active' "
		    "WHERE id = $1 AND totp_last_step = $4",
		    P(SV_TEXT(c.matched_id), SV_INT(c.matched_step), SV_INT(time_now_ms()), SV_INT(c.fence)), &changed);
		if (e)
			return e;
	}
	if (changed != 1) {
		factor_lock_fail(who->p->app_id, who->u->id);
		factor_log(who->p->app_id, who->u->id, "mfa.failed", id, "totp", who->ip, "wrong or reused code");
		return AG_FACTOR_BAD_CODE;
	}
	factor_lock_clear(who->p->app_id, who->u->id);
	if (factor_id)
		*factor_id = c.matched_id;
	return AG_OK;
}

enum ag_err totp_confirm(struct arena *a, const struct factor_actor *who, const char *id, const char *code,
                         struct factor_err *fe)
{
	int64_t n = 0;
	enum ag_err e = db_int(g_app.store, &n,
	                       "SELECT COUNT(*) FROM factors WHERE app_id = $1 AND user_id = $2 AND id = $3 "
	                       "AND kind = 'totp' AND status = 'pending' AND created_at >= $4",
	                       P(SV_TEXT(who->p->app_id), SV_TEXT(who->u->id), SV_TEXT(id),
	                         SV_INT(time_now_ms() - TOTP_ENROLL_TTL_S * 1000LL)));
	if (e)
		return e;
	if (n != 1)
		return AG_FACTOR_NO_ENROLLMENT;
	e = check(a, who, id, "pending", code, NULL, fe);
	if (e)
		return e;
	e = db_begin(g_app.store);
	if (e == AG_OK)
		e = factor_methods_changed(a, who->p->app_id, who->u->id);
	e = db_end(g_app.store, e);
	if (e == AG_OK)
		factor_log(who->p->app_id, who->u->id, "factor.enrolled", id, "totp", who->ip, NULL);
	return e;
}

enum ag_err totp_verify(struct arena *a, const struct factor_actor *who, const char *code, const char **factor_id,
                        struct factor_err *fe)
{
	return check(a, who, NULL, "active", code, factor_id, fe);
}
