/* ops.c — operations endpoints: liveness, readiness, Prometheus metrics, the OpenAPI
 * description, and the key-holder's own project (a cheap authenticated probe). */
#include <string.h>

#include "api/api.h"
#include "auth/projects.h"
#include "core/ctx.h"
#include "core/embed.h"
#include "core/metrics.h"
#include "store/store.h"

void h_ops_healthz(struct req *r)
{
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "status", "ok");
	cJSON_AddStringToObject(o, "version", AUTHGATE_VERSION);
	resp_json(r, 200, o);
}

void h_ops_readyz(struct req *r)
{
	cJSON *o = json_obj(r->a);
	enum ag_err e = store_ping(g_app.store);
	cJSON_AddStringToObject(o, "status", e ? "unavailable" : "ready");
	cJSON_AddStringToObject(o, "store", store_backend(g_app.store));
	if (!e)
		cJSON_AddNumberToObject(o, "schema_version", store_schema_version(g_app.store));
	resp_json(r, e ? 503 : 200, o);
}

void h_ops_metrics(struct req *r)
{
	struct buf b = BUF_INIT(4 * 1024 * 1024);
	metrics_render(&b);
	size_t n = b.len;
	char *s = arena_strndup(r->a, b.p ? b.p : "", n);
	buf_free(&b);
	resp_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", s, n);
}

void h_ops_openapi(struct req *r)
{
	size_t n;
	const struct embedded_file *files = embed_web(&n);
	const struct embedded_file *f = embed_find(files, n, "openapi.json");
	if (!f) {
		resp_error(r, AG_ENOTFOUND, "no OpenAPI description in this build");
		return;
	}
	resp_raw(r, 200, "application/json", (const char *)f->data, f->len);
}

void h_ops_project(struct req *r)
{
	resp_json(r, 200, project_json(r->a, r->project));
}
