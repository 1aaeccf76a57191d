/* Unit tests for what net/url.c derives from a URL for comparisons with what browsers
 * send: the origin (lowercase host, default port dropped, IPv6 in WHATWG's form), the
 * host, and whether a host is an IP address (never a WebAuthn RP ID) — and that each is
 * refused where url_parse refuses, so no caller can read a string another way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/arena.h"
#include "net/net.h"


static void test_origin_of(void **state)
{
	struct arena *a = arena_new();
	static const char *const cases[][2] = {
		{"https://app.example", "https://app.example"},
		{"https://app.example/", "https://app.example"},
		{"https://App.Example.COM/x?y#z", "https://app.example.com"},
		{"https://app.example:443/cb", "https://app.example"},
		{"http://app.example:80", "http://app.example"},
		{"http://app.example:443", "http://app.example:443"},
		{"https://app.example:8443/a", "https://app.example:8443"},
		{"http://127.0.0.1:3000/", "http://127.0.0.1:3000"},
		{"http://[::1]:8080/", "http://[::1]:8080"},
		{"http://[::FFFF:127.0.0.1]/", "http://[::ffff:7f00:1]"},
		{"http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]"},
		{"http://[2001:db8::1:0:0:1]/", "http://[2001:db8::1:0:0:1]"},
		{"http://[1:0:0:2::3]/", "http://[1:0:0:2::3]"},
		{"http://[1:0:1:0:1:0:1:0]/", "http://[1:0:1:0:1:0:1:0]"},
		{"http://[::]/", "http://[::]"},
		{"http://[ffff:eeee:dddd:cccc:bbbb:aaaa:9999:8888]/", "http://[ffff:eeee:dddd:cccc:bbbb:aaaa:9999:8888]"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const char *o = url_origin_of(a, cases[i][0]);
		if (!o || strcmp(o, cases[i][1]))
			fail_msg("%s: got %s, want %s", cases[i][0], o ? o : "NULL", cases[i][1]);
	}
	/* What url_parse refuses has no origin: a hand parser would have made one of each. */
	static const char *const refused[] = {
		"https://evil@app.example",    "https://user:pw@app.example/", "HTTPS://app.example", "https://app.example.",
		"https://app.example:0",       "https://app.example:",         "https:/app.example",  "https://[fe80::1%25eth0]/",
		"https://127.1/",              "ftp://app.example",            "app.example",         "",
		"https://app.example\\@x.example/", "http://[0:0:0:0:0:0:0:1]/", "http://[2001:DB8:0:0:1:0:0:1]/",
	};
	for (size_t i = 0; i < ARRAY_LEN(refused); i++)
		if (url_origin_of(a, refused[i]))
			fail_msg("an origin for %s", refused[i]);
	assert_null(url_origin_of(a, NULL));
	arena_free(a);
}

static void test_host_of(void **state)
{
	struct arena *a = arena_new();
	assert_string_equal(url_host_of(a, "https://Auth.Example.com:8443/x"), "auth.example.com");
	assert_string_equal(url_host_of(a, "http://[::FFFF:7F00:1]:1/"), "[::ffff:7f00:1]");
	assert_null(url_host_of(a, "https://evil@app.example"));
	assert_null(url_host_of(a, "https://app.example./"));
	struct url_parts u;
	assert_null(url_parse(a, "https://Auth.Example.com:443/p", &u));
	assert_string_equal(u.host, "Auth.Example.com"); /* as written: what we connect to */
	assert_string_equal(u.host_lc, "auth.example.com");
	assert_false(u.ip_host);
	assert_null(url_parse(a, "http://10.0.0.1/", &u));
	assert_true(u.ip_host);
	arena_free(a);
}

static void test_host_is_ip(void **state)
{
	static const char *const ip[] = {"127.0.0.1", "[::1]", "[2001:db8::1]", "999.1.1.1", "app.example.1",
					 "0x7f",      "a.0x1F", "1.2.3.4.",      "0x"};
	static const char *const names[] = {"app.example", "localhost", "1.2.3.example", "x1",
					    "0xg",         "1e5",       "example.123a",  "xn--bcher-kva.example"};
	for (size_t i = 0; i < ARRAY_LEN(ip); i++)
		if (!url_host_is_ip(ip[i]))
			fail_msg("%s read as a name", ip[i]);
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (url_host_is_ip(names[i]))
			fail_msg("%s read as an address", names[i]);
	assert_false(url_host_is_ip(NULL));
	assert_false(url_host_is_ip(""));
}

/* An allowed origin must be exactly what browsers send (else no request ever matches). */
static void test_check_origin_serialized(void **state)
{
	struct arena *a = arena_new();
	assert_null(url_check_origin(a, "http://[::1]:3000"));
	assert_non_null(url_check_origin(a, "http://[0::1]:3000"));
	assert_non_null(url_check_origin(a, "http://[::ffff:127.0.0.1]"));
	assert_null(url_check_origin(a, "http://[::ffff:7f00:1]"));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_origin_of),
		cmocka_unit_test(test_host_of),
		cmocka_unit_test(test_host_is_ip),
		cmocka_unit_test(test_check_origin_serialized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
