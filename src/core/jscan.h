/* jscan.h — strict JSON without a tree. One pass checks a whole document and records
 * the members of the top-level object as slices of the input; values are read from the
 * slices on demand (strings decoded into an arena, numbers with strtod). It is the
 * strictness of every JSON parse in AuthGate: json_parse_strict (core/json.h) runs it
 * before cJSON builds a tree, so the tree-free readers (request bodies, JWTs) and the
 * general parser accept exactly the same documents.
 *
 * Accepted: RFC 8259 only — whitespace is space, tab, CR, LF; numbers
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? of at most JSCAN_NUM_MAX characters
 * (cJSON's own limit); control characters inside strings escaped; valid UTF-8, no NUL
 * byte and no \u0000 (a C string would end there); surrogate escapes in pairs; depth
 * <= JSON_MAX_DEPTH; <= JSON_MAX_KEYS members per object and JSON_MAX_KEYS * 8
 * elements per array; no duplicate keys in any object, compared after decoding
 * ("a" and "\u0061" are the same key); nothing but whitespace after the value. */
#ifndef AG_JSCAN_H
#define AG_JSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

#define JSON_MAX_DEPTH 16
#define JSON_MAX_KEYS 128
#define JSCAN_NUM_MAX 63

enum json_perr { JSON_OK = 0, JSON_SYNTAX, JSON_DUPKEY, JSON_DEPTH, JSON_UTF8, JSON_NUL };

enum jkind { JK_NULL = 1, JK_FALSE, JK_TRUE, JK_NUM, JK_STR, JK_ARR, JK_OBJ };

/* A value as a slice of the input. Strings: the bytes between the quotes, still
 * escaped when esc is set. Everything else: the value's text. */
struct jval {
	const char *p;
	unsigned n;
	unsigned char kind; /* enum jkind */
	bool esc;
};

struct jmember {
	struct jval key, val;
};

/* The top-level object's members (JSON_MAX_KEYS at most, so a fixed array). */
struct jobj {
	int n;
	struct jmember m[JSON_MAX_KEYS];
};

/* Check s[0..n) as a whole document. When it is an object and o is not NULL, its members
 * go to o (o->n = -1 for any other value). On JSON_DUPKEY *dup (if not NULL) is the
 * repeated key. */
enum json_perr jscan(const char *s, size_t n, struct jobj *o, struct jval *dup);

/* The member's value by key (compared decoded), or NULL. */
const struct jval *jobj_get(const struct jobj *o, const char *key);

/* Decoded string (NUL-terminated, in the arena); *len may be NULL. v must be JK_STR. */
char *jstr(struct arena *a, const struct jval *v, size_t *len);
/* Decoded length of a string without decoding it into memory. */
size_t jstr_len(const struct jval *v);
/* Is the string value equal to the C string s (decoded compare)? False for non-strings. */
bool jstr_eq(const struct jval *v, const char *s);
/* A number's value; false for anything else. */
bool jnum(const struct jval *v, double *out);

/* Walk the elements of an array or the members of an object value from jscan (checked
 * already): jiter_next gives the next value (and its key for objects); false at the end. */
struct jiter {
	const char *p, *e;
	bool obj;
};
void jiter_init(struct jiter *it, const struct jval *container);
bool jiter_next(struct jiter *it, struct jval *key, struct jval *val);

/* Writing JSON text into an arena without a tree: the answer of a hot path. The text
 * grows by doubling (old copies stay in the arena until it is freed). */
struct jw {
	struct arena *a;
	char *p;
	size_t len, cap;
};
void jw_init(struct jw *w, struct arena *a, size_t cap);
void jw_raw(struct jw *w, const char *s, size_t n);
#define jw_lit(w, s) jw_raw((w), (s), sizeof(s) - 1)
/* A quoted, escaped string; JSON null for NULL. */
void jw_str(struct jw *w, const char *s);
/* A string value from jscan, quoted as it came (its escapes are valid JSON already);
 * JSON null when v is NULL or not a string. */
void jw_jstr(struct jw *w, const struct jval *v);
/* The text so far, NUL-terminated (in the arena). */
const char *jw_text(struct jw *w);

#endif
