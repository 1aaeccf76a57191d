/* admin_audit.c — the audit log of admin actions (see admin.h): a row written before
 * an action runs and completed with its outcome. */
#include <string.h>

#include "auth/admin.h"
#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

const char *admin_audit_begin(struct arena *a, const struct audit_entry *e)
{
	char rnd[24];
	rand_token(rnd, 12);
	const char *id = arena_printf(a, "aud_%s", rnd);
	int64_t now = time_now_ms();
	if (db_exec(g_app.store,
		    "INSERT INTO admin_audit (id, at, actor, via, ip, action, path, app_id, detail) "
		    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
		    P(SV_TEXT(id), SV_INT(now), SV_TEXT(e->actor), SV_TEXT(e->via), SV_TEXT(e->ip), SV_TEXT(e->action),
		      SV_TEXT(e->path), SV_TEXT(e->app_id), SV_TEXT(e->detail)))) {
		log_error("audit", "cannot record %s by %s", e->action, e->actor ? e->actor : "-");
		return NULL;
	}
	/* Now and then, drop what is past the retention period. */
	if (rand_uniform(200) == 0)
		(void)!db_exec(g_app.store, "DELETE FROM admin_audit WHERE at < $1",
			       P(SV_INT(now - g_cfg.security_log_days * 86400000LL)));
	return id;
}

void admin_audit_finish(const char *id, int status)
{
	if (id && db_exec(g_app.store, "UPDATE admin_audit SET status = $2, done_at = $3 WHERE id = $1",
			  P(SV_TEXT(id), SV_INT(status), SV_INT(time_now_ms()))))
		log_error("audit", "cannot record the outcome (%d) of %s", status, id);
}

struct list_ctx {
	struct arena *a;
	cJSON *arr;
};

static int add_entry(void *ud, const struct store_row *r)
{
	struct list_ctx *c = ud;
	cJSON *o = json_obj(c->a);
	cJSON_AddStringToObject(o, "id", row_str(r, 0));
	json_add_time(o, "at", row_int(r, 1));
	json_add_str(o, "actor", row_str(r, 2));
	cJSON_AddStringToObject(o, "via", row_str(r, 3));
	json_add_str(o, "ip", row_str(r, 4));
	cJSON_AddStringToObject(o, "action", row_str(r, 5));
	cJSON_AddStringToObject(o, "path", row_str(r, 6));
	json_add_str(o, "app_id", row_str(r, 7));
	cJSON *detail = row_str(r, 8) ? cJSON_Parse(row_str(r, 8)) : NULL;
	if (detail)
		cJSON_AddItemToObject(o, "detail", detail);
	if (row_str(r, 9))
		cJSON_AddNumberToObject(o, "status", (double)row_int(r, 9));
	else
		cJSON_AddNullToObject(o, "status");
	cJSON_AddItemReferenceToArray(c->arr, o);
	return 0;
}

enum ag_err admin_audit_list(struct arena *a, const struct audit_filter *f, cJSON **out)
{
	struct list_ctx c = {a, json_arr(a)};
	*out = c.arr;
	const char *q = f->q && *f->q ? db_like_contains(a, f->q) : NULL;
	return db_query(g_app.store,
			"SELECT id, at, actor, via, ip, action, path, app_id, detail, status FROM admin_audit "
			"WHERE (CAST($1 AS TEXT) IS NULL OR actor = $1) AND (CAST($2 AS TEXT) IS NULL OR app_id = $2) "
			"AND (CAST($3 AS TEXT) IS NULL OR action LIKE $3 ESCAPE '\\' OR path LIKE $3 ESCAPE '\\') "
			"AND at >= $4 AND at <= $5 ORDER BY at DESC, id LIMIT $6",
			P(SV_TEXT(f->actor), SV_TEXT(f->app_id), SV_TEXT(q), SV_INT(f->since_ms),
			  SV_INT(f->until_ms ? f->until_ms : INT64_MAX), SV_INT(f->limit)),
			add_entry, &c);
}
