/* oauth_cmd.c — `authgate oauth list|show|set|remove`: a project's sign-in providers
 * from the shell, the same operations as /admin/api/projects/{app_id}/oauth. Secrets
 * are read from a file (or stdin with "-"), never from the command line, where any user
 * of the machine could read them in the process list. */
#include <stdio.h>
#include <string.h>

#include "auth/oauth.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/str.h"

#define SECRET_FILE_MAX 4096

static int usage(void)
{
	fputs("usage: authgate oauth list <app_id>\n"
	      "       authgate oauth show <app_id> <provider>\n"
	      "       authgate oauth set <app_id> <provider> [--enable|--disable] [--client-id ID]\n"
	      "            [--client-secret-file FILE|-] [--private-key-file FILE|-] [--scopes \"a b\"]\n"
	      "            [--issuer URL] [--tenant T] [--team-id ID] [--key-id ID]\n"
	      "            [--authorization-endpoint URL] [--token-endpoint URL] [--userinfo-endpoint URL]\n"
	      "            [--emails-endpoint URL]\n"
	      "       authgate oauth remove <app_id> <provider>\n"
	      "providers: google github microsoft gitlab discord apple oidc (docs/OAUTH.md)\n",
	      stderr);
	return 2;
}

/* Flags that take a value, and the setting each one sets. */
static const struct {
	const char *flag, *setting;
	bool file; /* the value names a file holding the secret */
} flags[] = {
    {"--client-id", "client_id", false},
    {"--client-secret-file", "client_secret", true},
    {"--private-key-file", "private_key", true},
    {"--scopes", "scopes", false},
    {"--issuer", "issuer", false},
    {"--tenant", "tenant", false},
    {"--team-id", "team_id", false},
    {"--key-id", "key_id", false},
    {"--authorization-endpoint", "authorization_endpoint", false},
    {"--token-endpoint", "token_endpoint", false},
    {"--userinfo-endpoint", "userinfo_endpoint", false},
    {"--emails-endpoint", "emails_endpoint", false},
};

/* The file's bytes without a trailing newline, into the arena; NULL on error. */
static const char *read_secret(struct arena *a, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	char *buf = arena_alloc(a, SECRET_FILE_MAX + 2);
	size_t n = fread(buf, 1, SECRET_FILE_MAX + 1, f);
	if (f != stdin)
		fclose(f);
	if (n > SECRET_FILE_MAX) {
		fprintf(stderr, "%s is larger than %d bytes\n", path, SECRET_FILE_MAX);
		return NULL;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = 0;
	return buf;
}

static int set_cmd(struct arena *a, const char *app_id, const char *provider, int argc, char **argv)
{
	cJSON *patch = json_obj(a);
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--enable") == 0 || strcmp(argv[i], "--disable") == 0) {
			cJSON_AddBoolToObject(patch, "enabled", strcmp(argv[i], "--enable") == 0);
			continue;
		}
		size_t k = 0;
		while (k < ARRAY_LEN(flags) && strcmp(flags[k].flag, argv[i]) != 0)
			k++;
		if (k == ARRAY_LEN(flags) || i + 1 >= argc)
			return usage();
		const char *v = flags[k].file ? read_secret(a, argv[++i]) : argv[++i];
		if (!v)
			return 1;
		cJSON_AddStringToObject(patch, flags[k].setting, v);
	}
	struct ag_error e = oauth_client_set(a, app_id, provider, patch);
	if (ag_err_is(e.code, AG_ENOTFOUND)) {
		fprintf(stderr, "no project %s or no provider %s\n", app_id, provider);
		return 1;
	}
	if (e.code) {
		fprintf(stderr, "oauth set: %s\n", e.message ? e.message : ag_err_message(e.code));
		return 1;
	}
	return -1; /* show it */
}

int cmd_oauth(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	struct arena *a = arena_new();
	struct project *p = NULL;
	int rc = 0;
	enum ag_err e = project_get(a, argv[1], &p);
	if (e) {
		fprintf(stderr, ag_err_is(e, AG_ENOTFOUND) ? "no project %s\n" : "cannot read project %s\n", argv[1]);
		arena_free(a);
		return 1;
	}
	if (strcmp(argv[0], "list") == 0 && argc == 2) {
		cJSON *arr;
		e = oauth_client_list(a, p, &arr);
		rc = e ? (fprintf(stderr, "oauth list: %s\n", ag_err_code(e)), 1) : (cli_print_json(arr), 0);
	} else if (strcmp(argv[0], "set") == 0 && argc >= 3) {
		rc = set_cmd(a, p->app_id, argv[2], argc - 3, argv + 3);
	} else if (strcmp(argv[0], "remove") == 0 && argc == 3) {
		e = oauth_client_delete(p->app_id, argv[2]);
		if (e)
			fprintf(stderr, "oauth remove: %s\n",
			        ag_err_is(e, AG_ENOTFOUND) ? "no settings for this provider" : ag_err_code(e));
		else
			puts("{\"deleted\": true}");
		rc = e ? 1 : 0;
	} else if (strcmp(argv[0], "show") == 0 && argc == 3) {
		rc = -1;
	} else {
		rc = usage();
	}
	if (rc == -1) { /* show: read back, the toggle fresh from the store */
		struct oauth_client *c;
		project_cache_clear();
		e = project_get(a, p->app_id, &p);
		if (e == AG_OK)
			e = oauth_client_get(a, p->app_id, argv[2], &c);
		if (e)
			fprintf(stderr, "oauth show: %s\n",
			        ag_err_is(e, AG_ENOTFOUND) ? "no settings for this provider" : ag_err_code(e));
		else
			cli_print_json(oauth_client_json(a, c, project_provider_on(p, c->def->name)));
		rc = e ? 1 : 0;
	}
	arena_free(a);
	return rc;
}
