/* mime.h — building an RFC 5322 / MIME message: headers that cannot be injected into
 * (control characters refused), RFC 2047 encoded-words for non-ASCII subjects and
 * display names, folded header lines, and a multipart/alternative body of text and
 * HTML in quoted-printable UTF-8 (lines <= 76). Pure functions, unit-tested. */
#ifndef AG_MIME_H
#define AG_MIME_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

#define MIME_HEADER_LINE 78 /* RFC 5322 2.1.1: lines SHOULD be <= 78 characters */
#define MIME_BODY_LINE 76   /* RFC 2045 6.7: encoded lines <= 76 characters */
#define MIME_MAX_BYTES (4 * 1024 * 1024)

struct mime_msg {
	const char *from_name;  /* display name, UTF-8; may be NULL */
	const char *from_addr;  /* envelope and header sender */
	const char *to;         /* one address */
	const char *subject;    /* UTF-8 */
	const char *text;       /* UTF-8 */
	const char *html;       /* UTF-8; NULL = a text/plain message */
	const char *lang;       /* Content-Language; may be NULL */
	const char *message_id; /* "local@domain" (no angle brackets) */
	int64_t date_ms;        /* Date header, Unix ms */
};

/* A header value is safe when it is valid UTF-8 without control characters (CR, LF,
 * NUL, TAB, DEL, ...): nothing can end the header line or start another. */
bool mime_header_ok(const char *s);

/* Append s as an unstructured header value to b, whose current line already holds
 * `used` characters: plain and folded at spaces when it is ASCII and fits, else as
 * RFC 2047 "=?UTF-8?B?...?=" words of <= 75 characters, split on character boundaries,
 * one per line. Lines stay <= MIME_HEADER_LINE. 0, or -1 when b is full. */
int mime_header_text(struct buf *b, const char *s, size_t used);

/* Append s (UTF-8) quoted-printable encoded: line breaks become CRLF, lines <= 76
 * with soft breaks, '=' and non-ASCII as =XX, trailing blanks, a leading '.' and a
 * leading "From " encoded. 0, or -1 when b is full. */
int mime_qp(struct buf *b, const char *s);

/* Append s (UTF-8) base64 encoded in lines of 76, after turning its line breaks into
 * CRLF (the canonical form of text). 0, or -1 when b is full. */
int mime_b64(struct buf *b, const char *s);

/* Does this text travel better as base64 than as quoted-printable? (More than a third
 * of its bytes would need =XX escapes.) */
bool mime_prefers_b64(const char *s);

/* The whole message with CRLF line ends into *out (the arena's); AG_EINVAL with a
 * message naming the field when a header field is unsafe or missing, AG_ETOOBIG.
 * Deterministic for a given input: every attempt to deliver one job sends the same
 * bytes (same Message-ID and boundary). */
struct ag_error mime_build(struct arena *a, const struct mime_msg *m, char **out) MUST_CHECK;

#endif
