/* form.c — urlencoded pairs, decoded into an arena and encoded into a buf. */
#include "core/form.h"

#include <string.h>

#include "core/str.h"

/* Decode n bytes of a urlencoded component ('+' is a space); NULL on a bad escape, an
 * encoded NUL or invalid UTF-8. */
static char *decode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int hi = i + 2 < n ? str_hexval((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < n ? str_hexval((unsigned char)s[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return NULL;
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = 0;
	return str_is_utf8(out, o) ? out : NULL;
}

const char *form_get(struct arena *a, const char *body, size_t n, const char *field)
{
	size_t fl = strlen(field);
	const char *p = body, *end = body + n;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));
		const char *ke = eq ? eq : pe;
		char *key = decode(a, p, (size_t)(ke - p));
		if (key && strlen(key) == fl && memcmp(key, field, fl) == 0)
			return eq ? decode(a, eq + 1, (size_t)(pe - eq - 1)) : "";
		p = amp ? amp + 1 : end;
	}
	return NULL;
}

int form_names(struct arena *a, const char *s, size_t n, bool (*fn)(void *ud, const char *name), void *ud)
{
	const char *p = s, *end = s + n;
	while (p < end) {
		size_t len = 0;
		while (p + len < end && p[len] != '&' && p[len] != ';')
			len++;
		const char *eq = memchr(p, '=', len);
		size_t kl = eq ? (size_t)(eq - p) : len;
		if (kl) {
			const char *name = decode(a, p, kl);
			if (!name)
				return -1;
			if (!fn(ud, name))
				return 0;
		}
		p += len + 1;
	}
	return 1;
}

static int encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~", c)) {
			if (buf_append(b, s, 1))
				return -1;
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			if (buf_append(b, e, 3))
				return -1;
		}
	}
	return 0;
}

int form_add(struct buf *b, const char *key, const char *value)
{
	if ((b->len && buf_append(b, "&", 1)) || encode(b, key) || buf_append(b, "=", 1))
		return -1;
	return encode(b, value ? value : "");
}
