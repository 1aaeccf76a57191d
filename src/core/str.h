/* str.h — small string helpers: bounded copies, parsing numbers without atoi,
 * case-insensitive compares, validation of common shapes (email, slug, URL). */
#ifndef AG_STR_H
#define AG_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copy at most dstsz-1 bytes; always NUL-terminates; returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t dstsz);
bool str_eq(const char *a, const char *b);       /* NULL-safe */
bool str_ieq(const char *a, const char *b);      /* ASCII case-insensitive, NULL-safe */
bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);

/* Parse a whole decimal string into [min,max]; 0 on success, -1 otherwise. */
int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* Lower-case ASCII in place. */
void str_lower(char *s);

/* Shapes. */
bool str_is_email(const char *s);            /* local@domain.tld, <= 254 bytes */
bool str_is_slug(const char *s, size_t max);  /* [a-z0-9][a-z0-9-]*, <= max */
bool str_is_utf8(const char *s, size_t n);
/* The one UTF-8 decoder: the code point at *s (before end), *s moved past it; or
 * STR_UTF8_BAD, *s unmoved, for anything but a shortest-form scalar value (overlong,
 * surrogate, over U+10FFFF, cut short). */
#define STR_UTF8_BAD 0xFFFFFFFFu
uint32_t str_utf8_next(const char **s, const char *end);

/* Hex and base64url encoding into caller buffers. */
void str_hex(char *out, const unsigned char *in, size_t n);   /* out: 2n+1 */
int str_unhex(unsigned char *out, const char *in, size_t n);  /* in: 2n chars */
int str_hexval(int c);                                        /* one hex digit's value, or -1 */
size_t str_b64url(char *out, const unsigned char *in, size_t n); /* out: 4*ceil(n/3)+1; no padding */
/* Decode base64url (padding optional); returns bytes written or -1. */
long str_unb64url(unsigned char *out, size_t outsz, const char *in, size_t n);
/* Percent-encode everything but RFC 3986's unreserved characters (URI components and
 * form values alike): out >= 3 * strlen(in) + 1. Returns the length. */
size_t str_pct_encode(char *out, const char *in);
size_t str_b64(char *out, const unsigned char *in, size_t n);    /* standard, padded */
long str_unb64(unsigned char *out, size_t outsz, const char *in, size_t n);

#endif
