/* sms_cmd.c — `authgate sms list [--json]`: text messages captured in dev mode (no SMS
 * provider), newest first, so codes can be read without a phone. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sms/sms.h"

int cmd_sms(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "list") != 0 || argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		fputs("usage: authgate sms list [--json]\n", stderr);
		return 2;
	}
	struct arena *a = arena_new();
	cJSON *arr = NULL;
	enum ag_err e = sms_captured_list(a, 100, &arr);
	if (e == AG_OK && argc == 2) {
		cli_print_json(arr);
	} else if (e == AG_OK) {
		const cJSON *m;
		cJSON_ArrayForEach(m, arr) printf(
		    "--- %s  to %s  [%s]\n%s\n\n", json_get_str(m, "created_at"), json_get_str(m, "to"),
		    json_get_str(m, "id"), json_get_str(m, "body") ? json_get_str(m, "body") : "(cannot be opened)");
	}
	arena_free(a);
	if (e) {
		fprintf(stderr, "sms list: %s\n", ag_err_code(e));
		return 1;
	}
	return 0;
}
