/* cli.h — the authgate command line: shared start-up (config, keys, store) and the
 * sub-commands. */
#ifndef AG_CLI_H
#define AG_CLI_H

#include <stdbool.h>

#include "core/json.h"

/* Load config, master key and store, apply migrations. Returns 0 or an exit code. */
int cli_boot(bool migrate);
void cli_shutdown(void);

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_project(int argc, char **argv);
int cmd_apikey(int argc, char **argv);
int cmd_admin_token(int argc, char **argv);
int cmd_oauth(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_mail(int argc, char **argv);
int cmd_sms(int argc, char **argv);
int cmd_routes(int argc, char **argv);

/* Print a JSON value followed by a newline on stdout. */
void cli_print_json(const cJSON *v);

/* First start in dev mode: the my-app project, its API key and an admin token. */
int cli_dev_bootstrap(void);

#endif
