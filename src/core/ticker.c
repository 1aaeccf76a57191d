/* ticker.c — see ticker.h. */
#include "core/ticker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct ticker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping, poked;
	int period_ms;
	void (*fn)(void *ud);
	void *ud;
};

static void *run(void *arg)
{
	struct ticker *t = arg;
	pthread_mutex_lock(&t->mu);
	while (!t->stopping) {
		if (!t->poked) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += t->period_ms / 1000;
			ts.tv_nsec += (long)(t->period_ms % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&t->cv, &t->mu, &ts);
		}
		if (t->stopping)
			break;
		t->poked = false;
		pthread_mutex_unlock(&t->mu);
		t->fn(t->ud);
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

struct ticker *ticker_start(int period_ms, void (*fn)(void *ud), void *ud)
{
	struct ticker *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->period_ms = period_ms > 0 ? period_ms : 1000;
	t->fn = fn;
	t->ud = ud;
	if (pthread_create(&t->thread, NULL, run, t)) {
		pthread_mutex_destroy(&t->mu);
		pthread_cond_destroy(&t->cv);
		free(t);
		return NULL;
	}
	return t;
}

void ticker_poke(struct ticker *t)
{
	pthread_mutex_lock(&t->mu);
	t->poked = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

void ticker_stop(struct ticker *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stopping = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
}
