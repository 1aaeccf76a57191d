/* wait.c — the waiter hub: key -> list of waiters (hash map), one min-heap of timers,
 * one mutex, one timer thread. See wait.h for the protocol. */
#include "http/wait.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hmap.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/server.h"

enum wstate { W_BEGUN, W_PARKED, W_STREAM, W_DONE };

struct waiter {
	enum wstate state;
	bool missed;   /* an event was published while W_BEGUN */
	bool closing;  /* stream: ended by us, waiting for on_finish */
	struct wkey *k;
	struct waiter *prev, *next; /* in k's list */
	int64_t fire_at;            /* monotonic ms: deadline, heartbeat */
	int64_t close_at;           /* streams: end of life */
	int heap_idx;               /* -1 when not timed */
	struct req *r;
	wait_answer_fn answer;
	struct stream *s;
	wait_stream_fn deliver;
	void *ud;
};

struct wkey {
	char key[WAIT_KEY_MAX + 1];
	struct waiter *head;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond;
static struct hmap *keys;
static struct waiter **heap;
static int nheap, capheap;
static size_t nwaiting;
static bool stopping, thread_started;
static pthread_t timer_thread;

static int64_t now_ms(void)
{
	return time_mono_us() / 1000;
}

/* ---- min-heap on fire_at ------------------------------------------------------- */

static void heap_swap(int i, int j)
{
	struct waiter *t = heap[i];
	heap[i] = heap[j];
	heap[j] = t;
	heap[i]->heap_idx = i;
	heap[j]->heap_idx = j;
}

static void heap_up(int i)
{
	while (i > 0 && heap[(i - 1) / 2]->fire_at > heap[i]->fire_at) {
		heap_swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < nheap && heap[l]->fire_at < heap[m]->fire_at)
			m = l;
		if (r < nheap && heap[r]->fire_at < heap[m]->fire_at)
			m = r;
		if (m == i)
			return;
		heap_swap(i, m);
		i = m;
	}
}

static void heap_add(struct waiter *w)
{
	if (nheap == capheap) {
		int nc = capheap ? capheap * 2 : 1024;
		struct waiter **nh = realloc(heap, (size_t)nc * sizeof(*nh));
		if (!nh)
			abort();
		heap = nh;
		capheap = nc;
	}
	heap[nheap] = w;
	w->heap_idx = nheap++;
	heap_up(w->heap_idx);
	if (w->heap_idx == 0)
		pthread_cond_signal(&cond);
}

static void heap_remove(struct waiter *w)
{
	int i = w->heap_idx;
	if (i < 0)
		return;
	w->heap_idx = -1;
	nheap--;
	if (i == nheap)
		return;
	heap[i] = heap[nheap];
	heap[i]->heap_idx = i;
	heap_up(i);
	heap_down(heap[i]->heap_idx);
}

/* ---- key lists ----------------------------------------------------------------- */

static void unlink_waiter(struct waiter *w)
{
	struct wkey *k = w->k;
	if (!k)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		k->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	w->k = NULL;
	if (!k->head) {
		hmap_del(keys, k->key);
		free(k);
	}
}

struct waiter *wait_begin(const char *key)
{
	struct waiter *w = calloc(1, sizeof(*w));
	if (!w)
		abort();
	w->heap_idx = -1;
	w->state = W_BEGUN;
	pthread_mutex_lock(&mu);
	struct wkey *k = hmap_get(keys, key);
	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k)
			abort();
		str_copy(k->key, key, sizeof k->key);
		if (hmap_put(keys, k->key, k))
			abort();
	}
	w->k = k;
	w->next = k->head;
	if (k->head)
		k->head->prev = w;
	k->head = w;
	pthread_mutex_unlock(&mu);
	return w;
}

void wait_cancel(struct waiter *w)
{
	pthread_mutex_lock(&mu);
	unlink_waiter(w);
	pthread_mutex_unlock(&mu);
	free(w);
}

bool wait_park(struct waiter *w, struct req *r, int64_t timeout_ms, wait_answer_fn fn, void *ud)
{
	pthread_mutex_lock(&mu);
	if (w->missed || stopping) {
		unlink_waiter(w);
		pthread_mutex_unlock(&mu);
		free(w);
		return false;
	}
	/* Suspend before anyone can answer: a resume must never come before the suspend.
	 * Still inside the access handler, so this is allowed. */
	r->waiter = w;
	req_suspend(r);
	w->state = W_PARKED;
	w->r = r;
	w->answer = fn;
	w->ud = ud;
	w->fire_at = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	heap_add(w);
	nwaiting++;
	pthread_mutex_unlock(&mu);
	return true;
}

bool wait_attach(struct waiter *w, struct stream *s, int64_t lifetime_ms, wait_stream_fn fn, void *ud)
{
	pthread_mutex_lock(&mu);
	bool missed = w->missed;
	w->missed = false;
	w->state = W_STREAM;
	w->s = s;
	w->deliver = fn;
	w->ud = ud;
	int64_t now = now_ms();
	w->close_at = now + lifetime_ms;
	w->fire_at = now + (lifetime_ms < WAIT_HEARTBEAT_MS ? lifetime_ms : WAIT_HEARTBEAT_MS);
	nwaiting++;
	if (stopping) {
		w->closing = true;
		unlink_waiter(w);
		stream_close(s);
	} else {
		heap_add(w);
	}
	pthread_mutex_unlock(&mu);
	return !missed;
}

void wait_detach(struct waiter *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&mu);
	unlink_waiter(w);
	heap_remove(w);
	if (w->state == W_STREAM)
		nwaiting--;
	pthread_mutex_unlock(&mu);
	free(w);
}

/* With mu held: end a stream; at the end of its life its callback gets ev NULL first
 * (at shutdown it does not: the stream just ends and the client reconnects). */
static void stream_end_locked(struct waiter *w, bool life_over)
{
	if (w->closing)
		return;
	if (life_over)
		w->deliver(w->s, NULL, w->ud);
	w->closing = true;
	unlink_waiter(w);
	heap_remove(w);
	stream_close(w->s);
}

static void answer_parked(struct waiter *w, const struct wait_event *ev)
{
	struct req *r = w->r;
	w->answer(r, ev, w->ud);
	r->waiter = NULL;
	free(w);
	req_resume(r);
}

int wait_publish(const char *key, const struct wait_event *ev)
{
	int n = 0;
	struct waiter *answer = NULL;
	pthread_mutex_lock(&mu);
	struct wkey *k = hmap_get(keys, key);
	struct waiter *w = k ? k->head : NULL;
	while (w) {
		struct waiter *next = w->next;
		if (w->state == W_BEGUN) {
			w->missed = true;
		} else if (w->state == W_PARKED) {
			unlink_waiter(w);
			heap_remove(w);
			w->state = W_DONE;
			nwaiting--;
			w->next = answer; /* collect; answered after unlocking */
			answer = w;
			n++;
		} else if (w->state == W_STREAM && !w->closing) {
			n++;
			if (!w->deliver(w->s, ev, w->ud)) {
				w->closing = true;
				unlink_waiter(w);
				heap_remove(w);
				stream_close(w->s);
			}
		}
		w = next;
	}
	pthread_mutex_unlock(&mu);
	while (answer) {
		struct waiter *next = answer->next;
		answer_parked(answer, ev);
		answer = next;
	}
	return n;
}

bool wait_has(const char *key)
{
	pthread_mutex_lock(&mu);
	bool has = hmap_get(keys, key) != NULL;
	pthread_mutex_unlock(&mu);
	return has;
}

size_t wait_count(void)
{
	pthread_mutex_lock(&mu);
	size_t n = nwaiting;
	pthread_mutex_unlock(&mu);
	return n;
}

/* ---- timer thread -------------------------------------------------------------- */

static void fire_locked(struct waiter *w, int64_t now, struct waiter **answer)
{
	heap_remove(w);
	if (w->state == W_PARKED) {
		unlink_waiter(w);
		w->state = W_DONE;
		nwaiting--;
		w->next = *answer;
		*answer = w;
		return;
	}
	if (w->state != W_STREAM || w->closing)
		return;
	if (now >= w->close_at || stopping) {
		stream_end_locked(w, !stopping);
		return;
	}
	static const char beat[] = ":\n\n";
	stream_push(w->s, beat, sizeof beat - 1);
	int64_t next = now + WAIT_HEARTBEAT_MS;
	w->fire_at = next < w->close_at ? next : w->close_at;
	heap_add(w);
}

static void *timer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	while (!stopping || nheap) {
		int64_t now = now_ms();
		struct waiter *answer = NULL;
		while (nheap && heap[0]->fire_at <= now)
			fire_locked(heap[0], now, &answer);
		if (answer) {
			pthread_mutex_unlock(&mu);
			while (answer) {
				struct waiter *next = answer->next;
				answer_parked(answer, NULL);
				answer = next;
			}
			pthread_mutex_lock(&mu);
			continue;
		}
		if (stopping)
			break;
		int64_t wait = nheap ? heap[0]->fire_at - now : 1000;
		if (wait > 1000)
			wait = 1000;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += wait / 1000;
		ts.tv_nsec += (long)(wait % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&cond, &mu, &ts);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* Shutdown hook: answer every parked request now (as if its deadline passed) and end
 * every stream, so in-flight requests drain within the grace period. */
static void wait_shutdown(void)
{
	struct waiter *answer = NULL;
	pthread_mutex_lock(&mu);
	stopping = true;
	int64_t now = now_ms();
	while (nheap)
		fire_locked(heap[0], now, &answer);
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&mu);
	while (answer) {
		struct waiter *next = answer->next;
		answer_parked(answer, NULL);
		answer = next;
	}
}

static double gauge_waiters(void)
{
	return (double)wait_count();
}

static struct metric_gauge m_waiters = {"authgate_waiters", "Parked long-poll requests and open event streams",
					gauge_waiters, NULL};

void wait_init(void)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cond, &ca);
	pthread_condattr_destroy(&ca);
	keys = hmap_new(NULL);
	if (!keys || pthread_create(&timer_thread, NULL, timer_main, NULL)) {
		log_error("wait", "cannot start the timer thread");
		abort();
	}
	thread_started = true;
	http_on_shutdown(wait_shutdown);
	metrics_register_gauge(&m_waiters);
}

void wait_stop(void)
{
	if (!thread_started)
		return;
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&mu);
	pthread_join(timer_thread, NULL);
	thread_started = false;
}
