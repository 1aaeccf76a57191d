/* token.c — POST /api/v1/token/verify (seed 002): is this session JWT valid for the
 * calling project? The hot path: the project and its secret come from the in-memory
 * cache (guard_api_key), the JWT check is HMAC + claims, ended sessions are an
 * in-memory list (auth/sessions.h). No store round trip in the common case. */
#include <string.h>

#include "api/api.h"
#include "auth/sessions.h"
#include "auth/tokens.h"
#include "core/timeutil.h"

static void invalid(struct req *r)
{
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "valid", false);
	cJSON_AddStringToObject(o, "error", "Invalid or expired token");
	resp_json(r, 401, o);
}

/* The MFA state carried by the token ({"enrolled":bool,"methods":[...]}), or not
 * enrolled. Issuers that know a user's methods put them in the "mfa" claim. */
static cJSON *mfa_of(const cJSON *claims)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(claims, "mfa");
	cJSON *out = cJSON_CreateObject();
	cJSON *methods = cJSON_CreateArray();
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(m, "methods");
	const cJSON *e;
	cJSON_ArrayForEach(e, list) if (cJSON_IsString(e)) cJSON_AddItemToArray(methods, cJSON_CreateString(e->valuestring));
	cJSON_AddBoolToObject(out, "enrolled", cJSON_GetArraySize(methods) > 0);
	cJSON_AddItemToObject(out, "methods", methods);
	return out;
}

void h_token_verify(struct req *r)
{
	const char *tok = req_str(r, "token");
	if (!tok || !*tok) {
		cJSON *o = json_obj(r->a);
		cJSON_AddBoolToObject(o, "valid", false);
		cJSON_AddStringToObject(o, "error", "Missing token");
		cJSON_AddStringToObject(o, "message", "send {\"token\": \"<JWT>\"} in the request body");
		resp_json(r, 400, o);
		return;
	}
	cJSON *o = api_token_check(r->a, r->project, tok, NULL);
	if (!o) {
		invalid(r);
		return;
	}
	resp_json(r, 200, o);
}

cJSON *api_token_check(struct arena *a, const struct project *p, const char *tok, cJSON **claims)
{
	cJSON *c = NULL;
	if (token_verify(a, p, tok, TOKEN_AUD_SESSION, &c) != AG_OK)
		return NULL;
	const char *sub = json_get_str(c, "sub");
	double iat = json_get_num(c, "iat", -1), exp = json_get_num(c, "exp", 0);
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(c, "sv");
	int64_t sv_ms = cJSON_IsNumber(sv) && sv->valuedouble >= 0 ? (int64_t)sv->valuedouble : -1;
	if (iat < 0 || session_token_ended(p->app_id, sub, sv_ms, (int64_t)iat))
		return NULL;
	if (claims)
		*claims = c;
	cJSON *o = json_obj(a);
	cJSON_AddBoolToObject(o, "valid", true);
	cJSON *u = cJSON_AddObjectToObject(o, "user");
	cJSON_AddStringToObject(u, "id", sub);
	json_add_str(u, "email", json_get_str(c, "email"));
	json_add_str(u, "name", json_get_str(c, "name"));
	json_add_str(u, "picture", json_get_str(c, "picture"));
	json_add_str(u, "provider", json_get_str(c, "provider"));
	cJSON_AddItemToObject(o, "mfa", mfa_of(c));
	char ts[32];
	time_iso8601(ts, (int64_t)exp * 1000, true);
	cJSON_AddStringToObject(o, "expiresAt", ts);
	return o;
}
