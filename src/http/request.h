/* request.h — what a handler sees of an HTTP request and how it answers. No
 * libmicrohttpd type leaks out of src/http/. A request owns an arena: everything a
 * handler allocates comes from r->a and is released when the response is done. */
#ifndef AG_REQUEST_H
#define AG_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define REQ_MAX_PARAMS 4
#define REQ_MAX_RESP_HEADERS 24

struct route;
struct project;

/* Who owns a request: the connection's thread while RS_READING and after a resume; a
 * worker, publisher or timer thread while RS_ASYNC (the connection is suspended). The
 * thread that finishes async work writes the response, then stores RS_DONE (release),
 * then resumes; the connection thread acts on the response only after it was resumed,
 * never by watching the state of a request it handed off (see server.c, on_access). */
enum req_state {
	RS_READING = 0, /* receiving headers/body */
	RS_ASYNC,       /* suspended: a worker or an event will finish it */
	RS_DONE,        /* response chosen, not yet queued */
	RS_QUEUED,      /* handed to the server */
};

struct resp_header {
	const char *name, *value;
};

struct req {
	struct arena *a;
	const char *method;
	const char *path;      /* decoded path without the query string */
	const char *ip;        /* client address (text): the end user's, when an API-key request named it
	                          (api/guards.c: X-AuthGate-Client-IP, the actions API's ipAddress) */
	const char *peer_ip;   /* the address that sent the request (the socket peer, or X-Forwarded-For's
	                          last entry behind a trusted proxy); == ip unless ip_named */
	bool ip_named;         /* ip is the end user's address, named by an app backend's API-key request */
	const char *origin;    /* Origin header or NULL */
	const struct route *route;
	int route_index;       /* for metrics; -1 when no route matched */
	const char *params[REQ_MAX_PARAMS]; /* {name} segments of the route pattern, in order */
	int nparams;
	const char *body;      /* raw body (NUL-terminated copy) */
	size_t body_len;
	struct jobj *fields;   /* the JSON body's members (routes that declare fields), no tree */
	cJSON *json;           /* its tree, built on first req_json()/req_field() */
	const char *tenant;    /* the {app_id} of a /p/{app_id}/... path (ROUTE_TENANT routes), or NULL */
	struct project *project; /* set by API-key / app_id authentication */
	const char *auth_subject; /* who authenticated (key id, admin token id) for logs */
	bool cors_ok;          /* Origin is allowed: CORS headers go on the response */
	void *done_ud;         /* the API layer's state for http_opts.on_done (e.g. an audit row) */
	void *auth_ctx;        /* what the guard learned of the caller, for the handler (API layer's) */

	/* response */
	int status;
	const char *resp_body;
	size_t resp_len;
	const char *content_type;
	struct resp_header headers[REQ_MAX_RESP_HEADERS];
	int nheaders;
	bool stream;           /* response is an event stream (see sse.h) */
	void *stream_state;

	/* internal to src/http */
	void *conn;
	_Atomic(enum req_state) state;
	bool handed_off;       /* connection thread only: suspended for async work/an event */
	int64_t start_us;
	size_t body_max;
	bool body_overflow;
	bool framing_error;
	bool peer_loopback;    /* the socket peer (not a forwarded address) is 127.0.0.0/8 or ::1 */
	bool bad_forwarded;    /* AUTHGATE_TRUST_PROXY and X-Forwarded-For does not end with an IP */
	int64_t linger_until_us; /* answered by the edge mid-body: drop the rest until then */
	void (*async_work)(struct req *r);
	void *waiter;          /* long-poll registration, see wait.h */
};

/* Request accessors. */
const char *req_header(struct req *r, const char *name);
const char *req_query(struct req *r, const char *name);
const char *req_param(struct req *r, int i);
/* A body field declared by the route (NULL when absent or JSON null). Read from the
 * scanned members without building a tree (req_field builds one). */
const char *req_str(struct req *r, const char *field);
bool req_has(struct req *r, const char *field);
bool req_bool(struct req *r, const char *field, bool dflt);
int64_t req_int(struct req *r, const char *field, int64_t dflt);
const cJSON *req_field(struct req *r, const char *field);
/* The whole body as a cJSON object (built on first use; routes with fields only). */
cJSON *req_json(struct req *r);
/* A field of an application/x-www-form-urlencoded body (ROUTE_FORM routes), decoded
 * into the arena; NULL when absent, empty string when present without a value. */
const char *req_form(struct req *r, const char *field);
/* "Bearer xyz" -> "xyz", else NULL. */
const char *req_bearer(struct req *r);
/* The value of cookie `name` from the Cookie header(s), or NULL. */
const char *req_cookie(struct req *r, const char *name);

/* Responses. All set r->state = RS_DONE. */
void resp_json(struct req *r, int status, const cJSON *body);
void resp_raw(struct req *r, int status, const char *content_type, const char *body, size_t len);
/* {"error": code, "message": message} with the status of e's kind (core/err.h);
 * message NULL: the error table's. Handlers answer domain errors with api_fail. */
void resp_error(struct req *r, enum ag_err e, const char *message);
void resp_errorf(struct req *r, enum ag_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void resp_header(struct req *r, const char *name, const char *value);
/* Who writes the errors of routes with route_flag (ROUTE_ALT_ERRORS, ROUTE_ENVELOPE:
 * API families with an error shape of their own), every error of the route included —
 * the transport's 400/401/413/415 too. Set once, before serving; at most four. */
typedef void (*resp_error_writer)(struct req *r, int status, const char *code, const char *message);
void resp_set_error_writer(unsigned route_flag, resp_error_writer fn);
void resp_redirect(struct req *r, int status, const char *location);
int ag_err_status(enum ag_err e);

/* Run work(r) on the worker pool with the connection suspended; the work sets the
 * response (or leaves r->status 0 for a 500). Returns false when the pool is full,
 * having answered 503. */
bool req_async(struct req *r, void (*work)(struct req *r));
/* Internal to src/http: the transport's own answers that no error kind covers (405,
 * 415, 431), and the pool req_async uses (http_start sets it). */
void resp_error_status(struct req *r, int status, const char *code, const char *message);
struct workpool;
void req_set_workers(struct workpool *p);

/* For code outside the connection's thread (waiters, workers): mark the response
 * ready (a request left without one answers 500) and resume the suspended connection.
 * The caller must not touch r afterwards. */
void req_resume(struct req *r);
/* Hand the request off (only from the access handler, i.e. in a handler): set RS_ASYNC
 * and suspend the connection; from then on only the code that will call req_resume
 * may touch r. See wait.h. */
void req_suspend(struct req *r);

#endif
