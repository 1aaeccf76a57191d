/* arena.h — per-request bump allocator. Everything a request allocates comes from
 * its arena and is released at once when the response is done; handlers never free.
 * Owner: the request (src/http/server.c). Not thread-safe: one arena, one thread. */
#ifndef AG_ARENA_H
#define AG_ARENA_H

#include <stddef.h>
#include <stdarg.h>

struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *a);

/* Never returns NULL: an allocation failure aborts (memory is bounded by caps). */
void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Run fn(p) when the arena is freed (for objects owned by other allocators). */
void arena_defer(struct arena *a, void (*fn)(void *), void *p);

/* Bytes handed out so far (for tests and limits). */
size_t arena_used(const struct arena *a);

#endif
