/* jscan.c — the strict JSON scanner (see jscan.h). A recursive descent over the input
 * that allocates nothing: containers are at most JSON_MAX_DEPTH deep, so the recursion
 * and the per-object key lists on the stack are bounded. */
#include "core/jscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/str.h"

struct scan {
	const char *p, *e;
	struct jval *dup;
};

static void ws(struct scan *s)
{
	while (s->p < s->e && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int h = str_hexval((unsigned char)p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* ---- decoding: one byte of the decoded string at a time --------------------------- */

struct dec {
	const char *p, *e;
	bool esc; /* a backslash starts an escape (else the bytes are taken as they are) */
	unsigned char pend[4];
	int np, ip;
};

static int utf8_put(unsigned char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (unsigned char)(0xC0 | (c >> 6));
		o[1] = (unsigned char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (c >> 12));
		o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (c >> 18));
	o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (c & 0x3F));
	return 4;
}

/* Next decoded byte, -1 at the end. Only for strings jscan accepted. */
static int dec_next(struct dec *d)
{
	if (d->ip < d->np)
		return d->pend[d->ip++];
	if (d->p >= d->e)
		return -1;
	char c = *d->p++;
	if (c != '\\' || !d->esc)
		return (unsigned char)c;
	c = *d->p++;
	switch (c) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'u': break;
	default: return (unsigned char)c; /* " \ / */
	}
	uint32_t cp = (uint32_t)hex4(d->p);
	d->p += 4;
	if (cp >= 0xD800 && cp <= 0xDBFF) { /* a pair, checked by the scanner */
		cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)hex4(d->p + 2) - 0xDC00);
		d->p += 6;
	}
	d->np = utf8_put(d->pend, cp);
	d->ip = 1;
	return d->pend[0];
}

static void dec_init(struct dec *d, const struct jval *v)
{
	d->p = v->p;
	d->e = v->p + v->n;
	d->esc = v->esc;
	d->np = d->ip = 0;
}

static bool same_key(const struct jval *a, const struct jval *b)
{
	if (!a->esc && !b->esc)
		return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
	struct dec x, y;
	dec_init(&x, a);
	dec_init(&y, b);
	for (;;) {
		int c = dec_next(&x);
		if (c != dec_next(&y))
			return false;
		if (c < 0)
			return true;
	}
}

/* ---- scanning ------------------------------------------------------------------ */

static enum json_perr value(struct scan *s, int depth, struct jval *out, struct jobj *members);

/* Skip a run of plain string bytes (not a control character, '"' or '\\') from p, up to
 * e: sixteen at a time with SSE2 (x86-64's baseline), else eight with the classic
 * word-at-a-time tests (exact about "any"); the byte loop of string() does the rest. */
#if defined(__SSE2__)
static const char *skip_plain(const char *p, const char *e)
{
	const __m128i bias = _mm_set1_epi8((char)0x80), ctl = _mm_set1_epi8((char)(0x20 ^ 0x80));
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	while (e - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i bad = _mm_or_si128(_mm_cmplt_epi8(_mm_xor_si128(v, bias), ctl), /* unsigned < 0x20 */
		                           _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)));
		unsigned m = (unsigned)_mm_movemask_epi8(bad);
		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
	return p;
}
#else
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
static const char *skip_plain(const char *p, const char *e)
{
	uint64_t w;
	while (e - p >= 8) {
		memcpy(&w, p, 8);
		uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
		if ((((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS)
			break;
		p += 8;
	}
	return p;
}
#endif

static enum json_perr string(struct scan *s, struct jval *out)
{
	const char *start = ++s->p; /* after the opening quote */
	bool esc = false;
	while (s->p < s->e) {
		s->p = skip_plain(s->p, s->e);
		if (s->p >= s->e)
			break;
		unsigned char c = (unsigned char)*s->p;
		if (c == '"') {
			out->p = start;
			out->n = (unsigned)(s->p - start);
			out->kind = JK_STR;
			out->esc = esc;
			s->p++;
			return JSON_OK;
		}
		if (c < 0x20)
			return JSON_SYNTAX;
		if (c != '\\') {
			s->p++;
			continue;
		}
		esc = true;
		if (s->e - s->p < 2)
			return JSON_SYNTAX;
		c = (unsigned char)s->p[1];
		if (c != 'u') {
			if (!strchr("\"\\/bfnrt", c) || c == 0)
				return JSON_SYNTAX;
			s->p += 2;
			continue;
		}
		if (s->e - s->p < 6)
			return JSON_SYNTAX;
		int cp = hex4(s->p + 2);
		if (cp < 0)
			return JSON_SYNTAX;
		if (cp == 0)
			return JSON_NUL;
		s->p += 6;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return JSON_SYNTAX; /* a low surrogate alone */
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (s->e - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
				return JSON_SYNTAX;
			int lo = hex4(s->p + 2);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return JSON_SYNTAX;
			s->p += 6;
		}
	}
	return JSON_SYNTAX;
}

static bool digits(struct scan *s)
{
	const char *st = s->p;
	while (s->p < s->e && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > st;
}

static enum json_perr number(struct scan *s, struct jval *out)
{
	const char *start = s->p;
	if (*s->p == '-')
		s->p++;
	if (s->p < s->e && *s->p == '0')
		s->p++;
	else if (!digits(s))
		return JSON_SYNTAX;
	if (s->p < s->e && *s->p == '.') {
		s->p++;
		if (!digits(s))
			return JSON_SYNTAX;
	}
	if (s->p < s->e && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->e && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digits(s))
			return JSON_SYNTAX;
	}
	if (s->p - start > JSCAN_NUM_MAX)
		return JSON_SYNTAX;
	out->p = start;
	out->n = (unsigned)(s->p - start);
	out->kind = JK_NUM;
	out->esc = false;
	return JSON_OK;
}

static enum json_perr literal(struct scan *s, const char *word, enum jkind k, struct jval *out)
{
	size_t n = strlen(word);
	if ((size_t)(s->e - s->p) < n || memcmp(s->p, word, n) != 0)
		return JSON_SYNTAX;
	out->p = s->p;
	out->n = (unsigned)n;
	out->kind = (unsigned char)k;
	out->esc = false;
	s->p += n;
	return JSON_OK;
}

/* An object's members; when `members` is NULL they are kept in a local list for the
 * duplicate check only. */
/* What a key without escapes is sure to differ in from another: its length and its
 * first and last bytes; 0 for a key with escapes (compared in full). The duplicate
 * check is n^2 in the keys of an object: most pairs are told apart by this alone. */
static uint32_t key_sig(const struct jval *k)
{
	if (k->esc)
		return 0;
	uint32_t ends = k->n ? (uint32_t)(unsigned char)k->p[0] << 8 | (unsigned char)k->p[k->n - 1] : 0;
	return 1u << 31 | (k->n & 0x7fff) << 16 | ends;
}

static enum json_perr object(struct scan *s, int depth, struct jobj *members)
{
	struct jmember local[JSON_MAX_KEYS];
	struct jmember *m = members ? members->m : local;
	uint32_t sig[JSON_MAX_KEYS];
	int n = 0;
	s->p++;
	ws(s);
	if (s->p < s->e && *s->p == '}') {
		s->p++;
		if (members)
			members->n = 0;
		return JSON_OK;
	}
	for (;;) {
		if (s->p >= s->e || *s->p != '"')
			return JSON_SYNTAX;
		if (n == JSON_MAX_KEYS)
			return JSON_DEPTH;
		enum json_perr e = string(s, &m[n].key);
		if (e)
			return e;
		ws(s);
		if (s->p >= s->e || *s->p != ':')
			return JSON_SYNTAX;
		s->p++;
		ws(s);
		if ((e = value(s, depth + 1, &m[n].val, NULL)))
			return e;
		sig[n] = key_sig(&m[n].key);
		for (int i = 0; i < n; i++)
			if ((sig[i] == sig[n] || !sig[i] || !sig[n]) && same_key(&m[i].key, &m[n].key)) {
				if (s->dup)
					*s->dup = m[n].key;
				return JSON_DUPKEY;
			}
		n++;
		ws(s);
		if (s->p < s->e && *s->p == ',') {
			s->p++;
			ws(s);
			continue;
		}
		if (s->p < s->e && *s->p == '}') {
			s->p++;
			if (members)
				members->n = n;
			return JSON_OK;
		}
		return JSON_SYNTAX;
	}
}

static enum json_perr array(struct scan *s, int depth)
{
	int n = 0;
	s->p++;
	ws(s);
	if (s->p < s->e && *s->p == ']') {
		s->p++;
		return JSON_OK;
	}
	for (;;) {
		if (++n > JSON_MAX_KEYS * 8)
			return JSON_DEPTH;
		struct jval v;
		enum json_perr e = value(s, depth + 1, &v, NULL);
		if (e)
			return e;
		ws(s);
		if (s->p < s->e && *s->p == ',') {
			s->p++;
			ws(s);
			continue;
		}
		if (s->p < s->e && *s->p == ']') {
			s->p++;
			return JSON_OK;
		}
		return JSON_SYNTAX;
	}
}

/* A value at `depth` (the document is depth 1, its members 2, ...). */
static enum json_perr value(struct scan *s, int depth, struct jval *out, struct jobj *members)
{
	if (depth > JSON_MAX_DEPTH)
		return JSON_DEPTH;
	if (s->p >= s->e)
		return JSON_SYNTAX;
	const char *start = s->p;
	enum json_perr e;
	switch (*s->p) {
	case '"': return string(s, out);
	case '{':
		if ((e = object(s, depth, members)))
			return e;
		out->kind = JK_OBJ;
		break;
	case '[':
		if ((e = array(s, depth)))
			return e;
		out->kind = JK_ARR;
		break;
	case 't': return literal(s, "true", JK_TRUE, out);
	case 'f': return literal(s, "false", JK_FALSE, out);
	case 'n': return literal(s, "null", JK_NULL, out);
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return number(s, out);
		return JSON_SYNTAX;
	}
	out->p = start;
	out->n = (unsigned)(s->p - start);
	out->esc = false;
	return JSON_OK;
}

enum json_perr jscan(const char *p, size_t n, struct jobj *o, struct jval *dup)
{
	if (o)
		o->n = -1;
	if (n > UINT32_MAX)
		return JSON_DEPTH;
	if (memchr(p, 0, n) || !str_is_utf8(p, n))
		return JSON_UTF8;
	struct scan s = {p, p + n, dup};
	ws(&s);
	struct jval root;
	enum json_perr e = value(&s, 1, &root, s.p < s.e && *s.p == '{' ? o : NULL);
	if (e)
		return e;
	ws(&s);
	return s.p == s.e ? JSON_OK : JSON_SYNTAX;
}

/* ---- reading -------------------------------------------------------------------- */

bool jstr_eq(const struct jval *v, const char *str)
{
	if (!v || v->kind != JK_STR)
		return false;
	size_t n = strlen(str);
	if (!v->esc)
		return v->n == n && memcmp(v->p, str, n) == 0;
	struct jval w = {str, (unsigned)n, JK_STR, false};
	return same_key(v, &w);
}

const struct jval *jobj_get(const struct jobj *o, const char *key)
{
	if (!o)
		return NULL;
	size_t n = strlen(key);
	struct jval w = {key, (unsigned)n, JK_STR, false};
	for (int i = 0; i < o->n; i++) {
		const struct jval *k = &o->m[i].key;
		if (k->esc ? same_key(k, &w) : k->n == n && memcmp(k->p, key, n) == 0)
			return &o->m[i].val;
	}
	return NULL;
}

size_t jstr_len(const struct jval *v)
{
	if (!v->esc)
		return v->n;
	struct dec d;
	dec_init(&d, v);
	size_t n = 0;
	while (dec_next(&d) >= 0)
		n++;
	return n;
}

char *jstr(struct arena *a, const struct jval *v, size_t *len)
{
	char *out = arena_alloc(a, (size_t)v->n + 1); /* decoding never lengthens */
	size_t n = 0;
	if (!v->esc) {
		memcpy(out, v->p, v->n);
		n = v->n;
	} else {
		struct dec d;
		dec_init(&d, v);
		int c;
		while ((c = dec_next(&d)) >= 0)
			out[n++] = (char)c;
	}
	out[n] = 0;
	if (len)
		*len = n;
	return out;
}

bool jnum(const struct jval *v, double *out)
{
	if (!v || v->kind != JK_NUM || v->n > JSCAN_NUM_MAX)
		return false;
	/* Plain integers of up to 15 digits (timestamps, counters) are exact in a double:
	 * summed here; strtod, which handles the rest, costs more than the whole token. */
	if (v->n <= 15) {
		double d = 0;
		unsigned i = 0;
		while (i < v->n && v->p[i] >= '0' && v->p[i] <= '9')
			d = d * 10 + (v->p[i++] - '0');
		if (i == v->n) {
			*out = d;
			return true;
		}
	}
	char b[JSCAN_NUM_MAX + 1];
	memcpy(b, v->p, v->n);
	b[v->n] = 0;
	*out = strtod(b, NULL);
	return true;
}

void jiter_init(struct jiter *it, const struct jval *c)
{
	it->obj = c->kind == JK_OBJ;
	it->p = c->p + 1;
	it->e = c->kind == JK_OBJ || c->kind == JK_ARR ? c->p + c->n - 1 : c->p;
}

bool jiter_next(struct jiter *it, struct jval *key, struct jval *val)
{
	struct scan s = {it->p, it->e, NULL};
	ws(&s);
	if (s.p < s.e && *s.p == ',') {
		s.p++;
		ws(&s);
	}
	if (s.p >= s.e)
		return false;
	struct jval k;
	if (it->obj) {
		if (string(&s, &k))
			return false;
		ws(&s);
		s.p++; /* ':' */
		ws(&s);
	}
	/* Checked already: depth 1 is as good as any (no limit can be hit again). */
	if (value(&s, 1, val, NULL))
		return false;
	if (key && it->obj)
		*key = k;
	it->p = s.p;
	return true;
}

/* ---- writing -------------------------------------------------------------------- */

void jw_init(struct jw *w, struct arena *a, size_t cap)
{
	w->a = a;
	w->cap = cap < 64 ? 64 : cap;
	w->p = arena_alloc(a, w->cap);
	w->len = 0;
}

void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (w->len + n + 1 > w->cap) {
		size_t nc = w->cap * 2;
		while (w->len + n + 1 > nc)
			nc *= 2;
		char *np = arena_alloc(w->a, nc);
		memcpy(np, w->p, w->len);
		w->p = np;
		w->cap = nc;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

void jw_str(struct jw *w, const char *s)
{
	static const char hx[] = "0123456789abcdef";
	if (!s) {
		jw_lit(w, "null");
		return;
	}
	jw_lit(w, "\"");
	const char *run = s;
	for (const unsigned char *p = (const unsigned char *)s;; p++) {
		unsigned char c = *p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jw_raw(w, run, (size_t)((const char *)p - run));
		run = (const char *)p + 1;
		if (c == 0)
			break;
		char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
		size_t n = 2;
		switch (c) {
		case '"': case '\\': break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hx[c >> 4];
			esc[5] = hx[c & 15];
			n = 6;
		}
		jw_raw(w, esc, n);
	}
	jw_lit(w, "\"");
}

void jw_jstr(struct jw *w, const struct jval *v)
{
	if (!v || v->kind != JK_STR) {
		jw_lit(w, "null");
		return;
	}
	jw_lit(w, "\"");
	jw_raw(w, v->p, v->n);
	jw_lit(w, "\"");
}

const char *jw_text(struct jw *w)
{
	w->p[w->len] = 0; /* jw_raw always leaves room for it */
	return w->p;
}
