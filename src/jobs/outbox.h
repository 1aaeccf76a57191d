/* outbox.h — durable background work. A job is a row written in the SAME transaction
 * as the state change that causes it (so a crash loses nothing), then delivered by
 * worker threads at least once, with retries and exponential backoff, surviving
 * restarts. Each job's id is its idempotency key (sent to receivers). Several nodes
 * may drain one PostgreSQL outbox: a job is leased before it runs. */
#ifndef AG_OUTBOX_H
#define AG_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

#define OUTBOX_ID_MAX 40

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

/* Register a handler for a kind before outbox_start (e.g. "mail", "webhook"). */
void outbox_register(const char *kind, outbox_handler h);

/* Insert a job. Call inside the caller's transaction (db_begin ... db_commit) so the
 * job exists iff the change does. run_at 0 = now. id_out (may be NULL) receives the
 * job id. */
enum ag_err outbox_enqueue(const char *kind, const char *app_id, const char *ref, const char *payload,
			   int64_t run_at, char id_out[OUTBOX_ID_MAX]) MUST_CHECK;
/* Wake the workers (call after commit; cheap; harmless if nothing is due). */
void outbox_kick(void);

/* Start `threads` delivery workers; stop them (in-flight attempts finish). */
int outbox_start(int threads);
void outbox_stop(void);

#endif
