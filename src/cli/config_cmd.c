/* config_cmd.c — `authgate config check|docs` and `authgate migrate`. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"
#include "config/config.h"
#include "core/ctx.h"
#include "store/store.h"

int cmd_config(int argc, char **argv)
{
	struct buf b = BUF_INIT(256 * 1024);
	int rc;
	if (argc == 1 && strcmp(argv[0], "check") == 0) {
		struct config c;
		int n = config_load(&c, NULL, &b);
		if (n == 0)
			n = config_serve_problems(&c, &b);
		if (n) {
			fprintf(stderr, "%d configuration error%s:\n%s", n, n == 1 ? "" : "s", b.p);
			rc = 1;
		} else {
			printf("configuration OK (database: %s, mail: %s)\n",
			       strncmp(c.database_url, "sqlite", 6) == 0 ? "sqlite" : "postgres",
			       c.smtp_url[0] ? "smtp" : "captured");
			rc = 0;
		}
	} else if (argc == 1 && strcmp(argv[0], "docs") == 0) {
		config_docs(&b);
		fputs(b.p, stdout);
		rc = 0;
	} else {
		fputs("usage: authgate config check|docs\n", stderr);
		rc = 2;
	}
	buf_free(&b);
	return rc;
}

int cmd_migrate(int argc, char **argv)
{
	(void)argv;
	if (argc) {
		fputs("usage: authgate migrate\n", stderr);
		return 2;
	}
	int rc = cli_boot(false);
	if (rc)
		return rc;
	int applied = 0;
	if (store_migrate(g_app.store, &applied) != AG_OK) {
		fputs("migration failed\n", stderr);
		cli_shutdown();
		return 1;
	}
	printf("schema version %d (%d migration%s applied)\n", store_schema_version(g_app.store), applied,
	       applied == 1 ? "" : "s");
	cli_shutdown();
	return 0;
}

/* `authgate routes [--json]`: the route table for operators, one route a line (method,
 * path, who may call it); --json for scripts and for the test that keeps
 * /openapi.json complete. */
int cmd_routes(int argc, char **argv)
{
	bool json = argc == 1 && strcmp(argv[0], "--json") == 0;
	if (argc && !json) {
		fputs("usage: authgate routes [--json]\n", stderr);
		return 2;
	}
	size_t n;
	const struct route *routes = api_routes(&n);
	if (!json) {
		int width = 4;
		for (size_t i = 0; i < n; i++)
			if ((int)strlen(routes[i].pattern) > width)
				width = (int)strlen(routes[i].pattern);
		printf("%-7s %-*s %s\n", "METHOD", width, "PATH", "GUARD");
		for (size_t i = 0; i < n; i++)
			printf("%-7s %-*s %s\n", routes[i].method, width, routes[i].pattern,
			       api_guard_name(routes[i].guard));
		return 0;
	}
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "method", routes[i].method);
		cJSON_AddStringToObject(o, "path", routes[i].pattern);
		cJSON_AddStringToObject(o, "guard", api_guard_name(routes[i].guard));
		cJSON_AddBoolToObject(o, "guarded", routes[i].guard != NULL);
		cJSON_AddItemToArray(arr, o);
	}
	cli_print_json(arr);
	cJSON_Delete(arr);
	return 0;
}
