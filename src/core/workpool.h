/* workpool.h — a fixed set of worker threads with a bounded queue, for slow work that
 * must not hold a connection thread (password hashing, rendering mail). Owner: main. */
#ifndef AG_WORKPOOL_H
#define AG_WORKPOOL_H

#include <stdbool.h>
#include <stddef.h>

struct workpool;

/* nice > 0 lowers the workers' scheduling priority (per thread), so that slow work such
 * as password hashing yields the CPU to connection threads: cheap requests keep their
 * latency while hashes saturate the cores. */
struct workpool *workpool_new(int threads, size_t queue_max, int nice);
/* Lower the calling thread's scheduling priority to `nice` (Linux: a thread's nice value
 * is its own). Weighed against every process of the machine, not just ours: a thread
 * at nice 10 gets a tenth of a busy core's share, so only work that may wait that long
 * runs so (password hashing; not deliveries, whose latency the apps see). */
#define BACKGROUND_NICE 10
void thread_nice(int nice);

/* Queue fn(arg); false when the queue is full (the caller answers 503). */
bool workpool_submit(struct workpool *p, void (*fn)(void *), void *arg);
/* Finish queued work, then join the threads. */
void workpool_free(struct workpool *p);
size_t workpool_pending(struct workpool *p);

#endif
