/* actions.c — tracked actions: track (idempotent), the rules' outcome, tokens, state
 * changes, validation. See actions.h for the model. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "auth/actions.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

static const char *const states[] = {"ALLOW",
                                     "BLOCK",
                                     "CHALLENGE_REQUIRED",
                                     "CHALLENGE_SUCCEEDED",
                                     "CHALLENGE_FAILED",
                                     "REVIEW_REQUIRED",
                                     "REVIEW_SUCCEEDED",
                                     "REVIEW_FAILED"};

static const char *const scopes[] = {"read:authenticators", "add:authenticators", "remove:authenticators",
                                     "update:authenticators"};

bool action_state_known(const char *state)
{
	for (size_t i = 0; i < ARRAY_LEN(states); i++)
		if (str_eq(states[i], state))
			return true;
	return false;
}

bool action_code_ok(const char *code)
{
	size_t n = code ? strlen(code) : 0;
	if (n == 0 || n > ACTION_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = code[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* An idempotency key: 1..128 bytes of visible ASCII but '/' (it is a path segment). */
static bool ikey_ok(const char *k)
{
	size_t n = k ? strlen(k) : 0;
	if (n == 0 || n > ACTION_IKEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (k[i] <= 0x20 || k[i] >= 0x7f || k[i] == '/')
			return false;
	return true;
}

static bool scope_ok(const char *scope)
{
	const char *s = scope;
	while (s && *s) {
		size_t n = strcspn(s, " ");
		bool known = false;
		for (size_t i = 0; i < ARRAY_LEN(scopes); i++)
			known = known || (strlen(scopes[i]) == n && strncmp(scopes[i], s, n) == 0);
		if (!known && n)
			return false;
		s += n;
		s += strspn(s, " ");
	}
	return true;
}

static bool has_scope(const char *scope, const char *want)
{
	size_t n = strlen(want);
	for (const char *s = scope; s && (s = strstr(s, want)); s += n)
		if ((s == scope || s[-1] == ' ') && (s[n] == 0 || s[n] == ' '))
			return true;
	return false;
}

/* A random version 4 UUID: the idempotency key track makes when none is given. */
static const char *uuid4(struct arena *a)
{
	unsigned char b[16];
	rand_bytes(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	char h[33];
	str_hex(h, b, sizeof b);
	return arena_printf(a, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

/* ---- rows ---------------------------------------------------------------------------- */

#define ACT_COLS                                                                                                       \
	"a.id, a.app_id, a.user_id, u.external_id, a.code, a.idempotency_key, a.state, a.state_updated_at, "           \
	"a.created_at, a.updated_at, a.token_expires_at, a.verified_at, a.validated_at, a.rule_ids, a.rules, "         \
	"a.verification_method, a.authenticator_id, a.pending_factor_id, a.redirect_url, a.scope, a.ip, "              \
	"a.user_agent, a.device_id, a.attrs, us.disabled_at"
#define ACT_FROM " FROM actions a JOIN action_users u ON u.user_id = a.user_id JOIN users us ON us.id = a.user_id "

static struct action *from_row(struct arena *a, const struct store_row *r)
{
	struct action *x = arena_calloc(a, sizeof *x);
	x->id = row_str(r, 0);
	x->app_id = row_str(r, 1);
	x->user_id = row_str(r, 2);
	x->external_id = row_str(r, 3);
	x->code = row_str(r, 4);
	x->idempotency_key = row_str(r, 5);
	x->state = row_str(r, 6);
	x->state_updated_at = row_int(r, 7);
	x->created_at = row_int(r, 8);
	x->updated_at = row_int(r, 9);
	x->token_expires_at = row_int(r, 10);
	x->verified_at = row_str(r, 11) ? row_int(r, 11) : 0;
	x->validated_at = row_str(r, 12) ? row_int(r, 12) : 0;
	x->rule_ids = row_str(r, 13);
	x->rules = row_str(r, 14);
	x->verification_method = row_str(r, 15);
	x->authenticator_id = row_str(r, 16);
	x->pending_factor_id = row_str(r, 17);
	x->redirect_url = row_str(r, 18);
	x->scope = row_str(r, 19);
	x->ip = row_str(r, 20);
	x->user_agent = row_str(r, 21);
	x->device_id = row_str(r, 22);
	x->attrs = row_str(r, 23);
	x->user_disabled = row_str(r, 24) != NULL;
	return x;
}

static enum ag_err by_id(struct arena *a, const char *id, struct action **out)
{
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r, "SELECT " ACT_COLS ACT_FROM "WHERE a.id = $1", P(SV_TEXT(id)));
	if (e == AG_OK)
		*out = from_row(a, &r);
	return e;
}

static enum ag_err by_ikey(struct arena *a, const char *app_id, const char *ikey, struct action **out)
{
	struct store_row r;
	enum ag_err e =
	    db_row(g_app.store, a, &r, "SELECT " ACT_COLS ACT_FROM "WHERE a.app_id = $1 AND a.idempotency_key = $2",
	           P(SV_TEXT(app_id), SV_TEXT(ikey)));
	if (e == AG_OK)
		*out = from_row(a, &r);
	return e;
}

/* ---- tokens ------------------------------------------------------------------------- */

static unsigned char token_key[32];
static pthread_once_t token_key_once = PTHREAD_ONCE_INIT;

static void token_key_init(void)
{
	master_derive(token_key, sizeof token_key, "authgate action token v1");
}

static const char *const token_prefix[] = {"ast.", "asa."};

static void token_mac(char out[44], enum action_token_kind kind, const char *id, const char *app_id)
{
	pthread_once(&token_key_once, token_key_init);
	char msg[256];
	int n = snprintf(msg, sizeof msg, "%s\n%s\n%s", token_prefix[kind], id, app_id);
	unsigned char mac[SHA256_LEN];
	hmac_sha256(mac, token_key, sizeof token_key, msg, n > 0 && (size_t)n < sizeof msg ? (size_t)n : 0);
	str_b64url(out, mac, sizeof mac);
}

const char *action_token(struct arena *a, const struct action *act, enum action_token_kind kind)
{
	char mac[44];
	token_mac(mac, kind, act->id, act->app_id);
	return arena_printf(a, "%s%s.%s", token_prefix[kind], act->id, mac);
}

/* The action a well-formed, authentic token names, whatever its lifetime. */
static enum ag_err token_lookup(struct arena *a, const char *token, struct action **out, enum action_token_kind *kind)
{
	size_t n = token ? strlen(token) : 0;
	if (n < 10 || n > 200)
		return AG_AS_BAD_TOKEN;
	enum action_token_kind k = str_starts(token, "ast.")   ? ACTION_TOKEN_TRACK
	                           : str_starts(token, "asa.") ? ACTION_TOKEN_ACCESS
	                                                       : (enum action_token_kind) - 1;
	const char *id = token + 4, *dot = strchr(id, '.');
	if ((int)k < 0 || !dot || !str_starts(id, "act_"))
		return AG_AS_BAD_TOKEN;
	const char *act_id = arena_strndup(a, id, (size_t)(dot - id));
	struct action *act;
	enum ag_err e = by_id(a, act_id, &act);
	if (e)
		return ag_err_is(e, AG_ENOTFOUND) ? AG_AS_BAD_TOKEN : e;
	char mac[44];
	token_mac(mac, k, act->id, act->app_id);
	if (!ct_streq(mac, dot + 1))
		return AG_AS_BAD_TOKEN;
	*out = act;
	*kind = k;
	return AG_OK;
}

enum ag_err action_from_token(struct arena *a, const char *token, struct action **out, enum action_token_kind *kind)
{
	enum ag_err e = token_lookup(a, token, out, kind);
	if (e)
		return e;
	int64_t now = time_now_ms();
	bool live = *kind == ACTION_TOKEN_TRACK
	                ? (*out)->token_expires_at > now
	                : (*out)->verified_at && (*out)->verified_at + ACTION_ACCESS_TTL_S * 1000LL > now;
	return live ? AG_OK : AG_AS_TOKEN_EXPIRED;
}

/* ---- track -------------------------------------------------------------------------- */

static const char *state_of(const struct rule_result *rr, bool enrolled)
{
	if (str_eq(rr->outcome, "ALLOW"))
		return "ALLOW";
	if (str_eq(rr->outcome, "BLOCK"))
		return "BLOCK";
	if (str_eq(rr->outcome, "REVIEW"))
		return "REVIEW_REQUIRED";
	/* CHALLENGE: a user without an authenticator cannot be challenged by default; a rule
	 * that asks for it means "enroll now" (the hosted page offers enrollment). */
	return enrolled || rr->by_rule ? "CHALLENGE_REQUIRED" : "ALLOW";
}

/* The profile attributes a track call asserts (only those that changed are written). */
static struct ag_error track_profile(struct arena *a, const struct project *p, const struct track_in *in,
                                     struct auser **au)
{
	cJSON *attrs = json_obj(a);
	if (in->email && !str_eq(user_normalize_email(a, in->email), (*au)->email))
		cJSON_AddStringToObject(attrs, "email", in->email);
	if (in->phone && !str_eq(in->phone, (*au)->phone))
		cJSON_AddStringToObject(attrs, "phoneNumber", in->phone);
	if (in->username && !str_eq(in->username, (*au)->username))
		cJSON_AddStringToObject(attrs, "username", in->username);
	if (in->locale && !str_eq(in->locale, (*au)->locale))
		cJSON_AddStringToObject(attrs, "locale", in->locale);
	if (!cJSON_GetArraySize(attrs))
		return AG_ERROR(AG_OK);
	return auser_update(a, p, (*au)->external_id, attrs, au);
}

static enum ag_err track_check(const struct project *p, struct arena *a, const struct track_in *in)
{
	if (!action_code_ok(in->code))
		return AG_AS_ACTION_CODE;
	if (!action_user_id_ok(in->external_id))
		return AG_AS_USER_ID;
	if (in->idempotency_key && !ikey_ok(in->idempotency_key))
		return AG_AS_IKEY;
	if (in->redirect_url && !project_allows_callback(a, p, in->redirect_url))
		return AG_AS_REDIRECT;
	if (in->scope && !scope_ok(in->scope))
		return AG_AS_SCOPE;
	if (in->device_id && (strlen(in->device_id) > 128 || !str_is_utf8(in->device_id, strlen(in->device_id))))
		return AG_AS_DEVICE_ID;
	if (in->custom && auser_custom_check(in->custom).code)
		return AG_AS_CUSTOM;
	return AG_OK;
}

/* The answer for an idempotency key seen before: the same action, if it is the same. */
static enum ag_err replay(struct arena *a, const struct project *p, const struct track_in *in, struct action *act,
                          struct track_out *out)
{
	if (!str_eq(act->external_id, in->external_id) || !str_eq(act->code, in->code))
		return AG_AS_IKEY_CONFLICT;
	out->act = act;
	out->replayed = true;
	out->token = action_token(a, act, ACTION_TOKEN_TRACK);
	enum ag_err e = auser_get(a, p, act->external_id, false, &out->user);
	return e ? e : auser_methods(a, p, out->user, &out->enrolled, &out->allowed, &out->dflt);
}

struct ag_error action_track(struct arena *a, const struct project *p, const struct track_in *in, struct track_out *out)
{
	memset(out, 0, sizeof *out);
	enum ag_err e = track_check(p, a, in);
	if (e)
		return AG_ERROR(e);
	struct action *act;
	if (in->idempotency_key && !ag_err_is(e = by_ikey(a, p->app_id, in->idempotency_key, &act), AG_ENOTFOUND))
		return AG_ERROR(e ? e : replay(a, p, in, act, out));
	struct auser *au;
	if ((e = auser_get(a, p, in->external_id, true, &au)))
		return AG_ERROR(e);
	struct ag_error err = track_profile(a, p, in, &au);
	if (err.code)
		return err;
	if ((e = auser_methods(a, p, au, &out->enrolled, &out->allowed, &out->dflt)))
		return AG_ERROR(e);
	int64_t now = time_now_ms();
	struct rule_input ri = {
	    p, au, in->code, in->ip, in->device_id, in->custom, cJSON_GetArraySize(out->enrolled) > 0, now};
	struct rule_result rr;
	if ((e = rules_evaluate(a, &ri, &rr)))
		return AG_ERROR(e);
	const char *state = state_of(&rr, ri.enrolled);
	cJSON *attrs = json_obj(a);
	if (in->custom)
		cJSON_AddItemReferenceToObject(attrs, "custom", (cJSON *)in->custom);
	if (in->locale)
		cJSON_AddStringToObject(attrs, "locale", in->locale);
	if (in->redirect_to_settings)
		cJSON_AddTrueToObject(attrs, "redirectToSettings");
	char rnd[24];
	rand_token(rnd, 16);
	const char *id = arena_printf(a, "act_%s", rnd);
	const char *ikey = in->idempotency_key ? in->idempotency_key : uuid4(a);
	e = db_exec(g_app.store,
	            "INSERT INTO actions (id, app_id, user_id, code, idempotency_key, state, state_updated_at, "
	            "rule_ids, rules, "
	            "redirect_url, scope, ip, user_agent, device_id, attrs, token_expires_at, created_at, updated_at) "
	            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $7, $7)",
	            P(SV_TEXT(id), SV_TEXT(p->app_id), SV_TEXT(au->u->id), SV_TEXT(in->code), SV_TEXT(ikey),
	              SV_TEXT(state), SV_INT(now), SV_TEXT(rr.rule_ids), SV_TEXT(rr.rules), SV_TEXT(in->redirect_url),
	              SV_TEXT(in->scope ? in->scope : ""), SV_TEXT(in->ip), SV_TEXT(in->user_agent),
	              SV_TEXT(in->device_id), SV_TEXT(json_print(a, attrs)),
	              SV_INT(now + ACTION_TOKEN_TTL_S * 1000LL)));
	if (ag_err_is(e, AG_ECONFLICT) && in->idempotency_key) /* the same key, tracked concurrently */
		return AG_ERROR((e = by_ikey(a, p->app_id, ikey, &act)) ? e : replay(a, p, in, act, out));
	if (e == AG_OK && str_eq(state, "ALLOW"))
		e = rules_seen(au->u->id, in->ip, in->device_id);
	if (e)
		return AG_ERROR(e);
	/* the row as written (no read back) */
	act = arena_calloc(a, sizeof *act);
	*act = (struct action){.id = id,
	                       .app_id = p->app_id,
	                       .user_id = au->u->id,
	                       .external_id = au->external_id,
	                       .code = in->code,
	                       .idempotency_key = ikey,
	                       .state = state,
	                       .state_updated_at = now,
	                       .created_at = now,
	                       .updated_at = now,
	                       .token_expires_at = now + ACTION_TOKEN_TTL_S * 1000LL,
	                       .rule_ids = rr.rule_ids,
	                       .rules = rr.rules,
	                       .redirect_url = in->redirect_url,
	                       .scope = in->scope ? in->scope : "",
	                       .ip = in->ip,
	                       .user_agent = in->user_agent,
	                       .device_id = in->device_id,
	                       .attrs = json_print(a, attrs),
	                       .user_disabled = au->u->disabled_at != 0};
	out->act = act;
	out->user = au;
	out->token = action_token(a, act, ACTION_TOKEN_TRACK);
	return AG_ERROR(AG_OK);
}

/* ---- reading and changing --------------------------------------------------------------- */

enum ag_err action_get(struct arena *a, const struct project *p, const char *external_id, const char *code,
                       const char *ikey, struct action **out)
{
	enum ag_err e = by_ikey(a, p->app_id, ikey, out);
	if (e == AG_OK && (!str_eq((*out)->external_id, external_id) || !str_eq((*out)->code, code)))
		e = AG_ENOTFOUND;
	return ag_err_is(e, AG_ENOTFOUND) ? AG_AS_ACTION_NOT_FOUND : e;
}

static cJSON *parsed(struct arena *a, const char *s)
{
	cJSON *v = NULL;
	const char *detail;
	if (!s || json_parse_strict(a, s, strlen(s), &v, &detail) != JSON_OK)
		return json_arr(a);
	return v;
}

/* What getAction and validate both answer of an action. */
static void action_core_json(cJSON *o, const struct action *act)
{
	cJSON_AddStringToObject(o, "state", act->state);
	json_add_time(o, "stateUpdatedAt", act->state_updated_at);
	cJSON_AddStringToObject(o, "userId", act->external_id);
	cJSON_AddStringToObject(o, "actionCode", act->code);
	cJSON_AddStringToObject(o, "idempotencyKey", act->idempotency_key);
	if (act->verification_method)
		cJSON_AddStringToObject(o, "verificationMethod", act->verification_method);
}

cJSON *action_json(struct arena *a, const struct action *act)
{
	cJSON *o = json_obj(a);
	action_core_json(o, act);
	json_add_time(o, "createdAt", act->created_at);
	json_add_time(o, "updatedAt", act->updated_at);
	if (act->authenticator_id)
		cJSON_AddStringToObject(o, "verifiedByAuthenticatorId", act->authenticator_id);
	cJSON *ids = parsed(a, act->rule_ids), *rules = parsed(a, act->rules);
	cJSON_AddItemReferenceToObject(o, "ruleIds", ids);
	cJSON_AddItemReferenceToObject(o, "rules", rules);
	if (cJSON_GetArraySize(ids) > 0)
		cJSON_AddItemToObject(o, "priorityRuleId", cJSON_Duplicate(cJSON_GetArrayItem(ids, 0), true));
	cJSON *out = cJSON_AddObjectToObject(o, "output");
	cJSON_AddStringToObject(out, "state", act->state);
	cJSON_AddItemToObject(out, "ruleIds", cJSON_Duplicate(ids, true));
	return o;
}

enum ag_err action_set_state(struct arena *a, const struct project *p, struct action *act, const char *state)
{
	if (!action_state_known(state))
		return AG_AS_STATE;
	int64_t now = time_now_ms();
	enum ag_err e = db_exec(
	    g_app.store,
	    "UPDATE actions SET state = $3, state_updated_at = $4, updated_at = $4 WHERE app_id = $1 AND id = $2",
	    P(SV_TEXT(p->app_id), SV_TEXT(act->id), SV_TEXT(state), SV_INT(now)));
	struct action *fresh;
	if (e == AG_OK && (e = by_id(a, act->id, &fresh)) == AG_OK)
		*act = *fresh;
	if (e == AG_OK)
		factor_log(p->app_id, act->user_id, "actions.state_set", NULL, NULL, NULL, state);
	return e;
}

struct list_ctx {
	struct arena *a;
	cJSON *arr;
};

static int list_row(void *ud, const struct store_row *r)
{
	struct list_ctx *c = ud;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "actionCode", row_str(r, 0));
	cJSON_AddStringToObject(o, "idempotencyKey", row_str(r, 1));
	json_add_time(o, "createdAt", row_int(r, 2));
	json_add_time(o, "updatedAt", row_int(r, 3));
	cJSON_AddStringToObject(o, "state", row_str(r, 4));
	json_add_time(o, "stateUpdatedAt", row_int(r, 5));
	if (row_str(r, 6))
		cJSON_AddStringToObject(o, "verificationMethod", row_str(r, 6));
	if (row_str(r, 7))
		cJSON_AddStringToObject(o, "verifiedByAuthenticatorId", row_str(r, 7));
	cJSON_AddItemToArray(c->arr, o);
	return 0;
}

enum ag_err action_list(struct arena *a, const struct project *p, const char *external_id, int64_t from_ms,
                        const char *codes, const char *state, cJSON **out)
{
	struct auser *au;
	*out = json_arr(a);
	enum ag_err e = auser_get(a, p, external_id, false, &au);
	if (e)
		return e;
	if (state && !action_state_known(state))
		return AG_AS_STATE;
	/* codes: "signIn,transfer" -> ",signIn,transfer,", each row's code looked up in it
	 * with LIKE ('_', a LIKE wildcard that codes may hold, escaped). */
	const char *list = codes && *codes ? arena_printf(a, ",%s,", codes) : "";
	struct list_ctx c = {a, *out};
	return db_query(
	    g_app.store,
	    "SELECT code, idempotency_key, created_at, updated_at, state, state_updated_at, verification_method, "
	    "authenticator_id FROM actions WHERE app_id = $1 AND user_id = $2 AND created_at >= $3 "
	    "AND ($4 = '' OR $4 LIKE '%,' || replace(code, '_', '\\_') || ',%' ESCAPE '\\') AND ($5 = '' OR state = "
	    "$5) "
	    "ORDER BY created_at DESC, id DESC LIMIT 100",
	    P(SV_TEXT(p->app_id), SV_TEXT(au->u->id), SV_INT(from_ms), SV_TEXT(list), SV_TEXT(state ? state : "")),
	    list_row, &c);
}

/* ---- validation -------------------------------------------------------------------------- */

static cJSON *refused(struct arena *a, const char *why)
{
	cJSON *o = json_obj(a);
	cJSON_AddFalseToObject(o, "isValid");
	cJSON_AddStringToObject(o, "error", why);
	return o;
}

enum ag_err action_validate(struct arena *a, const struct project *p, const char *token, const char *external_id,
                            const char *code, cJSON **out)
{
	struct action *act;
	enum action_token_kind kind;
	enum ag_err e = token_lookup(a, token, &act, &kind);
	if (ag_err_is(e, AG_EUNAUTH) || (e == AG_OK && !str_eq(act->app_id, p->app_id))) {
		*out = refused(a, "the token is not valid");
		return AG_OK;
	}
	if (e)
		return e;
	if (external_id && !str_eq(external_id, act->external_id)) {
		*out = refused(a, "the token is for another user");
		return AG_OK;
	}
	if (code && !str_eq(code, act->code)) {
		*out = refused(a, "the token is for another action");
		return AG_OK;
	}
	if (act->user_disabled) {
		/* Disabled after the track (or since the challenge was met): what validating a
		 * blocked action answers, whatever the row's state says. Not spent: an
		 * administrator who enables the user again within the window re-grants it. */
		*out = refused(a, "the user is disabled");
		cJSON_AddStringToObject(*out, "state", "BLOCK");
		cJSON_AddStringToObject(*out, "userId", act->external_id);
		cJSON_AddStringToObject(*out, "actionCode", act->code);
		cJSON_AddStringToObject(*out, "idempotencyKey", act->idempotency_key);
		return AG_OK;
	}
	int64_t now = time_now_ms();
	bool met = str_eq(act->state, "CHALLENGE_SUCCEEDED") && act->verified_at;
	if (met && act->validated_at) {
		*out = refused(a, "the token was validated already: a result is valid once");
		return AG_OK;
	}
	if (met && act->verified_at + ACTION_ACCESS_TTL_S * 1000LL <= now) {
		*out = refused(a, "the token expired: a result must be validated within 10 minutes");
		return AG_OK;
	}
	if (met) {
		int64_t n = 0;
		e = db_exec_n(g_app.store,
		              "UPDATE actions SET validated_at = $2 WHERE id = $1 AND validated_at IS NULL",
		              P(SV_TEXT(act->id), SV_INT(now)), &n);
		if (e)
			return e;
		if (n != 1) {
			*out = refused(a, "the token was validated already: a result is valid once");
			return AG_OK;
		}
	}
	*out = json_obj(a);
	cJSON_AddBoolToObject(*out, "isValid", met);
	action_core_json(*out, act);
	return AG_OK;
}

/* ---- challenges ----------------------------------------------------------------------- */

enum ag_err action_may_challenge(const struct action *act)
{
	if (act->user_disabled)
		return AG_USER_DISABLED;
	if (str_eq(act->state, "BLOCK"))
		return AG_AS_BLOCKED;
	if (str_starts(act->state, "REVIEW_"))
		return AG_AS_IN_REVIEW;
	if (act->validated_at)
		return AG_AS_VALIDATED;
	return AG_OK;
}

enum ag_err action_may_enroll(struct arena *a, const struct project *p, const struct action *act)
{
	enum ag_err e = action_may_challenge(act);
	if (e)
		return e;
	int64_t n = 0;
	e = db_int(g_app.store, &n,
	           "SELECT COUNT(*) FROM factors WHERE app_id = $1 AND user_id = $2 AND status = 'active'",
	           P(SV_TEXT(p->app_id), SV_TEXT(act->user_id)));
	if (e || n == 0)
		return e;
	if (!has_scope(act->scope, "add:authenticators"))
		return AG_AS_SCOPE_REQUIRED;
	if (!str_eq(act->state, "CHALLENGE_SUCCEEDED"))
		return AG_AS_VERIFY_FIRST;
	(void)a;
	return AG_OK;
}

enum ag_err action_met(struct arena *a, const struct project *p, struct action *act, const char *method,
                       const char *factor_id, const char **access)
{
	int64_t now = time_now_ms(), n = 0;
	enum ag_err e =
	    db_exec_n(g_app.store,
	              "UPDATE actions SET state = 'CHALLENGE_SUCCEEDED', state_updated_at = $3, updated_at = $3, "
	              "verified_at = $3, verification_method = $4, authenticator_id = $5, pending_factor_id = NULL "
	              "WHERE app_id = $1 AND id = $2 AND validated_at IS NULL "
	              "AND state NOT IN ('BLOCK', 'REVIEW_REQUIRED', 'REVIEW_SUCCEEDED', 'REVIEW_FAILED') "
	              "AND NOT EXISTS (SELECT 1 FROM users WHERE id = actions.user_id AND disabled_at IS NOT NULL)",
	              P(SV_TEXT(p->app_id), SV_TEXT(act->id), SV_INT(now), SV_TEXT(method), SV_TEXT(factor_id)), &n);
	if (e)
		return e;
	if (n != 1) /* the callers asked action_may_challenge; the NOT EXISTS closes the race
	             * with a disable landing while the code was checked */
		return AG_AS_NOT_COMPLETABLE;
	if ((e = rules_seen(act->user_id, act->ip, act->device_id)))
		log_error("actions", "cannot record the device of a met challenge");
	struct action *fresh;
	if ((e = by_id(a, act->id, &fresh)))
		return e;
	*act = *fresh;
	*access = action_token(a, act, ACTION_TOKEN_ACCESS);
	return AG_OK;
}

enum ag_err action_failed(struct arena *a, struct action *act)
{
	int64_t now = time_now_ms();
	(void)a;
	return db_exec(g_app.store,
	               "UPDATE actions SET state = 'CHALLENGE_FAILED', state_updated_at = $2, updated_at = $2 "
	               "WHERE id = $1 AND state = 'CHALLENGE_REQUIRED'",
	               P(SV_TEXT(act->id), SV_INT(now)));
}

enum ag_err action_set_pending_factor(struct action *act, const char *factor_id)
{
	act->pending_factor_id = factor_id;
	return db_exec(g_app.store, "UPDATE actions SET pending_factor_id = $2 WHERE id = $1",
	               P(SV_TEXT(act->id), SV_TEXT(factor_id)));
}

enum ag_err action_create_met(struct arena *a, const struct project *p, const struct auser *au, const char *code,
                              const char *method, const char *factor_id, const char *ip, const char *user_agent,
                              const char *device_id, struct action **out, const char **access)
{
	int64_t now = time_now_ms();
	struct rule_input ri = {p, au, code, ip, device_id, NULL, true, now};
	struct rule_result rr;
	enum ag_err e = rules_evaluate(a, &ri, &rr);
	if (e)
		return e;
	/* A rule may still block or hold a sign-in that proved the credential. */
	const char *state = str_eq(rr.outcome, "BLOCK")    ? "BLOCK"
	                    : str_eq(rr.outcome, "REVIEW") ? "REVIEW_REQUIRED"
	                                                   : "CHALLENGE_SUCCEEDED";
	bool met = str_eq(state, "CHALLENGE_SUCCEEDED");
	char rnd[24];
	rand_token(rnd, 16);
	const char *id = arena_printf(a, "act_%s", rnd);
	e = db_exec(g_app.store,
	            "INSERT INTO actions (id, app_id, user_id, code, idempotency_key, state, state_updated_at, "
	            "rule_ids, rules, "
	            "ip, user_agent, device_id, token_expires_at, verified_at, verification_method, authenticator_id, "
	            "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $7, $13, $14, "
	            "$15, $7, $7)",
	            P(SV_TEXT(id), SV_TEXT(p->app_id), SV_TEXT(au->u->id), SV_TEXT(code), SV_TEXT(uuid4(a)),
	              SV_TEXT(state), SV_INT(now), SV_TEXT(rr.rule_ids), SV_TEXT(rr.rules), SV_TEXT(ip),
	              SV_TEXT(user_agent), SV_TEXT(device_id), met ? SV_INT(now) : SV_NULL, SV_TEXT(method),
	              SV_TEXT(factor_id)));
	if (e == AG_OK && met)
		e = rules_seen(au->u->id, ip, device_id);
	if (e == AG_OK)
		e = by_id(a, id, out);
	if (e == AG_OK)
		*access = met ? action_token(a, *out, ACTION_TOKEN_ACCESS) : NULL;
	return e;
}
