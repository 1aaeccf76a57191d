/* mfa.c — the MFA step, session tokens with amr/mfa claims, and the verifier's view of
 * users whose factors changed recently (see mfa.h). */
#include "auth/mfa.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/metrics.h"
#include "sec/sec.h"
#include "store/epmap.h"
#include "auth/passkeys.h"
#include "auth/tokens.h"
#include "auth/user_sessions.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sms/sms.h"

static cJSON *methods_of(struct arena *a, const struct user *u)
{
	cJSON *m = NULL;
	const char *detail, *s = u->mfa_methods;
	if (!s || json_parse_strict(a, s, strlen(s), &m, &detail) != JSON_OK || !cJSON_IsArray(m))
		return json_arr(a);
	return m;
}

static bool has_method(const cJSON *methods, const char *m)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, methods) if (cJSON_IsString(e) && str_eq(e->valuestring, m)) return true;
	return false;
}

/* Every sign-in that ends with a session token passes here: the count of sign-ins. */
static struct metric_counter m_signins = {"authgate_signins_total",
					  "Sign-ins that ended with a session token (every method, after any second factor)",
					  0, NULL};

void mfa_metrics_init(void)
{
	metrics_register_counter(&m_signins);
}

uint64_t mfa_signins_total(void)
{
	return atomic_load(&m_signins.value);
}

const char *mfa_session(struct arena *a, const struct project *p, const struct user *u, const char *provider,
                        const char *amr, const cJSON *extra)
{
	/* A disabled user gets no token, whichever path asks (mfa_begin tells them why). */
	if (u->disabled_at)
		return NULL;
	/* seed 004's sign-ins end in a long-lived user session instead (auth/user_sessions.h) */
	if (user_session_wanted(extra)) {
		const char *t = user_session_from_extra(a, p, u, amr, extra);
		if (t)
			metric_inc(&m_signins);
		return t;
	}
	cJSON *x = extra ? json_own(a, cJSON_Duplicate(extra, 1)) : json_obj(a);
	/* amr: space-separated values in, a JSON array out; "mfa" when two factors were used */
	cJSON *arr = cJSON_CreateArray();
	int n = 0;
	for (const char *s = amr ? amr : ""; *s;) {
		size_t l = strcspn(s, " ");
		if (l) {
			cJSON_AddItemToArray(arr, cJSON_CreateString(arena_strndup(a, s, l)));
			n++;
		}
		s += l + (s[l] == ' ');
	}
	cJSON_DeleteItemFromObjectCaseSensitive(x, "amr");
	cJSON_AddItemToObject(x, "amr", arr);
	cJSON *methods = methods_of(a, u), *m = cJSON_CreateObject();
	cJSON_AddBoolToObject(m, "enrolled", cJSON_GetArraySize(methods) > 0);
	cJSON_AddItemReferenceToObject(m, "methods", methods);
	cJSON_DeleteItemFromObjectCaseSensitive(x, "mfa");
	cJSON_AddItemToObject(x, "mfa", m);
	(void)n;
	char *t = token_issue(a, p, u, TOKEN_AUD_SESSION, provider, SESSION_TOKEN_TTL_S, x);
	if (t)
		metric_inc(&m_signins);
	return t;
}

enum ag_err mfa_begin(struct arena *a, const struct project *p, const struct user *u, const char *provider,
                      const char *amr, const cJSON *extra, const char *callback_url, struct mfa_begin *out)
{
	memset(out, 0, sizeof *out);
	/* Every sign-in ends here before a token or an MFA step: a disabled user gets neither. */
	if (u->disabled_at)
		return AG_USER_DISABLED;
	const char *pol = p->mfa_policy ? p->mfa_policy : "off";
	cJSON *methods = methods_of(a, u);
	int nm = cJSON_GetArraySize(methods);
	if (str_eq(pol, "off") || (str_eq(pol, "optional") && nm == 0))
		return AG_OK;
	int64_t rec = 0;
	if (nm > 0 && recovery_remaining(p->app_id, u->id, &rec) == AG_OK && rec > 0)
		cJSON_AddItemToArray(methods, cJSON_CreateString("recovery"));
	char tok[64], h[65];
	rand_token(tok, 32);
	const char *token = arena_printf(a, "mfa_%s", tok);
	sha256_hex(h, token);
	cJSON *d = json_obj(a);
	cJSON_AddStringToObject(d, "provider", provider);
	cJSON_AddStringToObject(d, "amr", amr ? amr : "");
	json_add_str(d, "callback_url", callback_url);
	cJSON_AddBoolToObject(d, "enroll", nm == 0);
	if (extra)
		cJSON_AddItemToObject(d, "extra", cJSON_Duplicate(extra, 1));
	int64_t now = time_now_ms();
	factor_sweep();
	enum ag_err e = db_exec(
	    g_app.store,
	    "INSERT INTO factor_challenges (id, token_hash, kind, app_id, user_id, data, expires_at, created_at) "
	    "VALUES ($1, $2, 'mfa', $3, $4, $5, $6, $7)",
	    P(SV_TEXT(factor_new_id(a, "mfa")), SV_TEXT(h), SV_TEXT(p->app_id), SV_TEXT(u->id),
	      SV_TEXT(json_print(a, d)), SV_INT(now + MFA_TOKEN_TTL_S * 1000LL), SV_INT(now)));
	sec_zero(tok, sizeof tok);
	if (e)
		return e;
	out->required = true;
	out->mfa_token = token;
	out->methods = methods;
	out->enroll = nm == 0;
	return AG_OK;
}

enum ag_err mfa_peek(struct arena *a, const struct project *p, const char *mfa_token, struct mfa_pending *out)
{
	memset(out, 0, sizeof *out);
	if (!mfa_token || !str_starts(mfa_token, "mfa_") || strlen(mfa_token) > 128)
		return AG_MFA_BAD_TOKEN;
	char h[65];
	sha256_hex(h, mfa_token);
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "SELECT id, user_id, data FROM factor_challenges WHERE token_hash = $1 AND kind = 'mfa' "
	                       "AND app_id = $2 AND used_at IS NULL AND expires_at > $3",
	                       P(SV_TEXT(h), SV_TEXT(p->app_id), SV_INT(time_now_ms())));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_MFA_BAD_TOKEN;
	if (e)
		return e;
	cJSON *d = NULL;
	const char *detail, *ds = row_str(&r, 2);
	if (!ds || json_parse_strict(a, ds, strlen(ds), &d, &detail) != JSON_OK)
		return AG_EINTERNAL;
	e = user_by_id(a, p->app_id, row_str(&r, 1), &out->user);
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_MFA_BAD_TOKEN;
	if (e)
		return e;
	out->id = row_str(&r, 0);
	out->provider = json_get_str(d, "provider");
	out->amr = json_get_str(d, "amr");
	out->callback_url = json_get_str(d, "callback_url");
	out->enroll = json_get_bool(d, "enroll", false);
	out->extra = cJSON_GetObjectItemCaseSensitive(d, "extra");
	return AG_OK;
}

const char *mfa_token_app(struct arena *a, const char *mfa_token)
{
	if (!mfa_token || !str_starts(mfa_token, "mfa_") || strlen(mfa_token) > 128)
		return NULL;
	char h[65];
	sha256_hex(h, mfa_token);
	struct store_row r;
	if (db_row(g_app.store, a, &r,
	           "SELECT app_id FROM factor_challenges WHERE token_hash = $1 AND kind = 'mfa' AND used_at IS NULL "
	           "AND expires_at > $2",
	           P(SV_TEXT(h), SV_INT(time_now_ms()))) != AG_OK)
		return NULL;
	return row_str(&r, 0);
}

/* Spend the token once and issue the session. */
static enum ag_err finish(struct arena *a, const struct project *p, const struct mfa_pending *pend,
                          const char *second_amr, const char **session)
{
	int64_t n = 0;
	enum ag_err e =
	    db_exec_n(g_app.store, "UPDATE factor_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
	              P(SV_TEXT(pend->id), SV_INT(time_now_ms())), &n);
	if (e)
		return e;
	if (n != 1)
		return AG_MFA_BAD_TOKEN; /* spent meanwhile */
	/* the methods may have changed while the step was open (enrollment): read them again */
	struct user *u = pend->user;
	if ((e = user_by_id(a, p->app_id, u->id, &u)))
		return e;
	const char *amr = arena_printf(a, "%s %s mfa", pend->amr ? pend->amr : "", second_amr);
	*session = mfa_session(a, p, u, pend->provider, amr, pend->extra);
	return *session ? AG_OK : AG_EINTERNAL;
}

/* The amr value of a second factor (RFC 8176 where one fits). */
static const char *amr_of(const char *method, bool uv)
{
	if (str_eq(method, "totp"))
		return "otp";
	if (str_eq(method, "passkey"))
		return uv ? "hwk user" : "hwk";
	if (str_eq(method, "recovery"))
		return "rec";
	return method; /* sms, email */
}

enum ag_err mfa_complete(struct arena *a, const struct project *p, const char *mfa_token, const struct mfa_answer *ans,
                         const char *ip, const char **session, struct user **user, struct factor_err *fe)
{
	struct mfa_pending pend;
	enum ag_err e = mfa_peek(a, p, mfa_token, &pend);
	if (e)
		return e;
	if (pend.enroll)
		return AG_MFA_ENROLL_REQUIRED;
	struct factor_actor who = {p, pend.user, ip};
	const char *m = ans->method;
	cJSON *methods = methods_of(a, pend.user);
	bool uv = false;
	if (str_eq(m, "recovery")) {
		e = recovery_verify(a, &who, ans->code, fe);
	} else if (!has_method(methods, m)) {
		return AG_MFA_NOT_ENROLLED;
	} else if (str_eq(m, "totp")) {
		e = totp_verify(a, &who, ans->code, NULL, fe);
	} else if (str_eq(m, "sms") || str_eq(m, "email")) {
		e = code_factor_verify(a, &who, m, ans->code, NULL, fe);
	} else if (str_eq(m, "passkey")) {
		const char *uid = NULL;
		/* the ceremony was started for this user, so the credential must be theirs */
		e = factor_lock_check(p->app_id, pend.user->id, fe);
		if (e == AG_OK)
			e = passkey_auth_verify(a, p, ans->ceremony_id, ans->assertion, ip, &uid, NULL, &uv, fe);
		if (e == AG_OK && !str_eq(uid, pend.user->id))
			e = AG_PASSKEY_UNKNOWN;
	} else {
		return AG_MFA_METHOD;
	}
	if (e)
		return e;
	e = finish(a, p, &pend, amr_of(m, uv), session);
	if (e == AG_OK && user)
		*user = pend.user;
	return e;
}

enum ag_err mfa_complete_enrolled(struct arena *a, const struct project *p, const struct mfa_pending *pend,
                                  const char *method, const char **session)
{
	return finish(a, p, pend, amr_of(method, false), session);
}

cJSON *mfa_enroll_methods(struct arena *a, const struct project *p, const struct user *u)
{
	cJSON *out = json_arr(a);
	static const char *const kinds[][2] = {
	    {"passkey", "passkey"}, {"totp", "totp"}, {"sms", "sms"}, {"email", "email-code"}};
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		const char *m = kinds[i][0];
		if (!project_provider_on(p, kinds[i][1]) || (str_eq(m, "passkey") && !passkey_hosted_ok(a, p)) ||
		    (str_eq(m, "sms") && !sms_provider()) || (str_eq(m, "email") && !u->email))
			continue;
		cJSON_AddItemToArray(out, cJSON_CreateString(m));
	}
	return out;
}

/* ---- the verifier's view ------------------------------------------------------------ */

#define CHANGED_HORIZON_MS ((int64_t)(SESSION_TOKEN_TTL_S + 2 * TOKEN_LEEWAY_S + 5) * 1000)

struct changed {
	int64_t at;
	char methods[]; /* JSON array text */
};

static void *changed_value(const struct store_row *row)
{
	const char *m = row_str(row, 3) ? row_str(row, 3) : "[]";
	size_t n = strlen(m) + 1;
	struct changed *c = malloc(sizeof *c + n);
	if (c) {
		c->at = row_int(row, 2);
		memcpy(c->methods, m, n);
	}
	return c;
}

/* Users whose factors changed within the horizon, loaded whole under the factors' own
 * epoch (CACHE_FACTORS). app_id\nuser_id -> struct changed. */
static const struct epmap_def changed_def = {
	CACHE_FACTORS, "SELECT app_id, id, factors_changed_at, mfa_methods FROM users WHERE factors_changed_at > $1",
	CHANGED_HORIZON_MS, changed_value, "recent factor changes"};
static struct epmap *changed;
static pthread_once_t changed_once = PTHREAD_ONCE_INIT;

static void changed_init(void)
{
	changed = epmap_new(&changed_def);
}

const char *mfa_methods_changed_since(struct arena *a, const char *app_id, const char *user_id, int64_t iat_s)
{
	if (!user_id)
		return NULL;
	pthread_once(&changed_once, changed_init);
	const struct changed *c;
	struct cached *hold;
	if (epmap_get(changed, g_app.store, app_id, user_id, (const void **)&c, &hold))
		return NULL; /* the claim stands when the store cannot be read */
	const char *out = NULL;
	/* iat has second granularity: a token from the change's own second re-reads too */
	if (c && iat_s * 1000 <= c->at + 999)
		out = arena_strdup(a, c->methods);
	cached_unref(hold);
	return out;
}

void mfa_cache_clear(void)
{
	pthread_once(&changed_once, changed_init);
	epmap_clear(changed);
}
