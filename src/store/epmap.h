/* epmap.h — a small set of rows kept whole in memory, keyed by their first two columns
 * ("app_id\nuser_id"): the rows of one query, reloaded by one thread (single flight,
 * core/epcache.h) when a cache epoch of the store moves. For lists that a hot path reads
 * on every request and that stay small because the query keeps only recent rows: the
 * token verifier's users whose sessions ended (auth/sessions.c) and whose factors
 * changed (auth/mfa.c) within a token's life. */
#ifndef AG_EPMAP_H
#define AG_EPMAP_H

#include "core/epcache.h"
#include "store/store.h"

struct epmap_def {
	enum store_cache epoch;
	/* $1 is now - horizon_ms; the columns: the two key columns, then the value's */
	const char *sql;
	int64_t horizon_ms;
	/* The value of a row, malloc'ed (freed with free); NULL drops the row. */
	void *(*value)(const struct store_row *row);
	const char *what; /* for the log: "ended sessions" */
};

struct epmap;
/* def must live as long as the map. */
struct epmap *epmap_new(const struct epmap_def *def);
/* The value stored for (k1, k2), or *val NULL when there is none; *hold keeps it alive
 * (cached_unref(*hold) after use). AG_OK, or why the rows could not be read (nothing is
 * held then). */
enum ag_err epmap_get(struct epmap *m, struct store *st, const char *k1, const char *k2, const void **val,
		      struct cached **hold) MUST_CHECK;
/* Forget the rows; the next get reads them again. */
void epmap_clear(struct epmap *m);

#endif
