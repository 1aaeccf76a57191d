/* dev.c — the first start in dev mode (make run): create the `my-app` project, an API
 * key and an admin token, and print the secrets once. Later starts print nothing. */
#include <stdio.h>
#include <string.h>

#include "auth/apikeys.h"
#include "cli/cli.h"
#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "net/net.h"
#include "store/store.h"

int cli_dev_bootstrap(void)
{
	int64_t done = 0;
	enum ag_err e = db_int(g_app.store, &done, "SELECT COUNT(*) FROM meta WHERE key = 'dev_bootstrapped'", NOP);
	if (e)
		return 1;
	if (done)
		return 0;
	struct arena *a = arena_new();
	int rc = 1;
	cJSON *origins = json_arr(a), *callbacks = json_arr(a);
	/* the public URL's origin as browsers send it (a path, capitals or :80 are not in it) */
	const char *origin_list[] = {url_origin_of(a, g_cfg.public_url), "http://localhost:3000", "http://127.0.0.1:3000"};
	for (size_t i = 0; i < ARRAY_LEN(origin_list); i++)
		if (origin_list[i])
			cJSON_AddItemToArray(origins, cJSON_CreateString(origin_list[i]));
	cJSON_AddItemToArray(callbacks, cJSON_CreateString("http://localhost:3000/auth/callback"));
	struct project *p;
	e = project_create(a, "my-app", "My App", origins, callbacks, &p).code;
	if (e && e != AG_PROJECT_EXISTS)
		goto out;
	struct apikey_created key, admin;
	if (apikey_create(a, "my-app", "dev", &key) || admin_token_create(a, "dev", &admin))
		goto out;
	if (db_exec(g_app.store, "INSERT INTO meta (key, value) VALUES ('dev_bootstrapped', $1)",
		    P(SV_TEXT(arena_printf(a, "%lld", (long long)time_now_ms())))))
		goto out;
	printf("\n"
	       "  AuthGate dev mode: first start\n"
	       "  project      my-app\n"
	       "  API key      %s\n"
	       "  admin token  %s\n"
	       "  These are shown once. Mail is captured: open %s/_dev/mail\n\n",
	       key.key, admin.key, g_cfg.public_url);
	fflush(stdout);
	rc = 0;
out:
	if (rc)
		log_error("dev", "cannot create the dev project");
	arena_free(a);
	return rc;
}
