/* admin_cmds.c — `authgate project|apikey|admin-token ...`: the admin API's
 * operations for the shell. Output is JSON on stdout; errors go to stderr with a
 * non-zero exit. */
#include <stdio.h>
#include <string.h>

#include "auth/apikeys.h"
#include "auth/projects.h"
#include "cli/cli.h"
#include "core/str.h"

static int usage_project(void)
{
	fputs("usage: authgate project create <app_id> <name> [--origin URL]... [--callback URL]...\n"
	      "       authgate project list\n"
	      "       authgate project show <app_id>\n",
	      stderr);
	return 2;
}

static int fail(enum ag_err e, const char *what)
{
	fprintf(stderr, "%s: %s\n", what, ag_err_code(e));
	return 1;
}

static int project_create_cmd(int argc, char **argv)
{
	if (argc < 2)
		return usage_project();
	struct arena *a = arena_new();
	cJSON *origins = json_arr(a), *callbacks = json_arr(a);
	for (int i = 2; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--origin") == 0)
			cJSON_AddItemToArray(origins, cJSON_CreateString(argv[++i]));
		else if (i + 1 < argc && strcmp(argv[i], "--callback") == 0)
			cJSON_AddItemToArray(callbacks, cJSON_CreateString(argv[++i]));
		else {
			arena_free(a);
			return usage_project();
		}
	}
	struct project *p;
	struct ag_error err = project_create(a, argv[0], argv[1], origins, callbacks, &p);
	int rc = 0;
	if (ag_err_is(err.code, AG_EINVAL)) {
		fprintf(stderr, "%s\n", err.message ? err.message : ag_err_message(err.code));
		rc = 2;
	} else if (err.code == AG_PROJECT_EXISTS) {
		fprintf(stderr, "project %s exists\n", argv[0]);
		rc = 1;
	} else if (err.code) {
		rc = fail(err.code, "project create");
	} else {
		cli_print_json(project_json(a, p));
	}
	arena_free(a);
	return rc;
}

int cmd_project(int argc, char **argv)
{
	if (argc < 1)
		return usage_project();
	struct arena *a = arena_new();
	int rc = 0;
	if (strcmp(argv[0], "create") == 0) {
		rc = project_create_cmd(argc - 1, argv + 1);
	} else if (strcmp(argv[0], "list") == 0 && argc == 1) {
		cJSON *arr;
		enum ag_err e = project_list(a, &arr);
		rc = e ? fail(e, "project list") : (cli_print_json(arr), 0);
	} else if (strcmp(argv[0], "show") == 0 && argc == 2) {
		struct project *p;
		enum ag_err e = project_get(a, argv[1], &p);
		if (ag_err_is(e, AG_ENOTFOUND)) {
			fprintf(stderr, "no project %s\n", argv[1]);
			rc = 1;
		} else {
			rc = e ? fail(e, "project show") : (cli_print_json(project_json(a, p)), 0);
		}
	} else {
		rc = usage_project();
	}
	arena_free(a);
	return rc;
}

static int usage_apikey(void)
{
	fputs("usage: authgate apikey create <app_id> [--name NAME]\n"
	      "       authgate apikey list <app_id>\n"
	      "       authgate apikey revoke <app_id> <key_id>\n",
	      stderr);
	return 2;
}

static void print_created(struct arena *a, const struct apikey_created *k)
{
	cJSON *o = json_obj(a);
	cJSON_AddStringToObject(o, "id", k->id);
	cJSON_AddStringToObject(o, "key", k->key);
	cJSON_AddStringToObject(o, "prefix", k->prefix);
	cli_print_json(o);
	fputs("store this secret now: it is not shown again\n", stderr);
}

int cmd_apikey(int argc, char **argv)
{
	if (argc < 2)
		return usage_apikey();
	struct arena *a = arena_new();
	int rc = 0;
	enum ag_err e;
	if (strcmp(argv[0], "create") == 0 && (argc == 2 || (argc == 4 && strcmp(argv[2], "--name") == 0))) {
		struct apikey_created k;
		e = apikey_create(a, argv[1], argc == 4 ? argv[3] : NULL, &k);
		if (ag_err_is(e, AG_ENOTFOUND)) {
			fprintf(stderr, "no project %s\n", argv[1]);
			rc = 1;
		} else if (e) {
			rc = fail(e, "apikey create");
		} else {
			print_created(a, &k);
		}
	} else if (strcmp(argv[0], "list") == 0 && argc == 2) {
		cJSON *arr;
		e = apikey_list(a, argv[1], &arr);
		rc = e ? fail(e, "apikey list") : (cli_print_json(arr), 0);
	} else if (strcmp(argv[0], "revoke") == 0 && argc == 3) {
		e = apikey_revoke(argv[1], argv[2]);
		if (ag_err_is(e, AG_ENOTFOUND)) {
			fprintf(stderr, "no active key %s in project %s\n", argv[2], argv[1]);
			rc = 1;
		} else if (e) {
			rc = fail(e, "apikey revoke");
		} else {
			puts("{\"revoked\": true}");
		}
	} else {
		rc = usage_apikey();
	}
	arena_free(a);
	return rc;
}

int cmd_admin_token(int argc, char **argv)
{
	struct arena *a = arena_new();
	int rc = 0;
	if (argc >= 1 && strcmp(argv[0], "create") == 0 && (argc == 1 || (argc == 3 && strcmp(argv[1], "--name") == 0))) {
		struct apikey_created k;
		enum ag_err e = admin_token_create(a, argc == 3 ? argv[2] : NULL, &k);
		rc = e ? fail(e, "admin-token create") : (print_created(a, &k), 0);
	} else if (argc == 2 && strcmp(argv[0], "revoke") == 0) {
		enum ag_err e = admin_token_revoke(argv[1]);
		rc = e ? fail(e, "admin-token revoke") : (puts("{\"revoked\": true}"), 0);
	} else {
		fputs("usage: authgate admin-token create [--name NAME]\n"
		      "       authgate admin-token revoke <id>\n",
		      stderr);
		rc = 2;
	}
	arena_free(a);
	return rc;
}
