/* Unit tests: configuration defaults, validation (every error names its key), file
 * loading, environment precedence, the generated docs table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

static void clear_env(void)
{
	extern char **environ;
	for (int again = 1; again;) {
		again = 0;
		for (char **e = environ; *e; e++)
			if (strncmp(*e, "AUTHGATE_", 9) == 0) {
				char k[128];
				size_t n = strcspn(*e, "=");
				snprintf(k, sizeof k, "%.*s", (int)n, *e);
				unsetenv(k);
				again = 1;
				break;
			}
	}
}

static void test_defaults(void **state)
{
	clear_env();
	struct config c;
	struct buf errs = BUF_INIT(0);
	assert_int_equal(config_load(&c, NULL, &errs), 0);
	assert_string_equal(c.host, "127.0.0.1");
	assert_int_equal(c.port, 8080);
	assert_string_equal(c.public_url, "http://127.0.0.1:8080");
	assert_string_equal(c.database_url, "sqlite://./data/authgate.db");
	assert_true(c.threads >= 1);
	assert_false(c.dev);
	buf_free(&errs);
	/* an IPv6 listening address makes a URL with the address in brackets */
	setenv("AUTHGATE_HOST", "::1", 1);
	assert_int_equal(config_load(&c, NULL, &errs), 0);
	assert_string_equal(c.public_url, "http://[::1]:8080");
	unsetenv("AUTHGATE_HOST");
	buf_free(&errs);
}

static void test_errors_name_keys(void **state)
{
	clear_env();
	setenv("AUTHGATE_PORT", "99999", 1);
	setenv("AUTHGATE_DEV", "maybe", 1);
	setenv("AUTHGATE_DATABASE_URL", "mysql://x", 1);
	setenv("AUTHGATE_NOPE", "1", 1);
	struct config c;
	struct buf errs = BUF_INIT(0);
	assert_int_equal(config_load(&c, NULL, &errs), 4);
	assert_non_null(strstr(errs.p, "AUTHGATE_PORT:"));
	assert_non_null(strstr(errs.p, "AUTHGATE_DEV:"));
	assert_non_null(strstr(errs.p, "AUTHGATE_DATABASE_URL:"));
	assert_non_null(strstr(errs.p, "AUTHGATE_NOPE: unknown key"));
	buf_free(&errs);
	clear_env();
}

static void test_file_and_env(void **state)
{
	clear_env();
	char path[] = "/tmp/authgate-config-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "# comment\nAUTHGATE_PORT = 9090\nAUTHGATE_DEV=true\nAUTHGATE_HOST=10.0.0.1\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	setenv("AUTHGATE_HOST", "127.0.0.2", 1); /* the environment wins over the file */
	struct config c;
	struct buf errs = BUF_INIT(0);
	assert_int_equal(config_load(&c, path, &errs), 0);
	assert_int_equal(c.port, 9090);
	assert_true(c.dev);
	assert_true(c.allow_private_network); /* implied by dev */
	assert_string_equal(c.host, "127.0.0.2");
	unlink(path);
	buf_free(&errs);
	clear_env();
}

/* The file's text: CRLF, blanks, comments; a long line or a NUL byte is an error and
 * never becomes a second setting; an unprintable unknown key is not echoed. */
static void test_parse_text(void **state)
{
	struct config c;
	memset(&c, 0, sizeof c);
	struct buf errs = BUF_INIT(0);
	const char ok[] = "\r\n  # c\r\n\tAUTHGATE_PORT\t= 9091\r\nAUTHGATE_DEV=true";
	assert_int_equal(config_parse(&c, ok, sizeof ok - 1, "t.conf", &errs), 0);
	assert_int_equal(c.port, 9091);
	assert_true(c.dev);

	char *long_line = malloc(CONFIG_LINE_MAX + 64);
	memset(long_line, 'x', CONFIG_LINE_MAX + 64);
	memcpy(long_line, "AUTHGATE_HOST=", 14);
	memcpy(long_line + CONFIG_LINE_MAX, "\nAUTHGATE_PORT=1\n", 17); /* the old parser read this tail as a line */
	c.port = 7;
	assert_int_equal(config_parse(&c, long_line, CONFIG_LINE_MAX + 17, "t.conf", &errs), 1);
	assert_non_null(strstr(errs.p, "t.conf:1: line longer than 2047 bytes"));
	assert_int_equal(c.port, 1); /* the next line still counts */
	free(long_line);

	const char nul[] = "AUTHGATE_PORT=80\0\nAUTHGATE_NOPE\x1b[31m=1\n";
	assert_int_equal(config_parse(&c, nul, sizeof nul - 1, "t.conf", &errs), 2);
	assert_non_null(strstr(errs.p, "t.conf:1: line longer than 2047 bytes or holding a NUL byte"));
	assert_non_null(strstr(errs.p, "t.conf:2: unknown key\n"));
	assert_null(strchr(errs.p, 0x1b));
	buf_free(&errs);
}

static void test_docs(void **state)
{
	struct buf b = BUF_INIT(0);
	config_docs(&b);
	assert_non_null(strstr(b.p, "| `AUTHGATE_DATABASE_URL` |"));
	assert_non_null(strstr(b.p, "| `AUTHGATE_SMTP_URL` |"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors_name_keys),
		cmocka_unit_test(test_file_and_env),
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test(test_docs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
