#include "core/workpool.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct job {
	void (*fn)(void *);
	void *arg;
};

struct workpool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *q;
	size_t cap, head, len;
	bool stopping;
	int nice;
	int nthreads;
	pthread_t *threads;
};

void thread_nice(int nice)
{
	if (nice > 0)
		(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

static void *worker(void *arg)
{
	struct workpool *p = arg;
	thread_nice(p->nice);
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->len == 0 && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->len == 0 && p->stopping) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		struct job j = p->q[p->head];
		p->head = (p->head + 1) % p->cap;
		p->len--;
		pthread_mutex_unlock(&p->mu);
		j.fn(j.arg);
	}
}

struct workpool *workpool_new(int threads, size_t queue_max, int nice)
{
	struct workpool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->nice = nice;
	p->cap = queue_max ? queue_max : 1;
	p->q = calloc(p->cap, sizeof(struct job));
	p->threads = calloc((size_t)threads, sizeof(pthread_t));
	if (!p->q || !p->threads)
		goto fail;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (int i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
			break;
		p->nthreads++;
	}
	if (p->nthreads == 0)
		goto fail;
	return p;
fail:
	free(p->q);
	free(p->threads);
	free(p);
	return NULL;
}

bool workpool_submit(struct workpool *p, void (*fn)(void *), void *arg)
{
	pthread_mutex_lock(&p->mu);
	if (p->len == p->cap || p->stopping) {
		pthread_mutex_unlock(&p->mu);
		return false;
	}
	p->q[(p->head + p->len) % p->cap] = (struct job){fn, arg};
	p->len++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return true;
}

size_t workpool_pending(struct workpool *p)
{
	pthread_mutex_lock(&p->mu);
	size_t n = p->len;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void workpool_free(struct workpool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->q);
	free(p->threads);
	free(p);
}
