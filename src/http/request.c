/* request.c — request accessors and async work (suspend, run on the pool, resume). */
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/form.h"
#include "core/str.h"
#include "http/route.h"
#include "http/server.h"

static struct workpool *pool;

void req_set_workers(struct workpool *p)
{
	pool = p;
}

const char *req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_query(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_param(struct req *r, int i)
{
	return i >= 0 && i < r->nparams ? r->params[i] : NULL;
}

cJSON *req_json(struct req *r)
{
	if (!r->json && r->fields) {
		const char *detail;
		if (!r->body_len || json_parse_strict(r->a, r->body, r->body_len, &r->json, &detail) != JSON_OK)
			r->json = json_obj(r->a); /* dispatch checked the body already: only an empty one */
	}
	return r->json;
}

const cJSON *req_field(struct req *r, const char *field)
{
	cJSON *j = req_json(r);
	const cJSON *v = j ? cJSON_GetObjectItemCaseSensitive(j, field) : NULL;
	return cJSON_IsNull(v) ? NULL : v;
}

/* The member's value, NULL when absent or JSON null. */
static const struct jval *member(struct req *r, const char *field)
{
	const struct jval *v = jobj_get(r->fields, field);
	return v && v->kind != JK_NULL ? v : NULL;
}

const char *req_str(struct req *r, const char *field)
{
	const struct jval *v = member(r, field);
	return v && v->kind == JK_STR ? jstr(r->a, v, NULL) : NULL;
}

bool req_has(struct req *r, const char *field)
{
	return member(r, field) != NULL;
}

bool req_bool(struct req *r, const char *field, bool dflt)
{
	const struct jval *v = member(r, field);
	return v && (v->kind == JK_TRUE || v->kind == JK_FALSE) ? v->kind == JK_TRUE : dflt;
}

int64_t req_int(struct req *r, const char *field, int64_t dflt)
{
	double d;
	return jnum(member(r, field), &d) ? (int64_t)d : dflt;
}

const char *req_bearer(struct req *r)
{
	const char *h = req_header(r, "Authorization");
	if (!h || strlen(h) < 8 || !str_ieq(arena_strndup(r->a, h, 7), "Bearer "))
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

const char *req_cookie(struct req *r, const char *name)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
	return v && *v ? v : NULL;
}

void req_resume(struct req *r)
{
	/* Release: the response written by this thread is visible to the connection
	 * thread that acts on RS_DONE after the resume. */
	atomic_store_explicit(&r->state, RS_DONE, memory_order_release);
	MHD_resume_connection(r->conn);
}

void req_suspend(struct req *r)
{
	r->state = RS_ASYNC;
	r->handed_off = true;
	MHD_suspend_connection(r->conn);
}

static void run_async(void *arg)
{
	struct req *r = arg;
	r->async_work(r);
	if (r->status == 0)
		resp_error(r, AG_EINTERNAL, "internal error");
	req_resume(r);
}

bool req_async(struct req *r, void (*work)(struct req *r))
{
	if (!pool) {
		work(r);
		return true;
	}
	r->async_work = work;
	req_suspend(r);
	if (!workpool_submit(pool, run_async, r)) {
		resp_header(r, "Retry-After", "1");
		resp_error(r, AG_EUNAVAIL, "server busy, retry shortly");
		req_resume(r);
		return false;
	}
	return true;
}

const char *req_form(struct req *r, const char *field)
{
	if (!r->route || !(r->route->flags & ROUTE_FORM) || !r->body)
		return NULL;
	return form_get(r->a, r->body, r->body_len, field);
}
