/* buf.h — a growable byte buffer with a hard cap (malloc-backed, owned by whoever
 * declared it). Appends past the cap fail instead of growing without bound. */
#ifndef AG_BUF_H
#define AG_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;     /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max;  /* 0 = no cap */
};

#define BUF_INIT(maxbytes) {NULL, 0, 0, (maxbytes)}

int buf_append(struct buf *b, const void *data, size_t n);    /* 0 or -1 (over cap / OOM) */
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Hand the bytes to the caller (malloc'd, NUL-terminated); the buf is emptied. */
char *buf_take(struct buf *b, size_t *len);

#endif
