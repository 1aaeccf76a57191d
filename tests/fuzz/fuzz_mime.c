/* libFuzzer target: MIME header encoding (mail/mime.c). Invariants: a value that
 * mime_header_ok accepts is written as 7-bit ASCII lines of at most 78 characters
 * joined by CRLF + blank (folding), never a bare CR or LF that could end the header;
 * its RFC 2047 words decode back to the input; quoted-printable and base64 bodies keep
 * lines of at most 76. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "mail/mime.h"

/* Lines of s split on CRLF: the first at most first_max, the others at most max, no
 * bare CR or LF, 7-bit, no NUL; with fold, every line after the first starts with a
 * blank (a continuation, never a new header). */
static void check_lines(const char *s, size_t len, size_t first_max, size_t max, bool fold)
{
	size_t col = 0, limit = first_max;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r') {
			if (i + 1 >= len || s[i + 1] != '\n')
				abort();
			i++;
			col = 0;
			limit = max;
			if (fold && i + 1 < len && s[i + 1] != ' ' && s[i + 1] != '\t')
				abort();
			continue;
		}
		if (c == '\n' || c >= 0x80 || c == 0)
			abort();
		if (++col > limit)
			abort();
	}
}

/* s without its folding (CRLF before a blank). */
static char *unfold(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	for (const char *p = s; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			p++;
			continue;
		}
		*o++ = *p;
	}
	*o = 0;
	return out;
}

/* Decode "=?UTF-8?B?...?=" words (separated by folding) back to text; NULL when the
 * value is plain (not encoded). */
static char *decode_words(const char *v)
{
	if (strncmp(v, "=?UTF-8?B?", 10) != 0)
		return NULL;
	size_t n = strlen(v);
	char *out = malloc(n + 1);
	size_t o = 0;
	const char *p = v;
	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		p += 10;
		const char *e = strstr(p, "?=");
		if (!e)
			abort();
		long k = str_unb64((unsigned char *)out + o, n - o, p, (size_t)(e - p));
		if (k < 0)
			abort();
		o += (size_t)k;
		p = e + 2;
	}
	out[o] = 0;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	if (mime_header_ok(s)) {
		size_t used = size ? data[0] % 40 : 0; /* "Subject: " and friends */
		struct buf b = BUF_INIT(64 * size + 1024);
		if (mime_header_text(&b, s, used) == 0 && b.p) {
			check_lines(b.p, b.len, MIME_HEADER_LINE - used, MIME_HEADER_LINE, true);
			char *dec = decode_words(b.p);
			char *plain = dec ? NULL : unfold(b.p);
			if ((dec && strcmp(dec, s) != 0) || (plain && strcmp(plain, s) != 0))
				abort();
			free(dec);
			free(plain);
		}
		buf_free(&b);
	}
	if (str_is_utf8(s, strlen(s))) {
		struct buf q = BUF_INIT(16 * size + 1024), b64 = BUF_INIT(16 * size + 1024);
		if (mime_qp(&q, s) == 0 && q.p)
			check_lines(q.p, q.len, MIME_BODY_LINE, MIME_BODY_LINE, false);
		if (mime_b64(&b64, s) == 0 && b64.p)
			check_lines(b64.p, b64.len, MIME_BODY_LINE, MIME_BODY_LINE, false);
		buf_free(&q);
		buf_free(&b64);
	}
	free(s);
	return 0;
}
