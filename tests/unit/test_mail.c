/* test_mail.c — MIME construction: RFC 2047 encoded-words, header folding, refusal of
 * header injection, quoted-printable bodies with lines <= 76, the multipart structure,
 * and mail_enqueue's validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"
#include "mail/mail.h"
#include "mail/mime.h"

/* mime_build's message, or NULL with why set. */
static char *build(struct arena *a, const struct mime_msg *m, const char **why)
{
	char *out = NULL;
	struct ag_error e = mime_build(a, m, &out);
	*why = e.message;
	return e.code ? NULL : out;
}

static const char *JA = "AuthGate 🔐 ご登録ありがとうございます。確認コードをお送りします：認証のお知らせ（テスト）";

/* Every line of s ends with CRLF (no bare CR or LF); returns the longest line. */
static size_t check_lines(const char *s)
{
	size_t longest = 0, col = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			if (col > longest)
				longest = col;
			col = 0;
			p++;
			continue;
		}
		assert_int_not_equal(*p, '\n');
		col++;
	}
	assert_int_equal(col, 0); /* ends with CRLF */
	return longest;
}

/* The value of header `name` (unfolded: CRLF before a blank removed), or NULL. */
static char *header(const char *msg, const char *name)
{
	const char *end = strstr(msg, "\r\n\r\n");
	size_t nl = strlen(name);
	for (const char *p = msg; p && p < end; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
		if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			char *out = calloc(1, strlen(v) + 1), *o = out;
			for (const char *q = v; *q; q++) {
				if (q[0] == '\r' && q[1] == '\n') {
					if (q[2] != ' ' && q[2] != '\t')
						break;
					q++;
					continue;
				}
				*o++ = *q;
			}
			return out;
		}
	}
	return NULL;
}

/* Decode a value made of RFC 2047 B-words separated by blanks (as we write them). */
static char *decode_words(const char *v)
{
	char *out = calloc(1, strlen(v) + 1);
	size_t n = 0;
	const char *p = v;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		assert_true(strncmp(p, "=?UTF-8?B?", 10) == 0);
		const char *s = p + 10, *e = strstr(s, "?=");
		assert_non_null(e);
		assert_true(e + 2 - p <= 75); /* RFC 2047: an encoded-word is at most 75 chars */
		long k = str_unb64((unsigned char *)out + n, strlen(v) - n, s, (size_t)(e - s));
		assert_true(k > 0);
		assert_true(str_is_utf8(out + n, (size_t)k)); /* no character split across words */
		n += (size_t)k;
		p = e + 2;
	}
	out[n] = 0;
	return out;
}

static char *qp_decode(const char *s, size_t n)
{
	char *out = calloc(1, n + 1), *o = out;
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n + 1 && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2; /* soft line break */
			continue;
		}
		if (s[i] == '=') {
			const char *h1 = strchr(hex, s[i + 1]), *h2 = strchr(hex, s[i + 2]);
			assert_non_null(h1);
			assert_non_null(h2);
			*o++ = (char)(((h1 - hex) << 4) | (h2 - hex));
			i += 2;
			continue;
		}
		*o++ = s[i];
	}
	return out;
}

/* Decode one part (from its first header line to the CRLF before the next delimiter)
 * according to its Content-Transfer-Encoding; *cte gets which one it was. */
static char *part_decode(const char *h, const char *end, const char **cte)
{
	const char *body = strstr(h, "\r\n\r\n") + 4;
	assert_true(body <= end);
	if (strstr(h, "Content-Transfer-Encoding: base64\r\n") && strstr(h, "Content-Transfer-Encoding: base64\r\n") < body) {
		*cte = "base64";
		char *out = calloc(1, (size_t)(end - body) + 1);
		size_t n = 0;
		for (const char *l = body; l < end;) {
			const char *e = strstr(l, "\r\n");
			assert_true((size_t)(e - l) <= MIME_BODY_LINE);
			long k = str_unb64((unsigned char *)out + n, (size_t)(end - body) - n, l, (size_t)(e - l));
			assert_true(k >= 0);
			n += (size_t)k;
			l = e + 2;
		}
		out[n] = 0;
		return out;
	}
	assert_non_null(strstr(h, "Content-Transfer-Encoding: quoted-printable\r\n"));
	*cte = "quoted-printable";
	return qp_decode(body, (size_t)(end - body));
}

static struct mime_msg base_msg(void)
{
	return (struct mime_msg){
		.from_name = "Acme",
		.from_addr = "no-reply@acme.example",
		.to = "user@example.com",
		.subject = "Your code",
		.text = "Your code is 123456.\n",
		.html = "<!doctype html><p>Your code is <b>123456</b>.</p>\n",
		.lang = "en",
		.message_id = "job_abc@acme.example",
		.date_ms = 1774094400000LL, /* 2026-03-21T12:00:00Z, a Saturday */
	};
}

static void test_ascii_subject_plain(void **s)
{
	(void)s;
	struct arena *a = arena_new();
	struct mime_msg m = base_msg();
	const char *why;
	char *msg = build(a, &m, &why);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "\r\nSubject: Your code\r\n"));
	assert_true(str_starts(msg, "From: \"Acme\" <no-reply@acme.example>\r\n"));
	assert_non_null(strstr(msg, "\r\nTo: user@example.com\r\n"));
	assert_non_null(strstr(msg, "\r\nDate: Sat, 21 Mar 2026 12:00:00 +0000\r\n"));
	assert_non_null(strstr(msg, "\r\nMessage-ID: <job_abc@acme.example>\r\n"));
	assert_non_null(strstr(msg, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(msg, "\r\nContent-Language: en\r\n"));
	arena_free(a);
}

static void test_japanese_subject_encoded(void **s)
{
	(void)s;
	struct arena *a = arena_new();
	struct mime_msg m = base_msg();
	m.subject = JA;
	m.from_name = "認証アプリ";
	const char *why;
	char *msg = build(a, &m, &why);
	assert_non_null(msg);
	char *head = strndup(msg, (size_t)(strstr(msg, "\r\n\r\n") - msg) + 2);
	assert_true(check_lines(head) <= MIME_HEADER_LINE);
	for (const unsigned char *p = (const unsigned char *)head; *p; p++)
		assert_true(*p < 0x80); /* headers are 7-bit */
	char *subj = header(msg, "Subject");
	assert_non_null(subj);
	char *dec = decode_words(subj);
	assert_string_equal(dec, JA);
	char *from = header(msg, "From");
	assert_non_null(strstr(from, " <no-reply@acme.example>"));
	*strstr(from, " <no-reply") = 0;
	char *fdec = decode_words(from);
	assert_string_equal(fdec, "認証アプリ");
	free(head), free(subj), free(dec), free(from), free(fdec);
	arena_free(a);
}

static void test_long_ascii_subject_folds(void **s)
{
	(void)s;
	struct arena *a = arena_new();
	struct mime_msg m = base_msg();
	const char *long_subj = "Please confirm the email address for your account at Example Corporation "
				"so that we can finish setting things up for you today";
	m.subject = long_subj;
	const char *why;
	char *msg = build(a, &m, &why);
	assert_non_null(msg);
	assert_true(check_lines(msg) <= MIME_HEADER_LINE);
	char *subj = header(msg, "Subject");
	assert_string_equal(subj, long_subj); /* unfolding gives it back, unencoded */
	free(subj);
	/* One unbreakable 100-character token cannot fold: it is encoded instead. */
	char tok[101];
	memset(tok, 'x', 100);
	tok[100] = 0;
	m.subject = tok;
	msg = build(a, &m, &why);
	assert_true(check_lines(msg) <= MIME_HEADER_LINE);
	subj = header(msg, "Subject");
	char *dec = decode_words(subj);
	assert_string_equal(dec, tok);
	free(subj), free(dec);
	/* Text that looks like an encoded-word is itself encoded, so it reads back as typed. */
	m.subject = "=?UTF-8?B?SGk=?=";
	msg = build(a, &m, &why);
	subj = header(msg, "Subject");
	dec = decode_words(subj);
	assert_string_equal(dec, "=?UTF-8?B?SGk=?=");
	free(subj), free(dec);
	arena_free(a);
}

static void test_header_injection_refused(void **s)
{
	(void)s;
	struct arena *a = arena_new();
	const char *why;
	const char *bad[] = {"Hi\r\nBcc: victim@example.com", "Hi\nBcc: x@example.com", "Hi\rX", "tab\there",
			     "nul-free but \x7f del", "bad utf8 \xff\xfe"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct mime_msg m = base_msg();
		m.subject = bad[i];
		assert_null(build(a, &m, &why));
		assert_non_null(why);
		m = base_msg();
		m.from_name = bad[i];
		assert_null(build(a, &m, &why));
		assert_false(mime_header_ok(bad[i]));
	}
	struct mime_msg m = base_msg();
	m.to = "user@example.com\r\nBcc: victim@example.com";
	assert_null(build(a, &m, &why));
	m = base_msg();
	m.to = "a@b.com>, <c@d.com";
	assert_null(build(a, &m, &why));
	m = base_msg();
	m.lang = "en\r\nX-Evil: 1";
	assert_null(build(a, &m, &why));
	/* A display name with quotes and backslashes is escaped inside the quoted-string. */
	m = base_msg();
	m.from_name = "Acme \"Best\" \\ Co";
	char *msg = build(a, &m, &why);
	assert_non_null(msg);
	assert_true(str_starts(msg, "From: \"Acme \\\"Best\\\" \\\\ Co\" <no-reply@acme.example>\r\n"));
	assert_true(mime_header_ok("Ünïcödé is fine"));
	arena_free(a);
}

static void test_enqueue_refuses_injection(void **s)
{
	(void)s;
	struct arena *a = arena_new();
	struct mail_msg m = {.to = "user@example.com", .subject = "Hi\r\nBcc: victim@example.com", .text = "x"};
	assert_int_equal(mail_enqueue(a, &m), AG_EINVAL);
	m.subject = "Hi";
	m.from_name = "Evil\nBcc: victim@example.com";
	assert_int_equal(mail_enqueue(a, &m), AG_EINVAL);
	m.from_name = NULL;
	m.to = "user@example.com\r\nBcc: victim@example.com";
	assert_int_equal(mail_enqueue(a, &m), AG_EINVAL);
	m.to = "not-an-address";
	assert_int_equal(mail_enqueue(a, &m), AG_EINVAL);
	m.to = "user@example.com";
	m.subject = "";
	assert_int_equal(mail_enqueue(a, &m), AG_EINVAL);
	char *big = malloc(MAIL_BODY_MAX + 2);
	memset(big, 'a', MAIL_BODY_MAX + 1);
	big[MAIL_BODY_MAX + 1] = 0;
	m.subject = "Hi";
	m.text = big;
	assert_int_equal(mail_enqueue(a, &m), AG_ETOOBIG);
	free(big);
	arena_free(a);
}

static void test_qp_lines_and_roundtrip(void **s)
{
	(void)s;
	struct buf b = BUF_INIT(0);
	const char *in = "A line with = sign and trailing space \n"
			 ".leading dot\n"
			 "From the start\n"
			 "日本語のテキストがとても長く続くと、一行が七十六文字を超えてしまうので、ソフト改行が必要になります。\n"
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
			 "tab at end\t\n"
			 "last line";
	assert_int_equal(mime_qp(&b, in), 0);
	buf_puts(&b, "\r\n");
	assert_true(check_lines(b.p) <= MIME_BODY_LINE);
	for (const unsigned char *p = (const unsigned char *)b.p; *p; p++)
		assert_true(*p < 0x80);
	assert_non_null(strstr(b.p, "=3D sign"));
	assert_non_null(strstr(b.p, "space=20\r\n"));
	assert_non_null(strstr(b.p, "\r\n=2Eleading dot"));
	assert_non_null(strstr(b.p, "\r\n=46rom the start"));
	assert_non_null(strstr(b.p, "end=09\r\n"));
	char *dec = qp_decode(b.p, b.len - 2);
	char *want = calloc(1, strlen(in) * 2 + 1), *w = want;
	for (const char *p = in; *p; p++) { /* line breaks become CRLF */
		if (*p == '\r')
			continue;
		if (*p == '\n')
			*w++ = '\r';
		*w++ = *p;
	}
	assert_string_equal(dec, want);
	free(dec), free(want);
	buf_free(&b);
}

static void test_multipart_structure(void **s)
{
	(void)s;
	struct arena *a = arena_new();
	struct mime_msg m = base_msg();
	m.subject = JA;
	m.text = "こんにちは\nYour code is 123456.\n";
	m.html = "<!doctype html>\n<html><body><p style=\"color:red\">コード: <b>123456</b></p></body></html>\n";
	const char *why;
	char *msg = build(a, &m, &why);
	assert_non_null(msg);
	assert_true(check_lines(msg) <= MIME_HEADER_LINE);
	char *ct = header(msg, "Content-Type");
	assert_non_null(ct);
	const char *bp = strstr(ct, "boundary=\"");
	assert_non_null(bp);
	assert_true(strncmp(ct, "multipart/alternative;", 22) == 0);
	char boundary[80];
	snprintf(boundary, sizeof boundary, "%.*s", (int)strcspn(bp + 10, "\""), bp + 10);
	char delim[96], close[96];
	snprintf(delim, sizeof delim, "\r\n--%s\r\n", boundary);
	snprintf(close, sizeof close, "\r\n--%s--\r\n", boundary);
	const char *body = strstr(msg, "\r\n\r\n") + 4;
	const char *p1 = strstr(body, delim);
	assert_non_null(p1);
	const char *h1 = p1 + strlen(delim);
	assert_true(str_starts(h1, "Content-Type: text/plain; charset=utf-8\r\n"));
	const char *p2 = strstr(h1, delim);
	assert_non_null(p2);
	const char *h2 = p2 + strlen(delim);
	assert_true(str_starts(h2, "Content-Type: text/html; charset=utf-8\r\n"));
	const char *end = strstr(h2, close);
	assert_non_null(end);
	assert_null(strstr(h2, delim)); /* exactly two parts */
	assert_string_equal(end + strlen(close), "");
	assert_null(memmem(h1, (size_t)(p2 - h1), boundary, strlen(boundary))); /* never inside a part */
	assert_null(memmem(h2, (size_t)(end - h2), boundary, strlen(boundary)));
	/* Each part decodes to its input with CRLF line ends: the mostly-Japanese text as
	 * base64, the mostly-ASCII HTML as quoted-printable. */
	const char *cte;
	char *text = part_decode(h1, p2, &cte);
	assert_string_equal(cte, "base64");
	assert_string_equal(text, "こんにちは\r\nYour code is 123456.\r\n");
	char *html = part_decode(h2, end, &cte);
	assert_string_equal(cte, "quoted-printable");
	assert_string_equal(html, "<!doctype html>\r\n<html><body><p style=\"color:red\">コード: <b>123456</b></p>"
				  "</body></html>\r\n");
	/* Deterministic: the same job gives the same bytes (boundary, Message-ID, Date). */
	char *again = build(a, &m, &why);
	assert_string_equal(again, msg);
	free(ct), free(text), free(html);
	arena_free(a);
}

static void test_base64_for_other_scripts(void **s)
{
	(void)s;
	struct arena *a = arena_new();
	struct mime_msg m = base_msg();
	m.html = NULL;
	char long_ja[2048];
	size_t off = 0;
	for (int i = 0; i < 20; i++)
		off += (size_t)snprintf(long_ja + off, sizeof long_ja - off, "確認コードは 123456 です。\n");
	m.text = long_ja;
	const char *why;
	char *msg = build(a, &m, &why);
	assert_non_null(msg);
	assert_true(check_lines(msg) <= MIME_BODY_LINE);
	const char *h = strstr(msg, "\r\nContent-Type: text/plain") + 2;
	const char *cte;
	char *dec = part_decode(h, msg + strlen(msg) - 2, &cte);
	assert_string_equal(cte, "base64");
	assert_int_equal(strlen(dec), strlen(long_ja) + 20); /* each LF became CRLF */
	assert_true(mime_prefers_b64("日本語"));
	assert_false(mime_prefers_b64("Grüße aus München, Ihr Code lautet 123456."));
	free(dec);
	arena_free(a);
}

static void test_text_only(void **s)
{
	(void)s;
	struct arena *a = arena_new();
	struct mime_msg m = base_msg();
	m.html = NULL;
	m.lang = NULL;
	const char *why;
	char *msg = build(a, &m, &why);
	assert_non_null(msg);
	assert_null(strstr(msg, "multipart"));
	assert_null(strstr(msg, "Content-Language"));
	assert_non_null(strstr(msg, "\r\nContent-Type: text/plain; charset=utf-8\r\n"
				    "Content-Transfer-Encoding: quoted-printable\r\n\r\nYour code is 123456.\r\n"));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_subject_plain),     cmocka_unit_test(test_japanese_subject_encoded),
		cmocka_unit_test(test_long_ascii_subject_folds), cmocka_unit_test(test_header_injection_refused),
		cmocka_unit_test(test_enqueue_refuses_injection), cmocka_unit_test(test_qp_lines_and_roundtrip),
		cmocka_unit_test(test_multipart_structure),     cmocka_unit_test(test_base64_for_other_scripts),
		cmocka_unit_test(test_text_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
