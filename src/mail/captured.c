/* captured.c — reading the mail captured in development (no SMTP server): the list
 * for /_dev/mail and the HTML body of one message. */
#include <string.h>

#include "core/ctx.h"
#include "core/timeutil.h"
#include "mail/mail.h"
#include "store/store.h"

static int list_row(void *ud, const struct store_row *row)
{
	char ts[32];
	time_iso8601(ts, row_int(row, 6), true);
	cJSON *o = cJSON_CreateObject();
	json_add_str(o, "id", row_str(row, 0));
	json_add_str(o, "app_id", row_str(row, 1));
	json_add_str(o, "to", row_str(row, 2));
	json_add_str(o, "subject", row_str(row, 3));
	json_add_str(o, "text", row_str(row, 4));
	cJSON_AddBoolToObject(o, "has_html", row_int(row, 5) > 0);
	cJSON_AddStringToObject(o, "created_at", ts);
	cJSON_AddItemToArray(ud, o);
	return 0;
}

enum ag_err mail_captured_list(struct arena *a, int limit, cJSON **out)
{
	cJSON *arr = json_arr(a);
	enum ag_err e = db_query(g_app.store,
				 "SELECT id, app_id, to_addr, subject, text_body, LENGTH(html_body), created_at "
				 "FROM mail_captured ORDER BY created_at DESC, id DESC LIMIT $1",
				 P(SV_INT(limit)), list_row, arr);
	if (e == AG_OK)
		*out = arr;
	return e;
}

enum ag_err mail_captured_html(struct arena *a, const char *id, const char **html)
{
	struct store_row row;
	enum ag_err e = db_row(g_app.store, a, &row, "SELECT html_body FROM mail_captured WHERE id = $1",
			       P(SV_TEXT(id)));
	if (e)
		return e;
	const char *h = row_str(&row, 0);
	if (!h || !*h)
		return AG_ENOTFOUND;
	*html = h;
	return AG_OK;
}
