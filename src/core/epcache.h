/* epcache.h — a key -> value cache of stored data, invalidated by an epoch (the store's
 * counter for that cache, see store_epoch_current), with single-flight fills: on a miss
 * one thread loads the key, outside the lock, and every other thread asking for the same
 * key meanwhile waits for its result instead of querying the store too. The one helper
 * behind the project, API-key and ended-session caches.
 *
 * Values are reference counted (struct cached first in the caller's struct): a reader
 * holds a reference while it uses a value, so a clear never frees what a request still
 * reads. A miss that fails is not cached. */
#ifndef AG_EPCACHE_H
#define AG_EPCACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct cached {
	_Atomic int ref;
	void (*destroy)(struct cached *c);
};

/* ref = 1 (the loader's reference, handed to the cache or the caller). */
void cached_init(struct cached *c, void (*destroy)(struct cached *c));
void cached_ref(struct cached *c);
void cached_unref(struct cached *c); /* a void * signature for arena_defer: cached_unref_any */
void cached_unref_any(void *c);

/* Build key's value (a new reference in *out), or an error (nothing cached). Runs without
 * the cache's lock. */
typedef enum ag_err (*epcache_load_fn)(void *ud, const char *key, struct cached **out);

struct epcache;
struct epcache *epcache_new(void);
void epcache_free(struct epcache *c);
/* A reference to key's value (the caller unrefs it). epoch is the store's current epoch
 * for this cache: when it is newer than the cache's, everything cached is dropped first.
 * A value loaded while the epoch moved is returned to its caller but not kept. */
enum ag_err epcache_get(struct epcache *c, int64_t epoch, const char *key, epcache_load_fn load, void *ud,
			struct cached **out) MUST_CHECK;
/* Drop everything (tests, shutdown); the next get loads again. */
void epcache_clear(struct epcache *c);

/* Deltas. A cache whose rows record the epoch of their last change can, when the epoch
 * moves, drop only the keys that changed since the epoch it last saw instead of
 * everything: a logout then costs each node one small query, not a reload of every
 * active session. fn lists those keys by calling drop(dctx, key) for each; it runs
 * with the cache locked (only when the epoch moved) and must not use the cache. If it
 * fails the cache is emptied as without deltas. Values being loaded meanwhile are
 * handed to their callers but not kept when their key was dropped. max_entries bounds
 * the cache (reaching it empties it; 0: no bound). Set once, before the first get. */
typedef enum ag_err (*epcache_delta_fn)(void *ud, int64_t since, void (*drop)(void *dctx, const char *key),
					void *dctx);
void epcache_set_delta(struct epcache *c, epcache_delta_fn fn, void *ud, size_t max_entries);

#endif
