/* outbox.c — the durable outbox's worker side and its rows: enqueue inside the
 * caller's transaction; worker threads claim one due job at a time with a lease (a
 * compare-and-set UPDATE, safe with several processes on one database), run its
 * handler, and record done / retry-with-backoff / failed fenced by that lease. A job
 * whose worker died is claimed again when its lease runs out: at-least-once. */
#include "jobs/outbox.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

#define CLAIM_CANDIDATES 8
#define PRUNE_EVERY_MS (10 * 60 * 1000)
#define DEFAULT_MAX_ATTEMPTS 9

struct kind_entry {
	char kind[32];
	outbox_handler fn;
	struct metric_counter m[3]; /* done, retry, failed */
};
enum { M_DONE, M_RETRY, M_FAILED };
static const char *const result_names[3] = {"done", "retry", "failed"};

static struct kind_entry kinds[OUTBOX_MAX_KINDS];
static char counter_names[OUTBOX_MAX_KINDS][3][112]; /* series names; live for the process */
static int nkinds;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static _Atomic bool running;
static int wakeups;          /* kicks not yet taken by a worker (<= nthreads) */
static int64_t next_poll_us; /* monotonic: when an idle worker next looks for due jobs */
static int64_t last_prune_ms;
static pthread_t *threads;
static int nthreads;
static bool store_trouble; /* to log a failing store once, not once per poll */
static char sql_due[512];
static _Atomic int inflight;
static bool metrics_registered;

static double inflight_read(void)
{
	return (double)atomic_load(&inflight);
}
static struct metric_gauge g_inflight = {"authgate_outbox_attempts_in_flight",
					 "Outbox handler attempts running now.", inflight_read, NULL};

int64_t retry_delay_ms(const struct retry_schedule *s, int attempt)
{
	size_t i = attempt < 1 ? 0 : (size_t)attempt - 1;
	if (i >= s->n) {
		if (!s->then_last || s->n == 0)
			return -1;
		i = s->n - 1;
	}
	return s->delays_ms[i];
}

static const int64_t backoff_ms[] = {
	5000, 30000, 120000, 600000, 1800000, 3600000, 7200000, 14400000, OUTBOX_BACKOFF_MAX_MS,
};
static const struct retry_schedule backoff = {backoff_ms, ARRAY_LEN(backoff_ms), true};

int64_t outbox_backoff_ms(int attempt, int scale_pct, uint32_t r)
{
	double jitter = 0.8 + 0.4 * ((double)r / (double)UINT32_MAX);
	double d = (double)retry_delay_ms(&backoff, attempt) * jitter * (double)(scale_pct > 0 ? scale_pct : 100) / 100.0;
	return d < 1 ? 1 : (int64_t)d;
}

int64_t outbox_lease_ms(int scale_pct)
{
	int64_t ms = OUTBOX_LEASE_MS * (scale_pct > 0 && scale_pct <= 100 ? scale_pct : 100) / 100;
	return ms < 1000 ? 1000 : ms;
}

void outbox_register(const char *kind, outbox_handler h)
{
	if (atomic_load(&running) || nkinds >= OUTBOX_MAX_KINDS || strlen(kind) >= sizeof kinds[0].kind) {
		log_error("outbox", "cannot register handler for '%s'", kind);
		return;
	}
	for (int i = 0; i < nkinds; i++)
		if (strcmp(kinds[i].kind, kind) == 0) {
			kinds[i].fn = h;
			return;
		}
	str_copy(kinds[nkinds].kind, kind, sizeof kinds[nkinds].kind);
	kinds[nkinds].fn = h;
	nkinds++;
}

static struct kind_entry *find_kind(const char *kind)
{
	for (int i = 0; i < nkinds; i++)
		if (str_eq(kinds[i].kind, kind))
			return &kinds[i];
	return NULL;
}

enum ag_err outbox_enqueue(const char *kind, const char *app_id, const char *ref, const char *payload,
			   int64_t run_at, char id_out[OUTBOX_ID_MAX])
{
	if (!kind || !*kind || !payload)
		return AG_EINVAL;
	char tok[32], id[OUTBOX_ID_MAX];
	rand_token(tok, 16);
	snprintf(id, sizeof id, "job_%s", tok);
	/* Payloads can carry codes and links: sealed at rest under the master key, bound to
	 * the job id, and blanked once delivered. */
	char *sealed = master_seal("outbox", id, payload, strlen(payload));
	if (!sealed)
		return AG_EINTERNAL;
	int64_t now = time_now_ms();
	enum ag_err e = db_exec(g_app.store,
				"INSERT INTO outbox (id, kind, app_id, ref, payload, status, attempts, run_at, lease_until, "
				"created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, 0, $7)",
				P(SV_TEXT(id), SV_TEXT(kind), SV_TEXT(app_id), SV_TEXT(ref), SV_TEXT(sealed),
				  SV_INT(run_at > 0 ? run_at : now), SV_INT(now)));
	free(sealed);
	if (e == AG_OK && id_out)
		str_copy(id_out, id, OUTBOX_ID_MAX);
	return e;
}

/* Wake one idle worker (at most one pending wake-up per worker). */
static void wake_one(void)
{
	pthread_mutex_lock(&mu);
	if (wakeups < nthreads) {
		wakeups++;
		pthread_cond_signal(&cv);
	}
	pthread_mutex_unlock(&mu);
}

void outbox_kick(void)
{
	if (atomic_load(&running))
		wake_one();
}

/* Block until there may be work: a kick, or the shared poll time. false = stop. */
static bool wait_for_work(void)
{
	bool go = false;
	pthread_mutex_lock(&mu);
	while (atomic_load(&running)) {
		if (wakeups > 0) {
			wakeups--;
			go = true;
			break;
		}
		int64_t now = time_mono_us();
		if (now >= next_poll_us) {
			next_poll_us = now + OUTBOX_POLL_MS * 1000;
			go = true;
			break;
		}
		struct timespec ts = {(time_t)(next_poll_us / 1000000), (long)(next_poll_us % 1000000) * 1000};
		pthread_cond_timedwait(&cv, &mu, &ts);
	}
	pthread_mutex_unlock(&mu);
	return go;
}

static void store_problem(enum ag_err e, const char *what)
{
	pthread_mutex_lock(&mu);
	bool first = !store_trouble;
	store_trouble = true;
	pthread_mutex_unlock(&mu);
	if (first)
		log_error("outbox", "%s: %s (will keep trying)", what, ag_err_code(e));
}

static void store_ok(void)
{
	pthread_mutex_lock(&mu);
	bool was = store_trouble;
	store_trouble = false;
	pthread_mutex_unlock(&mu);
	if (was)
		log_info("outbox", "store reachable again");
}

struct candidates {
	char ids[CLAIM_CANDIDATES][OUTBOX_ID_MAX];
	int n;
};

static int add_candidate(void *ud, const struct store_row *row)
{
	struct candidates *c = ud;
	if (c->n < CLAIM_CANDIDATES)
		str_copy(c->ids[c->n++], row_str(row, 0), OUTBOX_ID_MAX);
	return 0;
}

/* The plaintext of a sealed payload (see outbox_enqueue), in the arena; "" when it
 * cannot be opened (wrong master key), which the handler reports as a failure. */
static const char *open_payload(struct arena *a, const char *id, const char *sealed)
{
	size_t n = 0;
	unsigned char *pt = master_open("outbox", id, sealed, &n);
	if (!pt) {
		log_error("outbox", "job %s: cannot open its payload (was the master key changed?)", id);
		return "";
	}
	char *out = arena_strndup(a, (const char *)pt, n);
	sec_zero(pt, n);
	free(pt);
	return out;
}

/* Claim one due job: 1 claimed (job filled, *lease set), 0 nothing due, -1 store error.
 * The UPDATE is a compare-and-set on (status, lease_until): of several workers or
 * nodes racing for a row exactly one gets it back from RETURNING. */
static int claim(struct arena *a, int worker, struct outbox_job *job, int64_t *lease)
{
	int64_t now = time_now_ms();
	struct sqlv p[1 + OUTBOX_MAX_KINDS];
	p[0] = SV_INT(now);
	for (int i = 0; i < nkinds; i++)
		p[1 + i] = SV_TEXT(kinds[i].kind);
	struct candidates c = {.n = 0};
	enum ag_err e = db_query(g_app.store, sql_due, p, 1 + nkinds, add_candidate, &c);
	if (e) {
		store_problem(e, "cannot look for due jobs");
		return -1;
	}
	store_ok();
	for (int k = 0; k < c.n; k++) {
		const char *id = c.ids[(worker + k) % c.n]; /* spread racing workers over candidates */
		*lease = now + outbox_lease_ms((int)g_cfg.outbox_lease_scale);
		struct store_row row;
		e = db_row(g_app.store, a, &row,
			   "UPDATE outbox SET lease_until = $1, attempts = attempts + 1 WHERE id = $2 AND status = 'pending' "
			   "AND run_at <= $3 AND lease_until <= $3 "
			   "RETURNING id, kind, app_id, ref, payload, attempts, created_at",
			   P(SV_INT(*lease), SV_TEXT(id), SV_INT(now)));
		if (ag_err_is(e, AG_ENOTFOUND))
			continue; /* another worker won it */
		if (e) {
			store_problem(e, "cannot claim a job");
			return -1;
		}
		job->id = row_str(&row, 0);
		job->kind = row_str(&row, 1);
		job->app_id = row_str(&row, 2);
		job->ref = row_str(&row, 3);
		job->payload = open_payload(a, job->id, row_str(&row, 4));
		job->attempt = (int)row_int(&row, 5);
		job->created_at = row_int(&row, 6);
		return 1;
	}
	return 0;
}

/* Keep last_error printable ASCII (any backend stores it; no control bytes in logs). */
static void clean_error(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/* Write an outcome, fenced by our lease; retried briefly when the store is busy. */
static void record(const struct outbox_job *job, const char *sql, const struct sqlv *p, int n)
{
	for (int i = 0; i < 3; i++) {
		int64_t changes = 0;
		enum ag_err e = db_exec_n(g_app.store, sql, p, n, &changes);
		if (e == AG_OK) {
			if (changes == 0)
				log_warn("outbox", "job %s: lease lost before its result was recorded", job->id);
			return;
		}
		if (!ag_err_is(e, AG_EUNAVAIL) || i == 2) {
			log_error("outbox", "job %s: cannot record its result (%s); it runs again after its lease",
				  job->id, ag_err_code(e));
			return;
		}
		usleep(100000u << i);
	}
}

static void run_job(const struct outbox_job *job, int64_t lease)
{
	struct kind_entry *k = find_kind(job->kind);
	char err[OUTBOX_ERROR_MAX] = "";
	int64_t retry_after = 0;
	enum outbox_result res = OUTBOX_RETRY;
	atomic_fetch_add(&inflight, 1);
	if (k && k->fn)
		res = k->fn(job, err, sizeof err, &retry_after);
	else
		snprintf(err, sizeof err, "no handler for kind '%s'", job->kind);
	atomic_fetch_sub(&inflight, 1);
	clean_error(err);
	int64_t now = time_now_ms();
	int max_attempts = g_cfg.outbox_max_attempts > 0 ? (int)g_cfg.outbox_max_attempts : DEFAULT_MAX_ATTEMPTS;
	if (res == OUTBOX_RETRY && job->attempt >= max_attempts) {
		res = OUTBOX_GIVE_UP;
		size_t l = strlen(err);
		snprintf(err + l, sizeof err - l, "%s(gave up after %d attempts)", l ? " " : "", job->attempt);
	}
	if (res == OUTBOX_DONE) {
		if (k)
			metric_inc(&k->m[M_DONE]);
		log_info("outbox", "job %s (%s) done on attempt %d", job->id, job->kind, job->attempt);
		record(job,
		       "UPDATE outbox SET status = 'done', done_at = $1, lease_until = 0, last_error = NULL, payload = '' "
		       "WHERE id = $2 AND lease_until = $3",
		       P(SV_INT(now), SV_TEXT(job->id), SV_INT(lease)));
	} else if (res == OUTBOX_RETRY) {
		uint32_t r;
		rand_bytes(&r, sizeof r);
		int64_t delay = retry_after > 0 ? retry_after
						: outbox_backoff_ms(job->attempt, (int)g_cfg.outbox_backoff_scale, r);
		if (delay > OUTBOX_BACKOFF_MAX_MS)
			delay = OUTBOX_BACKOFF_MAX_MS;
		if (k)
			metric_inc(&k->m[M_RETRY]);
		log_warn("outbox", "job %s (%s) attempt %d failed, retry in %lld ms: %s", job->id, job->kind,
			 job->attempt, (long long)delay, err);
		record(job,
		       "UPDATE outbox SET run_at = $1, lease_until = 0, last_error = $2 WHERE id = $3 AND lease_until = $4",
		       P(SV_INT(now + delay), SV_TEXT(err), SV_TEXT(job->id), SV_INT(lease)));
	} else {
		if (k)
			metric_inc(&k->m[M_FAILED]);
		log_error("outbox", "job %s (%s) failed for good on attempt %d: %s", job->id, job->kind, job->attempt,
			  err);
		record(job,
		       "UPDATE outbox SET status = 'failed', done_at = $1, lease_until = 0, last_error = $2 "
		       "WHERE id = $3 AND lease_until = $4",
		       P(SV_INT(now), SV_TEXT(err), SV_TEXT(job->id), SV_INT(lease)));
	}
}

/* Every PRUNE_EVERY_MS one worker of this process deletes old finished jobs. */
static void maybe_prune(void)
{
	int64_t now = time_now_ms();
	pthread_mutex_lock(&mu);
	bool due = now - last_prune_ms >= PRUNE_EVERY_MS;
	if (due)
		last_prune_ms = now;
	pthread_mutex_unlock(&mu);
	if (!due)
		return;
	int64_t a = 0, b = 0;
	enum ag_err e = db_exec_n(g_app.store, "DELETE FROM outbox WHERE status = 'done' AND done_at < $1",
				  P(SV_INT(now - OUTBOX_KEEP_DONE_MS)), &a);
	if (e == AG_OK)
		e = db_exec_n(g_app.store, "DELETE FROM outbox WHERE status = 'failed' AND done_at < $1",
			      P(SV_INT(now - OUTBOX_KEEP_FAILED_MS)), &b);
	if (e)
		log_warn("outbox", "pruning old jobs failed: %s", ag_err_code(e));
	else if (a + b)
		log_info("outbox", "pruned %lld done and %lld failed jobs", (long long)a, (long long)b);
}

static void *worker(void *arg)
{
	int idx = (int)(intptr_t)arg;
	while (wait_for_work()) {
		maybe_prune();
		while (atomic_load(&running)) {
			struct arena *a = arena_new();
			struct outbox_job job;
			int64_t lease = 0;
			if (claim(a, idx, &job, &lease) != 1) {
				arena_free(a);
				break;
			}
			wake_one(); /* more may be due: let an idle worker look too */
			run_job(&job, lease);
			arena_free(a);
		}
	}
	return NULL;
}

static void register_metrics(void)
{
	if (metrics_registered)
		return;
	metrics_registered = true;
	/* One family, registered contiguously so it renders under one HELP/TYPE. */
	for (int i = 0; i < nkinds; i++)
		for (int j = 0; j < 3; j++) {
			struct kind_entry *k = &kinds[i];
			snprintf(counter_names[i][j], sizeof counter_names[i][j],
				 "authgate_outbox_jobs_total{kind=\"%.31s\",result=\"%.8s\"}", k->kind, result_names[j]);
			k->m[j].name = counter_names[i][j];
			k->m[j].help = "Outbox job attempts by kind and outcome (retry: will run again; failed: given up).";
			metrics_register_counter(&k->m[j]);
		}
	metrics_register_gauge(&g_inflight);
}

int outbox_start(int n)
{
	if (atomic_load(&running) || n < 1)
		return -1;
	if (nkinds == 0) {
		log_warn("outbox", "no job kinds registered: not starting workers");
		return 0;
	}
	size_t off = (size_t)snprintf(sql_due, sizeof sql_due,
				      "SELECT id FROM outbox WHERE status = 'pending' AND run_at <= $1 AND lease_until <= $1 "
				      "AND kind IN (");
	for (int i = 0; i < nkinds; i++)
		off += (size_t)snprintf(sql_due + off, sizeof sql_due - off, "%s$%d", i ? ", " : "", i + 2);
	snprintf(sql_due + off, sizeof sql_due - off, ") ORDER BY run_at, id LIMIT %d", CLAIM_CANDIDATES);
	register_metrics();

	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &ca);
	pthread_condattr_destroy(&ca);
	threads = calloc((size_t)n, sizeof *threads);
	if (!threads)
		return -1;
	pthread_mutex_lock(&mu);
	nthreads = 0;
	wakeups = 0;
	next_poll_us = 0; /* look at once: jobs left by a previous run are due */
	pthread_mutex_unlock(&mu);
	atomic_store(&running, true);
	for (int i = 0; i < n; i++) {
		if (pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i) != 0) {
			log_error("outbox", "cannot start worker %d", i);
			break;
		}
		pthread_mutex_lock(&mu);
		nthreads++;
		pthread_mutex_unlock(&mu);
	}
	if (nthreads == 0) {
		atomic_store(&running, false);
		free(threads);
		threads = NULL;
		return -1;
	}
	log_info("outbox", "%d delivery workers started", nthreads);
	return 0;
}

void outbox_stop(void)
{
	if (!atomic_load(&running))
		return;
	pthread_mutex_lock(&mu);
	atomic_store(&running, false);
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL); /* an attempt in progress finishes and is recorded */
	free(threads);
	threads = NULL;
	nthreads = 0;
	pthread_cond_destroy(&cv);
}
