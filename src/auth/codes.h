/* codes.h — 6-digit email verification codes: 5-minute life, dead after 3 failed
 * attempts, single use, one live code per user (a new one supersedes the old). Stored
 * as a keyed hash (HMAC-SHA256 under a key derived from the master key) of user:code.
 * Attempts are reserved atomically before the compare, so concurrent guesses cannot
 * get more than 3 compares out of one code. */
#ifndef AG_CODES_H
#define AG_CODES_H

#include "core/arena.h"
#include "core/err.h"

#define CODE_DIGITS 6
#define CODE_TTL_S 300
#define CODE_MAX_ATTEMPTS 3

/* Create a code for the user, superseding older ones. Call inside the caller's
 * transaction; code_out receives the digits (mail them, never log them). */
enum ag_err code_create(const char *app_id, const char *user_id, char code_out[CODE_DIGITS + 1]) MUST_CHECK;

/* Check and consume. AG_OK when the code matched the user's live code (now used);
 * AG_EINVAL when it did not (an attempt was spent) or no code is live (expired, used,
 * dead or never sent); other errors from the store. */
enum ag_err code_check(struct arena *a, const char *app_id, const char *user_id, const char *code) MUST_CHECK;

/* Retire every live code of the user (inside the caller's transaction). */
enum ag_err code_void_user(const char *user_id) MUST_CHECK;

#endif
