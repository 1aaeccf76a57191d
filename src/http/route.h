/* route.h — the declarative route table: method, path pattern, guard, body cap and
 * the fields a JSON body may carry. The table itself lives in src/api/routes*.c and is
 * handed to the server (http_opts.routes); the matching and the checks every request
 * goes through live in src/http/. */
#ifndef AG_ROUTE_H
#define AG_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "http/request.h"

enum field_kind {
	FK_STRING = 1, /* JSON string, length <= max bytes (max 0 = 256) */
	FK_INT,        /* JSON integer */
	FK_BOOL,       /* JSON true/false */
	FK_STRINGS,    /* array of strings, each <= max bytes, at most 64 */
	FK_OBJECT,     /* JSON object (validated by the handler) */
	FK_JSON,       /* any JSON value (validated by the handler) */
	FK_ARRAY,      /* JSON array of anything (validated by the handler) */
};

struct field {
	const char *name;
	enum field_kind kind;
	bool required;
	unsigned max;
};

/* Route flags. */
#define ROUTE_CORS 0x1      /* answers browsers on other origins (guard decides which) */
#define ROUTE_PAGE 0x2      /* an HTML page: CSP and frame headers, not JSON errors only */
#define ROUTE_DEV 0x4       /* development only: 404 unless dev mode and a loopback socket peer with no proxy headers */
#define ROUTE_LONG 0x8      /* long-poll/SSE: exempt from the per-request latency histogram */
#define ROUTE_FORM 0x10     /* body is application/x-www-form-urlencoded (HTML forms): read with req_form */
#define ROUTE_SECRET_PATH 0x20 /* a path parameter is a credential: the access log shows the pattern */
/* Errors in the API family's own shape: written by the function set with
 * resp_set_error_writer (the Authsignal-compatible API's {error, errorDescription}),
 * every error of the route included — the transport's 400/401/413/415 too. */
#define ROUTE_ALT_ERRORS 0x40
#define ROUTE_RAW 0x200     /* the handler takes the body's bytes as they came (a signature covers them) */
/* Also served under /p/{app_id}/...: a per-project base URL for paths that carry no
 * project (seed 004); the segment goes to r->tenant, not to params. */
#define ROUTE_TENANT 0x80
/* Errors in seed 004's envelope {"success": false, "error": <title>, "message", "code",
 * "statusCode", "timestamp"}: written by the writer set for this flag (api/users.c). */
#define ROUTE_ENVELOPE 0x100
#define TENANT_PREFIX "/p/"

struct route {
	const char *method;
	const char *pattern;              /* "/auth/check/{id}" */
	void (*handler)(struct req *r);
	/* Runs after the body is read, before the handler. Returns false having set an
	 * error response (401/403/429...). NULL = public. */
	bool (*guard)(struct req *r);
	size_t body_max;                  /* 0 = no body accepted */
	const struct field *fields;       /* {NULL} terminated; NULL = body not JSON */
	unsigned flags;
	const char *name;                 /* metric label; defaults to the pattern */
};

/* The table the router matches against: set once, before serving starts (http_start
 * does it); read-only after. At most ROUTER_MAX_ROUTES routes. */
#define ROUTER_MAX_ROUTES 512
int router_set_table(const struct route *routes, size_t n);
size_t router_count(void);
const struct route *router_route(int index);

/* Match method+path. Returns the route index, or -1 with *status 404 or 405 (then
 * *allow lists the methods the path accepts, comma-separated, in the arena). */
int router_match(struct req *r, const char *method, const char *path, int *status, const char **allow);

/* The path to write in the access log: never a secret path parameter, matched or not. */
const char *route_log_path(struct req *r);

/* Validate the body (r->fields) against the route's fields: object, no unknown keys, kinds,
 * lengths, required. Returns false having answered 400. */
bool fields_validate(struct req *r);

#endif
