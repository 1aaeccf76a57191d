/* route_metrics.h — per-route request counts and latency histograms (internal to
 * src/http: the server observes, /metrics renders them as a core/metrics.h section). */
#ifndef AG_ROUTE_METRICS_H
#define AG_ROUTE_METRICS_H

#include <stdint.h>

/* Once the route table is set (router_set_table), before serving starts. */
void route_metrics_init(void);
void route_metrics_observe(int route_index, int status, int64_t dur_us);

#endif
