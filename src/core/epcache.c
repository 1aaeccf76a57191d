/* epcache.c — see epcache.h. One mutex per cache: a hit is a hash lookup and a reference
 * count increment under it; loads run unlocked, with the key's slot marked as loading so
 * later askers wait on the condition variable instead of loading again. */
#include "core/epcache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/hmap.h"

struct slot {
	struct cached *v; /* NULL while loading */
	bool loading;     /* its loader still holds it (and frees it if dropped meanwhile) */
	bool stale;       /* dropped from the map while loading: do not keep the result */
};

struct epcache {
	pthread_mutex_t mu;
	pthread_cond_t loaded; /* a load ended (any key) */
	struct hmap *m;        /* key -> struct slot* */
	int64_t epoch;
	epcache_delta_fn delta; /* NULL: a new epoch empties the cache */
	void *delta_ud;
	size_t max_entries;    /* 0: unbounded */
};

void cached_init(struct cached *c, void (*destroy)(struct cached *c))
{
	atomic_init(&c->ref, 1);
	c->destroy = destroy;
}

void cached_ref(struct cached *c)
{
	atomic_fetch_add_explicit(&c->ref, 1, memory_order_relaxed);
}

void cached_unref(struct cached *c)
{
	if (c && atomic_fetch_sub_explicit(&c->ref, 1, memory_order_acq_rel) == 1)
		c->destroy(c);
}

void cached_unref_any(void *c)
{
	cached_unref(c);
}

static void slot_free(void *p)
{
	struct slot *s = p;
	if (s->loading) {
		s->stale = true; /* its loader frees it */
		return;
	}
	cached_unref(s->v);
	free(s);
}

struct epcache *epcache_new(void)
{
	struct epcache *c = calloc(1, sizeof *c);
	if (!c || !(c->m = hmap_new(slot_free)))
		abort();
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->loaded, NULL);
	c->epoch = -1;
	return c;
}

void epcache_free(struct epcache *c)
{
	if (!c)
		return;
	hmap_free(c->m);
	pthread_cond_destroy(&c->loaded);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

void epcache_clear(struct epcache *c)
{
	pthread_mutex_lock(&c->mu);
	hmap_clear(c->m);
	c->epoch = -1;
	pthread_mutex_unlock(&c->mu);
}

void epcache_set_delta(struct epcache *c, epcache_delta_fn fn, void *ud, size_t max_entries)
{
	pthread_mutex_lock(&c->mu);
	c->delta = fn;
	c->delta_ud = ud;
	c->max_entries = max_entries;
	pthread_mutex_unlock(&c->mu);
}

static void drop_key(void *dctx, const char *key)
{
	hmap_del(((struct epcache *)dctx)->m, key); /* a slot being loaded is marked stale */
}

/* The epoch moved: drop what changed (deltas) or everything. Called locked. */
static void advance(struct epcache *c, int64_t epoch)
{
	if (!c->delta || c->epoch < 0 || !hmap_len(c->m) || c->delta(c->delta_ud, c->epoch, drop_key, c) != AG_OK)
		hmap_clear(c->m);
	c->epoch = epoch;
}

enum ag_err epcache_get(struct epcache *c, int64_t epoch, const char *key, epcache_load_fn load, void *ud,
			struct cached **out)
{
	*out = NULL;
	pthread_mutex_lock(&c->mu);
	/* Epochs only grow; a reader that saw an older one than the cache's gets the newer
	 * contents, which is what it would get a moment later anyway. */
	if (epoch > c->epoch)
		advance(c, epoch);
	struct slot *s;
	while ((s = hmap_get(c->m, key)) && s->loading)
		pthread_cond_wait(&c->loaded, &c->mu); /* another thread loads it */
	if (s) {
		cached_ref(s->v);
		*out = s->v;
		pthread_mutex_unlock(&c->mu);
		return AG_OK;
	}
	if (c->max_entries && hmap_len(c->m) >= c->max_entries)
		hmap_clear(c->m);
	s = calloc(1, sizeof *s);
	if (!s || hmap_put(c->m, key, s))
		abort();
	s->loading = true;
	pthread_mutex_unlock(&c->mu);

	struct cached *v = NULL;
	enum ag_err e = load(ud, key, &v);

	pthread_mutex_lock(&c->mu);
	s->loading = false;
	if (s->stale) { /* the epoch moved (or a clear) while we loaded: answer, keep nothing */
		free(s);
	} else if (e) {
		hmap_del(c->m, key); /* frees s; a waiter will try the load itself */
	} else {
		cached_ref(v); /* the cache's reference */
		s->v = v;
	}
	pthread_cond_broadcast(&c->loaded);
	pthread_mutex_unlock(&c->mu);
	*out = v;
	return e;
}
