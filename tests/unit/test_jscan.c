/* test_jscan.c — the tree-free JSON scanner: RFC 8259 grammar, the limits it shares with
 * json_parse_strict, decoding, and the differential check against cJSON's tree on a
 * generated corpus (tests/fuzz/jscan_diff.h; fuzz_jscan runs the same check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../fuzz/jscan_diff.h"
#include "core/buf.h"

static enum json_perr scan(const char *s)
{
	return jscan(s, strlen(s), NULL, NULL);
}

static void test_grammar(void **state)
{
	const char *ok[] = {
		"{}", "[]", "0", "-0", "1.5e-3", "-12.0E+7", "\"\"", "true", "false", "null", " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
		"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"", "[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]", /* depth 16 */
		"{\"a\":{\"a\":1}}", /* the same key at two levels is not a duplicate */
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		assert_int_equal(scan(ok[i]), JSON_OK);
	const char *syntax[] = {
		"", " ", "01", "-", "1.", ".5", "+1", "1e", "1e+", "-01", "0x1", "1 2", "{\"a\":1,}", "[1,]", "{,}",
		"{\"a\"}", "{\"a\":}", "{a:1}", "'a'", "\"a", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
		"\"\\ud800\\u0041\"", "\"a\tb\"", "\"a\nb\"", "tru", "nul", "True", "{\"a\":1}\v", "\v{}", "{}\f",
		"[1]]", "{}}", "\"\\u00e9", "1234567890123456789012345678901234567890123456789012345678901234", /* 64 */
	};
	for (size_t i = 0; i < sizeof syntax / sizeof *syntax; i++)
		assert_int_equal(scan(syntax[i]), JSON_SYNTAX);
	assert_int_equal(scan("123456789012345678901234567890123456789012345678901234567890123"), JSON_OK); /* 63 */
	assert_int_equal(scan("[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]"), JSON_DEPTH); /* 17 */
	assert_int_equal(scan("[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]"), JSON_OK);     /* 16 containers, empty */
	assert_int_equal(scan("\"a\\u0000b\""), JSON_NUL);
	assert_int_equal(jscan("{}\0", 3, NULL, NULL), JSON_UTF8);
	assert_int_equal(scan("\"\xc3\x28\""), JSON_UTF8);
	assert_int_equal(scan("\"\xed\xa0\x80\""), JSON_UTF8); /* a surrogate in UTF-8 */
}

static void test_duplicates_and_limits(void **state)
{
	struct jval dup;
	assert_int_equal(jscan("{\"a\":1,\"a\":2}", 13, NULL, &dup), JSON_DUPKEY);
	const char *s = "{\"token\":1,\"x\":{\"to\\u006ben\":1,\"token\":2}}";
	assert_int_equal(jscan(s, strlen(s), NULL, &dup), JSON_DUPKEY);
	assert_true(jstr_eq(&dup, "token"));
	s = "{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}"; /* the same key, escaped and raw */
	assert_int_equal(jscan(s, strlen(s), NULL, &dup), JSON_DUPKEY);
	struct buf b = BUF_INIT(0);
	buf_puts(&b, "{");
	for (int i = 0; i < JSON_MAX_KEYS; i++)
		buf_printf(&b, "%s\"k%d\":1", i ? "," : "", i);
	struct jobj o;
	assert_int_equal(jscan(b.p, b.len, NULL, NULL), JSON_SYNTAX); /* unterminated */
	buf_puts(&b, "}");
	assert_int_equal(jscan(b.p, b.len, &o, NULL), JSON_OK);
	assert_int_equal(o.n, JSON_MAX_KEYS);
	b.p[b.len - 1] = ',';
	buf_puts(&b, "\"one-more\":1}");
	assert_int_equal(jscan(b.p, b.len, &o, NULL), JSON_DEPTH);
	buf_reset(&b);
	buf_puts(&b, "[0");
	for (int i = 1; i < JSON_MAX_KEYS * 8; i++)
		buf_puts(&b, ",0");
	buf_puts(&b, "]");
	assert_int_equal(jscan(b.p, b.len, NULL, NULL), JSON_OK);
	b.p[b.len - 1] = ',';
	buf_puts(&b, "0]");
	assert_int_equal(jscan(b.p, b.len, NULL, NULL), JSON_DEPTH);
	buf_free(&b);
}

static void test_reading(void **state)
{
	struct arena *a = arena_new();
	struct jobj o;
	const char *s = "{\"s\":\"J\\u00e9\\\"\\\\\",\"n\":-1.5e2,\"t\":true,\"z\":null,\"a\":[\"x\",{\"k\":[]},3],\"e\":\"\"}";
	assert_int_equal(jscan(s, strlen(s), &o, NULL), JSON_OK);
	assert_int_equal(o.n, 6);
	size_t n;
	assert_string_equal(jstr(a, jobj_get(&o, "s"), &n), "J\xc3\xa9\"\\");
	assert_int_equal(n, 5);
	assert_int_equal(jstr_len(jobj_get(&o, "s")), 5);
	assert_true(jstr_eq(jobj_get(&o, "s"), "J\xc3\xa9\"\\"));
	assert_false(jstr_eq(jobj_get(&o, "s"), "J\xc3\xa9\""));
	double d;
	assert_true(jnum(jobj_get(&o, "n"), &d));
	assert_true(d == -150.0);
	assert_false(jnum(jobj_get(&o, "s"), &d));
	assert_int_equal(jobj_get(&o, "t")->kind, JK_TRUE);
	assert_int_equal(jobj_get(&o, "z")->kind, JK_NULL);
	assert_null(jobj_get(&o, "missing"));
	struct jiter it;
	struct jval k, v;
	int kinds[4] = {0}, i = 0;
	jiter_init(&it, jobj_get(&o, "a"));
	while (jiter_next(&it, NULL, &v) && i < 4)
		kinds[i++] = v.kind;
	assert_int_equal(i, 3);
	assert_int_equal(kinds[0], JK_STR);
	assert_int_equal(kinds[1], JK_OBJ);
	assert_int_equal(kinds[2], JK_NUM);
	const char *obj = "{ \"a\" : 1 , \"b\" : { } }";
	struct jval whole = {obj, (unsigned)strlen(obj), JK_OBJ, false};
	jiter_init(&it, &whole);
	assert_true(jiter_next(&it, &k, &v));
	assert_true(jstr_eq(&k, "a"));
	assert_true(jiter_next(&it, &k, &v));
	assert_true(jstr_eq(&k, "b"));
	assert_int_equal(v.kind, JK_OBJ);
	assert_false(jiter_next(&it, &k, &v));
	assert_string_equal(jstr(a, jobj_get(&o, "e"), NULL), "");
	assert_int_equal(jscan("[1]", 3, &o, NULL), JSON_OK);
	assert_int_equal(o.n, -1); /* not an object */

	struct jw w;
	jw_init(&w, a, 1); /* grows */
	jw_str(&w, "a\"b\\c\n\x01\xc3\xa9");
	jw_lit(&w, ",");
	jw_str(&w, NULL);
	jw_lit(&w, ",");
	jw_jstr(&w, jobj_get(&o, "missing"));
	assert_string_equal(jw_text(&w), "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\",null,null");
	arena_free(a);
}

/* A small generator of JSON-ish text, then byte mutations: every input goes through the
 * differential check. Deterministic (seeded), so a failure reproduces. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void gen(struct buf *b, int depth)
{
	static const char *const atoms[] = {"0", "-1", "1.5", "2e3", "-0.0e-1", "true", "false", "null", "\"\"",
					    "\"a\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\\"\\\\\\/\\n\"",
					    "\"\xc3\xa9\"", "1e400", "123456789012345678"};
	static const char *const keys[] = {"\"a\"", "\"b\"", "\"\\u0061\"", "\"token\"", "\"to\\u006ben\"", "\"\xc3\xa9\"",
					   "\"\\u00e9\"", "\"\""};
	unsigned c = depth > 17 ? 0 : rnd(6);
	if (c < 3) {
		buf_puts(b, atoms[rnd(sizeof atoms / sizeof *atoms)]);
	} else if (c == 3) {
		buf_puts(b, "[");
		for (unsigned i = 0, n = rnd(4); i < n; i++) {
			if (i)
				buf_puts(b, rnd(8) ? "," : " , ");
			gen(b, depth + 1);
		}
		buf_puts(b, "]");
	} else {
		buf_puts(b, "{");
		for (unsigned i = 0, n = rnd(4); i < n; i++) {
			if (i)
				buf_puts(b, ",");
			buf_puts(b, keys[rnd(sizeof keys / sizeof *keys)]);
			buf_puts(b, rnd(4) ? ":" : " : ");
			gen(b, depth + 1);
		}
		buf_puts(b, "}");
	}
}

static void test_differential(void **state)
{
	static const char mut[] = "{}[],:\"\\u0 \t\x01\x7f\xc3\xff" "1.e-+tfn";
	int accepted = 0;
	for (int i = 0; i < 20000; i++) {
		struct buf b = BUF_INIT(0);
		gen(&b, 1);
		for (unsigned m = rnd(3); m; m--) { /* a few byte edits: some stay valid, most do not */
			if (!b.len)
				break;
			size_t at = rnd((unsigned)b.len);
			unsigned op = rnd(3);
			if (op == 0)
				b.p[at] = mut[rnd(sizeof mut - 1)];
			else if (op == 1)
				memmove(b.p + at, b.p + at + 1, b.len-- - at);
			else
				b.p[at] = (char)rnd(256);
		}
		accepted += jscan(b.p, b.len, NULL, NULL) == JSON_OK;
		const char *why = jscan_diff(b.p, b.len);
		if (why)
			fail_msg("%s on: %.*s", why, (int)b.len, b.p);
		buf_free(&b);
	}
	assert_true(accepted > 5000); /* the corpus exercises the accepting side too */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_duplicates_and_limits),
		cmocka_unit_test(test_reading),
		cmocka_unit_test(test_differential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
