/* throttle.h — durable attempt counters for guessable things (sign-in, codes, mail
 * sends): fixed windows counted in the store, so they survive restarts and are shared
 * by every node on one database. A key over its limit is remembered in memory until its
 * window ends, so a flood of refused attempts costs no store writes. Subjects (emails,
 * addresses) are stored only as SHA-256. */
#ifndef AG_THROTTLE_H
#define AG_THROTTLE_H

#include "core/err.h"
#include "core/ratelimit.h"

/* Count one attempt of `subject` under a durable policy (core/ratelimit.h; its limit is
 * scaled by AUTHGATE_AUTH_RATE_PERCENT). AG_OK when within the limit; AG_ERATE
 * with *retry_after_s (>= 1) when over it; AG_EUNAVAIL/AG_EINTERNAL from the store. */
enum ag_err throttle_hit(const struct rate_policy *p, const char *subject, int *retry_after_s) MUST_CHECK;

/* p's limit scaled by AUTHGATE_AUTH_RATE_PERCENT (at least 1): durable policies are
 * counted against it; sign-in policies kept in memory scale theirs with it too. */
int throttle_limit(const struct rate_policy *p);

/* Forget the in-memory "over the limit" cache (tests, shutdown). */
void throttle_cache_clear(void);

#endif
