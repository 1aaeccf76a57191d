/* users.h — end users of a project: lookup by id or email, creation, the public JSON
 * view. Emails are stored normalised (trimmed, lower-case) and unique per project. */
#ifndef AG_USERS_H
#define AG_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define USER_EMAIL_MAX 254
#define USER_NAME_MAX 200

struct user {
	const char *id;
	const char *app_id;
	const char *email; /* NULL for a user known only by an app's id (user_create_external) */
	const char *name;
	const char *picture;
	bool email_verified;
	const char *locale;
	const char *password_hash;
	const char *plan;
	const char *features; /* JSON array text */
	int64_t tokens_valid_after;
	int64_t created_at;
	int64_t last_login_at;
	const char *mfa_methods; /* JSON array of active factor kinds (auth/factors.h) */
	int64_t disabled_at;     /* an admin disabled the user (ms); 0: enabled. Sign-in refused. */
	bool deleted;            /* deleted by an admin: a tombstone without personal data (users_admin.c) */
};

/* The email column of a deleted user's tombstone: the prefix and the id. */
#define USER_TOMBSTONE_PREFIX "deleted:"
/* SQL: the users row is not a tombstone (a user without an address is not one). */
#define USER_NOT_TOMBSTONE "(email IS NULL OR email NOT LIKE '" USER_TOMBSTONE_PREFIX "%')"

/* Trimmed, lower-cased copy in the arena, or NULL when not an email address. */
const char *user_normalize_email(struct arena *a, const char *email);

enum ag_err user_by_email(struct arena *a, const char *app_id, const char *email, struct user **out) MUST_CHECK;
enum ag_err user_by_id(struct arena *a, const char *app_id, const char *id, struct user **out) MUST_CHECK;
/* Insert (may run inside the caller's transaction). AG_ECONFLICT if the email exists. */
enum ag_err user_create(struct arena *a, const char *app_id, const char *email, const char *name,
			const char *password_hash, bool email_verified, const char *locale,
			struct user **out) MUST_CHECK;
/* A user known only by an app's own id (the Authsignal-compatible API, auth/actions.h):
 * no email address (users.email NULL; addresses are unique per project, NULLs are not
 * compared). */
enum ag_err user_create_external(struct arena *a, const char *app_id, struct user **out) MUST_CHECK;
/* Find or create (email_verified is set on creation and upgraded, never downgraded). */
enum ag_err user_upsert(struct arena *a, const char *app_id, const char *email, bool email_verified,
			const char *locale, struct user **out) MUST_CHECK;
enum ag_err user_set_locale(const char *user_id, const char *locale) MUST_CHECK;
enum ag_err user_touch_login(const char *user_id) MUST_CHECK;

/* ---- for administrators (users_admin.c) ---- */

/* Users whose email contains q, whose id is q, or whom an app names q in the actions
 * API (its userId: action_users.external_id) (q NULL: all), most recently seen
 * first: [{id, email, name, email_verified, created_at, last_login_at, disabled,
 * mfa_methods}]. */
enum ag_err user_search(struct arena *a, const char *app_id, const char *q, int limit, cJSON **out) MUST_CHECK;
/* Disable (sign-in refused, every session ended at once) or enable again. */
enum ag_err user_set_disabled(const char *app_id, const char *user_id, bool disabled) MUST_CHECK;
/* Remove the user and everything that names them in the project (codes, tokens,
 * factors, identities, push sign-ins, the devices' approvals for the project, security
 * log entries); the row stays an hour as a tombstone without personal data so the
 * verifiers refuse the tokens it still had. */
enum ag_err user_delete_data(struct arena *a, const char *app_id, const char *user_id,
			     const char *email) MUST_CHECK;
/* Enrolled devices whose email contains email_q (NULL: all), with their first approval
 * for app_id: [{id, email, name, created_at, last_seen_at, first_approved_at}]. */
enum ag_err user_devices_list(struct arena *a, const char *app_id, const char *email_q, int limit,
			      cJSON **out) MUST_CHECK;
/* The user's recent push sign-ins: [{request_id, status, reason, ip, user_agent,
 * device_id, created_at, decided_at}]. */
enum ag_err user_push_sessions(struct arena *a, const char *app_id, const char *user_id, const char *email,
			       int limit, cJSON **out) MUST_CHECK;

/* {id, email, name, email_verified} — the seed 001 shape; more fields with `full`. */
cJSON *user_json(struct arena *a, const struct user *u, bool full);

#endif
