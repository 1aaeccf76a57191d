/* action_sessions.c — sessions made from a met challenge (the Authsignal-compatible
 * /v1/sessions calls). The access token is an HS256 JWT under the project's signing
 * secret (aud "action-session", 10 minutes) naming the session and its generation; the
 * refresh token is 256 random bits stored as its SHA-256, rotated on every refresh (the
 * previous access and refresh tokens stop working); sessions live 30 days from their
 * last refresh. Turning a token into a session spends it like validate does: a met
 * challenge is used once. */
#include <string.h>

#include "auth/actions.h"
#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/jwt.h"
#include "sec/sec.h"
#include "store/store.h"

#define SESSION_AUD "action-session"
#define SESSION_ACCESS_TTL_S 600
#define SESSION_REFRESH_TTL_S (30 * 86400)
#define CLIENT_ID_MAX 128

static const char *access_jwt(struct arena *a, const struct project *p, const char *sid, const char *external_id,
                              const char *client_id, const char *method, int64_t gen, int64_t now_s)
{
	cJSON *c = json_obj(a);
	cJSON_AddStringToObject(c, "iss", "authgate");
	cJSON_AddStringToObject(c, "aud", SESSION_AUD);
	cJSON_AddStringToObject(c, "sub", external_id);
	cJSON_AddStringToObject(c, "app", p->app_id);
	cJSON_AddStringToObject(c, "sid", sid);
	cJSON_AddNumberToObject(c, "gen", (double)gen);
	cJSON_AddStringToObject(c, "client_id", client_id);
	json_add_str(c, "vm", method);
	cJSON_AddNumberToObject(c, "iat", (double)now_s);
	cJSON_AddNumberToObject(c, "exp", (double)(now_s + SESSION_ACCESS_TTL_S));
	return jwt_sign_hs256(a, c, p->token_key);
}

/* A new refresh token and its hash. */
static const char *new_refresh(struct arena *a, char hash[65])
{
	char *t = arena_alloc(a, 64);
	memcpy(t, "asr_", 4);
	rand_token(t + 4, 32);
	sha256_hex(hash, t);
	return t;
}

static cJSON *pair(struct arena *a, const char *access, const char *refresh)
{
	cJSON *o = json_obj(a);
	cJSON_AddStringToObject(o, "accessToken", access);
	cJSON_AddStringToObject(o, "refreshToken", refresh);
	return o;
}

enum ag_err as_session_create(struct arena *a, const struct project *p, const char *client_id, const char *token,
                              const char *code, cJSON **out)
{
	if (!client_id || !*client_id || strlen(client_id) > CLIENT_ID_MAX)
		return AG_AS_CLIENT_ID;
	struct action *act;
	enum action_token_kind kind;
	enum ag_err e = action_from_token(a, token, &act, &kind);
	if (e == AG_AS_TOKEN_EXPIRED || ag_err_is(e, AG_EUNAUTH) || (e == AG_OK && !str_eq(act->app_id, p->app_id)))
		return AG_AS_BAD_TOKEN;
	if (e)
		return e;
	if (code && !str_eq(code, act->code))
		return AG_AS_BAD_TOKEN;
	struct user *u; /* a disabled user's sessions were ended (session_end_all): no new one */
	if ((e = user_by_id(a, p->app_id, act->user_id, &u)))
		return e;
	if (u->disabled_at)
		return AG_USER_DISABLED;
	int64_t now = time_now_ms(), n = 0;
	/* the challenge must be met, and is spent here (validate would refuse it after) */
	e = db_exec_n(g_app.store,
	              "UPDATE actions SET validated_at = $2 WHERE id = $1 AND validated_at IS NULL "
	              "AND state = 'CHALLENGE_SUCCEEDED' AND verified_at > $3",
	              P(SV_TEXT(act->id), SV_INT(now), SV_INT(now - ACTION_ACCESS_TTL_S * 1000LL)), &n);
	if (e)
		return e;
	if (n != 1)
		return AG_AS_NOT_VERIFIED;
	char hash[65];
	const char *refresh = new_refresh(a, hash), *sid = factor_new_id(a, "ses");
	e = db_exec(
	    g_app.store,
	    "INSERT INTO action_sessions (id, app_id, user_id, client_id, verification_method, generation, "
	    "refresh_hash, refresh_expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $8)",
	    P(SV_TEXT(sid), SV_TEXT(p->app_id), SV_TEXT(act->user_id), SV_TEXT(client_id),
	      SV_TEXT(act->verification_method), SV_TEXT(hash), SV_INT(now + SESSION_REFRESH_TTL_S * 1000LL),
	      SV_INT(now)));
	if (e)
		return e;
	*out = pair(a, access_jwt(a, p, sid, act->external_id, client_id, act->verification_method, 1, now / 1000),
	            refresh);
	return AG_OK;
}

struct session_row {
	const char *id, *user_id, *client_id, *method;
	int64_t gen;
};

/* The live session an access token names: signature, audience, expiry, the session
 * not revoked and still at the token's generation. */
static enum ag_err by_access(struct arena *a, const struct project *p, const char *access, struct session_row *s,
                             int64_t *exp_s)
{
	cJSON *c;
	int64_t now = time_now_ms();
	if (!access || strlen(access) > JWT_MAX_LEN ||
	    jwt_verify_hs256(a, access, p->token_key, "authgate", SESSION_AUD, now / 1000, 5, &c) !=
	        JWT_OK ||
	    !str_eq(json_get_str(c, "app"), p->app_id))
		return AG_AS_BAD_TOKEN;
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "SELECT id, user_id, client_id, verification_method, generation FROM action_sessions "
	                       "WHERE id = $1 AND app_id = $2 AND revoked_at IS NULL AND refresh_expires_at > $3",
	                       P(SV_TEXT(json_get_str(c, "sid")), SV_TEXT(p->app_id), SV_INT(now)));
	if (ag_err_is(e, AG_ENOTFOUND) || (e == AG_OK && row_int(&r, 4) != (int64_t)json_get_num(c, "gen", -1)))
		return AG_AS_BAD_TOKEN;
	if (e)
		return e;
	*s = (struct session_row){row_str(&r, 0), row_str(&r, 1), row_str(&r, 2), row_str(&r, 3), row_int(&r, 4)};
	*exp_s = (int64_t)json_get_num(c, "exp", 0);
	return AG_OK;
}

enum ag_err as_session_validate(struct arena *a, const struct project *p, const char *access, const cJSON *client_ids,
                                cJSON **out)
{
	struct session_row s;
	int64_t exp;
	enum ag_err e = by_access(a, p, access, &s, &exp);
	if (e)
		return e;
	if (cJSON_IsArray(client_ids) && cJSON_GetArraySize(client_ids) > 0) {
		bool listed = false;
		const cJSON *c;
		cJSON_ArrayForEach(c, client_ids) listed =
		    listed || (cJSON_IsString(c) && str_eq(c->valuestring, s.client_id));
		if (!listed)
			return AG_AS_BAD_TOKEN;
	}
	struct auser *au;
	if ((e = auser_of_user(a, p, s.user_id, &au)) || (e = auser_json(a, p, au, out)))
		return e;
	cJSON *o = json_obj(a);
	cJSON_AddItemReferenceToObject(o, "user", *out);
	cJSON_AddNumberToObject(o, "expiresAt", (double)exp);
	json_add_str(o, "verificationMethod", s.method);
	cJSON_AddStringToObject(o, "clientId", s.client_id);
	*out = o;
	return AG_OK;
}

enum ag_err as_session_refresh(struct arena *a, const struct project *p, const char *refresh, cJSON **out)
{
	char hash[65], next_hash[65];
	if (!refresh || strlen(refresh) > 128)
		return AG_AS_BAD_TOKEN;
	sha256_hex(hash, refresh);
	int64_t now = time_now_ms();
	const char *next = new_refresh(a, next_hash);
	struct store_row r;
	/* rotate: the presented refresh token and every access token of the old generation end */
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "UPDATE action_sessions SET refresh_hash = $3, generation = generation + 1, "
	                       "refresh_expires_at = $4, updated_at = $5 WHERE refresh_hash = $1 AND app_id = $2 "
	                       "AND revoked_at IS NULL AND refresh_expires_at > $5 "
	                       "RETURNING id, user_id, client_id, verification_method, generation",
	                       P(SV_TEXT(hash), SV_TEXT(p->app_id), SV_TEXT(next_hash),
	                         SV_INT(now + SESSION_REFRESH_TTL_S * 1000LL), SV_INT(now)));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_AS_BAD_TOKEN;
	if (e)
		return e;
	struct auser *au;
	if ((e = auser_of_user(a, p, row_str(&r, 1), &au)))
		return e;
	*out = pair(a,
	            access_jwt(a, p, row_str(&r, 0), au->external_id, row_str(&r, 2), row_str(&r, 3), row_int(&r, 4),
	                       now / 1000),
	            next);
	return AG_OK;
}

enum ag_err as_session_revoke(struct arena *a, const struct project *p, const char *access)
{
	struct session_row s;
	int64_t exp;
	enum ag_err e = by_access(a, p, access, &s, &exp);
	if (e)
		return e;
	return db_exec(g_app.store, "UPDATE action_sessions SET revoked_at = $2, updated_at = $2 WHERE id = $1",
	               P(SV_TEXT(s.id), SV_INT(time_now_ms())));
}

enum ag_err as_session_revoke_user(struct arena *a, const struct project *p, const char *external_id)
{
	struct auser *au;
	enum ag_err e = auser_get(a, p, external_id, false, &au);
	return e ? e : as_sessions_end_user(p->app_id, au->u->id);
}

enum ag_err as_sessions_end_user(const char *app_id, const char *user_id)
{
	return db_exec(g_app.store,
	               "UPDATE action_sessions SET revoked_at = $3, updated_at = $3 WHERE app_id = $1 AND user_id = $2 "
	               "AND revoked_at IS NULL",
	               P(SV_TEXT(app_id), SV_TEXT(user_id), SV_INT(time_now_ms())));
}
