/* tokens.h — the JWTs AuthGate hands out: HS256 signed with the project's secret,
 * iss "authgate", aud "session" (a login result, 5 minutes) or "link" (a mailed magic
 * link, 15 minutes). Claims: sub (user id), app (app_id), email, name, picture,
 * email_verified, provider, iat, exp, jti, sv (the user's tokens_valid_after when issued,
 * so ending sessions refuses older tokens exactly: auth/sessions.h), plus method-specific
 * extras (device_id). Session tokens from sign-in also carry amr and mfa (auth/mfa.h). */
#ifndef AG_TOKENS_H
#define AG_TOKENS_H

#include "auth/projects.h"
#include "auth/users.h"

#define TOKEN_ISSUER "authgate"
#define TOKEN_AUD_SESSION "session"
#define TOKEN_AUD_LINK "link"
#define SESSION_TOKEN_TTL_S 300
#define LINK_TOKEN_TTL_S 900
#define TOKEN_LEEWAY_S 5

/* Sign a token for u. `extra` (may be NULL) is merged into the claims. */
char *token_issue(struct arena *a, const struct project *p, const struct user *u, const char *aud,
		  const char *provider, int ttl_s, const cJSON *extra);

/* Verify signature (project secret), iss, aud, exp/nbf/iat and that the token names
 * this project. AG_OK with claims, or AG_EUNAUTH for anything wrong. */
enum ag_err token_verify(struct arena *a, const struct project *p, const char *token, const char *aud,
			 cJSON **claims) MUST_CHECK;

/* The same checks with the claims read in place (no tree): the token verifier's path. */
enum ag_err token_check(struct arena *a, const struct project *p, const char *token, const char *aud,
			struct jobj *claims) MUST_CHECK;

#endif
