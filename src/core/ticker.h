/* ticker.h — a thread that runs one function every period, or at once when poked, and
 * stops cleanly (the last run finishes; nothing runs after ticker_stop returns). For
 * background work that batches (the security log's writer) or samples (the dashboard's
 * metrics series). Owner: whoever started it. */
#ifndef AG_TICKER_H
#define AG_TICKER_H

struct ticker;

/* Start: fn(ud) runs every period_ms (wall-clock waits, so a shifted clock in tests
 * does not matter) and whenever ticker_poke is called. NULL when no thread. */
struct ticker *ticker_start(int period_ms, void (*fn)(void *ud), void *ud);
/* Run fn soon, without waiting for the period (any thread; cheap). */
void ticker_poke(struct ticker *t);
/* Stop and free; a run in progress finishes first. NULL is a no-op. */
void ticker_stop(struct ticker *t);

#endif
