/* metrics.c — the registry of counters, gauges and sections (see metrics.h). */
#include "core/metrics.h"

#include <string.h>

static struct metric_section *sections, **sections_tail = &sections;
static struct metric_counter *counters;
static struct metric_gauge *gauges;

void metrics_register_counter(struct metric_counter *c)
{
	c->next = counters;
	counters = c;
}

void metrics_register_gauge(struct metric_gauge *g)
{
	g->next = gauges;
	gauges = g;
}

void metrics_register_section(struct metric_section *s)
{
	s->next = NULL;
	*sections_tail = s;
	sections_tail = &s->next;
}

void metrics_render(struct buf *out)
{
	for (struct metric_section *s = sections; s; s = s->next)
		s->render(out);
	const char *last = NULL;
	for (struct metric_counter *c = counters; c; c = c->next) {
		size_t base = strcspn(c->name, "{");
		if (!last || strncmp(last, c->name, base) != 0 || last[base] != '{')
			buf_printf(out, "# HELP %.*s %s\n# TYPE %.*s counter\n", (int)base, c->name, c->help, (int)base,
				   c->name);
		buf_printf(out, "%s %llu\n", c->name, (unsigned long long)atomic_load(&c->value));
		last = c->name;
	}
	for (struct metric_gauge *g = gauges; g; g = g->next)
		buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", g->name, g->help, g->name, g->name, g->read());
}
