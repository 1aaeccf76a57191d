/* Unit tests: the strict HTTP/1.1 framing check (http/wire.c). Every case is fed whole
 * and then one byte at a time: the verdict must not depend on how TCP cut the stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "http/wire.h"

struct wcase {
	const char *text;
	size_t len; /* 0: strlen(text) */
	int status; /* expected verdict, 0 = accepted */
	unsigned heads; /* request heads accepted before the verdict */
	const char *why; /* a part of the message, or NULL */
};

#define H "Host: x\r\n"

static const struct wcase cases[] = {
    /* accepted */
    {"GET / HTTP/1.1\r\n" H "\r\n", 0, 0, 1, NULL},
    {"GET / HTTP/1.0\r\n\r\n", 0, 0, 1, NULL},
    {"\r\n\r\nGET / HTTP/1.1\r\n" H "\r\n", 0, 0, 1, NULL},
    {"OPTIONS * HTTP/1.1\r\n" H "\r\n", 0, 0, 1, NULL},
    {"GET http://x/a?b=c HTTP/1.1\r\n" H "\r\n", 0, 0, 1, NULL},
    /* absolute-form: accepted when Host equals its authority (case aside) */
    {"GET HTTP://X:80?q HTTP/1.1\r\nHost: x:80\r\n\r\n", 0, 0, 1, NULL},
    {"GET https://x HTTP/1.1\r\n" H "\r\n", 0, 0, 1, NULL},
    {"GET http://[::1]:8/a HTTP/1.0\r\nHost: [::1]:8\r\n\r\n", 0, 0, 1, NULL},
    {"GET http://x/ HTTP/1.1\r\n" H "\r\nGET / HTTP/1.1\r\nHost: y\r\n\r\n", 0, 0, 2, NULL},
    {"GET / HTTP/1.1\r\nHOST:[::1]:80\r\nX-A:  v a\t \r\nX-B:\r\nX-C: caf\xc3\xa9\r\n\r\n", 0, 0, 1, NULL},
    {"POST / HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\nab\r\nc", 0, 0, 1, NULL},
    {"POST / HTTP/1.1\r\n" H "Content-Length: 007\r\n\r\n\r\n\0\r\n\n\r\x01", 17 + 9 + 21 + 2 + 7, 0, 1, NULL},
    {"POST / HTTP/1.1\r\n" H "transfer-encoding: Chunked\r\n\r\n3;a=b\r\nabc\r\nA\r\n0123456789\r\n0\r\nT: 1\r\n\r\n"
     "GET / HTTP/1.1\r\n" H "\r\n",
     0, 0, 2, NULL},
    /* the request line */
    {"GET  / HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request line"},
    {"GET /  HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request line"},
    {"GET / HTTP/1.1 \r\n" H "\r\n", 0, 400, 0, "request line"},
    {" GET / HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request line"},
    {"GET /\r\n" H "\r\n", 0, 400, 0, "request line"},
    {"GET / http/1.1\r\n" H "\r\n", 0, 400, 0, "request line"},
    {"G(T / HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request line"},
    {"GET /\x7f HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "visible ASCII"},
    {"GET /\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "visible ASCII"},
    {"GET / HTTP/2.0\r\n" H "\r\n", 0, 505, 0, NULL},
    {"GET / HTTP/1.2\r\n" H "\r\n", 0, 505, 0, NULL},
    {"GET / HTTP/1.1\n" H "\r\n", 0, 400, 0, "bare LF"},
    {"GET / HTTP/1.1\rX" H "\r\n", 0, 400, 0, "bare CR"},
    {"\n"
     "GET / HTTP/1.1\r\n" H "\r\n",
     0, 400, 0, "bare LF"},
    /* request-target forms */
    {"GET http://y/ HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "Host differs"},
    {"GET http://x/ HTTP/1.1\r\nHost: xx\r\n\r\n", 0, 400, 0, "Host differs"},
    {"GET http://xx/ HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "Host differs"},
    {"GET http://x:80/ HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "Host differs"},
    {"GET http://x/ HTTP/1.0\r\n\r\n", 0, 400, 0, "missing Host"},
    {"GET ftp://x/ HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request-target must be"},
    {"GET httpss://x/ HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request-target must be"},
    {"GET http:/x/ HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request-target must be"},
    {"GET http:///x HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request-target must be"},
    {"GET http://u@x/ HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request-target must be"},
    {"GET http://%78/ HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request-target must be"},
    {"GET x HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request-target must be"},
    {"CONNECT x:443 HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request-target must be"},
    {"OPTIONS *x HTTP/1.1\r\n" H "\r\n", 0, 400, 0, "request-target must be"},
    /* field lines */
    {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 0, 400, 0, "whitespace before"},
    {"GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", 0, 400, 0, "whitespace before"},
    {"GET / HTTP/1.1\r\n" H "X-A: a\rb\r\n\r\n", 0, 400, 0, "bare CR"},
    {"GET / HTTP/1.1\r\n" H "X-A: a\0b\r\n\r\n", 16 + 9 + 11, 400, 0, "NUL"},
    {"GET / HTTP/1.1\r\n" H "X-A: a\x7f\r\n\r\n", 0, 400, 0, "control"},
    {"GET / HTTP/1.1\r\n" H "X-A: b\n\r\n", 0, 400, 0, "bare LF"},
    {"GET / HTTP/1.1\r\n" H "\n", 0, 400, 0, "bare LF"},
    {"GET / HTTP/1.1\r\n" H "X-A: a\r\n b\r\n\r\n", 0, 400, 0, "folding"},
    {"GET / HTTP/1.1\r\n" H ": a\r\n\r\n", 0, 400, 0, "empty name"},
    {"GET / HTTP/1.1\r\n" H "X-A\r\n\r\n", 0, 400, 0, "without ':'"},
    {"GET / HTTP/1.1\r\n" H "X\"A: 1\r\n\r\n", 0, 400, 0, "field name"},
    /* Host */
    {"GET / HTTP/1.1\r\n\r\n", 0, 400, 0, "missing Host"},
    {"GET / HTTP/1.1\r\n" H H "\r\n", 0, 400, 0, "multiple Host"},
    {"GET / HTTP/1.0\r\n" H H "\r\n", 0, 400, 0, "multiple Host"},
    {"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 0, 400, 0, "Host"},
    {"GET / HTTP/1.1\r\nHost: x/y\r\n\r\n", 0, 400, 0, "Host"},
    /* body framing */
    {"POST / HTTP/1.1\r\n" H "Content-Length: +5\r\n\r\n", 0, 400, 0, "Content-Length"},
    {"POST / HTTP/1.1\r\n" H "Content-Length: 0x10\r\n\r\n", 0, 400, 0, "Content-Length"},
    {"POST / HTTP/1.1\r\n" H "Content-Length: 5, 5\r\n\r\n", 0, 400, 0, "Content-Length"},
    {"POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", 0, 400, 0, "Content-Length"},
    {"POST / HTTP/1.1\r\n" H "Content-Length: 5 \r\n\r\n", 0, 400, 0, "Content-Length"},
    {"POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", 0, 400, 0, "Content-Length"},
    {"POST / HTTP/1.1\r\n" H "Content-Length: 1\r\nContent-Length: 1\r\n\r\n", 0, 400, 0, "multiple"},
    {"POST / HTTP/1.1\r\n" H "Content-Length: 99999999999999999999999999\r\n\r\n", 0, 413, 0, NULL},
    {"POST / HTTP/1.1\r\n" H "Content-Length: 1048577\r\n\r\n", 0, 413, 0, NULL},
    {"POST / HTTP/1.1\r\n" H "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 400, 0, "both"},
    {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n\r\n", 0, 400, 0, "Transfer-Encoding"},
    {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked \r\n\r\n", 0, 400, 0, "Transfer-Encoding"},
    {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 400, 0,
     "Transfer-Encoding"},
    {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 400, 0, "HTTP/1.0"},
    /* chunked bodies (the head was accepted) */
    {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n", 0, 400, 1, "chunk size"},
    {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n2 \r\nab\r\n0\r\n\r\n", 0, 400, 1, "chunk size"},
    {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n\r\n", 0, 400, 1, "chunk size"},
    {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n", 0, 400, 1, "longer"},
    {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n2\r\nab\n0\r\n\r\n", 0, 400, 1, NULL},
    {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n2;a\nb\r\nab\r\n0\r\n\r\n", 0, 400, 1, "extension"},
    {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n0\r\nT : 1\r\n\r\n", 0, 400, 1, "whitespace"},
    {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\nfffffffff\r\n", 0, 413, 1, NULL},
    {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n100001\r\n", 0, 413, 1, NULL},
};

static void check(const struct wcase *c, size_t step)
{
	size_t len = c->len ? c->len : strlen(c->text);
	struct wire w = {0};
	size_t off = 0;
	while (off < len && !w.status) {
		size_t n = len - off < step ? len - off : step;
		wire_feed(&w, c->text + off, n);
		off += n;
	}
	if (w.status != c->status || w.heads != c->heads || (c->why && (!w.why || !strstr(w.why, c->why)))) {
		print_error("case %.60s (step %zu): status %d heads %u why \"%s\"\n", c->text, step, w.status, w.heads,
		            w.why ? w.why : "");
		fail();
	}
}

static void test_cases_whole_and_bytewise(void **state)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		check(&cases[i], (size_t)-1);
		check(&cases[i], 1);
		check(&cases[i], 7);
	}
}

/* Refused in the middle of a buffer: the bytes of the well-formed messages before the
 * refused one are still the server's to answer; the refused one's are not. */
static void test_prefix_before_refusal(void **state)
{
	const char *good = "GET / HTTP/1.1\r\n" H "\r\nPOST / HTTP/1.1\r\n" H "Content-Length: 3\r\n\r\nabc";
	char buf[256];
	snprintf(buf, sizeof buf, "%sGET / HTTP/1.1\r\n" H "X: a\rb\r\n\r\n", good);
	struct wire w = {0};
	assert_int_equal(wire_feed(&w, buf, strlen(buf)), strlen(good));
	assert_int_equal(w.status, 400);
	assert_int_equal(w.heads, 2);
	assert_int_equal(wire_feed(&w, "GET", 3), 0); /* stays refused */

	/* refused in a message that began in an earlier buffer: nothing of this one passes */
	struct wire w2 = {0};
	assert_int_equal(wire_feed(&w2, "GET / HTTP/1.1\r\nHo", 18), 18);
	assert_int_equal(wire_feed(&w2, "st: x\r\nX: \x01\r\n\r\n", 15), 0);
	assert_int_equal(w2.status, 400);

	/* a Content-Length body is skipped whatever its bytes */
	struct wire w3 = {0};
	const char *b = "POST / HTTP/1.1\r\n" H "Content-Length: 4\r\n\r\n\n\r\0 GET / HTTP/1.1\r\n" H "\r\n";
	size_t blen = 17 + 9 + 19 + 2 + 4 + 16 + 9 + 2;
	assert_int_equal(wire_feed(&w3, b, blen), blen);
	assert_int_equal(w3.status, 0);
	assert_int_equal(w3.heads, 2);
}

/* What edge.c's receive deadline reads: idle only between messages (a head or a body
 * under way is not), and a late message refused with 408 like any other. */
static void test_idle_and_late(void **state)
{
	(void)state;
	struct wire w = {0};
	assert_true(wire_idle(&w));
	assert_int_equal(wire_feed(&w, "GET / HT", 8), 8);
	assert_false(wire_idle(&w));
	assert_int_equal(wire_feed(&w, "TP/1.1\r\n" H "\r\n", 8 + 9 + 2), 8 + 9 + 2);
	assert_true(wire_idle(&w));
	const char *post = "POST / HTTP/1.1\r\n" H "Content-Length: 3\r\n\r\nab";
	assert_int_equal(wire_feed(&w, post, strlen(post)), strlen(post));
	assert_false(wire_idle(&w)); /* a body byte still to come */
	wire_late(&w);
	assert_int_equal(w.status, 408);
	assert_string_equal(w.code, "request_timeout");
	assert_int_equal(wire_feed(&w, "c", 1), 0); /* stays refused */
}

static void test_limits(void **state)
{
	static char big[20000];
	int n = snprintf(big, sizeof big, "GET / HTTP/1.1\r\n" H "X: ");
	memset(big + n, 'a', sizeof big - (size_t)n - 5);
	memcpy(big + sizeof big - 5, "\r\n\r\n", 4);
	struct wire w = {0};
	wire_feed(&w, big, sizeof big - 1);
	assert_int_equal(w.status, 431);
	assert_string_equal(w.code, "headers_too_large");

	/* 100 fields pass, 101 do not */
	for (int fields = 100; fields <= 101; fields++) {
		struct wire f = {0};
		char *p = big;
		p += sprintf(p, "GET / HTTP/1.1\r\n" H);
		for (int i = 1; i < fields; i++)
			p += sprintf(p, "a: b\r\n");
		p += sprintf(p, "\r\n");
		wire_feed(&f, big, (size_t)(p - big));
		assert_int_equal(f.status, fields == 100 ? 0 : 431);
	}

	/* a chunked body of exactly 1 MiB passes; one byte more does not */
	for (int extra = 0; extra <= 1; extra++) {
		struct wire c = {0};
		const char *head = "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n";
		wire_feed(&c, head, strlen(head));
		static char chunk[1024 + 16];
		for (int i = 0; i < 1024 && !c.status; i++) {
			memcpy(chunk, "400\r\n", 5);
			memset(chunk + 5, 'x', 1024);
			memcpy(chunk + 5 + 1024, "\r\n", 2);
			wire_feed(&c, chunk, 1024 + 7);
		}
		const char *tail = extra ? "1\r\nx\r\n0\r\n\r\n" : "0\r\n\r\n";
		wire_feed(&c, tail, strlen(tail));
		assert_int_equal(c.status, extra ? 413 : 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases_whole_and_bytewise),
	    cmocka_unit_test(test_prefix_before_refusal),
	    cmocka_unit_test(test_idle_and_late),
	    cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
