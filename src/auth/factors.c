/* factors.c — listing, renaming, removing and resetting factors, the user's methods
 * summary, the security log and the lockout counter (see factors.h). */
#include "auth/factors.h"

#include <stdio.h>
#include <string.h>

#include "core/ctx.h"
#include "sec/sec.h"
#include "store/store.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"

const char *factor_new_id(struct arena *a, const char *prefix)
{
	char r[32];
	rand_token(r, 16);
	return arena_printf(a, "%s_%s", prefix, r);
}

void factor_sweep(void)
{
	/* one call in 64: challenges (MFA steps, ceremonies, codes) a day past their expiry,
	 * and lockout rows whose window and lock ended */
	if (rand_uniform(64) != 0)
		return;
	int64_t now = time_now_ms();
	(void)!db_exec(g_app.store, "DELETE FROM factor_challenges WHERE expires_at < $1", P(SV_INT(now - 86400000LL)));
	(void)!db_exec(g_app.store, "DELETE FROM mfa_lockouts WHERE locked_until < $1 AND window_start < $2",
	               P(SV_INT(now), SV_INT(now - (int64_t)FACTOR_LOCK_WINDOW_S * 1000)));
}

enum ag_err factor_room(const struct factor_actor *who, const char *toggle)
{
	if (!project_provider_on(who->p, toggle))
		return AG_FACTOR_DISABLED;
	int64_t count = 0;
	/* unconfirmed enrollments past their life go first; then the per-user cap */
	enum ag_err e = db_exec(
	    g_app.store,
	    "DELETE FROM factors WHERE app_id = $1 AND user_id = $2 AND status = 'pending' AND created_at < $3",
	    P(SV_TEXT(who->p->app_id), SV_TEXT(who->u->id), SV_INT(time_now_ms() - TOTP_ENROLL_TTL_S * 1000LL)));
	if (e == AG_OK)
		e = db_int(g_app.store, &count, "SELECT COUNT(*) FROM factors WHERE app_id = $1 AND user_id = $2",
		           P(SV_TEXT(who->p->app_id), SV_TEXT(who->u->id)));
	if (e == AG_OK && count >= FACTOR_MAX_PER_USER)
		return AG_FACTOR_TOO_MANY;
	return e;
}

void factor_log(const char *app_id, const char *user_id, const char *event, const char *factor_id, const char *kind,
                const char *ip, const char *detail)
{
	struct arena *a = arena_new();
	if (db_exec(g_app.store,
	            "INSERT INTO security_log (id, app_id, user_id, event, factor_id, kind, ip, detail, created_at) "
	            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	            P(SV_TEXT(factor_new_id(a, "sev")), SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(event),
	              SV_TEXT(factor_id), SV_TEXT(kind), SV_TEXT(ip), SV_TEXT(detail), SV_INT(time_now_ms()))))
		log_error("factors", "cannot write the security log (%s)", event);
	log_security(event, ip, "app %s user %s kind %s", app_id, user_id ? user_id : "-", kind ? kind : "-");
	arena_free(a);
}

/* ---- list -------------------------------------------------------------------------- */

#define FACTOR_COLS                                                                                                    \
	"id, kind, name, status, phone, aaguid, user_verified, backup_eligible, backup_state, transports, "            \
	"attestation, created_at, last_used_at, alg, sign_count"

/* "+4915112345678" -> "+49 ••• ••• 5678": enough to recognise, not to text. */
static const char *mask_phone(struct arena *a, const char *p)
{
	size_t n = p ? strlen(p) : 0;
	return n < 8 ? p : arena_printf(a, "%.3s•••%s", p, p + n - 4);
}

static cJSON *factor_row_json(struct arena *a, const struct store_row *r)
{
	cJSON *o = json_obj(a);
	const char *kind = row_str(r, 1);
	cJSON_AddStringToObject(o, "id", row_str(r, 0));
	cJSON_AddStringToObject(o, "type", kind);
	cJSON_AddStringToObject(o, "name", row_str(r, 2));
	cJSON_AddStringToObject(o, "status", row_str(r, 3));
	json_add_time(o, "created_at", row_int(r, 11));
	if (row_str(r, 12))
		json_add_time(o, "last_used_at", row_int(r, 12));
	else
		cJSON_AddNullToObject(o, "last_used_at");
	if (str_eq(kind, "sms"))
		json_add_str(o, "phone", mask_phone(a, row_str(r, 4)));
	if (str_eq(kind, "passkey")) {
		json_add_str(o, "aaguid", row_str(r, 5));
		cJSON_AddBoolToObject(o, "user_verified", row_bool(r, 6));
		cJSON_AddBoolToObject(o, "backup_eligible", row_bool(r, 7));
		cJSON_AddBoolToObject(o, "backed_up", row_bool(r, 8));
		cJSON *t = NULL;
		const char *detail;
		const char *ts = row_str(r, 9);
		if (ts && json_parse_strict(a, ts, strlen(ts), &t, &detail) == JSON_OK && cJSON_IsArray(t))
			cJSON_AddItemReferenceToObject(o, "transports", t);
		json_add_str(o, "attestation", row_str(r, 10));
		cJSON_AddNumberToObject(o, "algorithm", (double)row_int(r, 13));
		cJSON_AddNumberToObject(o, "sign_count", (double)row_int(r, 14));
	}
	return o;
}

struct list_ctx {
	struct arena *a;
	cJSON *arr;
};

static int list_row(void *ud, const struct store_row *r)
{
	struct list_ctx *c = ud;
	cJSON_AddItemReferenceToArray(c->arr, factor_row_json(c->a, r));
	return 0;
}

enum ag_err factor_list(struct arena *a, const char *app_id, const char *user_id, bool with_pending, cJSON **out)
{
	struct list_ctx c = {a, json_arr(a)};
	*out = c.arr;
	return db_query(g_app.store,
	                "SELECT " FACTOR_COLS " FROM factors WHERE app_id = $1 AND user_id = $2 "
	                "AND (status = 'active' OR $3 = 1) ORDER BY created_at, id",
	                P(SV_TEXT(app_id), SV_TEXT(user_id), SV_BOOL(with_pending)), list_row, &c);
}

enum ag_err factor_get(struct arena *a, const char *app_id, const char *user_id, const char *id, cJSON **out)
{
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "SELECT " FACTOR_COLS " FROM factors WHERE app_id = $1 AND user_id = $2 AND id = $3",
	                       P(SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(id)));
	if (e == AG_OK)
		*out = factor_row_json(a, &r);
	return e;
}

static bool name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > FACTOR_NAME_MAX || !str_is_utf8(name, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

enum ag_err factor_rename(struct arena *a, const struct factor_actor *who, const char *id, const char *name,
                          struct factor_err *fe)
{
	if (!name_ok(name))
		return AG_FACTOR_NAME;
	int64_t n = 0;
	enum ag_err e = db_exec_n(
	    g_app.store, "UPDATE factors SET name = $4, updated_at = $5 WHERE app_id = $1 AND user_id = $2 AND id = $3",
	    P(SV_TEXT(who->p->app_id), SV_TEXT(who->u->id), SV_TEXT(id), SV_TEXT(name), SV_INT(time_now_ms())), &n);
	if (e)
		return e;
	if (n == 0)
		return AG_FACTOR_NOT_FOUND;
	factor_log(who->p->app_id, who->u->id, "factor.renamed", id, NULL, who->ip, NULL);
	return AG_OK;
}

enum ag_err factor_remove(struct arena *a, const struct factor_actor *who, const char *id, struct factor_err *fe)
{
	struct store_row r;
	enum ag_err e = db_begin(g_app.store);
	if (e)
		return e;
	e = db_row(g_app.store, a, &r,
	           "DELETE FROM factors WHERE app_id = $1 AND user_id = $2 AND id = $3 RETURNING kind, status",
	           P(SV_TEXT(who->p->app_id), SV_TEXT(who->u->id), SV_TEXT(id)));
	if (e == AG_OK)
		e = factor_methods_changed(a, who->p->app_id, who->u->id);
	if (e == AG_OK)
		factor_log(who->p->app_id, who->u->id, "factor.removed", id, row_str(&r, 0), who->ip, NULL);
	e = db_end(g_app.store, e);
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_FACTOR_NOT_FOUND;
	return e;
}

enum ag_err factor_reset_user(struct arena *a, const char *app_id, const char *user_id, const char *ip)
{
	enum ag_err e = db_begin(g_app.store);
	if (e)
		return e;
	e = db_exec(g_app.store, "DELETE FROM factors WHERE app_id = $1 AND user_id = $2",
	            P(SV_TEXT(app_id), SV_TEXT(user_id)));
	if (e == AG_OK)
		e = db_exec(g_app.store, "DELETE FROM recovery_codes WHERE app_id = $1 AND user_id = $2",
		            P(SV_TEXT(app_id), SV_TEXT(user_id)));
	if (e == AG_OK)
		e = db_exec(g_app.store, "DELETE FROM mfa_lockouts WHERE key = $1",
		            P(SV_TEXT(arena_printf(a, "%s:%s", app_id, user_id))));
	if (e == AG_OK)
		e = factor_methods_changed(a, app_id, user_id);
	if (e == AG_OK)
		factor_log(app_id, user_id, "factor.reset", NULL, NULL, ip, "admin reset");
	return db_end(g_app.store, e);
}

/* ---- methods ------------------------------------------------------------------------ */

static const char *const method_order[] = {"passkey", "totp", "sms", "email"};

static int method_row(void *ud, const struct store_row *r)
{
	unsigned *mask = ud;
	for (unsigned i = 0; i < ARRAY_LEN(method_order); i++)
		if (str_eq(row_str(r, 0), method_order[i]))
			*mask |= 1u << i;
	return 0;
}

enum ag_err factor_methods(struct arena *a, const char *app_id, const char *user_id, cJSON **methods)
{
	unsigned mask = 0;
	enum ag_err e = db_query(
	    g_app.store, "SELECT DISTINCT kind FROM factors WHERE app_id = $1 AND user_id = $2 AND status = 'active'",
	    P(SV_TEXT(app_id), SV_TEXT(user_id)), method_row, &mask);
	*methods = json_arr(a);
	for (unsigned i = 0; e == AG_OK && i < ARRAY_LEN(method_order); i++)
		if (mask & (1u << i))
			cJSON_AddItemToArray(*methods, cJSON_CreateString(method_order[i]));
	return e;
}

enum ag_err factor_methods_changed(struct arena *a, const char *app_id, const char *user_id)
{
	cJSON *m;
	enum ag_err e = factor_methods(a, app_id, user_id, &m);
	if (e == AG_OK)
		e = db_exec(g_app.store,
		            "UPDATE users SET mfa_methods = $3, factors_changed_at = $4 WHERE app_id = $1 AND id = $2",
		            P(SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(json_print(a, m)), SV_INT(time_now_ms())));
	if (e == AG_OK)
		e = store_epoch_bump(g_app.store, CACHE_BIT(CACHE_FACTORS));
	return e;
}

/* ---- security log ------------------------------------------------------------------- */

enum ag_err factor_security_log(struct arena *a, const char *app_id, const char *user_id, int limit, cJSON **out)
{
	static const struct db_col cols[] = {{"id", DB_COL_STR},   {"event", DB_COL_STR},  {"factor_id", DB_COL_STR},
	                                     {"type", DB_COL_STR}, {"ip", DB_COL_STR},     {"detail", DB_COL_STR},
	                                     {"created_at", DB_COL_TIME}, {NULL, 0}};
	return db_json_rows(g_app.store, a, out, cols,
	                    "SELECT id, event, factor_id, kind, ip, detail, created_at FROM security_log "
	                    "WHERE app_id = $1 AND user_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3",
	                    P(SV_TEXT(app_id), SV_TEXT(user_id), SV_INT(limit < 1 || limit > 200 ? 50 : limit)));
}

/* ---- lockout ------------------------------------------------------------------------ */

static const char *lock_key(char *buf, size_t n, const char *app_id, const char *user_id)
{
	snprintf(buf, n, "%s:%s", app_id, user_id);
	return buf;
}

enum ag_err factor_lock_check(const char *app_id, const char *user_id, struct factor_err *fe)
{
	char key[256];
	int64_t until = 0, now = time_now_ms();
	enum ag_err e = db_int(g_app.store, &until, "SELECT locked_until FROM mfa_lockouts WHERE key = $1",
	                       P(SV_TEXT(lock_key(key, sizeof key, app_id, user_id))));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_OK;
	if (e)
		return e;
	if (until <= now)
		return AG_OK;
	if (fe)
		fe->retry_after_s = (int)((until - now + 999) / 1000);
	return AG_MFA_LOCKED;
}

void factor_lock_fail(const char *app_id, const char *user_id)
{
	char key[256];
	int64_t now = time_now_ms(), win = (int64_t)FACTOR_LOCK_WINDOW_S * 1000;
	lock_key(key, sizeof key, app_id, user_id);
	/* A failure in a window that ended starts a new window; the 5th locks. */
	if (db_exec(
	        g_app.store,
	        "INSERT INTO mfa_lockouts (key, failures, window_start, locked_until) VALUES ($1, 1, $2, 0) "
	        "ON CONFLICT (key) DO UPDATE SET "
	        "failures = CASE WHEN mfa_lockouts.window_start <= $3 THEN 1 ELSE mfa_lockouts.failures + 1 END, "
	        "window_start = CASE WHEN mfa_lockouts.window_start <= $3 THEN $2 ELSE mfa_lockouts.window_start END, "
	        "locked_until = CASE WHEN mfa_lockouts.window_start > $3 AND mfa_lockouts.failures + 1 >= $4 "
	        "THEN $5 ELSE mfa_lockouts.locked_until END",
	        P(SV_TEXT(key), SV_INT(now), SV_INT(now - win), SV_INT(FACTOR_LOCK_FAILURES),
	          SV_INT(now + (int64_t)FACTOR_LOCK_S * 1000))))
		log_error("factors", "cannot count a failed attempt");
}

void factor_lock_clear(const char *app_id, const char *user_id)
{
	char key[256];
	(void)!db_exec(g_app.store, "DELETE FROM mfa_lockouts WHERE key = $1 AND locked_until <= $2",
	               P(SV_TEXT(lock_key(key, sizeof key, app_id, user_id)), SV_INT(time_now_ms())));
}
