/* mail_cmd.c — `authgate mail list [--json]`: the mail captured in dev mode, newest
 * first (text bodies), so codes and links can be read without an SMTP server. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/ctx.h"
#include "core/timeutil.h"
#include "store/store.h"

struct list_ctx {
	bool json;
	cJSON *arr;
};

static int print_row(void *ud, const struct store_row *row)
{
	struct list_ctx *c = ud;
	char ts[32];
	time_iso8601(ts, row_int(row, 5), false);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", row_str(row, 0));
		cJSON_AddStringToObject(o, "to", row_str(row, 1));
		cJSON_AddStringToObject(o, "subject", row_str(row, 2));
		cJSON_AddStringToObject(o, "text", row_str(row, 3));
		cJSON_AddStringToObject(o, "app_id", row_str(row, 4) ? row_str(row, 4) : "");
		cJSON_AddStringToObject(o, "created_at", ts);
		cJSON_AddItemToArray(c->arr, o);
	} else {
		printf("--- %s  to %s  [%s]\nSubject: %s\n\n%s\n", ts, row_str(row, 1), row_str(row, 0), row_str(row, 2),
		       row_str(row, 3));
	}
	return 0;
}

int cmd_mail(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "list") != 0 || argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		fputs("usage: authgate mail list [--json]\n", stderr);
		return 2;
	}
	struct arena *a = arena_new();
	struct list_ctx c = {argc == 2, json_arr(a)};
	enum ag_err e = db_query(g_app.store,
				 "SELECT id, to_addr, subject, text_body, app_id, created_at FROM mail_captured "
				 "ORDER BY created_at DESC, id LIMIT 100",
				 NOP, print_row, &c);
	if (e == AG_OK && c.json)
		cli_print_json(c.arr);
	arena_free(a);
	if (e) {
		fprintf(stderr, "mail list: %s\n", ag_err_code(e));
		return 1;
	}
	return 0;
}
