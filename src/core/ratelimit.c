#include "core/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

#define RL_SHARDS 32
#define RL_BUCKETS 1024 /* hash chains per shard */
#define RL_KEY_MAX 256

struct entry {
	struct entry *next;
	double tokens;
	double burst, per_sec;
	int64_t last_ms;
	char key[];
};

struct shard {
	pthread_mutex_t mu;
	struct entry *tab[RL_BUCKETS];
	size_t count;
};

struct ratelimit {
	size_t max_per_shard;
	struct shard shards[RL_SHARDS];
};

struct ratelimit *ratelimit_new(size_t max_keys)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));
	if (!rl)
		return NULL;
	rl->max_per_shard = max_keys / RL_SHARDS + 1;
	for (int i = 0; i < RL_SHARDS; i++)
		pthread_mutex_init(&rl->shards[i].mu, NULL);
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	for (int i = 0; i < RL_SHARDS; i++) {
		for (int j = 0; j < RL_BUCKETS; j++)
			for (struct entry *e = rl->shards[i].tab[j]; e;) {
				struct entry *n = e->next;
				free(e);
				e = n;
			}
		pthread_mutex_destroy(&rl->shards[i].mu);
	}
	free(rl);
}

/* A policy of `limit` per `window_s` as a bucket: `limit` tokens, refilled evenly over
 * the window. */
static double burst_of(const struct rate_policy *p)
{
	return p->limit > 0 ? (double)p->limit : 1;
}

static double per_sec_of(const struct rate_policy *p)
{
	return burst_of(p) / (p->window_s > 0 ? (double)p->window_s : 1);
}

/* Tokens at now_ms. The clock is the wall clock (with the dev clock's offset, so that
 * tests can move it); if it steps back, no time has passed — without the clamp a step
 * back of an hour drained the bucket and answered Retry-After of hours. */
static double refill(const struct entry *e, int64_t now_ms)
{
	int64_t dt = now_ms > e->last_ms ? now_ms - e->last_ms : 0;
	double t = e->tokens + (double)dt / 1000.0 * e->per_sec;
	return t > e->burst ? e->burst : t;
}

/* Drop buckets that have refilled completely; if none, drop the longest idle one. */
static void shard_make_room(struct shard *s, int64_t now_ms)
{
	struct entry **oldest = NULL;
	for (int j = 0; j < RL_BUCKETS; j++) {
		for (struct entry **pp = &s->tab[j]; *pp;) {
			struct entry *e = *pp;
			if (refill(e, now_ms) >= e->burst) {
				*pp = e->next;
				free(e);
				s->count--;
				continue;
			}
			if (!oldest || e->last_ms < (*oldest)->last_ms)
				oldest = pp;
			pp = &e->next;
		}
	}
	if (s->count && oldest && *oldest) {
		/* Nothing refilled: forget the bucket idle for longest. */
		struct entry *e = *oldest;
		*oldest = e->next;
		free(e);
		s->count--;
	}
}

static void full_key(char *out, const struct rate_policy *p, const char *key)
{
	snprintf(out, RL_KEY_MAX, "%s:%s", p->name, key ? key : "");
}

bool ratelimit_take(struct ratelimit *rl, const struct rate_policy *policy, const char *key, double cost,
		    int64_t now_ms, int *retry_after_s)
{
	char k[RL_KEY_MAX];
	full_key(k, policy, key);
	uint64_t h = hash_str(k);
	struct shard *s = &rl->shards[h % RL_SHARDS];
	size_t b = (h / RL_SHARDS) % RL_BUCKETS;
	bool ok;
	pthread_mutex_lock(&s->mu);
	struct entry *e = s->tab[b];
	while (e && strcmp(e->key, k) != 0)
		e = e->next;
	if (!e) {
		if (s->count >= rl->max_per_shard)
			shard_make_room(s, now_ms);
		size_t kl = strlen(k) + 1;
		e = malloc(sizeof(*e) + kl);
		if (!e) {
			pthread_mutex_unlock(&s->mu);
			*retry_after_s = 1;
			return false;
		}
		memcpy(e->key, k, kl);
		e->tokens = burst_of(policy);
		e->last_ms = now_ms;
		e->next = s->tab[b];
		s->tab[b] = e;
		s->count++;
	}
	e->burst = burst_of(policy);
	e->per_sec = per_sec_of(policy);
	e->tokens = refill(e, now_ms);
	e->last_ms = now_ms;
	if (e->tokens >= cost) {
		e->tokens -= cost;
		ok = true;
	} else {
		double wait = (cost - e->tokens) / per_sec_of(policy);
		*retry_after_s = wait > 86400 ? 86400 : (int)ceil(wait);
		if (*retry_after_s < 1)
			*retry_after_s = 1;
		ok = false;
	}
	pthread_mutex_unlock(&s->mu);
	return ok;
}

bool ratelimit_peek(struct ratelimit *rl, const struct rate_policy *policy, const char *key, int64_t now_ms,
		    int *retry_after_s)
{
	char k[RL_KEY_MAX];
	full_key(k, policy, key);
	uint64_t h = hash_str(k);
	struct shard *s = &rl->shards[h % RL_SHARDS];
	size_t b = (h / RL_SHARDS) % RL_BUCKETS;
	bool ok = true;
	pthread_mutex_lock(&s->mu);
	for (struct entry *e = s->tab[b]; e; e = e->next)
		if (strcmp(e->key, k) == 0) {
			double t = refill(e, now_ms);
			if (t < 1) {
				ok = false;
				double wait = (1 - t) / per_sec_of(policy);
				*retry_after_s = wait > 86400 ? 86400 : (int)ceil(wait);
				if (*retry_after_s < 1)
					*retry_after_s = 1;
			}
			break;
		}
	pthread_mutex_unlock(&s->mu);
	return ok;
}

void ratelimit_reset(struct ratelimit *rl, const struct rate_policy *policy, const char *key)
{
	char k[RL_KEY_MAX];
	full_key(k, policy, key);
	uint64_t h = hash_str(k);
	struct shard *s = &rl->shards[h % RL_SHARDS];
	size_t b = (h / RL_SHARDS) % RL_BUCKETS;
	pthread_mutex_lock(&s->mu);
	for (struct entry **pp = &s->tab[b]; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->key, k) == 0) {
			struct entry *e = *pp;
			*pp = e->next;
			free(e);
			s->count--;
			break;
		}
	pthread_mutex_unlock(&s->mu);
}

size_t ratelimit_size(struct ratelimit *rl)
{
	size_t n = 0;
	for (int i = 0; i < RL_SHARDS; i++) {
		pthread_mutex_lock(&rl->shards[i].mu);
		n += rl->shards[i].count;
		pthread_mutex_unlock(&rl->shards[i].mu);
	}
	return n;
}
