/* admin_metrics.c — the dashboard's charts from the server's own metrics: every
 * SERIES_STEP_S a thread samples the counters /metrics shows (requests of every route and
 * their latency histogram, sign-ins, failures) into a ring of an hour, and
 * GET /admin/api/metrics/series turns neighbouring samples into rates: requests per
 * second, p99 latency, sign-ins and failures per minute. Per process: with several nodes
 * each shows its own (the security log, in the store, shows every node's events). */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "api/api.h"
#include "auth/mfa.h"
#include "auth/seclog.h"
#include "core/log.h"
#include "core/ticker.h"
#include "core/timeutil.h"
#include "http/route_metrics.h"

#define SERIES_STEP_S 10
#define SERIES_LEN 360 /* an hour */

struct sample {
	int64_t at_ms;
	struct route_totals http;
	uint64_t signins, failures;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct sample ring[SERIES_LEN];
static int head, count; /* next slot, filled slots */
static struct ticker *sampler;

static void take(void *ud)
{
	(void)ud;
	struct sample s = {.at_ms = time_now_ms()};
	route_metrics_totals(&s.http);
	s.signins = mfa_signins_total();
	s.failures = seclog_failures_total();
	pthread_mutex_lock(&mu);
	ring[head] = s;
	head = (head + 1) % SERIES_LEN;
	if (count < SERIES_LEN)
		count++;
	pthread_mutex_unlock(&mu);
}

int api_metrics_start(void)
{
	mfa_metrics_init();
	take(NULL); /* the first point: rates start from here */
	return (sampler = ticker_start(SERIES_STEP_S * 1000, take, NULL)) ? 0 : -1;
}

void api_metrics_stop(void)
{
	ticker_stop(sampler);
	sampler = NULL;
}

/* The 99th percentile (ms) of the requests between two samples: the upper bound of the
 * bucket it falls in (what a histogram can say); -1 when there were none. */
static double p99_ms(const struct route_totals *a, const struct route_totals *b)
{
	uint64_t d[ROUTE_METRICS_BUCKETS], total = 0;
	for (int i = 0; i < ROUTE_METRICS_BUCKETS; i++)
		total += d[i] = b->buckets[i] - a->buckets[i];
	if (!total)
		return -1;
	uint64_t want = total - total / 100, cum = 0; /* the request at rank ceil(0.99 n) */
	for (int i = 0; i < ROUTE_METRICS_BUCKETS; i++) {
		cum += d[i];
		if (cum >= want) {
			/* past the last bound: report that bound (the chart says "at least") */
			double bound = route_metrics_bound(i < ROUTE_METRICS_BUCKETS - 1 ? i : ROUTE_METRICS_BUCKETS - 2);
			return bound * 1000;
		}
	}
	return -1;
}

void h_admin_metrics_series(struct req *r)
{
	struct sample *copy = arena_alloc(r->a, sizeof *copy * (SERIES_LEN + 1));
	pthread_mutex_lock(&mu);
	int n = count;
	for (int i = 0; i < n; i++)
		copy[i] = ring[(head - n + i + SERIES_LEN) % SERIES_LEN];
	pthread_mutex_unlock(&mu);
	/* And now, so the last point is current. */
	copy[n] = (struct sample){.at_ms = time_now_ms()};
	route_metrics_totals(&copy[n].http);
	copy[n].signins = mfa_signins_total();
	copy[n].failures = seclog_failures_total();
	n++;
	cJSON *points = json_arr(r->a);
	for (int i = 1; i < n; i++) {
		double dt = (double)(copy[i].at_ms - copy[i - 1].at_ms) / 1000.0;
		if (dt < 0.5)
			continue;
		cJSON *p = cJSON_CreateObject();
		json_add_time(p, "t", copy[i].at_ms);
		cJSON_AddNumberToObject(p, "rps", (double)(copy[i].http.requests - copy[i - 1].http.requests) / dt);
		double p99 = p99_ms(&copy[i - 1].http, &copy[i].http);
		if (p99 < 0)
			cJSON_AddNullToObject(p, "p99_ms");
		else
			cJSON_AddNumberToObject(p, "p99_ms", p99);
		cJSON_AddNumberToObject(p, "signins_per_min", (double)(copy[i].signins - copy[i - 1].signins) * 60.0 / dt);
		cJSON_AddNumberToObject(p, "failures_per_min",
					(double)(copy[i].failures - copy[i - 1].failures) * 60.0 / dt);
		cJSON_AddItemToArray(points, p);
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddNumberToObject(o, "step_s", SERIES_STEP_S);
	cJSON_AddNumberToObject(o, "requests_total", (double)copy[n - 1].http.requests);
	cJSON_AddNumberToObject(o, "signins_total", (double)copy[n - 1].signins);
	cJSON_AddNumberToObject(o, "failures_total", (double)copy[n - 1].failures);
	cJSON_AddItemReferenceToObject(o, "points", points);
	resp_json(r, 200, o);
}
