/* admin.h — the dashboard's administrators: browser sessions opened with an admin
 * token, and the audit log of every admin action. No HTTP types: api/admin_session.c
 * turns sessions into cookies and api/guards.c checks them.
 *
 * A session is 256 random bits (the cookie value, "ags_" + 43 base64url); only its
 * SHA-256 is stored. It ends when signed out, when its admin token is revoked, after
 * AUTHGATE_ADMIN_SESSION_IDLE seconds unused or AUTHGATE_ADMIN_SESSION_MAX seconds in
 * all. Its CSRF token is an HMAC of the cookie value under a key derived from the
 * master key: nothing more to store, and it cannot be computed without the cookie,
 * which scripts never see (HttpOnly). */
#ifndef AG_ADMIN_H
#define AG_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define ADMIN_SESSION_PREFIX "ags_"
#define ADMIN_SESSION_LEN 47          /* prefix + 43 */
#define ADMIN_SESSION_TOUCH_MS 60000  /* idle deadline moved at most once a minute */

struct admin_session {
	const char *cookie;     /* only when just opened: the value to set, shown once */
	const char *csrf;       /* the CSRF token of this session */
	const char *token_id;   /* the admin token that opened it */
	const char *token_name;
	int64_t created_at, idle_until, expires_at;
};

/* Exchange an admin token for a session. AG_EUNAUTH for a bad or revoked token. */
enum ag_err admin_session_open(struct arena *a, const char *token, const char *ip, const char *user_agent,
			       struct admin_session *out) MUST_CHECK;
/* The same for an administrator known otherwise (a passkey of theirs): the id of a
 * live admin token. AG_EUNAUTH when it is revoked or unknown. */
enum ag_err admin_session_open_id(struct arena *a, const char *token_id, const char *ip, const char *user_agent,
				  struct admin_session *out) MUST_CHECK;
/* The live session a cookie names (its idle deadline moved forward). AG_EUNAUTH when
 * it is unknown, ended, expired, or its token was revoked. */
enum ag_err admin_session_check(struct arena *a, const char *cookie, struct admin_session *out) MUST_CHECK;
/* Is presented the CSRF token of the session cookie names? (constant time) */
bool admin_csrf_ok(const char *cookie, const char *presented) MUST_CHECK;
/* Sign out: the session ends at once. */
enum ag_err admin_session_end(const char *cookie) MUST_CHECK;
/* Live sessions, newest first: [{created_at, last_seen_at, expires_at, ip, user_agent,
 * token_id}] (never the cookie or its hash). */
enum ag_err admin_session_list(struct arena *a, cJSON **out) MUST_CHECK;

/* ---- the audit log (admin_audit.c) ---------------------------------------------- */

struct audit_entry {
	const char *actor;   /* admin token id, NULL when unknown (a failed sign-in) */
	const char *via;     /* "session" | "token" */
	const char *ip;
	const char *action;  /* "METHOD /route/{pattern}" */
	const char *path;    /* as requested */
	const char *app_id;  /* the project acted on, when there is one */
	const char *detail;  /* JSON text or NULL */
};

/* Record an action before it runs; returns its id (NULL if the store failed, logged). */
const char *admin_audit_begin(struct arena *a, const struct audit_entry *e);
/* Record how it ended (HTTP status). */
void admin_audit_finish(const char *id, int status);

struct audit_filter {
	const char *actor, *app_id, *q; /* q: substring of action or path */
	int64_t since_ms, until_ms;     /* 0: unbounded */
	int limit;                      /* 1..500 */
};
/* Newest first: [{id, at, actor, via, ip, action, path, app_id, detail, status}]. */
enum ag_err admin_audit_list(struct arena *a, const struct audit_filter *f, cJSON **out) MUST_CHECK;

#endif
