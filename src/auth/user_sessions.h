/* user_sessions.h — long-lived user sessions (seed 004's 30-day tokens) and users' own
 * API keys, checked on the hot path without a store round trip.
 *
 * A session is a row (user_sessions) and a token that names it: an HS256 JWT signed with
 * the project's secret, aud "user" (never "session", so /api/v1/token/verify and these
 * routes refuse each other's tokens), claims sub, app, sid, email, plan (at issue),
 * auth_type, amr, iat, exp. A token counts while its signature holds and its session
 * has not ended. Ending (logout, refresh, revocation, a password reset) sets ended_at
 * and bumps the user_sessions cache epoch in the same transaction; every process keeps
 * the sessions it has seen in memory and, when the epoch moves (at once on its own
 * node, by NOTIFY on the others), drops just the sessions that changed since
 * (core/epcache.h, deltas) — so logout takes effect on every node within milliseconds
 * and a request reads no row unless its session is new to that process.
 *
 * Users' API keys (X-API-Key, prefix a project setting, agnt_sk_ by default) are 256
 * random bits, stored as SHA-256, cached by hash the same way (user_keys epoch). */
#ifndef AG_USER_SESSIONS_H
#define AG_USER_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/projects.h"
#include "auth/users.h"
#include "core/jscan.h"

#define USER_SESSION_TTL_S (30 * 86400)
#define USER_TOKEN_AUD "user"
#define USER_SESSION_KIND "user"
/* The claim an mfa_begin/mfa_session `extra` carries to ask for a user session instead
 * of a 5-minute token (with "auth_type", "ip", "user_agent"): auth/mfa.c issues it. */
#define USER_SESSION_EXTRA "ag_user_session"
#define USER_KEY_RANDOM_CHARS 43 /* base64url of 32 bytes */

/* Where a session came from. */
struct user_session_origin {
	const char *auth_type; /* google-login, magic-link, ... */
	const char *amr; /* space-separated */
	const char *ip, *user_agent;
};

/* Create a session for u and sign its token (*exp_ms: its expiry: 30 days, or the
 * project's session_max_days when shorter). */
enum ag_err user_session_issue(struct arena *a, const struct project *p, const struct user *u,
                               const struct user_session_origin *o, const char **token, int64_t *exp_ms) MUST_CHECK;
/* The same from a sign-in's `extra` object (USER_SESSION_EXTRA set): what auth/mfa.c
 * calls. NULL on failure. */
const char *user_session_from_extra(struct arena *a, const struct project *p, const struct user *u, const char *amr,
                                    const cJSON *extra);
/* Does a sign-in's extra ask for a user session? */
bool user_session_wanted(const cJSON *extra);

/* Who a user credential stands for. */
struct user_principal {
	const char *user_id;
	const char *email;
	const char *auth_type; /* the session's (google-login, magic-link), or "api-key" */
	const char *session_id; /* NULL for an API key */
	const char *key_id; /* NULL for a session */
	int64_t expires_at; /* the token's expiry (ms); 0 for an API key */
};

/* Check a user token of p: signature, iss, aud "user", exp, and that its session is
 * live. AG_OK with *who (strings in the arena), AG_EUNAUTH otherwise. From memory
 * unless the session is new to this process. */
enum ag_err user_token_check(struct arena *a, const struct project *p, const char *token,
                             struct user_principal *who) MUST_CHECK;

/* Refresh: end the token's session ("rotated") and create its child (same family, a new
 * 30 days, but never past the family's sign-in + the project's session_max_days: the
 * absolute cap). Presenting a session that was already rotated ends its whole family
 * (a stolen token replayed: "reuse", logged). AG_EUNAUTH when the token does not count;
 * AG_USERS_SESSION_MAX_AGE when its family is past the cap (the setting was lowered
 * after it was issued; the session ends). */
enum ag_err user_session_refresh(struct arena *a, const struct project *p, const char *token,
                                 const struct user_session_origin *o, const char **new_token,
                                 int64_t *exp_ms) MUST_CHECK;

/* End one session (reason: logout, revoked); AG_ENOTFOUND when it is not a live session
 * of this user (user_id NULL: of this project). */
enum ag_err user_session_end(const char *app_id, const char *user_id, const char *session_id,
                             const char *reason) MUST_CHECK;
/* End every live session of the user (inside the caller's transaction when there is
 * one). *n: how many. */
enum ag_err user_sessions_end_user(const char *app_id, const char *user_id, const char *reason, int64_t *n) MUST_CHECK;
/* The user's sessions, newest first (live only unless all): id, auth_type, created_at,
 * expires_at, ip, user_agent, ended_at, end_reason. */
enum ag_err user_sessions_list(struct arena *a, const char *app_id, const char *user_id, bool all,
                               cJSON **out) MUST_CHECK;

/* ---- users' API keys ---------------------------------------------------------------- */

struct user_key_created {
	const char *id, *key, *prefix, *name;
	int64_t created_at;
};
/* A new key for the user with the project's prefix (shown once: *out->key). */
enum ag_err user_key_create(struct arena *a, const struct project *p, const char *user_id, const char *name,
                            struct user_key_created *out) MUST_CHECK;
enum ag_err user_keys_list(struct arena *a, const char *app_id, const char *user_id, cJSON **out) MUST_CHECK;
/* AG_ENOTFOUND when it is not a live key of this user. */
enum ag_err user_key_revoke(const char *app_id, const char *user_id, const char *key_id) MUST_CHECK;
/* An X-API-Key of project p: AG_OK with *who, AG_EUNAUTH when unknown, revoked or of
 * another project. From memory unless new to this process. */
enum ag_err user_key_check(struct arena *a, const struct project *p, const char *key,
                           struct user_principal *who) MUST_CHECK;

/* The user is being deleted (inside the caller's transaction): sessions end, API keys
 * are revoked, connections and provider keys go. */
enum ag_err user_forget(const char *app_id, const char *user_id) MUST_CHECK;

void user_sessions_cache_clear(void);

#endif
