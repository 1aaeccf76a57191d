/* ratelimit.h — in-memory token buckets keyed by any string ("start:ip:1.2.3.4").
 * Thread-safe (sharded locks), memory-bounded: full buckets are forgotten (they hold
 * no information) and, when a shard is at its cap, the longest-idle bucket goes.
 * Per node: with several nodes each enforces its own budget (docs/ARCHITECTURE.md). */
#ifndef AG_RATELIMIT_H
#define AG_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/* The one vocabulary of rate limits: `limit` attempts per `window_s` seconds. In
 * memory (here) it is a token bucket of `limit` tokens refilled evenly over the window,
 * per node. A durable policy (auth/throttle.h: guessable things such as passwords and
 * codes) is instead a fixed window counted in the store, shared by every node and kept
 * across restarts. api_rate_limit applies either and answers 429 the same way. */
struct rate_policy {
	const char *name; /* key prefix, also the log label */
	int limit;        /* attempts per window */
	int window_s;
	bool durable;     /* counted in the store (auth/throttle.c), not in memory */
};

struct ratelimit *ratelimit_new(size_t max_keys);
void ratelimit_free(struct ratelimit *rl);

/* Take `cost` tokens from the bucket policy->name + ":" + key. Returns true when
 * allowed; otherwise false and *retry_after_s (>= 1) says when a token is back. */
bool ratelimit_take(struct ratelimit *rl, const struct rate_policy *policy, const char *key, double cost,
		    int64_t now_ms, int *retry_after_s);
/* Would one token be available now? Spends nothing (for "too many failures" checks
 * where only failures spend). */
bool ratelimit_peek(struct ratelimit *rl, const struct rate_policy *policy, const char *key, int64_t now_ms,
		    int *retry_after_s);
/* Forget a bucket (e.g. after a successful sign-in). */
void ratelimit_reset(struct ratelimit *rl, const struct rate_policy *policy, const char *key);
size_t ratelimit_size(struct ratelimit *rl);

#endif
