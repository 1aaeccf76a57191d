/* response.c — building responses, and the one place where an error's kind becomes
 * an HTTP status (core/err.h). */
#include <stdarg.h>
#include <string.h>

#include "http/request.h"
#include "http/route.h"

int ag_err_status(enum ag_err e)
{
	switch (ag_err_kind(e)) {
	case AG_OK: return 200;
	case AG_EINVAL: return 400;
	case AG_EUNAUTH: return 401;
	case AG_EFORBIDDEN: return 403;
	case AG_ENOTFOUND: return 404;
	case AG_ECONFLICT: return 409;
	case AG_EGONE: return 410;
	case AG_ETOOBIG: return 413;
	case AG_ERATE: return 429;
	case AG_EUNAVAIL: return 503;
	default: break;
	}
	return 500;
}

void resp_raw(struct req *r, int status, const char *content_type, const char *body, size_t len)
{
	r->status = status;
	r->content_type = content_type;
	r->resp_body = body;
	r->resp_len = len;
	r->state = RS_DONE;
}

void resp_json(struct req *r, int status, const cJSON *body)
{
	const char *s = json_print(r->a, body);
	resp_raw(r, status, "application/json", s, strlen(s));
}

/* API families with an error shape of their own, by route flag (set before serving). */
#define MAX_ERROR_WRITERS 4
struct error_writer {
	unsigned flag;
	resp_error_writer fn;
};
static struct error_writer writers[MAX_ERROR_WRITERS];
static int nwriters;

void resp_set_error_writer(unsigned route_flag, resp_error_writer fn)
{
	if (nwriters < MAX_ERROR_WRITERS)
		writers[nwriters++] = (struct error_writer){route_flag, fn};
}

void resp_error_status(struct req *r, int status, const char *code, const char *message)
{
	for (int i = 0; r->route && i < nwriters; i++)
		if (r->route->flags & writers[i].flag) {
			writers[i].fn(r, status, code, message);
			return;
		}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "error", code);
	cJSON_AddStringToObject(o, "message", message);
	resp_json(r, status, o);
}

void resp_error(struct req *r, enum ag_err e, const char *message)
{
	resp_error_status(r, ag_err_status(e), ag_err_code(e), message ? message : ag_err_message(e));
}

void resp_errorf(struct req *r, enum ag_err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *m = arena_vprintf(r->a, fmt, ap);
	va_end(ap);
	resp_error(r, e, m);
}

void resp_header(struct req *r, const char *name, const char *value)
{
	for (int i = 0; i < r->nheaders; i++)
		if (strcmp(r->headers[i].name, name) == 0) {
			r->headers[i].value = value;
			return;
		}
	if (r->nheaders < REQ_MAX_RESP_HEADERS) {
		r->headers[r->nheaders].name = name;
		r->headers[r->nheaders].value = value;
		r->nheaders++;
	}
}

void resp_redirect(struct req *r, int status, const char *location)
{
	resp_header(r, "Location", location);
	resp_raw(r, status, "text/plain; charset=utf-8", "", 0);
}
