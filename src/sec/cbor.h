/* cbor.h — bounded CBOR decoding (RFC 8949) for WebAuthn: attestation objects, COSE
 * keys, extension maps. libcbor's streaming decoder reads the bytes (sec/cbor.c is the
 * only file that includes it); the values land in a small tree in the caller's arena.
 * Refused: indefinite lengths (CTAP2 canonical CBOR has none), tags, nesting deeper
 * than CBOR_MAX_DEPTH, and any container that declares more items than bytes remain
 * (so a 5-byte header cannot make us allocate gigabytes). */
#ifndef AG_CBOR_H
#define AG_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

#define CBOR_MAX_DEPTH 8

enum cbor_kind { CB_INT, CB_BYTES, CB_TEXT, CB_ARRAY, CB_MAP, CB_BOOL, CB_NULL, CB_OTHER };

struct cbor_v {
	enum cbor_kind kind;
	bool neg_overflow; /* an integer outside int64_t (never a valid COSE value) */
	int64_t i; /* CB_INT value; CB_BOOL 0/1 */
	const unsigned char *b; /* CB_BYTES / CB_TEXT: points into the input buffer */
	size_t n; /* bytes of a string; items of an array; pairs of a map */
	struct cbor_v *items; /* array: n items; map: 2n (key, value, key, value ...) */
};

/* Decode exactly one item from buf. *used (may be NULL) gets the bytes it took; when
 * used is NULL, trailing bytes are an error. NULL for malformed or refused input. */
const struct cbor_v *cbor_decode(struct arena *a, const unsigned char *buf, size_t n, size_t *used);

/* Map lookups (NULL when absent or m is not a map). */
const struct cbor_v *cbor_map_int(const struct cbor_v *m, int64_t key);
const struct cbor_v *cbor_map_str(const struct cbor_v *m, const char *key);
/* Is v a text string equal to s? */
bool cbor_text_is(const struct cbor_v *v, const char *s);

#endif
