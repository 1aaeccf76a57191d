/* Unit tests: arena, buf, str (shapes, hex, base64), strict JSON, hash map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/epcache.h"
#include "core/form.h"
#include "core/hash.h"
#include "core/hmap.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/client_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static int freed;
static void count_free(void *p)
{
	(void)p;
	freed++;
}

static void test_arena(void **state)
{
	struct arena *a = arena_new();
	char *s = arena_strdup(a, "hello");
	assert_string_equal(s, "hello");
	assert_string_equal(arena_printf(a, "%d-%s", 42, "x"), "42-x");
	void *big = arena_alloc(a, 100000); /* larger than a block */
	memset(big, 1, 100000);
	void *small = arena_alloc(a, 10);
	assert_non_null(small);
	assert_int_equal((uintptr_t)small % _Alignof(max_align_t), 0); /* alignment, not size: 16 vs 32 on x86-64 */
	assert_true(arena_used(a) >= 100010);
	freed = 0;
	arena_defer(a, count_free, NULL);
	arena_defer(a, count_free, NULL);
	arena_free(a);
	assert_int_equal(freed, 2);
}

static void test_buf_cap(void **state)
{
	struct buf b = BUF_INIT(10);
	assert_int_equal(buf_puts(&b, "12345"), 0);
	assert_int_equal(buf_printf(&b, "%s", "67890"), 0);
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_puts(&b, "x"), -1); /* over the cap */
	assert_string_equal(b.p, "1234567890");
	buf_free(&b);
}

static void test_str_shapes(void **state)
{
	assert_true(str_is_email("user@example.com"));
	assert_true(str_is_email("a.b+tag@sub.example.co"));
	assert_false(str_is_email("user"));
	assert_false(str_is_email("user@"));
	assert_false(str_is_email("@example.com"));
	assert_false(str_is_email("a@b@example.com"));
	assert_false(str_is_email("a@example"));
	assert_false(str_is_email("a b@example.com"));
	assert_false(str_is_email("a@exa..mple.com"));
	assert_false(str_is_email("a@example.com\r\nBcc: x@y.z"));
	assert_true(str_is_slug("my-app", 63));
	assert_false(str_is_slug("My-App", 63));
	assert_false(str_is_slug("-app", 63));
	assert_false(str_is_slug("a/b", 63));
	assert_true(str_is_utf8("h\xc3\xa9llo", 6));
	assert_false(str_is_utf8("\xc3\x28", 2));
	assert_false(str_is_utf8("\xed\xa0\x80", 3)); /* surrogate */
	assert_false(str_is_utf8("\xc0\xaf", 2));     /* overlong */
}

static void test_str_numbers(void **state)
{
	int64_t v;
	assert_int_equal(str_to_i64("123", 0, 1000, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(str_to_i64("1001", 0, 1000, &v), -1);
	assert_int_equal(str_to_i64("12a", 0, 1000, &v), -1);
	assert_int_equal(str_to_i64("", 0, 1000, &v), -1);
	assert_int_equal(str_to_i64("99999999999999999999", 0, INT64_MAX, &v), -1);
}

static void test_base64(void **state)
{
	char out[64];
	unsigned char back[64];
	str_b64url(out, (const unsigned char *)"\xfb\xff", 2);
	assert_string_equal(out, "-_8");
	str_b64(out, (const unsigned char *)"foobar", 6);
	assert_string_equal(out, "Zm9vYmFy");
	str_b64(out, (const unsigned char *)"fo", 2);
	assert_string_equal(out, "Zm8=");
	assert_int_equal(str_unb64(back, sizeof back, "Zm8=", 4), 2);
	assert_memory_equal(back, "fo", 2);
	assert_int_equal(str_unb64url(back, sizeof back, "-_8", 3), 2);
	assert_int_equal(str_unb64url(back, sizeof back, "-_9", 3), -1); /* non-canonical bits */
	assert_int_equal(str_unb64url(back, sizeof back, "a", 1), -1);
	assert_int_equal(str_unb64url(back, sizeof back, "ab+c", 4), -1); /* std alphabet refused */
	str_hex(out, (const unsigned char *)"\x01\xab", 2);
	assert_string_equal(out, "01ab");
	assert_int_equal(str_unhex(back, "01AB", 2), 0);
	assert_memory_equal(back, "\x01\xab", 2);
}

/* The word-at-a-time and table-driven fast paths against the plain definitions. */
static long ref_unb64url(unsigned char *out, size_t outsz, const char *in, size_t n)
{
	static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	while (n && in[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return -1;
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		const char *c = in[i] ? strchr(A, in[i]) : NULL;
		if (!c)
			return -1;
		acc = (acc << 6) | (unsigned)(c - A);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outsz)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return bits && (acc & ((1u << bits) - 1)) ? -1 : (long)o;
}

static void test_fast_paths(void **state)
{
	(void)state;
	static const char alphabet[] = "AQgw_-9z+/=.\x80";
	unsigned seed = 7;
	char in[48];
	unsigned char a[40], b[40];
	for (int round = 0; round < 200000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 8) % sizeof in;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (seed >> 16) % 4 ? alphabet[(seed >> 20) % 4]
			                         : alphabet[(seed >> 20) % (sizeof alphabet - 1)];
		}
		size_t outsz = (seed >> 3) % sizeof a;
		long x = str_unb64url(a, outsz, in, n), y = ref_unb64url(b, outsz, in, n);
		assert_int_equal(x, y);
		if (x > 0)
			assert_memory_equal(a, b, (size_t)x);
	}
	/* a bad byte at any offset of a long ASCII run, and a good one */
	char u[80];
	for (size_t at = 0; at < sizeof u; at++) {
		memset(u, 'a', sizeof u);
		u[at] = (char)0x80;
		assert_false(str_is_utf8(u, sizeof u));
		if (at + 2 <= sizeof u) {
			memcpy(u + at, "\xc3\xa9", 2);
			assert_true(str_is_utf8(u, sizeof u));
		}
	}
	/* what snprintf wrote before, including years past 9999 and milliseconds */
	static int64_t ms[4000] = {0, 1234, 951782400123, 1700000000999, 253402300799000, 253402300800000,
				   9999999999999 * 1000LL + 42, 4107542400000 /* 2100-03-01 */,
				   951868800000 /* 2000-03-01 */};
	for (size_t i = 9; i < ARRAY_LEN(ms); i++) {
		seed = seed * 1103515245u + 12345u;
		ms[i] = (int64_t)(((uint64_t)seed << 20 ^ (uint64_t)(seed >> 3) * 2654435761u) % 32503680000000ULL);
	}
	for (size_t i = 0; i < ARRAY_LEN(ms); i++) {
		char got[32], want[96];
		time_t t = (time_t)(ms[i] / 1000);
		struct tm tm;
		gmtime_r(&t, &tm);
		snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms[i] % 1000));
		time_iso8601(got, ms[i], true);
		assert_string_equal(got, want);
		snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		time_iso8601(got, ms[i], false);
		assert_string_equal(got, want);
	}
}

static enum json_perr parse(struct arena *a, const char *s, cJSON **v, const char **detail)
{
	return json_parse_strict(a, s, strlen(s), v, detail);
}

static void test_json_strict(void **state)
{
	struct arena *a = arena_new();
	cJSON *v;
	const char *d;
	assert_int_equal(parse(a, "{\"a\":1,\"b\":[1,2]}", &v, &d), JSON_OK);
	assert_int_equal(parse(a, "{\"a\":1,\"a\":2}", &v, &d), JSON_DUPKEY);
	assert_string_equal(d, "a");
	assert_int_equal(parse(a, "{\"x\":{\"a\":1,\"a\":2}}", &v, &d), JSON_DUPKEY);
	assert_int_equal(parse(a, "{\"a\":1} x", &v, &d), JSON_SYNTAX);
	assert_int_equal(parse(a, "{\"a\":1}  \n", &v, &d), JSON_OK);
	assert_int_equal(parse(a, "{\"a\":", &v, &d), JSON_SYNTAX);
	assert_int_equal(json_parse_strict(a, "{\"a\":\"\xff\"}", 8, &v, &d), JSON_UTF8);
	assert_int_equal(json_parse_strict(a, "{\"a\":1}\0", 8, &v, &d), JSON_UTF8);
	assert_int_equal(parse(a, "{\"a\":\"x\\u0000y\"}", &v, &d), JSON_NUL);
	assert_int_equal(parse(a, "{\"a\":\"x\\\\u0000y\"}", &v, &d), JSON_OK); /* an escaped backslash */
	assert_int_equal(parse(a, "{\"a\":\"\\u00e9\"}", &v, &d), JSON_OK);
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(json_parse_strict(a, deep, 200, &v, &d), JSON_DEPTH);
	struct buf b = BUF_INIT(0);
	buf_puts(&b, "{");
	for (int i = 0; i < JSON_MAX_KEYS + 1; i++)
		buf_printf(&b, "%s\"k%d\":1", i ? "," : "", i);
	buf_puts(&b, "}");
	assert_int_equal(json_parse_strict(a, b.p, b.len, &v, &d), JSON_DEPTH);
	buf_free(&b);
	arena_free(a);
}

static void test_json_escape(void **state)
{
	struct buf b = BUF_INIT(0);
	json_buf_str(&b, "a\"b\\c\n\x01");
	assert_string_equal(b.p, "\"a\\\"b\\\\c\\n\\u0001\"");
	buf_free(&b);
}

/* urlencoded pairs: what OAuth token endpoints and HTML forms send */
static bool collect_name(void *ud, const char *name)
{
	buf_printf(ud, "%s|", name);
	return strcmp(name, "stop") != 0;
}

static void test_form(void **state)
{
	struct arena *a = arena_new();
	struct buf b = BUF_INIT(256);
	assert_int_equal(form_add(&b, "redirect_uri", "https://a.example/cb?x=1&y=2"), 0);
	assert_int_equal(form_add(&b, "scope", "openid email"), 0);
	assert_int_equal(form_add(&b, "k~._-", "\xc3\xa9"), 0);
	assert_string_equal(b.p, "redirect_uri=https%3A%2F%2Fa.example%2Fcb%3Fx%3D1%26y%3D2&scope=openid%20email&k~._-=%C3%A9");
	assert_string_equal(form_get(a, b.p, b.len, "redirect_uri"), "https://a.example/cb?x=1&y=2");
	assert_string_equal(form_get(a, b.p, b.len, "scope"), "openid email");
	assert_string_equal(form_get(a, b.p, b.len, "k~._-"), "\xc3\xa9");
	assert_null(form_get(a, b.p, b.len, "missing"));
	assert_string_equal(form_get(a, "a=1+2&flag&b=", 13, "a"), "1 2");
	assert_string_equal(form_get(a, "a=1+2&flag&b=", 13, "flag"), "");
	assert_string_equal(form_get(a, "a=1+2&flag&b=", 13, "b"), "");
	assert_null(form_get(a, "a=%00", 5, "a"));   /* encoded NUL */
	assert_null(form_get(a, "a=%4", 4, "a"));    /* short escape */
	assert_null(form_get(a, "a=%ff", 5, "a"));   /* invalid UTF-8 */
	/* Names, split on '&' and ';', decoded. */
	struct buf names = BUF_INIT(256);
	assert_int_equal(form_names(a, "a=1&%62+c;d&&=x&e=%zz", 21, collect_name, &names), 1);
	assert_string_equal(names.p, "a|b c|d|e|");
	assert_int_equal(form_names(a, "a&stop&c", 8, collect_name, &names), 0);
	assert_int_equal(form_names(a, "a&%zz=1", 7, collect_name, &names), -1);
	assert_int_equal(form_names(a, "a&%00=1", 7, collect_name, &names), -1);
	buf_free(&names);
	struct buf small = BUF_INIT(8);
	assert_int_equal(form_add(&small, "key", "a long value"), -1); /* over the cap */
	buf_free(&small);
	buf_free(&b);
	arena_free(a);
}

/* SipHash-2-4 reference vectors (key 00..0f; messages "" and 00..0e), the key drawn
 * per process, and the one UTF-8 decoder. */
static void test_hash_and_utf8(void **state)
{
	(void)state;
	const uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;
	unsigned char m[15];
	for (int i = 0; i < 15; i++)
		m[i] = (unsigned char)i;
	assert_true(siphash24(k0, k1, m, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(siphash24(k0, k1, m, 15) == 0xa129ca6149be45e5ULL);
	assert_true(hash_str("a") == hash_str("a"));
	assert_true(hash_str("a") != siphash24(0, 0, "a", 1));
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", *end = s + strlen(s);
	const uint32_t want[] = {'a', 0xe9, 0x20ac, 0x1f600};
	for (size_t i = 0; i < 4; i++)
		assert_true(str_utf8_next(&s, end) == want[i]);
	assert_true(s == end);
	const char *bad[] = {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80"};
	for (size_t i = 0; i < 5; i++) {
		const char *p = bad[i];
		assert_true(str_utf8_next(&p, p + strlen(p)) == STR_UTF8_BAD);
		assert_true(p == bad[i]);
		assert_false(str_is_utf8(bad[i], strlen(bad[i])));
	}
}

static void test_hmap(void **state)
{
	struct hmap *m = hmap_new(NULL);
	char key[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_int_equal(hmap_put(m, key, (void *)(intptr_t)(i + 1)), 0);
	}
	assert_int_equal(hmap_len(m), 1000);
	assert_int_equal((intptr_t)hmap_get(m, "k500"), 501);
	hmap_del(m, "k500");
	assert_null(hmap_get(m, "k500"));
	assert_int_equal(hmap_len(m), 999);
	hmap_put(m, "k1", (void *)7);
	assert_int_equal((intptr_t)hmap_get(m, "k1"), 7);
	hmap_clear(m);
	assert_int_equal(hmap_len(m), 0);
	hmap_free(m);
}

/* One spelling per address (rate limits and logs key on it); anything but an IP refused. */
static void test_client_addr(void **st)
{
	(void)st;
	char out[CLIENT_ADDR_MAX];
	static const char *const ok[][2] = {
		{"198.51.100.7", "198.51.100.7"},       {"a, b, 198.51.100.7", "198.51.100.7"},
		{" 198.51.100.7\t", "198.51.100.7"},   {"::ffff:127.0.0.1", "127.0.0.1"},
		{"2001:DB8:0:0::1", "2001:db8::1"},     {"::1", "::1"},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_true(client_addr_from_forwarded(ok[i][0], out));
		assert_string_equal(out, ok[i][1]);
	}
	static const char *const bad[] = {"", ",", "1.2.3.4,", "localhost", "1.2.3.4:80", "[::1]", "fe80::1%eth0",
					  "unknown", "0177.0.0.1", "1.2.3", "1.2.3.4.5", "::ffff:1.2.3.4:5"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(client_addr_from_forwarded(bad[i], out));
	assert_false(client_addr_from_forwarded(NULL, out));
	/* one address named whole (X-AuthGate-Client-IP, ipAddress): the same spelling, and
	 * no list, no space around it */
	assert_true(client_addr_parse("::FFFF:203.0.113.9", out));
	assert_string_equal(out, "203.0.113.9");
	assert_true(client_addr_parse("2001:DB8:0:0::1", out));
	assert_string_equal(out, "2001:db8::1");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(client_addr_parse(bad[i], out));
	static const char *const not_one[] = {"a, 198.51.100.7", " 198.51.100.7", "198.51.100.7 ", "198.51.100.7,"};
	for (size_t i = 0; i < sizeof not_one / sizeof not_one[0]; i++)
		assert_false(client_addr_parse(not_one[i], out));
	assert_false(client_addr_parse(NULL, out));

	bool lo = false;
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
	inet_pton(AF_INET6, "::ffff:127.8.8.8", &v6.sin6_addr);
	assert_true(client_addr_from_sockaddr(&v6, out, &lo));
	assert_string_equal(out, "127.8.8.8");
	assert_true(lo);
	inet_pton(AF_INET6, "::2", &v6.sin6_addr);
	assert_true(client_addr_from_sockaddr(&v6, out, &lo));
	assert_false(lo);
	struct sockaddr_in v4 = {.sin_family = AF_INET};
	inet_pton(AF_INET, "128.0.0.1", &v4.sin_addr);
	assert_true(client_addr_from_sockaddr(&v4, out, &lo));
	assert_false(lo);
	/* written as inet_ntop writes it, whatever the octets */
	unsigned seed = 1;
	for (int i = 0; i < 20000; i++) {
		char want[INET_ADDRSTRLEN];
		seed = seed * 1103515245u + 12345u;
		uint32_t a = i < 256 ? (uint32_t)i * 0x01010101u : seed ^ (seed << 13);
		memcpy(&v4.sin_addr, &a, 4);
		assert_true(client_addr_from_sockaddr(&v4, out, &lo));
		inet_ntop(AF_INET, &v4.sin_addr, want, sizeof want);
		assert_string_equal(out, want);
		assert_true(lo == (((unsigned char *)&a)[0] == 127));
	}
}

/* epcache deltas: a new epoch drops only the keys the delta names; a failing delta
 * empties the cache; a bound empties it when reached. */
struct val {
	struct cached hdr;
	int n;
};
static int loads, delta_calls;
static int64_t delta_since;
static bool delta_fails;
static void val_free(struct cached *c)
{
	free(c);
}
static enum ag_err load_val(void *ud, const char *key, struct cached **out)
{
	(void)ud;
	struct val *v = calloc(1, sizeof *v);
	cached_init(&v->hdr, val_free);
	v->n = ++loads;
	(void)key;
	*out = &v->hdr;
	return AG_OK;
}
static enum ag_err delta(void *ud, int64_t since, void (*drop)(void *, const char *), void *dctx)
{
	(void)ud;
	delta_calls++;
	delta_since = since;
	if (delta_fails)
		return AG_EUNAVAIL;
	drop(dctx, "b");
	return AG_OK;
}
static int get(struct epcache *c, int64_t epoch, const char *key)
{
	struct cached *h;
	assert_int_equal(epcache_get(c, epoch, key, load_val, NULL, &h), AG_OK);
	int n = ((struct val *)h)->n;
	cached_unref(h);
	return n;
}

static void test_epcache_delta(void **state)
{
	(void)state;
	struct epcache *c = epcache_new();
	epcache_set_delta(c, delta, NULL, 3);
	int a = get(c, 1, "a"), b = get(c, 1, "b");
	assert_int_equal(delta_calls, 0);
	assert_int_equal(get(c, 2, "a"), a); /* kept: the delta named only b */
	assert_int_equal(delta_calls, 1);
	assert_int_equal(delta_since, 1);
	assert_true(get(c, 2, "b") > b); /* reloaded */
	delta_fails = true;
	assert_true(get(c, 3, "a") > a); /* a failed delta empties the cache */
	delta_fails = false;
	int x = get(c, 3, "a");
	(void)get(c, 3, "b"), (void)get(c, 3, "c");
	assert_true(get(c, 3, "d") > 0); /* the fourth key: the bound (3) empties the cache */
	assert_true(get(c, 3, "a") > x);
	epcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena),        cmocka_unit_test(test_buf_cap),   cmocka_unit_test(test_str_shapes),
		cmocka_unit_test(test_str_numbers),  cmocka_unit_test(test_base64),    cmocka_unit_test(test_json_strict),
		cmocka_unit_test(test_json_escape),  cmocka_unit_test(test_hmap),       cmocka_unit_test(test_form),
		cmocka_unit_test(test_client_addr),
		cmocka_unit_test(test_hash_and_utf8), cmocka_unit_test(test_fast_paths), cmocka_unit_test(test_epcache_delta),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
