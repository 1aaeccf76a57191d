/* route_metrics.h — per-route request counts and latency histograms (internal to
 * src/http: the server observes, /metrics renders them as a core/metrics.h section). */
#ifndef AG_ROUTE_METRICS_H
#define AG_ROUTE_METRICS_H

#include <stdint.h>

/* Once the route table is set (router_set_table), before serving starts. */
void route_metrics_init(void);
void route_metrics_observe(int route_index, int status, int64_t dur_us);

/* Every route's counts added up, for a series over time (the dashboard's charts): all
 * requests, and the latency histogram of the timed ones (long-polls and streams are not
 * timed), bucket b counting requests in (bounds[b-1], bounds[b]] seconds, the last one
 * the rest. */
#define ROUTE_METRICS_BUCKETS 15
struct route_totals {
	uint64_t requests;
	uint64_t buckets[ROUTE_METRICS_BUCKETS];
};
void route_metrics_totals(struct route_totals *t);
/* Upper bound (seconds) of bucket b; the last is unbounded (returns -1). */
double route_metrics_bound(int b);

#endif
