/* metrics.h — Prometheus text exposition: request counts by route and status, latency
 * histograms by route, plus counters and gauges other modules register. Lock-free
 * (atomics) on the request path. */
#ifndef AG_METRICS_H
#define AG_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/buf.h"

struct metric_counter {
	const char *name; /* full series name, may carry labels: foo_total{kind="mail"} */
	const char *help;
	_Atomic uint64_t value;
	struct metric_counter *next;
};

struct metric_gauge {
	const char *name;
	const char *help;
	double (*read)(void);
	struct metric_gauge *next;
};

void metrics_init(void);
void metrics_observe(int route_index, int status, int64_t dur_us);
/* Register before serving starts; the objects must live for the process. */
void metrics_register_counter(struct metric_counter *c);
void metrics_register_gauge(struct metric_gauge *g);
#define metric_inc(c) atomic_fetch_add(&(c)->value, 1)
void metrics_render(struct buf *out);

#endif
