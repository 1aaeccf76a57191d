/* throttle.c — durable fixed-window counters (see throttle.h). */
#include "auth/throttle.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/ctx.h"
#include "core/hmap.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

#define BLOCKED_MAX 50000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct hmap *blocked; /* counter key -> heap int64 "blocked until" (ms) */
static _Atomic unsigned long calls;

int throttle_limit(const struct rate_policy *p)
{
	int64_t pct = g_cfg.auth_rate_percent > 0 ? g_cfg.auth_rate_percent : 100;
	int64_t n = (int64_t)p->limit * pct / 100;
	if (n < 1)
		n = 1;
	return n > 1000000000 ? 1000000000 : (int)n;
}

static int64_t blocked_until(const char *key)
{
	int64_t until = 0;
	pthread_mutex_lock(&mu);
	int64_t *v = blocked ? hmap_get(blocked, key) : NULL;
	if (v)
		until = *v;
	pthread_mutex_unlock(&mu);
	return until;
}

static void block(const char *key, int64_t until)
{
	int64_t *v = malloc(sizeof *v);
	if (!v)
		return;
	*v = until;
	pthread_mutex_lock(&mu);
	if (!blocked)
		blocked = hmap_new(free);
	if (hmap_len(blocked) >= BLOCKED_MAX)
		hmap_clear(blocked); /* only a cache: the store still counts */
	if (hmap_put(blocked, key, v))
		free(v);
	pthread_mutex_unlock(&mu);
}

void throttle_cache_clear(void)
{
	pthread_mutex_lock(&mu);
	if (blocked)
		hmap_clear(blocked);
	pthread_mutex_unlock(&mu);
}

static int retry_s(int64_t until, int64_t now)
{
	int64_t s = (until - now + 999) / 1000;
	return s < 1 ? 1 : s > 86400 ? 86400 : (int)s;
}

enum ag_err throttle_hit(const struct rate_policy *p, const char *subject, int *retry_after_s)
{
	*retry_after_s = 0;
	struct arena *a = arena_new();
	char key[65];
	sha256_hex(key, arena_printf(a, "%s:%s", p->name, subject ? subject : ""));
	int64_t now = time_now_ms(), win = (int64_t)p->window_s * 1000;
	enum ag_err e = AG_OK;
	int64_t until = blocked_until(key);
	if (until > now) {
		*retry_after_s = retry_s(until, now);
		e = AG_ERATE;
		goto out;
	}
	struct store_row row;
	e = db_row(g_app.store, a, &row,
		   "INSERT INTO rate_counters (key, window_start, hits) VALUES ($1, $2, 1) "
		   "ON CONFLICT (key) DO UPDATE SET "
		   "hits = CASE WHEN rate_counters.window_start <= $3 THEN 1 ELSE rate_counters.hits + 1 END, "
		   "window_start = CASE WHEN rate_counters.window_start <= $3 THEN $2 ELSE rate_counters.window_start END "
		   "RETURNING hits, window_start",
		   P(SV_TEXT(key), SV_INT(now), SV_INT(now - win)));
	if (e)
		goto out;
	if (row_int(&row, 0) > throttle_limit(p)) {
		until = row_int(&row, 1) + win;
		block(key, until);
		*retry_after_s = retry_s(until, now);
		e = AG_ERATE;
	}
	/* Now and then, drop counters whose window ended a day ago. */
	if (++calls % 1024 == 0)
		(void)!db_exec(g_app.store, "DELETE FROM rate_counters WHERE window_start < $1",
			      P(SV_INT(now - 86400000)));
out:
	arena_free(a);
	return e;
}
