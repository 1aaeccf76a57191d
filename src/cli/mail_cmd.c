/* mail_cmd.c — `authgate mail list [--json]`: the mail captured in dev mode, newest
 * first (text bodies; opened with the master key), so codes and links can be read
 * without an SMTP server. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "mail/mail.h"

#define MAIL_LIST_MAX 100

int cmd_mail(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "list") != 0 || argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		fputs("usage: authgate mail list [--json]\n", stderr);
		return 2;
	}
	struct arena *a = arena_new();
	cJSON *arr = NULL;
	enum ag_err e = mail_captured_list(a, MAIL_LIST_MAX, &arr);
	if (e == AG_OK && argc == 2) {
		cli_print_json(arr);
	} else if (e == AG_OK) {
		const cJSON *m;
		cJSON_ArrayForEach(m, arr)
		{
			printf("--- %s  to %s  [%s]\nSubject: %s\n\n%s\n", json_get_str(m, "created_at"), json_get_str(m, "to"),
			       json_get_str(m, "id"), json_get_str(m, "subject"), json_get_str(m, "text"));
		}
	}
	arena_free(a);
	if (e) {
		fprintf(stderr, "mail list: %s\n", ag_err_code(e));
		return 1;
	}
	return 0;
}
