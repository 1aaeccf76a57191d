/* seclog.c — see seclog.h. */
#include "auth/seclog.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/str.h"
#include "core/ticker.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

#define PRUNE_EVERY_MS 3600000LL

struct event {
	int64_t at;
	char event[48];
	char ip[64];
	char msg[384];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct event queue[SECLOG_QUEUE_MAX];
static int queued;
static uint64_t dropped;
static struct ticker *writer;
static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER; /* one batch at a time */

/* A copy that is valid UTF-8 (the message may hold what a client sent, cut anywhere). */
static void copy_text(char *dst, size_t dstsz, const char *src)
{
	str_copy(dst, src ? src : "", dstsz);
	size_t n = strlen(dst);
	while (n && !str_is_utf8(dst, n))
		dst[--n] = 0;
}

static struct metric_counter m_failures = {"authgate_security_failures_total",
					   "Refused credentials, codes and requests (security events that are failures)", 0,
					   NULL};

bool seclog_is_failure(const char *event)
{
	return strstr(event, "failed") || strstr(event, "wrong") || strstr(event, "refused") ||
	       strstr(event, "rate_limited") || strstr(event, "not_me") || strstr(event, "blocked");
}

uint64_t seclog_failures_total(void)
{
	return atomic_load(&m_failures.value);
}

static void sink(const char *event, const char *ip, const char *msg)
{
	if (event && seclog_is_failure(event))
		metric_inc(&m_failures);
	pthread_mutex_lock(&mu);
	if (queued < SECLOG_QUEUE_MAX) {
		struct event *e = &queue[queued++];
		e->at = time_now_ms();
		copy_text(e->event, sizeof e->event, event);
		copy_text(e->ip, sizeof e->ip, ip);
		copy_text(e->msg, sizeof e->msg, msg);
		if (queued == SECLOG_QUEUE_MAX / 4 && writer)
			ticker_poke(writer); /* a burst: write now, before the queue fills */
	} else {
		dropped++;
	}
	pthread_mutex_unlock(&mu);
}

static enum ag_err insert(const struct event *e)
{
	char id[24], rnd[16];
	rand_token(rnd, 9);
	snprintf(id, sizeof id, "sev_%s", rnd);
	return db_exec(g_app.store, "INSERT INTO security_events (id, at, event, ip, message) VALUES ($1, $2, $3, $4, $5)",
		       P(SV_TEXT(id), SV_INT(e->at), SV_TEXT(e->event), SV_TEXT(e->ip[0] ? e->ip : NULL),
			 SV_TEXT(e->msg)));
}

/* Take what is queued and write it in one transaction. */
static void write_batch(void)
{
	static struct event batch[SECLOG_QUEUE_MAX];
	static int64_t last_prune;
	pthread_mutex_lock(&write_mu);
	pthread_mutex_lock(&mu);
	int n = queued;
	memcpy(batch, queue, sizeof(struct event) * (size_t)n);
	queued = 0;
	uint64_t lost = dropped;
	dropped = 0;
	pthread_mutex_unlock(&mu);
	if (lost) {
		struct event *e = &batch[n < SECLOG_QUEUE_MAX ? n++ : SECLOG_QUEUE_MAX - 1];
		e->at = time_now_ms();
		str_copy(e->event, "security_log_overflow", sizeof e->event);
		e->ip[0] = 0;
		snprintf(e->msg, sizeof e->msg, "%llu security events were not stored (more than %d a second)",
			 (unsigned long long)lost, SECLOG_QUEUE_MAX);
	}
	enum ag_err err = n ? db_begin(g_app.store) : AG_OK;
	for (int i = 0; n && err == AG_OK && i < n; i++)
		err = insert(&batch[i]);
	if (n && (err = db_end(g_app.store, err)))
		log_error("seclog", "cannot store %d security events (%s)", n, ag_err_code(err));
	int64_t now = time_now_ms();
	if (now - last_prune > PRUNE_EVERY_MS) {
		last_prune = now;
		(void)!db_exec(g_app.store, "DELETE FROM security_events WHERE at < $1",
			       P(SV_INT(now - g_cfg.security_log_days * 86400000LL)));
	}
	pthread_mutex_unlock(&write_mu);
}

static void tick(void *ud)
{
	(void)ud;
	write_batch();
}

int seclog_start(void)
{
	if (writer)
		return 0;
	static bool registered;
	if (!registered)
		metrics_register_counter(&m_failures);
	registered = true;
	if (!(writer = ticker_start(SECLOG_FLUSH_MS, tick, NULL)))
		return -1;
	log_set_security_sink(sink);
	return 0;
}

void seclog_flush(void)
{
	write_batch();
}

void seclog_stop(void)
{
	if (!writer)
		return;
	log_set_security_sink(NULL);
	/* A sink call already under way pokes the writer under mu: take it away under mu. */
	pthread_mutex_lock(&mu);
	struct ticker *t = writer;
	writer = NULL;
	pthread_mutex_unlock(&mu);
	ticker_stop(t);
	write_batch();
}

/* ---- reading --------------------------------------------------------------------- */

struct list_ctx {
	struct arena *a;
	cJSON *out;
};

enum ag_err seclog_list(struct arena *a, const struct seclog_filter *f, cJSON **out)
{
	static const struct db_col cols[] = {{"id", DB_COL_STR}, {"at", DB_COL_TIME},      {"event", DB_COL_STR},
					     {"ip", DB_COL_STR}, {"message", DB_COL_STR}, {NULL, 0}};
	const char *q = f->q && *f->q ? db_like_contains(a, f->q) : NULL;
	return db_json_rows(g_app.store, a, out, cols,
			"SELECT id, at, event, ip, message FROM security_events WHERE (CAST($1 AS TEXT) IS NULL OR event = $1) "
			"AND (CAST($2 AS TEXT) IS NULL OR ip = $2) AND (CAST($3 AS TEXT) IS NULL OR LOWER(message) LIKE LOWER($3) ESCAPE '\\') "
			"AND at >= $4 AND at <= $5 ORDER BY at DESC, id LIMIT $6",
			P(SV_TEXT(f->event), SV_TEXT(f->ip), SV_TEXT(q), SV_INT(f->since_ms),
			  SV_INT(f->until_ms ? f->until_ms : INT64_MAX), SV_INT(f->limit)));
}

static int add_count(void *ud, const struct store_row *r)
{
	struct list_ctx *c = ud;
	cJSON_AddNumberToObject(c->out, row_str(r, 0), (double)row_int(r, 1));
	return 0;
}

enum ag_err seclog_counts(struct arena *a, int64_t since_ms, cJSON **out)
{
	struct list_ctx c = {a, json_obj(a)};
	*out = c.out;
	return db_query(g_app.store,
			"SELECT event, COUNT(*) FROM security_events WHERE at >= $1 GROUP BY event ORDER BY event",
			P(SV_INT(since_ms)), add_count, &c);
}
