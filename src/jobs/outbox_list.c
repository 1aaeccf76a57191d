/* outbox_list.c — the operator's view of the outbox: recent jobs with their state and
 * last error. Payloads are never shown: a mail payload holds codes and links. */
#include <string.h>

#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "jobs/outbox.h"
#include "store/store.h"

enum ag_err outbox_list(struct arena *a, const char *status, int limit, cJSON **out)
{
	if (status && !str_eq(status, "pending") && !str_eq(status, "done") && !str_eq(status, "failed"))
		return AG_EINVAL;
	if (limit < 1 || limit > 500)
		return AG_EINVAL;
	static const struct db_col cols[] = {
		{"id", DB_COL_STR},      {"kind", DB_COL_STR},        {"app_id", DB_COL_STR},
		{"status", DB_COL_STR},  {"attempts", DB_COL_INT},    {"last_error", DB_COL_STR},
		{"run_at", DB_COL_TIME}, {"created_at", DB_COL_TIME}, {"done_at", DB_COL_TIME},
		{NULL, 0},
	};
	const char *sel = "SELECT id, kind, app_id, status, attempts, last_error, run_at, created_at, done_at FROM outbox";
	if (status)
		return db_json_rows(g_app.store, a, out, cols,
				    arena_printf(a, "%s WHERE status = $1 ORDER BY created_at DESC, id DESC LIMIT $2", sel),
				    P(SV_TEXT(status), SV_INT(limit)));
	return db_json_rows(g_app.store, a, out, cols,
			    arena_printf(a, "%s ORDER BY created_at DESC, id DESC LIMIT $1", sel), P(SV_INT(limit)));
}
