/* onetime.h — single-use secrets mailed to users: password-reset tokens (256 random
 * bits, 1 hour) and magic-link ids (the jti of the link JWT, 15 minutes). Only their
 * SHA-256 is stored; consuming is one conditional UPDATE, so a secret works once even
 * under concurrent use. */
#ifndef AG_ONETIME_H
#define AG_ONETIME_H

#include "core/arena.h"
#include "core/err.h"

#define ONETIME_RESET "reset"
#define ONETIME_MAGIC "magic"
#define RESET_TOKEN_TTL_S 3600
#define ONETIME_SECRET_MAX 128

/* A fresh random secret (43 base64url chars) in out (>= 48 bytes). */
void onetime_new_secret(char out[48]);

/* Record a secret of `kind` for the user (inside the caller's transaction). */
enum ag_err onetime_create(const char *kind, const char *app_id, const char *user_id, const char *secret,
			   int ttl_s) MUST_CHECK;

/* Is the secret live (unused, unexpired) for app_id? AG_OK with its user id, or
 * AG_EGONE. Does not consume (mail scanners' GETs use this). */
enum ag_err onetime_peek(struct arena *a, const char *kind, const char *app_id, const char *secret,
			 const char **user_id) MUST_CHECK;

/* Consume: AG_OK with the user id exactly once; AG_EGONE when unknown, used or expired.
 * May run inside the caller's transaction. */
enum ag_err onetime_consume(struct arena *a, const char *kind, const char *app_id, const char *secret,
			    const char **user_id) MUST_CHECK;

/* Retire every live secret of `kind` of the user (inside the caller's transaction). */
enum ag_err onetime_void_user(const char *kind, const char *user_id) MUST_CHECK;

#endif
