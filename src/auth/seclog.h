/* seclog.h — the stored security log: every log_security line (failed credentials,
 * rate limits, "this wasn't me", refused origins, secret reads) also lands in the
 * store's security_events table, which the dashboard's Activity page reads. Events are
 * queued in memory and written in batches by one thread, so an attack that makes many
 * events costs one transaction a second, not one per request; past SECLOG_QUEUE_MAX
 * queued events the rest are counted, and the count is logged as its own event. */
#ifndef AG_SECLOG_H
#define AG_SECLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define SECLOG_QUEUE_MAX 4096
#define SECLOG_FLUSH_MS 1000

/* Install the log sink and start the writer (once, before serving). */
int seclog_start(void);
/* Write what is queued and stop the writer. */
void seclog_stop(void);
/* Write what is queued now (tests, shutdown). */
void seclog_flush(void);

/* Is this event a failure (refused credentials, codes, origins, CSRF, rate limits, "this
 * wasn't me")? Such events count in authgate_security_failures_total. */
bool seclog_is_failure(const char *event);
uint64_t seclog_failures_total(void);

struct seclog_filter {
	const char *event;          /* exact event name, or NULL */
	const char *ip;             /* exact address, or NULL */
	const char *q;              /* substring of the message, or NULL */
	int64_t since_ms, until_ms; /* 0: unbounded */
	int limit;                  /* 1..500 */
};
/* Newest first: [{id, at, event, ip, message}]. */
enum ag_err seclog_list(struct arena *a, const struct seclog_filter *f, cJSON **out) MUST_CHECK;
/* Counts per event name since since_ms: {event: n}. */
enum ag_err seclog_counts(struct arena *a, int64_t since_ms, cJSON **out) MUST_CHECK;

#endif
