/* sessions.h — ending a user's sessions. Session JWTs are stateless and live 5 minutes;
 * "ending" them sets users.tokens_valid_after (ms) and bumps the store's cache epoch.
 * Every token carries the value it was issued under (claim "sv", see tokens.h); the
 * verifier refuses a token whose sv is older than the user's current value. It reads a
 * small in-memory list (users whose sessions ended within the last token lifetime),
 * reloaded whenever the epoch moves, so the hot path makes no store round trip and
 * every process (and node on PostgreSQL) learns of a reset at once. A token without
 * "sv" (signed elsewhere with the project secret) falls back to its iat (seconds).
 * Every token of a disabled user counts as ended (users.disabled_at; the list holds
 * them too, so it grows with the number of disabled users, not with time). */
#ifndef AG_SESSIONS_H
#define AG_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

/* End every session of the user begun before now: the 5-minute tokens, seed 004's
 * long-lived sessions and the actions API's /v1/sessions (password reset, disable, an
 * admin's "end all sessions"). Call inside the caller's transaction (db_begin ...
 * db_commit). */
enum ag_err session_end_all(const char *app_id, const char *user_id, int64_t *valid_after_ms) MUST_CHECK;

/* Was a token of app_id/user_id with claims sv (ms; -1 when absent) and iat (seconds)
 * ended? Served from memory. */
bool session_token_ended(const char *app_id, const char *user_id, int64_t sv_ms, int64_t iat_s);

/* Drop the in-memory list (tests, shutdown). */
void session_cache_clear(void);

#endif
