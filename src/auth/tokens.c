#include "auth/tokens.h"

#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"
#include "sec/jwt.h"
#include "sec/sec.h"

char *token_issue(struct arena *a, const struct project *p, const struct user *u, const char *aud,
		  const char *provider, int ttl_s, const cJSON *extra)
{
	int64_t now = time_now_ms() / 1000;
	char jti[32];
	rand_token(jti, 16);
	cJSON *c = json_obj(a);
	cJSON_AddStringToObject(c, "iss", TOKEN_ISSUER);
	cJSON_AddStringToObject(c, "aud", aud);
	cJSON_AddStringToObject(c, "sub", u->id);
	cJSON_AddStringToObject(c, "app", p->app_id);
	json_add_str(c, "email", u->email);
	json_add_str(c, "name", u->name);
	json_add_str(c, "picture", u->picture);
	cJSON_AddBoolToObject(c, "email_verified", u->email_verified);
	cJSON_AddStringToObject(c, "provider", provider);
	cJSON_AddNumberToObject(c, "iat", (double)now);
	cJSON_AddNumberToObject(c, "exp", (double)(now + ttl_s));
	cJSON_AddStringToObject(c, "jti", jti);
	cJSON_AddNumberToObject(c, "sv", (double)u->tokens_valid_after);
	const cJSON *e;
	cJSON_ArrayForEach(e, extra)
	{
		cJSON_DeleteItemFromObjectCaseSensitive(c, e->string);
		cJSON_AddItemToObject(c, e->string, cJSON_Duplicate(e, 1));
	}
	return jwt_sign_hs256(a, c, p->token_key);
}

enum ag_err token_verify(struct arena *a, const struct project *p, const char *token, const char *aud,
			 cJSON **claims)
{
	*claims = NULL;
	cJSON *c = NULL;
	enum jwt_err je =
		jwt_verify_hs256(a, token, p->token_key, TOKEN_ISSUER, aud, time_now_ms() / 1000, TOKEN_LEEWAY_S, &c);
	if (je != JWT_OK)
		return AG_EUNAUTH;
	if (!str_eq(json_get_str(c, "app"), p->app_id) || !json_get_str(c, "sub"))
		return AG_EUNAUTH;
	*claims = c;
	return AG_OK;
}

enum ag_err token_check(struct arena *a, const struct project *p, const char *token, const char *aud,
			struct jobj *claims)
{
	if (jwt_check_hs256_cached(a, token, p->token_key, p->token_cache, TOKEN_ISSUER, aud, time_now_ms() / 1000,
				   TOKEN_LEEWAY_S, claims) != JWT_OK)
		return AG_EUNAUTH;
	const struct jval *sub = jobj_get(claims, "sub");
	if (!jstr_eq(jobj_get(claims, "app"), p->app_id) || !sub || sub->kind != JK_STR) {
		claims->n = -1;
		return AG_EUNAUTH;
	}
	return AG_OK;
}
