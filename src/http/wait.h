/* wait.h — waiting for events by key, without a thread or a store round trip per
 * waiter. Long-poll requests park (their connection suspended) until an event is
 * published on their key or their own deadline passes; event streams (SSE) subscribe
 * to a key and get every event. One wait_publish answers every waiter of the key at
 * once, on the publisher's thread, with the same bytes. A timer thread keeps the
 * deadlines, stream heartbeats and stream lifetimes, because a suspended connection
 * never times out and its client's disconnect goes unseen until we write to it.
 *
 * The race between reading the state and waiting for its change is closed by two
 * steps: wait_begin (before reading) notes any event published from then on, and
 * wait_park/wait_attach report it, so the handler re-reads instead of sleeping
 * through a change it missed. */
#ifndef AG_WAIT_H
#define AG_WAIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/request.h"
#include "http/stream.h"

#define WAIT_KEY_MAX 128
#define WAIT_HEARTBEAT_MS 15000 /* SSE comment line, so dead clients are found */

struct wait_event {
	const char *name; /* event kind ("status", "request", ...) */
	const char *data; /* JSON text */
	const void *ctx;  /* publisher's extra context for the callbacks (may be NULL) */
};

/* Answer a parked request: ev is the event, or NULL when the deadline passed or the
 * server is stopping. Runs on the publisher's or the timer's thread; must set a
 * response. */
typedef void (*wait_answer_fn)(struct req *r, const struct wait_event *ev, void *ud);
/* Deliver an event to a stream (ev NULL: its lifetime is over; when the server stops,
 * a stream just ends, so its client reconnects elsewhere). Return false to end it. Runs with the hub locked: push bytes, nothing slow;
 * do not allocate from the request's arena. */
typedef bool (*wait_stream_fn)(struct stream *s, const struct wait_event *ev, void *ud);

struct waiter;

/* Start the timer thread and install the shutdown hook. Once, before serving. */
void wait_init(void);
/* Stop the timer thread (after the HTTP server stopped). */
void wait_stop(void);

/* Step 1, before reading the state the client waits on. Never NULL. */
struct waiter *wait_begin(const char *key);
/* Nothing to wait for after all. */
void wait_cancel(struct waiter *w);
/* Park r until an event on the key or timeout_ms. Returns false (w is released) when an
 * event was published since wait_begin or the server is stopping: re-read and answer
 * now. On true the handler must not touch r again. */
bool wait_park(struct waiter *w, struct req *r, int64_t timeout_ms, wait_answer_fn fn, void *ud);
/* Subscribe stream s for at most lifetime_ms. Returns false when an event was
 * published since wait_begin (s is attached all the same: re-read and push the
 * current state). The stream's on_finish must call wait_detach. */
bool wait_attach(struct waiter *w, struct stream *s, int64_t lifetime_ms, wait_stream_fn fn, void *ud);
void wait_detach(struct waiter *w);

/* Answer every waiter of key. Returns how many parked requests and streams received
 * the event. */
int wait_publish(const char *key, const struct wait_event *ev);

/* Does anyone wait on key (parked, attached, or about to)? */
bool wait_has(const char *key);

/* Parked requests + attached streams (a gauge). */
size_t wait_count(void);

#endif
