/* users_admin.c — what an administrator does to a project's users (the dashboard's
 * Users and Devices pages): search, disable, delete with the data removed, and the
 * user's devices and push sign-ins. See users.h. */
#include <string.h>

#include "auth/seclog.h"
#include "auth/sessions.h"
#include "auth/user_sessions.h"
#include "auth/users.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "store/store.h"

/* A deleted user's row stays this long as a tombstone without any personal data, so
 * the token verifier refuses the tokens it still had (they live 5 minutes). */
#define TOMBSTONE_MS (3600 * 1000LL)

struct list_ctx {
	struct arena *a;
	cJSON *arr;
};

static int add_user(void *ud, const struct store_row *r)
{
	struct list_ctx *c = ud;
	cJSON *o = json_obj(c->a);
	cJSON_AddStringToObject(o, "id", row_str(r, 0));
	json_add_str(o, "email", row_str(r, 1)); /* NULL: a user an app named by id only */
	json_add_str(o, "name", row_str(r, 2));
	cJSON_AddBoolToObject(o, "email_verified", row_bool(r, 3));
	json_add_time(o, "created_at", row_int(r, 4));
	if (row_str(r, 5))
		json_add_time(o, "last_login_at", row_int(r, 5));
	else
		cJSON_AddNullToObject(o, "last_login_at");
	cJSON_AddBoolToObject(o, "disabled", row_str(r, 6) != NULL);
	cJSON *m = row_str(r, 7) ? cJSON_Parse(row_str(r, 7)) : NULL;
	cJSON_AddItemToObject(o, "mfa_methods", m ? m : cJSON_CreateArray());
	cJSON_AddItemReferenceToArray(c->arr, o);
	return 0;
}

enum ag_err user_search(struct arena *a, const char *app_id, const char *q, int limit, cJSON **out)
{
	struct list_ctx c = {a, json_arr(a)};
	*out = c.arr;
	const char *like = q && *q ? db_like_contains(a, q) : NULL;
	return db_query(g_app.store,
			"SELECT id, email, name, email_verified, created_at, last_login_at, disabled_at, mfa_methods "
			"FROM users WHERE app_id = $1 AND " USER_NOT_TOMBSTONE " "
			"AND (CAST($2 AS TEXT) IS NULL OR id = $3 OR LOWER(email) LIKE LOWER($2) ESCAPE '\\' "
			/* the id an app names the user by in the actions API (docs/ACTIONS.md) */
			"OR id IN (SELECT user_id FROM action_users WHERE app_id = $1 AND external_id = $3)) "
			"ORDER BY COALESCE(last_login_at, created_at) DESC, id LIMIT $4",
			P(SV_TEXT(app_id), SV_TEXT(like), SV_TEXT(q), SV_INT(limit)), add_user, &c);
}

enum ag_err user_set_disabled(const char *app_id, const char *user_id, bool disabled)
{
	int64_t now = time_now_ms(), n = 0;
	enum ag_err e = db_begin(g_app.store);
	if (e == AG_OK)
		e = db_exec_n(g_app.store,
			      "UPDATE users SET disabled_at = $3, updated_at = $4 WHERE app_id = $1 AND id = $2 "
			      "AND " USER_NOT_TOMBSTONE,
			      P(SV_TEXT(app_id), SV_TEXT(user_id), disabled ? SV_INT(now) : SV_NULL, SV_INT(now)), &n);
	if (e == AG_OK && n == 0)
		e = AG_USER_NOT_FOUND;
	/* Disabling ends every session at once (every node: the sessions' epochs move): the
	 * 5-minute tokens, the long-lived user sessions and the actions API's (session_end_all
	 * ends them all); enabling again starts from nothing: tokens from before stay ended. */
	if (e == AG_OK)
		e = session_end_all(app_id, user_id, NULL);
	return db_end(g_app.store, e);
}

enum ag_err user_delete_data(struct arena *a, const char *app_id, const char *user_id, const char *email)
{
	int64_t now = time_now_ms(), n = 0;
	/* Everything that names the user, in this project; the row itself becomes a
	 * tombstone with nothing personal in it until its tokens have expired. */
	static const char *const by_user[] = {
		"DELETE FROM email_codes WHERE app_id = $1 AND user_id = $2",
		"DELETE FROM email_tokens WHERE app_id = $1 AND user_id = $2",
		"DELETE FROM factor_challenges WHERE app_id = $1 AND user_id = $2",
		"DELETE FROM recovery_codes WHERE app_id = $1 AND user_id = $2",
		"DELETE FROM factors WHERE app_id = $1 AND user_id = $2",
		"DELETE FROM oauth_identities WHERE app_id = $1 AND user_id = $2",
		"DELETE FROM oauth_flows WHERE app_id = $1 AND user_id = $2",
		"DELETE FROM security_log WHERE app_id = $1 AND user_id = $2",
		"DELETE FROM mfa_lockouts WHERE key = CAST($1 AS TEXT) || ':' || CAST($2 AS TEXT)",
		/* seed 004: user_forget ended the sessions and revoked the keys; the rows stay
		 * (the caches learn of an end by reading the row) with nothing personal in them,
		 * and go with the tombstone */
		"UPDATE user_sessions SET ip = NULL, user_agent = NULL WHERE app_id = $1 AND user_id = $2",
		"UPDATE user_api_keys SET name = '' WHERE app_id = $1 AND user_id = $2",
		/* the actions API */
		"DELETE FROM action_sessions WHERE user_id = $2 AND app_id = $1",
		"DELETE FROM action_seen WHERE user_id = $2 AND user_id IN (SELECT id FROM users WHERE app_id = $1)",
		"DELETE FROM actions WHERE app_id = $1 AND user_id = $2",
		"DELETE FROM action_users WHERE app_id = $1 AND user_id = $2",
	};
	/* Security events still queued in memory are written first, so the ones that name
	 * the user are deleted below too (and not written back after). */
	seclog_flush();
	enum ag_err e = db_begin(g_app.store);
	if (e == AG_OK)
		e = db_exec_n(g_app.store,
			      "UPDATE users SET email = $3, name = NULL, picture = NULL, password_hash = NULL, locale = NULL, "
			      "features = '[]', email_verified = 0, mfa_methods = '[]', disabled_at = $4, "
			      "tokens_valid_after = $4, updated_at = $4 WHERE app_id = $1 AND id = $2 "
			      "AND " USER_NOT_TOMBSTONE,
			      P(SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(arena_printf(a, USER_TOMBSTONE_PREFIX "%s", user_id)), SV_INT(now)),
			      &n);
	if (e == AG_OK && n == 0)
		e = AG_USER_NOT_FOUND;
	if (e == AG_OK) /* sessions end and keys are revoked in every process's cache first */
		e = user_forget(app_id, user_id);
	for (size_t i = 0; e == AG_OK && i < ARRAY_LEN(by_user); i++)
		e = db_exec(g_app.store, by_user[i], P(SV_TEXT(app_id), SV_TEXT(user_id)));
	if (e == AG_OK)
		e = db_exec(g_app.store, "DELETE FROM push_sessions WHERE app_id = $1 AND (user_id = $2 OR email = $3)",
			    P(SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(email)));
	if (e == AG_OK)
		e = db_exec(g_app.store,
			    "DELETE FROM push_device_apps WHERE app_id = $1 AND device_id IN "
			    "(SELECT id FROM push_devices WHERE email = $2)",
			    P(SV_TEXT(app_id), SV_TEXT(email)));
	/* Security events that name the user by id (ids are random: no other text holds one). */
	if (e == AG_OK)
		e = db_exec(g_app.store, "DELETE FROM security_events WHERE message LIKE $1 ESCAPE '\\'",
			    P(SV_TEXT(db_like_contains(a, user_id))));
	if (e == AG_OK) /* seed 004: long-lived sessions, API keys, connections, provider keys */
		e = user_forget(app_id, user_id);
	if (e == AG_OK)
		e = store_epoch_bump(g_app.store, CACHE_BIT(CACHE_SESSIONS));
	e = db_end(g_app.store, e);
	if (e == AG_OK)
		(void)!db_exec(g_app.store,
			       "DELETE FROM users WHERE email LIKE '" USER_TOMBSTONE_PREFIX "%' AND disabled_at < $1",
			       P(SV_INT(now - TOMBSTONE_MS)));
	return e;
}

static int add_device(void *ud, const struct store_row *r)
{
	struct list_ctx *c = ud;
	cJSON *o = json_obj(c->a);
	cJSON_AddStringToObject(o, "id", row_str(r, 0));
	cJSON_AddStringToObject(o, "email", row_str(r, 1));
	cJSON_AddStringToObject(o, "name", row_str(r, 2));
	json_add_time(o, "created_at", row_int(r, 3));
	if (row_str(r, 4))
		json_add_time(o, "last_seen_at", row_int(r, 4));
	else
		cJSON_AddNullToObject(o, "last_seen_at");
	if (row_str(r, 5))
		json_add_time(o, "first_approved_at", row_int(r, 5));
	cJSON_AddItemReferenceToArray(c->arr, o);
	return 0;
}

enum ag_err user_devices_list(struct arena *a, const char *app_id, const char *email_q, int limit, cJSON **out)
{
	struct list_ctx c = {a, json_arr(a)};
	*out = c.arr;
	const char *like = email_q && *email_q ? db_like_contains(a, email_q) : NULL;
	return db_query(g_app.store,
			"SELECT d.id, d.email, d.name, d.created_at, d.last_seen_at, x.first_approved_at "
			"FROM push_devices d LEFT JOIN push_device_apps x ON x.device_id = d.id AND x.app_id = $1 "
			"WHERE d.revoked_at IS NULL AND (CAST($2 AS TEXT) IS NULL OR LOWER(d.email) LIKE LOWER($2) ESCAPE '\\') "
			"ORDER BY COALESCE(d.last_seen_at, d.created_at) DESC, d.id LIMIT $3",
			P(SV_TEXT(app_id), SV_TEXT(like), SV_INT(limit)), add_device, &c);
}

static int add_push(void *ud, const struct store_row *r)
{
	struct list_ctx *c = ud;
	cJSON *o = json_obj(c->a);
	cJSON_AddStringToObject(o, "request_id", row_str(r, 0));
	int64_t now = time_now_ms();
	const char *status = row_str(r, 1);
	if (str_eq(status, "pending") && row_int(r, 6) <= now)
		status = "expired";
	cJSON_AddStringToObject(o, "status", status);
	json_add_str(o, "reason", row_str(r, 2));
	json_add_str(o, "ip", row_str(r, 3));
	json_add_str(o, "user_agent", row_str(r, 4));
	json_add_str(o, "device_id", row_str(r, 5));
	json_add_time(o, "created_at", row_int(r, 7));
	if (row_str(r, 8))
		json_add_time(o, "decided_at", row_int(r, 8));
	cJSON_AddItemReferenceToArray(c->arr, o);
	return 0;
}

enum ag_err user_push_sessions(struct arena *a, const char *app_id, const char *user_id, const char *email, int limit,
			       cJSON **out)
{
	struct list_ctx c = {a, json_arr(a)};
	*out = c.arr;
	return db_query(g_app.store,
			"SELECT request_id, status, reason, ip, user_agent, device_id, expires_at, created_at, decided_at "
			"FROM push_sessions WHERE app_id = $1 AND (user_id = $2 OR email = $3) "
			"ORDER BY created_at DESC LIMIT $4",
			P(SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(email), SV_INT(limit)), add_push, &c);
}
