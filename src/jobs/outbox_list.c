/* outbox_list.c — the operator's view of the outbox: recent jobs with their state and
 * last error. Payloads are never shown: a mail payload holds codes and links. */
#include <string.h>

#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "jobs/outbox.h"
#include "store/store.h"

static int list_row(void *ud, const struct store_row *row)
{
	cJSON *o = cJSON_CreateObject();
	json_add_str(o, "id", row_str(row, 0));
	json_add_str(o, "kind", row_str(row, 1));
	json_add_str(o, "app_id", row_str(row, 2));
	json_add_str(o, "status", row_str(row, 3));
	cJSON_AddNumberToObject(o, "attempts", (double)row_int(row, 4));
	json_add_str(o, "last_error", row_str(row, 5));
	json_add_time(o, "run_at", row_int(row, 6));
	json_add_time(o, "created_at", row_int(row, 7));
	json_add_time(o, "done_at", row_int(row, 8));
	cJSON_AddItemToArray(ud, o);
	return 0;
}

enum ag_err outbox_list(struct arena *a, const char *status, int limit, cJSON **out)
{
	if (status && !str_eq(status, "pending") && !str_eq(status, "done") && !str_eq(status, "failed"))
		return AG_EINVAL;
	if (limit < 1 || limit > 500)
		return AG_EINVAL;
	cJSON *arr = json_arr(a);
	enum ag_err e;
	const char *cols = "SELECT id, kind, app_id, status, attempts, last_error, run_at, created_at, done_at FROM outbox";
	if (status)
		e = db_query(g_app.store,
			     arena_printf(a, "%s WHERE status = $1 ORDER BY created_at DESC, id DESC LIMIT $2", cols),
			     P(SV_TEXT(status), SV_INT(limit)), list_row, arr);
	else
		e = db_query(g_app.store, arena_printf(a, "%s ORDER BY created_at DESC, id DESC LIMIT $1", cols),
			     P(SV_INT(limit)), list_row, arr);
	if (e == AG_OK)
		*out = arr;
	return e;
}
