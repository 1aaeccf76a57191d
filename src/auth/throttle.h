/* throttle.h — durable attempt counters for guessable things (sign-in, codes, mail
 * sends): fixed windows counted in the store, so they survive restarts and are shared
 * by every node on one database. A key over its limit is remembered in memory until its
 * window ends, so a flood of refused attempts costs no store writes. Subjects (emails,
 * addresses) are stored only as SHA-256. */
#ifndef AG_THROTTLE_H
#define AG_THROTTLE_H

#include "core/err.h"

struct throttle_policy {
	const char *name; /* "signin:email" */
	int limit;        /* attempts per window, before AUTHGATE_AUTH_RATE_PERCENT scaling */
	int window_s;
};

/* Count one attempt of `subject` under policy. AG_OK when within the limit; AG_ERATE
 * with *retry_after_s (>= 1) when over it; AG_EUNAVAIL/AG_EINTERNAL from the store. */
enum ag_err throttle_hit(const struct throttle_policy *p, const char *subject, int *retry_after_s) MUST_CHECK;

/* The limit after scaling (for documentation and tests). */
int throttle_limit(const struct throttle_policy *p);

/* Forget the in-memory "over the limit" cache (tests, shutdown). */
void throttle_cache_clear(void);

#endif
