/* action_challenges.c — SMS and email OTP challenges an app starts from its backend for a
 * phone number or an address (POST /v1/challenge), verifies (/v1/verify), claims for a
 * user (/v1/claim: a token validate accepts) and reads back (GET /v1/challenges). The
 * codes are the factor engine's (code_challenge_start/check: 6 digits, 5 minutes, 3
 * attempts, single use, the sending limits); what a challenge is for lives in its data:
 * {method, dest, action, userId, verifiedAt, claimedAt}. */
#include <string.h>

#include "auth/actions.h"
#include "auth/codes.h"
#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "store/store.h"

#define CLAIM_WINDOW_MS (ACTION_ACCESS_TTL_S * 1000LL) /* a verified code may be claimed this long */

/* AG_USER_DISABLED when the app's id names a user an administrator disabled: no code is
 * sent, verified or claimed for them (every other sign-in refuses them in mfa_begin). */
static enum ag_err user_may_act(struct arena *a, const struct project *p, const char *external_id)
{
	struct auser *au;
	enum ag_err e = external_id ? auser_get(a, p, external_id, false, &au) : AG_ENOTFOUND;
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_OK;
	return e ? e : au->u->disabled_at ? AG_USER_DISABLED : AG_OK;
}

struct ag_error as_challenge_start(struct arena *a, const struct project *p, const struct as_challenge_in *in,
                                   const char **challenge_id, int64_t *expires_at, struct factor_err *fe)
{
	bool sms = str_eq(in->method, "SMS");
	if (!sms && !str_eq(in->method, "EMAIL_OTP"))
		return AG_ERROR_MSG(AG_AS_INVALID, "verificationMethod must be SMS or EMAIL_OTP");
	if (in->code && !action_code_ok(in->code))
		return AG_ERROR(AG_AS_ACTION_CODE);
	struct auser *au = NULL;
	enum ag_err e;
	if (in->external_id && (e = auser_get(a, p, in->external_id, false, &au)) && !ag_err_is(e, AG_ENOTFOUND))
		return AG_ERROR(e);
	if (au && au->u->disabled_at)
		return AG_ERROR(AG_USER_DISABLED);
	/* The destination: the one named, else the user's. */
	const char *dest = sms ? in->phone : in->email ? user_normalize_email(a, in->email) : NULL;
	if (!dest && au)
		dest = sms ? au->phone : au->email;
	if (sms && !phone_is_e164(dest))
		return AG_ERROR_MSG(AG_FACTOR_PHONE, "phoneNumber must be an E.164 number, e.g. +14155550123");
	if (!sms && !dest)
		return AG_ERROR_MSG(AG_FACTOR_EMAIL, "email must be an email address");
	cJSON *d = json_obj(a);
	cJSON_AddStringToObject(d, "method", in->method);
	cJSON_AddStringToObject(d, "dest", dest);
	if (in->code)
		cJSON_AddStringToObject(d, "action", in->code);
	if (in->external_id)
		cJSON_AddStringToObject(d, "userId", in->external_id);
	struct user nobody = {.locale = in->locale}; /* a user not known yet: only the locale */
	struct factor_actor who = {p, au ? au->u : &nobody, in->ip};
	e = code_challenge_start(a, &who, sms ? "sms" : "email", dest, json_print(a, d), challenge_id, fe);
	if (e)
		return AG_ERROR(e);
	*expires_at = time_now_ms() + CODE_TTL_S * 1000LL;
	return AG_ERROR(AG_OK);
}

/* The data of an app-started code challenge of p (any state). */
static enum ag_err challenge_data(struct arena *a, const struct project *p, const char *id, cJSON **d,
                                  int64_t *expires_at, bool *used)
{
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "SELECT data, expires_at, used_at FROM factor_challenges WHERE id = $1 AND app_id = $2 "
	                       "AND kind = 'code' AND factor_id IS NULL",
	                       P(SV_TEXT(id ? id : ""), SV_TEXT(p->app_id)));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_AS_CHALLENGE_GONE;
	const char *detail, *s = e ? NULL : row_str(&r, 0);
	if (e || !s || json_parse_strict(a, s, strlen(s), d, &detail) != JSON_OK)
		return e ? e : AG_EINTERNAL;
	*expires_at = row_int(&r, 1);
	*used = row_str(&r, 2) != NULL;
	return AG_OK;
}

static enum ag_err set_data(struct arena *a, const char *id, const cJSON *d)
{
	return db_exec(g_app.store, "UPDATE factor_challenges SET data = $2 WHERE id = $1",
	               P(SV_TEXT(id), SV_TEXT(json_print(a, d))));
}

enum ag_err as_challenge_verify(struct arena *a, const struct project *p, const char *challenge_id, const char *code,
                                const char *ip, cJSON **out)
{
	const char *data = NULL;
	cJSON *o = *out = json_obj(a), *d = NULL;
	int64_t expires;
	bool used;
	/* A code started for a user who has been disabled since verifies nothing (an app
	 * may sign in on isVerified alone). */
	enum ag_err e = challenge_data(a, p, challenge_id, &d, &expires, &used);
	if (e == AG_OK)
		e = user_may_act(a, p, json_get_str(d, "userId"));
	if (e && !ag_err_is(e, AG_AS_CHALLENGE_GONE)) /* an unknown id: the check below says so */
		return e;
	e = code_challenge_check(a, p, challenge_id, code, ip, &data);
	if (e == AG_FACTOR_BAD_CODE) {
		cJSON_AddFalseToObject(o, "isVerified");
		cJSON_AddStringToObject(o, "failureReason", "CODE_INVALID_OR_EXPIRED");
		return AG_OK;
	}
	const char *detail;
	if (e || json_parse_strict(a, data, strlen(data), &d, &detail) != JSON_OK)
		return e ? e : AG_EINTERNAL;
	cJSON_DeleteItemFromObjectCaseSensitive(d, "verifiedAt");
	cJSON_AddNumberToObject(d, "verifiedAt", (double)time_now_ms());
	if ((e = set_data(a, challenge_id, d)))
		return e;
	bool sms = str_eq(json_get_str(d, "method"), "SMS");
	cJSON_AddTrueToObject(o, "isVerified");
	cJSON_AddStringToObject(o, sms ? "phoneNumber" : "email", json_get_str(d, "dest"));
	cJSON_AddStringToObject(o, "verificationMethod", json_get_str(d, "method"));
	return AG_OK;
}

/* The verified destination becomes the user's authenticator (unless it is one already). */
static enum ag_err enroll_dest(struct arena *a, const struct project *p, const struct auser *au, bool sms,
                               const char *dest, const char *ip, const char **factor_id)
{
	struct store_row r;
	enum ag_err e =
	    db_row(g_app.store, a, &r,
	           "SELECT id FROM factors WHERE app_id = $1 AND user_id = $2 AND status = 'active' AND kind = $3 "
	           "AND (phone = $4 OR email = $4)",
	           P(SV_TEXT(p->app_id), SV_TEXT(au->u->id), SV_TEXT(sms ? "sms" : "email"), SV_TEXT(dest)));
	if (e == AG_OK) {
		*factor_id = row_str(&r, 0);
		return AG_OK;
	}
	if (!ag_err_is(e, AG_ENOTFOUND))
		return e;
	cJSON *auth;
	e = auser_enroll_verified(a, p, au, sms ? "SMS" : "EMAIL_OTP", sms ? dest : NULL, sms ? NULL : dest, ip, &auth);
	if (e == AG_OK)
		*factor_id = json_get_str(auth, "userAuthenticatorId");
	return e;
}

enum ag_err as_challenge_claim(struct arena *a, const struct project *p, const char *challenge_id,
                               const char *external_id, const char *ip, cJSON **out)
{
	cJSON *d;
	int64_t expires, now = time_now_ms();
	bool used;
	enum ag_err e = challenge_data(a, p, challenge_id, &d, &expires, &used);
	if (e)
		return e;
	double verified = json_get_num(d, "verifiedAt", 0);
	if (!verified || verified + CLAIM_WINDOW_MS <= now || cJSON_GetObjectItemCaseSensitive(d, "claimedAt"))
		return AG_AS_NOT_VERIFIED;
	const char *bound = json_get_str(d, "userId");
	if (bound && !str_eq(bound, external_id))
		return AG_AS_NOT_VERIFIED; /* started for another user */
	if ((e = user_may_act(a, p, external_id)))
		return e;
	/* Claimed once: the compare-and-set is on the data written at verify. */
	const char *before = json_print(a, d);
	cJSON_AddNumberToObject(d, "claimedAt", (double)now);
	int64_t n = 0;
	e = db_exec_n(g_app.store, "UPDATE factor_challenges SET data = $3 WHERE id = $1 AND app_id = $2 AND data = $4",
	              P(SV_TEXT(challenge_id), SV_TEXT(p->app_id), SV_TEXT(json_print(a, d)), SV_TEXT(before)), &n);
	if (e)
		return e;
	if (n != 1)
		return AG_AS_NOT_VERIFIED;
	struct auser *au;
	const char *method = json_get_str(d, "method"), *fid = NULL, *access = NULL;
	const char *code = json_get_str(d, "action") ? json_get_str(d, "action") : "signIn";
	struct action *act;
	if ((e = auser_get(a, p, external_id, true, &au)) ||
	    (e = enroll_dest(a, p, au, str_eq(method, "SMS"), json_get_str(d, "dest"), ip, &fid)) ||
	    (e = action_create_met(a, p, au, code, method, fid, ip, NULL, NULL, &act, &access)))
		return e;
	if (!access)
		return str_eq(act->state, "BLOCK") ? AG_AS_BLOCKED : AG_AS_IN_REVIEW;
	*out = json_obj(a);
	cJSON_AddStringToObject(*out, "token", access);
	cJSON_AddStringToObject(*out, "verificationMethod", method);
	return AG_OK;
}

static cJSON *challenge_json(struct arena *a, const char *id, const cJSON *d, int64_t expires)
{
	cJSON *o = json_obj(a);
	bool sms = str_eq(json_get_str(d, "method"), "SMS");
	cJSON_AddStringToObject(o, "challengeId", id);
	cJSON_AddNumberToObject(o, "expiresAt", (double)(expires / 1000));
	cJSON_AddStringToObject(o, "verificationMethod", json_get_str(d, "method"));
	if (sms)
		cJSON_AddStringToObject(o, "smsChannel", "DEFAULT");
	cJSON_AddStringToObject(o, sms ? "phoneNumber" : "email", json_get_str(d, "dest"));
	if (json_get_str(d, "action"))
		cJSON_AddStringToObject(o, "action", json_get_str(d, "action"));
	if (json_get_str(d, "userId"))
		cJSON_AddStringToObject(o, "userId", json_get_str(d, "userId"));
	return o;
}

struct open_ctx {
	struct arena *a;
	const struct as_challenge_query *q;
	const char *id;
};

static int open_row(void *ud, const struct store_row *r)
{
	struct open_ctx *c = ud;
	cJSON *d = NULL;
	const char *detail, *s = row_str(r, 1);
	if (c->id || !s || json_parse_strict(c->a, s, strlen(s), &d, &detail) != JSON_OK)
		return 0;
	if (str_eq(json_get_str(d, "userId"), c->q->external_id) &&
	    (!c->q->code || str_eq(json_get_str(d, "action"), c->q->code)) &&
	    (!c->q->method || str_eq(json_get_str(d, "method"), c->q->method)))
		c->id = arena_strdup(c->a, row_str(r, 0));
	return 0;
}

enum ag_err as_challenge_get(struct arena *a, const struct project *p, const struct as_challenge_query *q, cJSON **out)
{
	struct open_ctx c = {a, q, q->challenge_id};
	if (!c.id) {
		/* The latest open challenge started for the user (and action, method). */
		enum ag_err e =
		    db_query(g_app.store,
		             "SELECT id, data FROM factor_challenges WHERE app_id = $1 AND kind = 'code' AND "
		             "factor_id IS NULL AND used_at IS NULL AND expires_at > $2 "
		             "ORDER BY created_at DESC LIMIT 100",
		             P(SV_TEXT(p->app_id), SV_INT(time_now_ms())), open_row, &c);
		if (e)
			return e;
		if (!c.id)
			return AG_AS_CHALLENGE_GONE;
	}
	cJSON *d;
	int64_t expires;
	bool used;
	enum ag_err e = challenge_data(a, p, c.id, &d, &expires, &used);
	if (e)
		return e;
	if (used || expires <= time_now_ms())
		return AG_AS_CHALLENGE_GONE;
	*out = challenge_json(a, c.id, d, expires);
	return AG_OK;
}
