/* server.h — the HTTP server: libmicrohttpd with an epoll thread pool, the request
 * lifecycle (limits, framing checks, routing, guards, JSON bodies, handlers, async
 * work), access log, metrics and graceful shutdown. */
#ifndef AG_SERVER_H
#define AG_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/workpool.h"

#define HTTP_MAX_BODY (1024 * 1024)          /* hard cap for any route */
/* Request line + headers: over HTTP_MAX_HEADER_BYTES the edge (wire.c) answers 431 in
 * JSON before libmicrohttpd reads further, so a head never outgrows the connection's
 * memory pool (HTTP_CONN_MEMORY), where libmicrohttpd would answer in HTML itself. */
#define HTTP_MAX_HEADER_BYTES (16 * 1024)
#define HTTP_CONN_MEMORY (32 * 1024)

/* Everything that is not a page: no content of ours may be framed or run. */
#define HTTP_API_CSP "default-src 'none'; frame-ancestors 'none'"

/* Pages (hosted UI, device app, dashboard): scripts and styles only from us. */
#define HTTP_PAGE_CSP                                                                                          \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "                \
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

struct route;
struct req;

struct http_opts {
	const struct route *routes; /* the table to serve (src/api/routes.c) */
	size_t nroutes;
	const char *host;
	int port;                /* 0 = any free port */
	int threads;
	int max_connections;
	int conn_timeout_s;
	int request_timeout_s;   /* a whole request must arrive within it (edge.c); 0: no limit */
	bool access_log;
	bool trust_proxy;
	bool dev;                /* AUTHGATE_DEV: ROUTE_DEV routes exist (for loopback peers only) */
	struct workpool *workers; /* runs req_async work */
	/* Called once per request when its response is done (or its client went away),
	 * with r->status final, on the connection's thread, before the arena is freed. */
	void (*on_done)(struct req *r);
};

/* Bind and listen (port 0 = a free port) without starting a thread, so http_port()
 * is known before anything else starts. -1 on failure (logged). */
int http_listen(const char *host, int port);
/* Serve on the socket http_listen made (made here if it was not). */
int http_start(const struct http_opts *o);
int http_port(void);               /* bound port */
bool http_shutting_down(void);
/* Stop accepting, let in-flight requests finish for up to grace_s, then stop. */
void http_stop(int grace_s);

/* Called at shutdown before waiting for in-flight requests (e.g. to answer
 * long-polls at once). At most 8. */
void http_on_shutdown(void (*fn)(void));

#endif
