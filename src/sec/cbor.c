/* cbor.c — the one file that includes libcbor (see cbor.h). The streaming decoder calls
 * back once per item head or scalar; the callbacks build the tree, refusing what
 * WebAuthn never needs before anything large is allocated. */
#include "sec/cbor.h"

#include <cbor.h>
#include <string.h>

struct frame {
	struct cbor_v *v; /* the container being filled */
	size_t want; /* slots: items (array) or 2 * pairs (map) */
	size_t have;
};

struct builder {
	struct arena *a;
	size_t remaining; /* bytes left after the current head: bounds declared sizes */
	struct frame st[CBOR_MAX_DEPTH + 1];
	int depth; /* open containers */
	struct cbor_v *root;
	bool bad;
};

static struct cbor_v *slot(struct builder *b)
{
	if (b->bad)
		return NULL;
	if (b->depth == 0) {
		if (b->root) {
			b->bad = true;
			return NULL;
		}
		b->root = arena_calloc(b->a, sizeof *b->root);
		return b->root;
	}
	struct frame *f = &b->st[b->depth - 1];
	return &f->v->items[f->have++];
}

/* After a value is complete: close every container that is now full. */
static void done(struct builder *b)
{
	while (b->depth > 0 && b->st[b->depth - 1].have == b->st[b->depth - 1].want)
		b->depth--;
}

static void scalar(struct builder *b, enum cbor_kind k, int64_t i, const unsigned char *p, size_t n)
{
	struct cbor_v *v = slot(b);
	if (!v)
		return;
	v->kind = k;
	v->i = i;
	v->b = p;
	v->n = n;
	done(b);
}

static void open_container(struct builder *b, enum cbor_kind k, size_t n)
{
	size_t slots = k == CB_MAP ? n * 2 : n;
	if (n > b->remaining || (k == CB_MAP && slots / 2 != n) || slots > b->remaining) {
		b->bad = true;
		return;
	}
	if (b->depth >= CBOR_MAX_DEPTH) {
		b->bad = true;
		return;
	}
	struct cbor_v *v = slot(b);
	if (!v)
		return;
	v->kind = k;
	v->n = n;
	v->items = slots ? arena_calloc(b->a, slots * sizeof *v->items) : NULL;
	if (slots == 0) {
		done(b);
		return;
	}
	b->st[b->depth++] = (struct frame){v, slots, 0};
}

#define B(ctx) ((struct builder *)(ctx))
static void on_u8(void *c, uint8_t v)
{
	scalar(B(c), CB_INT, v, NULL, 0);
}
static void on_u16(void *c, uint16_t v)
{
	scalar(B(c), CB_INT, v, NULL, 0);
}
static void on_u32(void *c, uint32_t v)
{
	scalar(B(c), CB_INT, v, NULL, 0);
}
static void on_u64(void *c, uint64_t v)
{
	if (v > INT64_MAX) {
		struct cbor_v *s = slot(B(c));
		if (s) {
			s->kind = CB_INT;
			s->neg_overflow = true;
			done(B(c));
		}
		return;
	}
	scalar(B(c), CB_INT, (int64_t)v, NULL, 0);
}
static void on_n8(void *c, uint8_t v)
{
	scalar(B(c), CB_INT, -1 - (int64_t)v, NULL, 0);
}
static void on_n16(void *c, uint16_t v)
{
	scalar(B(c), CB_INT, -1 - (int64_t)v, NULL, 0);
}
static void on_n32(void *c, uint32_t v)
{
	scalar(B(c), CB_INT, -1 - (int64_t)v, NULL, 0);
}
static void on_n64(void *c, uint64_t v)
{
	if (v > INT64_MAX) {
		on_u64(c, UINT64_MAX); /* out of range either way */
		return;
	}
	scalar(B(c), CB_INT, -1 - (int64_t)v, NULL, 0);
}
static void on_bytes(void *c, cbor_data p, size_t n)
{
	scalar(B(c), CB_BYTES, 0, p, n);
}
static void on_text(void *c, cbor_data p, size_t n)
{
	scalar(B(c), CB_TEXT, 0, p, n);
}
static void on_array(void *c, size_t n)
{
	open_container(B(c), CB_ARRAY, n);
}
static void on_map(void *c, size_t n)
{
	open_container(B(c), CB_MAP, n);
}
static void on_refuse(void *c)
{
	B(c)->bad = true;
}
static void on_tag(void *c, uint64_t t)
{
	B(c)->bad = true;
}
static void on_f4(void *c, float f)
{
	scalar(B(c), CB_OTHER, 0, NULL, 0);
}
static void on_f8(void *c, double f)
{
	scalar(B(c), CB_OTHER, 0, NULL, 0);
}
static void on_undef(void *c)
{
	scalar(B(c), CB_OTHER, 0, NULL, 0);
}
static void on_null(void *c)
{
	scalar(B(c), CB_NULL, 0, NULL, 0);
}
static void on_bool(void *c, bool v)
{
	scalar(B(c), CB_BOOL, v, NULL, 0);
}

static const struct cbor_callbacks cbs = {
    .uint8 = on_u8,
    .uint16 = on_u16,
    .uint32 = on_u32,
    .uint64 = on_u64,
    .negint8 = on_n8,
    .negint16 = on_n16,
    .negint32 = on_n32,
    .negint64 = on_n64,
    .byte_string_start = on_refuse,
    .byte_string = on_bytes,
    .string = on_text,
    .string_start = on_refuse,
    .indef_array_start = on_refuse,
    .array_start = on_array,
    .indef_map_start = on_refuse,
    .map_start = on_map,
    .tag = on_tag,
    .float2 = on_f4,
    .float4 = on_f4,
    .float8 = on_f8,
    .undefined = on_undef,
    .null = on_null,
    .boolean = on_bool,
    .indef_break = on_refuse,
};

const struct cbor_v *cbor_decode(struct arena *a, const unsigned char *buf, size_t n, size_t *used)
{
	struct builder b = {.a = a};
	size_t off = 0;
	do {
		if (off >= n)
			return NULL; /* the item is cut short */
		b.remaining = n - off; /* the head's own bytes included: a bound, not exact */
		struct cbor_decoder_result r = cbor_stream_decode(buf + off, n - off, &cbs, &b);
		if (r.status != CBOR_DECODER_FINISHED || r.read == 0)
			return NULL;
		off += r.read;
		if (b.bad)
			return NULL;
	} while (b.depth > 0 || !b.root);
	if (used)
		*used = off;
	else if (off != n)
		return NULL;
	return b.root;
}

const struct cbor_v *cbor_map_int(const struct cbor_v *m, int64_t key)
{
	if (!m || m->kind != CB_MAP)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		const struct cbor_v *k = &m->items[2 * i];
		if (k->kind == CB_INT && !k->neg_overflow && k->i == key)
			return &m->items[2 * i + 1];
	}
	return NULL;
}

bool cbor_text_is(const struct cbor_v *v, const char *s)
{
	size_t n = strlen(s);
	return v && v->kind == CB_TEXT && v->n == n && memcmp(v->b, s, n) == 0;
}

const struct cbor_v *cbor_map_str(const struct cbor_v *m, const char *key)
{
	if (!m || m->kind != CB_MAP)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		if (cbor_text_is(&m->items[2 * i], key))
			return &m->items[2 * i + 1];
	return NULL;
}
