/* outbox.h — durable background work. A job is a row written in the SAME transaction
 * as the state change that causes it (so a crash loses nothing), then delivered by
 * worker threads at least once, with retries and exponential backoff, surviving
 * restarts. Each job's id is its idempotency key (sent to receivers). Several nodes
 * may drain one PostgreSQL outbox: a job is leased before it runs. */
#ifndef AG_OUTBOX_H
#define AG_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define OUTBOX_ID_MAX 40
#define OUTBOX_MAX_KINDS 8
#define OUTBOX_LEASE_MS (120 * 1000)   /* an attempt's claim; longer than any handler may take */
#define OUTBOX_POLL_MS 1000            /* idle workers look for due jobs this often */
#define OUTBOX_ERROR_MAX 512           /* last_error bytes kept */
#define OUTBOX_KEEP_DONE_MS (7LL * 24 * 3600 * 1000)    /* done jobs are pruned after this */
#define OUTBOX_KEEP_FAILED_MS (30LL * 24 * 3600 * 1000) /* failed jobs are pruned after this */

/* What a handler reports for one attempt. */
enum outbox_result {
	OUTBOX_DONE,     /* delivered */
	OUTBOX_RETRY,    /* try again later (backoff, or *retry_after_ms when > 0) */
	OUTBOX_GIVE_UP,  /* permanent failure: stop trying */
};

struct outbox_job {
	const char *id;      /* idempotency id */
	const char *kind;
	const char *app_id;  /* may be NULL */
	const char *ref;     /* kind-specific reference (e.g. webhook endpoint id), may be NULL */
	const char *payload; /* JSON text */
	int attempt;         /* 1 for the first attempt */
	int64_t created_at;  /* ms */
};

typedef enum outbox_result (*outbox_handler)(const struct outbox_job *job, char *err, size_t errsz,
					      int64_t *retry_after_ms);

/* Register a handler for a kind before outbox_start (e.g. "mail", "webhook"). A
 * handler runs on a worker thread and may block (SMTP, HTTP) for well under
 * OUTBOX_LEASE_MS; it must be idempotent-friendly: a crash after delivery but before
 * the result is recorded runs it again with the same job id. At most OUTBOX_MAX_KINDS. */
void outbox_register(const char *kind, outbox_handler h);

/* Insert a job. Call inside the caller's transaction (db_begin ... db_commit) so the
 * job exists iff the change does. run_at 0 = now. id_out (may be NULL) receives the
 * job id. */
enum ag_err outbox_enqueue(const char *kind, const char *app_id, const char *ref, const char *payload,
			   int64_t run_at, char id_out[OUTBOX_ID_MAX]) MUST_CHECK;
/* Wake the workers (call after commit; cheap; harmless if nothing is due). */
void outbox_kick(void);

/* Start `threads` delivery workers; stop them (in-flight attempts finish). Workers
 * claim due jobs of the registered kinds only, so nodes running different versions can
 * share one PostgreSQL outbox. Call outbox_start before serving (it registers metrics). */
int outbox_start(int threads);
void outbox_stop(void);

/* Delay before the next attempt after `attempt` (1-based) failed: 5 s, 30 s, 2 min,
 * 10 min, 30 min, 1 h, 2 h, 4 h, then 8 h, each +-20 % (r is a uniform random 32-bit
 * value choosing the point in that band), scaled by scale_pct percent (100 = as
 * listed; AUTHGATE_OUTBOX_BACKOFF_SCALE lowers it for tests). Always >= 1 ms. */
int64_t outbox_backoff_ms(int attempt, int scale_pct, uint32_t r);

/* A retry schedule, as a table: delays_ms[k - 1] is the wait after failed attempt k.
 * Past the table a schedule either keeps its last delay or gives up. Used by the
 * outbox's own backoff and by handlers with a schedule of their own (webhooks). */
struct retry_schedule {
	const int64_t *delays_ms;
	size_t n;
	bool then_last; /* past the table: the last delay again (true) or no more attempts */
};
/* The wait after failed attempt `attempt` (1-based); -1 when no attempt follows. An
 * attempt below 1 counts as the first. */
int64_t retry_delay_ms(const struct retry_schedule *s, int attempt);
/* The lease an attempt holds: OUTBOX_LEASE_MS scaled by scale_pct percent (1..100;
 * AUTHGATE_OUTBOX_LEASE_SCALE lowers it so tests of a crashed attempt wait seconds, not
 * minutes), at least 1 s. */
int64_t outbox_lease_ms(int scale_pct);
#define OUTBOX_BACKOFF_MAX_MS (8LL * 3600 * 1000)

/* Recent jobs, newest first, for operators: id, kind, app_id, status, attempts,
 * last_error, run_at, created_at, done_at — never the payload (it may hold codes).
 * status NULL = any; limit 1..500. */
enum ag_err outbox_list(struct arena *a, const char *status, int limit, cJSON **out) MUST_CHECK;

#endif
