#include "core/str.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t str_copy(char *dst, const char *src, size_t dstsz)
{
	size_t n = strlen(src);
	if (dstsz) {
		size_t c = n < dstsz - 1 ? n : dstsz - 1;
		memcpy(dst, src, c);
		dst[c] = 0;
	}
	return n;
}

bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static int lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

bool str_ieq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	while (*a && lc((unsigned char)*a) == lc((unsigned char)*b))
		a++, b++;
	return *a == 0 && *b == 0;
}

bool str_starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends(const char *s, const char *suffix)
{
	if (!s)
		return false;
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s || !*s)
		return -1;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (p == s && *p == '-')))
			return -1;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno || !end || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

void str_lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)lc((unsigned char)*s);
}

static bool is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool str_is_email(const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n < 3 || n > 254)
		return false;
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || at - s > 64)
		return false;
	for (const char *p = s; p < at; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 32 || c >= 127 || strchr("()<>[]:;,\\\"", c))
			return false;
	}
	const char *d = at + 1;
	if (!*d || *d == '.' || *d == '-' || !strchr(d, '.') || str_ends(d, "."))
		return false;
	for (const char *p = d; *p; p++) {
		if (!(is_alnum((unsigned char)*p) || *p == '-' || *p == '.'))
			return false;
		if (*p == '.' && p[1] == '.')
			return false;
	}
	return true;
}

bool str_is_slug(const char *s, size_t max)
{
	if (!s || !*s || strlen(s) > max)
		return false;
	if (!(is_alnum((unsigned char)*s)) || (*s >= 'A' && *s <= 'Z'))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

uint32_t str_utf8_next(const char **s, const char *end)
{
	const unsigned char *p = (const unsigned char *)*s, *e = (const unsigned char *)end;
	uint32_t c = *p;
	size_t len;
	uint32_t min;
	if (c < 0x80) {
		*s += 1;
		return c;
	} else if ((c & 0xE0) == 0xC0) {
		len = 2, min = 0x80, c &= 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, min = 0x800, c &= 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, min = 0x10000, c &= 0x07;
	} else {
		return STR_UTF8_BAD;
	}
	if ((size_t)(e - p) < len)
		return STR_UTF8_BAD;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return STR_UTF8_BAD;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return STR_UTF8_BAD;
	*s += len;
	return c;
}

bool str_is_utf8(const char *s, size_t n)
{
	const char *e = s + n;
	while (s < e) {
		/* ASCII eight bytes at a time (request bodies and tokens are mostly ASCII);
		 * memcpy, because s has no alignment. */
		uint64_t w;
		while (e - s >= 8 && (memcpy(&w, s, 8), (w & 0x8080808080808080ull) == 0))
			s += 8;
		if (s < e && str_utf8_next(&s, e) == STR_UTF8_BAD)
			return false;
	}
	return true;
}

void str_hex(char *out, const unsigned char *in, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = 0;
}

int str_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lc(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int str_unhex(unsigned char *out, const char *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int h = str_hexval((unsigned char)in[2 * i]), l = str_hexval((unsigned char)in[2 * i + 1]);
		if (h < 0 || l < 0)
			return -1;
		out[i] = (unsigned char)(h << 4 | l);
	}
	return 0;
}

static size_t b64_enc(char *out, const unsigned char *in, size_t n, const char *alpha, bool pad)
{
	size_t o = 0, i = 0;
	for (; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		out[o++] = alpha[v >> 6 & 63];
		out[o++] = alpha[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);
		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = alpha[v >> 6 & 63];
		else if (pad)
			out[o++] = '=';
		if (pad)
			out[o++] = '=';
	}
	out[o] = 0;
	return o;
}

static const char B64STD[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t str_b64url(char *out, const unsigned char *in, size_t n)
{
	return b64_enc(out, in, n, B64URL, false);
}

size_t str_b64(char *out, const unsigned char *in, size_t n)
{
	return b64_enc(out, in, n, B64STD, true);
}

/* Value of each byte as a base64url digit; 64: not one. */
static const unsigned char B64_URL[256] = {
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,
	64, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 63,
	64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
};
/* A digit of either alphabet: the standard one's '+' and '/' are base64url's '-' and '_'. */
static inline unsigned b64_digit(unsigned char c, bool url)
{
	if (!url) {
		if (c == '+' || c == '/')
			c = c == '+' ? '-' : '_';
		else if (c == '-' || c == '_')
			return 64;
	}
	return B64_URL[c];
}

static long b64_dec(unsigned char *out, size_t outsz, const char *in, size_t n, bool url)
{
	const unsigned char *p = (const unsigned char *)in;
	while (n && in[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return -1;
	size_t o = 0, i = 0;
	/* Four digits -> three bytes at a time; a 64 anywhere sets bit 6 of the OR. */
	for (; n - i >= 4; i += 4) {
		unsigned a = b64_digit(p[i], url), b = b64_digit(p[i + 1], url), c = b64_digit(p[i + 2], url),
			 d = b64_digit(p[i + 3], url);
		if ((a | b | c | d) & 64 || outsz - o < 3)
			return -1;
		uint32_t v = a << 18 | b << 12 | c << 6 | d;
		out[o++] = (unsigned char)(v >> 16);
		out[o++] = (unsigned char)(v >> 8);
		out[o++] = (unsigned char)v;
	}
	unsigned acc = 0;
	int bits = 0;
	for (; i < n; i++) {
		unsigned v = b64_digit(p[i], url);
		if (v & 64)
			return -1;
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outsz)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* Non-canonical trailing bits are refused: one encoding per value. */
	if (bits && (acc & ((1u << bits) - 1)))
		return -1;
	return (long)o;
}

long str_unb64url(unsigned char *out, size_t outsz, const char *in, size_t n)
{
	return b64_dec(out, outsz, in, n, true);
}

long str_unb64(unsigned char *out, size_t outsz, const char *in, size_t n)
{
	return b64_dec(out, outsz, in, n, false);
}

size_t str_pct_encode(char *out, const char *in)
{
	static const char hx[] = "0123456789ABCDEF";
	char *o = out;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hx[*p >> 4];
			*o++ = hx[*p & 15];
		}
	}
	*o = 0;
	return (size_t)(o - out);
}
