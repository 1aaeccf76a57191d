#include "core/arena.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 8192

struct block {
	struct block *next;
	size_t used, size;
	max_align_t data[];
};

struct deferred {
	struct deferred *next;
	void (*fn)(void *);
	void *p;
};

struct arena {
	struct block *head;
	struct deferred *defers;
	size_t total;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fputs("authgate: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* One spare first-size block per thread: a request's arena usually fits in one block,
 * and reusing it saves a malloc/free pair (and glibc's consolidation of a freed 8 KiB
 * chunk) on every request. */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void spare_init(void)
{
	pthread_key_create(&spare_key, free); /* a thread's spare is freed when it exits */
}

static struct block *block_new(size_t size)
{
	pthread_once(&spare_once, spare_init);
	struct block *spare = pthread_getspecific(spare_key);
	if (size == ARENA_BLOCK && spare) {
		pthread_setspecific(spare_key, NULL);
		return spare;
	}
	if (size > SIZE_MAX - sizeof(struct block))
		abort();
	return xmalloc(sizeof(struct block) + size);
}

static void block_free(struct block *b)
{
	pthread_once(&spare_once, spare_init);
	if (b->size == ARENA_BLOCK && !pthread_getspecific(spare_key)) {
		pthread_setspecific(spare_key, b);
		return;
	}
	free(b);
}

struct arena *arena_new(void)
{
	struct arena *a = xmalloc(sizeof(*a));
	a->head = NULL;
	a->defers = NULL;
	a->total = 0;
	return a;
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	for (struct deferred *d = a->defers; d;) {
		struct deferred *next = d->next;
		d->fn(d->p);
		d = next;
	}
	for (struct block *b = a->head; b;) {
		struct block *next = b->next;
		block_free(b);
		b = next;
	}
	free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	struct block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = block_new(size);
		b->used = 0;
		b->size = size;
		/* A large one-off allocation goes behind the current block so the
		 * current block's free space stays usable. */
		if (a->head && n > ARENA_BLOCK) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	a->total += n;
	return p;
}

void *arena_calloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return arena_strdup(a, "");
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void arena_defer(struct arena *a, void (*fn)(void *), void *p)
{
	struct deferred *d = arena_alloc(a, sizeof(*d));
	d->fn = fn;
	d->p = p;
	d->next = a->defers;
	a->defers = d;
}

size_t arena_used(const struct arena *a)
{
	return a->total;
}
