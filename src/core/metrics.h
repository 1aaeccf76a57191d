/* metrics.h — the process's metrics in Prometheus text exposition: counters and gauges
 * that any module registers, plus sections that render their own series (the HTTP
 * layer's per-route counts and latency histograms). Lock-free (atomics) on the hot
 * path; registration happens before serving starts. */
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

/* A module that renders its own series (histograms, labelled families). */
struct metric_section {
	void (*render)(struct buf *out);
	struct metric_section *next;
};

/* Register before serving starts; the objects must live for the process. */
void metrics_register_counter(struct metric_counter *c);
void metrics_register_gauge(struct metric_gauge *g);
void metrics_register_section(struct metric_section *s);
#define metric_inc(c) atomic_fetch_add(&(c)->value, 1)
/* Sections (in registration order), then counters, then gauges. */
void metrics_render(struct buf *out);

#endif
