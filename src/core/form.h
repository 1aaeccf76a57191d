/* form.h — application/x-www-form-urlencoded bodies (HTML forms, OAuth token
 * endpoints): read one field, write pairs. Decoding refuses bad escapes, encoded NULs
 * and invalid UTF-8. */
#ifndef AG_FORM_H
#define AG_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"

/* The decoded value of the first `field` in body (arena), "" when present without a
 * value, NULL when absent or badly encoded. */
const char *form_get(struct arena *a, const char *body, size_t n, const char *field);

/* Call fn with the decoded name of every pair of s (n bytes), splitting on '&' and,
 * as some servers do, on ';'. 1 when every name was passed and fn returned true for
 * each, 0 when fn returned false (it stops there), -1 when a name is badly encoded. */
int form_names(struct arena *a, const char *s, size_t n, bool (*fn)(void *ud, const char *name), void *ud);

/* Append "key=value" (with a leading '&' unless b is empty), percent-encoding both
 * (RFC 3986 unreserved characters stay). 0 or -1 (over the buffer's cap). */
int form_add(struct buf *b, const char *key, const char *value);

#endif
