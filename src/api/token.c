/* token.c — POST /api/v1/token/verify (seed 002): is this session JWT valid for the
 * calling project? The hot path: the project and its secret come from the in-memory
 * cache (guard_api_key), the JWT check is HMAC + claims, ended sessions are an
 * in-memory list (auth/sessions.h). No store round trip in the common case, and no JSON
 * tree: the body's members, the JWT header and claims are read in place (core/jscan.h)
 * and the answer is written into the arena. */
#include <string.h>

#include "api/api.h"
#include "auth/mfa.h"
#include "auth/sessions.h"
#include "auth/tokens.h"
#include "core/timeutil.h"

static const char INVALID[] = "{\"valid\":false,\"error\":\"Invalid or expired token\"}";
static const char MISSING[] = "{\"valid\":false,\"error\":\"Missing token\",\"message\":"
			      "\"send {\\\"token\\\": \\\"<JWT>\\\"} in the request body\"}";

void h_token_verify(struct req *r)
{
	const char *tok = req_str(r, "token");
	if (!tok || !*tok) {
		resp_raw(r, 400, "application/json", MISSING, sizeof MISSING - 1);
		return;
	}
	struct jw w;
	if (!api_token_check(r->a, r->project, tok, &w, NULL)) {
		resp_raw(r, 401, "application/json", INVALID, sizeof INVALID - 1);
		return;
	}
	resp_raw(r, 200, "application/json", jw_text(&w), w.len);
}

/* The MFA state carried by the token ({"enrolled":bool,"methods":[...]}), or not
 * enrolled. Issuers that know a user's methods put them in the "mfa" claim. */
static void write_mfa(struct jw *w, const struct jval *mfa)
{
	struct jiter it;
	struct jval k, v, methods = {0};
	if (mfa && mfa->kind == JK_OBJ) {
		jiter_init(&it, mfa);
		while (jiter_next(&it, &k, &v))
			if (jstr_eq(&k, "methods"))
				methods = v;
	}
	int n = 0;
	if (methods.kind == JK_ARR) { /* count first: "enrolled" comes before the list */
		jiter_init(&it, &methods);
		while (jiter_next(&it, NULL, &v))
			n += v.kind == JK_STR;
	}
	if (n)
		jw_lit(w, "{\"enrolled\":true,\"methods\":[");
	else
		jw_lit(w, "{\"enrolled\":false,\"methods\":[");
	if (n) {
		jiter_init(&it, &methods);
		for (int i = 0; jiter_next(&it, NULL, &v);) {
			if (v.kind != JK_STR)
				continue;
			if (i++)
				jw_lit(w, ",");
			jw_jstr(w, &v);
		}
	}
	jw_lit(w, "]}");
}

bool api_token_check(struct arena *a, const struct project *p, const char *tok, struct jw *w,
		     const struct jobj **claims)
{
	/* 4 KiB of members: on the stack unless the caller keeps them (the request's arena
	 * then stays within its first block) */
	struct jobj local, *c = claims ? arena_alloc(a, sizeof *c) : &local;
	if (token_check(a, p, tok, TOKEN_AUD_SESSION, c) != AG_OK)
		return false;
	const struct jval *sub = jobj_get(c, "sub");
	double iat = -1, exp = 0, sv = -1;
	if (!jnum(jobj_get(c, "iat"), &iat))
		iat = -1;
	(void)jnum(jobj_get(c, "exp"), &exp);
	if (!jnum(jobj_get(c, "sv"), &sv) || sv < 0)
		sv = -1;
	if (iat < 0 || session_token_ended(p->app_id, jstr(a, sub, NULL), (int64_t)sv, (int64_t)iat))
		return false;
	if (claims)
		*claims = c;
	/* Strings are copied as the token carried them: jscan accepted them, so their
	 * escapes are valid JSON. */
	jw_init(w, a, 512);
	jw_lit(w, "{\"valid\":true,\"user\":{\"id\":");
	jw_jstr(w, sub);
	static const char *const user_fields[] = {"email", "name", "picture", "provider"};
	for (size_t i = 0; i < sizeof user_fields / sizeof *user_fields; i++) {
		jw_lit(w, ",\"");
		jw_raw(w, user_fields[i], strlen(user_fields[i]));
		jw_lit(w, "\":");
		jw_jstr(w, jobj_get(c, user_fields[i]));
	}
	jw_lit(w, "},\"mfa\":");
	/* the claim, unless the user's factors changed after the token was issued */
	const char *now_methods = mfa_methods_changed_since(a, p->app_id, jstr(a, sub, NULL), (int64_t)iat);
	if (now_methods) {
		if (strcmp(now_methods, "[]"))
			jw_lit(w, "{\"enrolled\":true,\"methods\":");
		else
			jw_lit(w, "{\"enrolled\":false,\"methods\":");
		jw_raw(w, now_methods, strlen(now_methods));
		jw_lit(w, "}");
	} else {
		write_mfa(w, jobj_get(c, "mfa"));
	}
	char ts[32];
	time_iso8601(ts, (int64_t)exp * 1000, true);
	jw_lit(w, ",\"expiresAt\":\"");
	jw_raw(w, ts, strlen(ts));
	jw_lit(w, "\"}");
	return true;
}
