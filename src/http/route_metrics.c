/* route_metrics.c — per-route request counts by status and latency histograms, a
 * section of /metrics (core/metrics.h). Lock-free (atomics) on the request path. */
#include "http/route_metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "http/route.h"

static const int status_codes[] = {200, 201, 202, 204, 301, 302, 303, 304, 400, 401, 403, 404, 405, 408,
				   409, 410, 411, 413, 415, 422, 429, 431, 500, 501, 503, 505, 0};
#define NSTATUS (sizeof(status_codes) / sizeof(status_codes[0])) /* last = other */
static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
				0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
#define NBUCKETS (sizeof(bounds) / sizeof(bounds[0]))

struct route_metrics {
	_Atomic uint64_t by_status[NSTATUS];
	_Atomic uint64_t buckets[NBUCKETS + 1];
	_Atomic uint64_t sum_us;
	_Atomic uint64_t count;
};

static struct route_metrics *rm; /* one per route + 1 (unmatched) */
static size_t nroutes;
/* rm again, for threads that may have started before route_metrics_init (the dashboard's
 * sampler, on a ticker, starts before the HTTP server): stored last, with release, so a
 * reader that sees it also sees nroutes and the zeroed table. */
static _Atomic(struct route_metrics *) rm_ready;

static void render(struct buf *out);
static struct metric_section section = {render, NULL};

void route_metrics_init(void)
{
	if (rm)
		return;
	nroutes = router_count();
	rm = calloc(nroutes + 1, sizeof(*rm));
	if (rm) {
		metrics_register_section(&section);
		atomic_store_explicit(&rm_ready, rm, memory_order_release);
	}
}

void route_metrics_observe(int route_index, int status, int64_t dur_us)
{
	if (!rm)
		return;
	struct route_metrics *m = &rm[route_index < 0 ? nroutes : (size_t)route_index];
	size_t s = 0;
	while (status_codes[s] && status_codes[s] != status)
		s++;
	atomic_fetch_add(&m->by_status[s], 1);
	if (route_index >= 0 && (router_route(route_index)->flags & ROUTE_LONG))
		return;
	double secs = (double)dur_us / 1e6;
	size_t b = 0;
	while (b < NBUCKETS && secs > bounds[b])
		b++;
	atomic_fetch_add(&m->buckets[b], 1);
	atomic_fetch_add(&m->sum_us, (uint64_t)(dur_us > 0 ? dur_us : 0));
	atomic_fetch_add(&m->count, 1);
}

_Static_assert(NBUCKETS + 1 == ROUTE_METRICS_BUCKETS, "route_totals has one slot per bucket");

void route_metrics_totals(struct route_totals *t)
{
	memset(t, 0, sizeof *t);
	struct route_metrics *all = atomic_load_explicit(&rm_ready, memory_order_acquire);
	for (size_t i = 0; all && i <= nroutes; i++) {
		for (size_t s = 0; s < NSTATUS; s++)
			t->requests += atomic_load(&all[i].by_status[s]);
		for (size_t b = 0; b <= NBUCKETS; b++)
			t->buckets[b] += atomic_load(&all[i].buckets[b]);
	}
}

double route_metrics_bound(int b)
{
	return b >= 0 && (size_t)b < NBUCKETS ? bounds[b] : -1;
}

static const char *route_label(size_t i)
{
	if (i == nroutes)
		return "unmatched";
	const struct route *rt = router_route((int)i);
	return rt->name ? rt->name : rt->pattern;
}

static const char *route_method(size_t i)
{
	return i < nroutes ? router_route((int)i)->method : "";
}

static void render(struct buf *out)
{
	buf_puts(out, "# HELP authgate_http_requests_total HTTP requests by route, method and status.\n"
		      "# TYPE authgate_http_requests_total counter\n");
	for (size_t i = 0; i <= nroutes; i++)
		for (size_t s = 0; s < NSTATUS; s++) {
			uint64_t v = atomic_load(&rm[i].by_status[s]);
			if (!v)
				continue;
			const char *method = route_method(i);
			if (status_codes[s])
				buf_printf(out, "authgate_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %llu\n",
					   route_label(i), method, status_codes[s], (unsigned long long)v);
			else
				buf_printf(out, "authgate_http_requests_total{route=\"%s\",method=\"%s\",status=\"other\"} %llu\n",
					   route_label(i), method, (unsigned long long)v);
		}
	buf_puts(out, "# HELP authgate_http_request_duration_seconds Time from request start to response queued.\n"
		      "# TYPE authgate_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i <= nroutes; i++) {
		uint64_t count = atomic_load(&rm[i].count);
		if (!count)
			continue;
		const char *label = route_label(i);
		const char *method = route_method(i);
		uint64_t cum = 0;
		for (size_t b = 0; b < NBUCKETS; b++) {
			cum += atomic_load(&rm[i].buckets[b]);
			buf_printf(out,
				   "authgate_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"%g\"} %llu\n",
				   label, method, bounds[b], (unsigned long long)cum);
		}
		cum += atomic_load(&rm[i].buckets[NBUCKETS]);
		buf_printf(out, "authgate_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} %llu\n",
			   label, method, (unsigned long long)cum);
		buf_printf(out, "authgate_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n", label,
			   method, (double)atomic_load(&rm[i].sum_us) / 1e6);
		buf_printf(out, "authgate_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %llu\n", label,
			   method, (unsigned long long)count);
	}
}
