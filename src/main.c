/* main.c — `authgate <command>`: dispatch to the sub-commands in src/cli/. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

static const char usage[] =
	"AuthGate " AUTHGATE_VERSION " — self-hosted authentication server\n"
	"\n"
	"usage: authgate <command> [args]\n"
	"\n"
	"  serve                       run the server (config from AUTHGATE_* env, see README)\n"
	"  migrate                     apply database migrations and exit\n"
	"  project create|list|show    manage projects (tenants)\n"
	"  apikey create|list|revoke   manage a project's API keys\n"
	"  admin-token create|revoke   manage admin API credentials\n"
	"  oauth list|show|set|remove  a project's sign-in providers (Google, GitHub, ...)\n"
	"  mail list [--json]          show captured mail (when no SMTP server is configured)\n"
	"  sms list [--json]           show captured SMS (dev mode, no SMS provider configured)\n"
	"  config check                validate the configuration, every error with its key\n"
	"  config docs                 print the configuration table (markdown)\n"
	"  routes [--json]             print the route table (method, path, guard)\n"
	"  --version                   print the version\n"
	"  --help                      this text\n";

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	bool boot; /* needs config + store */
};

static const struct command commands[] = {
	{"serve", cmd_serve, false},     {"migrate", cmd_migrate, false},
	{"project", cmd_project, true},  {"apikey", cmd_apikey, true},
	{"admin-token", cmd_admin_token, true}, {"mail", cmd_mail, true}, {"sms", cmd_sms, true},
	{"config", cmd_config, false},   {"routes", cmd_routes, false},
	{"oauth", cmd_oauth, true},
};

int main(int argc, char **argv)
{
	/* Every file AuthGate creates (the SQLite database and its -wal/-shm, the master key,
	 * the data dir) holds secrets or their ciphertext: owner-only whatever the caller's
	 * umask. SQLite has no per-file mode option; this covers it and anything added later. */
	umask(077);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		puts("authgate " AUTHGATE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (commands[i].boot) {
			int rc = cli_boot(true);
			if (rc)
				return rc;
		}
		int rc = commands[i].run(argc - 2, argv + 2);
		if (commands[i].boot)
			cli_shutdown();
		return rc;
	}
	fprintf(stderr, "authgate: unknown command '%s'\n\n%s", argv[1], usage);
	return 2;
}
