/* server.c — the request lifecycle on libmicrohttpd. The only file besides
 * request.c and stream.c that includes microhttpd.h.
 *
 * Before any of this, every byte passed the strict framing check of the connection
 * edge (edge.c, wire.c): request line, header fields and body framing are well-formed.
 * First call (headers read): the edge vouches for the head, routing (404/405),
 * Content-Length against the route's cap (413), CORS preflight. Body calls: append up
 * to the cap (past it: 413 and close). Final call: JSON parsing and field checks,
 * guard, handler. Handlers may suspend the connection (req_async, long-poll); the
 * resumed call queues what they chose. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/client_addr.h"
#include "http/cors.h"
#include "http/edge.h"
#include "http/route.h"
#include "http/route_metrics.h"
#include "http/server.h"
#include "http/stream.h"

/* How long the rest of a body is read and dropped after an answer written before it
 * ended (answer_now). */
#define HTTP_LINGER_S 5

static struct MHD_Daemon *daemon_;
static struct http_opts opts;
static _Atomic int inflight;
static _Atomic bool stopping;
static int bound_port;
static void (*shutdown_hooks[8])(void);
static int nshutdown_hooks;

void http_on_shutdown(void (*fn)(void))
{
	if (nshutdown_hooks < 8)
		shutdown_hooks[nshutdown_hooks++] = fn;
}

bool http_shutting_down(void)
{
	return atomic_load(&stopping);
}

int http_port(void)
{
	return bound_port;
}

/* ---- the connection edge ---------------------------------------------------------- */

static struct edge_conn *conn_edge(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* Every accepted socket is watched by the edge from before its first read until after
 * its last (libmicrohttpd notifies "closed" before it closes the descriptor). */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci ? edge_open(ci->connect_fd, (int64_t)opts.request_timeout_s * 1000000) : NULL;
	} else {
		edge_close(*socket_context);
		*socket_context = NULL;
	}
}

/* ---- request lifecycle -------------------------------------------------------- */

/* Headers a proxy adds. The last X-Forwarded-For line wins (a proxy may add its own
 * line rather than append to the client's); `any` is set by any of them. */
struct forwarded {
	const char *xff;
	bool any;
};

static enum MHD_Result find_forwarded(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct forwarded *f = cls;
	if (str_ieq(key, "X-Forwarded-For")) {
		f->xff = value;
		f->any = true;
	} else if (str_ieq(key, "Forwarded") || str_ieq(key, "X-Real-IP")) {
		f->any = true;
	}
	return MHD_YES;
}

/* The socket peer, and with AUTHGATE_TRUST_PROXY the last X-Forwarded-For entry, which
 * must then be an IP address (else r->bad_forwarded: 400 at the first call). */
static void client_ip(struct req *r, struct MHD_Connection *c)
{
	char buf[CLIENT_ADDR_MAX] = "-";
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr || !client_addr_from_sockaddr(ci->client_addr, buf, &r->peer_loopback))
		str_copy(buf, "-", sizeof buf);
	if (opts.trust_proxy) {
		struct forwarded f = {0};
		MHD_get_connection_values(c, MHD_HEADER_KIND, find_forwarded, &f);
		if (f.xff && !client_addr_from_forwarded(f.xff, buf))
			r->bad_forwarded = true; /* buf keeps the peer: the log line names who sent it */
	}
	r->ip = r->peer_ip = arena_strdup(r->a, buf);
}

/* Development routes exist only in dev mode, and only for a client on this machine
 * talking to us directly: the socket peer is loopback and no proxy header is present.
 * A forwarded address never decides it — behind a proxy on the same host every client's
 * socket peer is 127.0.0.1, and X-Forwarded-For is whatever the client wrote. */
static bool dev_route_allowed(struct req *r, struct MHD_Connection *c)
{
	if (!opts.dev || !r->peer_loopback)
		return false;
	struct forwarded f = {0};
	MHD_get_connection_values(c, MHD_HEADER_KIND, find_forwarded, &f);
	return !f.any;
}

/* The path to route by. An absolute-form target (GET http://host/x HTTP/1.1, RFC 9112
 * §3.2.2) reaches us only as http(s)://authority[/path] whose authority equals the Host
 * field (the edge refuses anything else, wire.c), so Host, which everything reads, is
 * already the target's authority: the path is what follows it, "/" when nothing does
 * (libmicrohttpd cut the query off already). */
static const char *target_path(const char *url)
{
	if (url[0] == '/' || url[0] == '*')
		return url;
	const char *authority = strstr(url, "://");
	const char *path = authority ? strchr(authority + 3, '/') : NULL;
	return path ? path : authority ? "/" : url;
}

static struct req *req_new(struct MHD_Connection *c, const char *url, const char *method)
{
	struct req *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->a = arena_new();
	r->conn = c;
	r->start_us = time_mono_us();
	r->route_index = -1;
	r->method = arena_strdup(r->a, method);
	r->path = arena_strdup(r->a, target_path(url));
	client_ip(r, c);
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	r->origin = origin ? arena_strdup(r->a, origin) : NULL;
	atomic_fetch_add(&inflight, 1);
	return r;
}

static void add_common_headers(struct req *r, struct MHD_Response *resp)
{
	const struct route *rt = r->route;
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	bool page = rt && (rt->flags & ROUTE_PAGE);
	bool has_cc = false, has_csp = false, has_rp = false, framable = false;
	for (int i = 0; i < r->nheaders; i++) {
		if (str_ieq(r->headers[i].name, "Cache-Control"))
			has_cc = true;
		if (str_ieq(r->headers[i].name, "Content-Security-Policy")) {
			has_csp = true;
			/* a page that names who may frame it (frame-ancestors) gets no X-Frame-Options */
			framable = strstr(r->headers[i].value, "frame-ancestors") &&
				   !strstr(r->headers[i].value, "frame-ancestors 'none'");
		}
		if (str_ieq(r->headers[i].name, "Referrer-Policy"))
			has_rp = true;
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	}
	if (!has_rp) /* a page whose form must send its Origin chooses its own (magic_page.c) */
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	if (!has_cc)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	if ((page && !framable) || !has_csp)
		MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	if (!has_csp)
		MHD_add_response_header(resp, "Content-Security-Policy",
					page ? HTTP_PAGE_CSP : HTTP_API_CSP);
	if (r->content_type)
		MHD_add_response_header(resp, "Content-Type", r->content_type);
	if (r->cors_ok && r->origin)
		cors_add_headers(r, resp);
	if (atomic_load(&stopping) || r->body_overflow || r->framing_error)
		MHD_add_response_header(resp, "Connection", "close");
}

static enum MHD_Result queue(struct req *r)
{
	struct MHD_Connection *c = r->conn;
	if (r->status == 0) {
		log_error("handler", "%s %s set no response", r->method, r->path);
		resp_error(r, AG_EINTERNAL, "internal error");
	}
	struct MHD_Response *resp;
	if (r->stream)
		resp = stream_response(r);
	else
		/* Not copied: the body lives in the request's arena (or is static), and the
		 * arena is freed in on_completed, after libmicrohttpd sent the response and
		 * before it drops it. */
		resp = MHD_create_response_from_buffer(r->resp_len, (void *)(r->resp_body ? r->resp_body : ""),
						       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	add_common_headers(r, resp);
	r->state = RS_QUEUED;
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* An error chosen while a request body is on its way. libmicrohttpd 0.9.75 either reads
 * the body to its end before answering (chunked: possibly forever) or, for a response
 * queued before the body, closes right after sending it — with the body unread, which
 * resets the connection, and a client or proxy still sending (nginx: 502) may never read
 * the answer. So the edge writes the answer to the socket now (Connection: close), and,
 * like nginx's lingering close, the rest is read and dropped for up to HTTP_LINGER_S
 * (and wire.c's 1 MiB) before the connection closes. */
static void answer_now(struct req *r)
{
	if (!edge_refuse(conn_edge(r->conn), r->status, r->resp_body, r->resp_len, r->headers, r->nheaders,
			 strcmp(r->method, "HEAD") == 0)) {
		queue(r); /* no edge (fails closed at the first call anyway): libmicrohttpd closes */
		return;
	}
	r->linger_until_us = time_mono_us() + (int64_t)HTTP_LINGER_S * 1000000;
}

/* An error found before the body: answered at the final call when no body is coming,
 * so keep-alive survives; at once when one is (answer_now). */
static enum MHD_Result early(struct req *r, bool body_expected)
{
	if (body_expected)
		answer_now(r);
	else
		r->state = RS_DONE;
	return MHD_YES;
}

static enum MHD_Result fail(struct req *r, enum ag_err e, const char *msg)
{
	resp_error(r, e, msg);
	return queue(r);
}

/* Run the guard (credentials come first: an unauthenticated caller learns nothing
 * about what a valid body looks like), parse and check the body, run the handler. */
static void dispatch(struct req *r)
{
	const struct route *rt = r->route;
	if (rt->guard && !rt->guard(r))
		return;
	if (rt->fields) {
		if (r->body_len) {
			const char *ct = req_header(r, "Content-Type");
			if (!ct || !(str_starts(ct, "application/json") &&
				     (ct[16] == 0 || ct[16] == ';' || ct[16] == ' '))) {
				resp_error_status(r, 415, "unsupported_media_type",
						  "send the body as Content-Type: application/json");
				return;
			}
			/* Members as slices of the body, no tree: most handlers read a few strings. */
			r->fields = arena_alloc(r->a, sizeof *r->fields);
			struct jval dup;
			enum json_perr pe = jscan(r->body, r->body_len, r->fields, &dup);
			if (pe) {
				if (pe == JSON_DUPKEY)
					resp_errorf(r, AG_EINVAL, "request body has a duplicate key '%.64s'",
						    jstr(r->a, &dup, NULL));
				else
					resp_error(r, AG_EINVAL, json_perr_message(pe));
				return;
			}
		} else {
			r->fields = arena_alloc(r->a, sizeof *r->fields);
			r->fields->n = 0;
		}
		if (!fields_validate(r))
			return;
	} else if (rt->flags & ROUTE_FORM) {
		const char *ct = req_header(r, "Content-Type");
		if (r->body_len && (!ct || !str_starts(ct, "application/x-www-form-urlencoded"))) {
			resp_error_status(r, 415, "unsupported_media_type",
					  "send the body as Content-Type: application/x-www-form-urlencoded");
			return;
		}
		if (!str_is_utf8(r->body, r->body_len) || memchr(r->body, 0, r->body_len)) {
			resp_error(r, AG_EINVAL, "request body is not valid UTF-8");
			return;
		}
	} else if (rt->flags & ROUTE_RAW) {
		/* r->body as it came, up to the route's cap: the handler decides. */
	} else if (r->body_len) {
		/* Routes without fields take no body; an empty JSON object is tolerated. */
		struct jobj o;
		if (jscan(r->body, r->body_len, &o, NULL) != JSON_OK || o.n != 0) {
			resp_error(r, AG_EINVAL, "this endpoint takes no request body");
			return;
		}
	}
	rt->handler(r);
}

static enum MHD_Result on_first_call(struct req *r, struct MHD_Connection *c, const char *method)
{
	if (!edge_take(conn_edge(c))) {
		log_error("http", "a request head reached the server without the edge's framing check");
		r->framing_error = true;
		return fail(r, AG_EINTERNAL, "the request could not be checked; refused");
	}
	/* The edge admitted at most one Content-Length, of digits only, at most HTTP_MAX_BODY. */
	int64_t cl = 0;
	const char *cls = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	if (cls && str_to_i64(cls, 0, HTTP_MAX_BODY, &cl))
		cl = HTTP_MAX_BODY;
	bool body_expected = cl > 0 || MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
	if (r->bad_forwarded) {
		/* Our own proxy always appends the address it saw: anything else is a client
		 * writing the header itself (or a proxy we do not know). */
		r->framing_error = true;
		log_security("bad_forwarded_for", r->ip, "X-Forwarded-For does not end with an IP address");
		resp_error(r, AG_EINVAL, "X-Forwarded-For must end with the client's IP address");
		return early(r, body_expected);
	}
	if (strcmp(method, "OPTIONS") == 0) {
		if (!cors_preflight(r))
			resp_error(r, AG_ENOTFOUND, "no such endpoint");
		return early(r, body_expected);
	}
	int status;
	const char *allow;
	r->route_index = router_match(r, method, r->path, &status, &allow);
	if (r->route_index < 0) {
		if (status == 405) {
			resp_header(r, "Allow", allow);
			resp_error_status(r, 405, "method_not_allowed",
					  arena_printf(r->a, "%s is not allowed here (allowed: %s)", method, allow));
		} else {
			resp_error(r, AG_ENOTFOUND, "no such endpoint");
		}
		return early(r, body_expected);
	}
	r->route = router_route(r->route_index);
	if ((r->route->flags & ROUTE_DEV) && !dev_route_allowed(r, c)) {
		resp_error(r, AG_ENOTFOUND, "no such endpoint");
		return early(r, body_expected);
	}
	r->body_max = r->route->body_max ? r->route->body_max : 64;
	if (r->body_max > HTTP_MAX_BODY)
		r->body_max = HTTP_MAX_BODY;
	if (cl > (int64_t)r->body_max) {
		r->body_overflow = true;
		resp_error(r, AG_ETOOBIG, arena_printf(r->a, "request body is larger than %zu bytes", r->body_max));
		return early(r, true);
	}
	return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				 const char *version, const char *upload, size_t *upload_size, void **ctx)
{
	struct req *r = *ctx;
	if (!r) {
		r = req_new(c, url, method);
		if (!r)
			return MHD_NO;
		*ctx = r;
		return on_first_call(r, c, method);
	}
	/* After a hand-off MHD calls us again only once resumed; this load of the state
	 * (seq_cst, so acquire) pairs with req_resume's release store: the response the
	 * other thread wrote is visible from here on. */
	if (r->state == RS_QUEUED)
		return MHD_YES;
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (r->linger_until_us) /* answered already (answer_now): drop the rest, for a while */
			return time_mono_us() < r->linger_until_us ? MHD_YES : MHD_NO;
		if (r->body_len + n > r->body_max) {
			/* A chunked body past the route's cap (a declared length was refused at the
			 * first call): 413 now, not after the end of a body that may never end. */
			r->body_overflow = true;
			resp_error(r, AG_ETOOBIG, arena_printf(r->a, "request body is larger than %zu bytes", r->body_max));
			answer_now(r);
			return r->linger_until_us ? MHD_YES : MHD_NO;
		}
		char *nb = arena_alloc(r->a, r->body_len + n + 1);
		if (r->body_len)
			memcpy(nb, r->body, r->body_len);
		memcpy(nb + r->body_len, upload, n);
		nb[r->body_len + n] = 0;
		r->body = nb;
		r->body_len += n;
		return MHD_YES;
	}
	if (r->linger_until_us)
		return MHD_NO; /* the body ended after the edge answered: close */
	if (r->state == RS_READING && !r->body_overflow) {
		if (!r->body)
			r->body = "";
		dispatch(r);
		/* Handed off: a worker or publisher owns r now and may be writing it; it
		 * resumes the connection when the response is set, and MHD calls us again. */
		if (r->handed_off)
			return MHD_YES;
	}
	return queue(r);
}

/* ip: who sent the request; client_ip: the end user an app backend named (or NULL). */
static void access_log(const char *method, const char *path, const char *route, int status, int64_t dur_us,
		       const char *ip, const char *client_ip, size_t bytes_in, size_t bytes_out, const char *auth)
{
	char ts[32];
	time_iso8601(ts, time_now_ms(), true);
	struct buf b = BUF_INIT(4096);
	buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"info\",\"access\":", ts);
	json_buf_str(&b, method);
	buf_puts(&b, ",\"path\":");
	json_buf_str(&b, path);
	buf_printf(&b, ",\"route\":");
	json_buf_str(&b, route);
	buf_printf(&b, ",\"status\":%d,\"dur_us\":%lld,\"ip\":", status, (long long)dur_us);
	json_buf_str(&b, ip);
	if (client_ip) {
		buf_puts(&b, ",\"client_ip\":");
		json_buf_str(&b, client_ip);
	}
	buf_printf(&b, ",\"bytes_in\":%zu,\"bytes_out\":%zu", bytes_in, bytes_out);
	if (auth) {
		buf_puts(&b, ",\"auth\":");
		json_buf_str(&b, auth);
	}
	buf_puts(&b, "}");
	if (b.p)
		log_raw_line(b.p, b.len);
	buf_free(&b);
}

static void access_log_line(struct req *r, int64_t dur_us)
{
	/* No query string (it may carry tokens), and no path segment that may be a secret. */
	access_log(r->method, route_log_path(r),
		   r->route ? (r->route->name ? r->route->name : r->route->pattern) : "-", r->status, dur_us,
		   r->ip_named ? r->peer_ip : r->ip, r->ip_named ? r->ip : NULL, r->body_len, r->resp_len, r->auth_subject);
}

void http_log_refused(const char *ip, int status, int64_t dur_us)
{
	route_metrics_observe(-1, status, dur_us);
	if (opts.access_log)
		access_log("-", "-", "-", status, dur_us, ip, NULL, 0, 0, NULL);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode toe)
{
	struct req *r = *ctx;
	if (!r)
		return;
	*ctx = NULL;
	int64_t dur = time_mono_us() - r->start_us;
	struct edge_conn *ec = conn_edge(c);
	edge_finish(ec);
	if (r->status == 0) /* the edge refused the rest of it, or the client went away */
		r->status = edge_answered(ec) ? edge_answered(ec) : 499;
	route_metrics_observe(r->route_index, r->status, dur);
	if (opts.on_done)
		opts.on_done(r);
	if (opts.access_log)
		access_log_line(r, dur);
	if (r->stream)
		stream_finished(r);
	arena_free(r->a);
	free(r);
	atomic_fetch_sub(&inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = 0;
	log_msg(LOG_DEBUG, "mhd", "%s", msg);
}

/* The listening socket is made before any thread starts, so that what depends on the
 * bound port (a derived public URL with AUTHGATE_PORT=0) is settled before anyone reads
 * it; libmicrohttpd then takes the socket over (MHD_OPTION_LISTEN_SOCKET). */
static int listen_fd = -1;
static bool listen_v6;

int http_listen(const char *host, int port)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *sa4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	if (inet_pton(AF_INET, host, &sa4->sin_addr) == 1) {
		sa4->sin_family = AF_INET;
		sa4->sin_port = htons((uint16_t)port);
		len = sizeof *sa4;
	} else if (inet_pton(AF_INET6, host, &sa6->sin6_addr) == 1) {
		sa6->sin6_family = AF_INET6;
		sa6->sin6_port = htons((uint16_t)port);
		len = sizeof *sa6;
		listen_v6 = true;
	} else {
		log_error("http", "AUTHGATE_HOST must be an IP address, got %s", host);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	/* SO_REUSEADDR (a restart may bind while old connections sit in TIME_WAIT), never
	 * SO_REUSEPORT (a second server on the same port must fail, not share it). */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    (listen_v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 1024)) {
		log_error("http", "cannot listen on %s:%d: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len)) {
		close(fd);
		return -1;
	}
	bound_port = ntohs(ss.ss_family == AF_INET ? sa4->sin_port : sa6->sin6_port);
	listen_fd = fd;
	return 0;
}

int http_start(const struct http_opts *o)
{
	opts = *o;
	if (router_set_table(o->routes, o->nroutes)) {
		log_error("http", "the route table has more than %d routes", ROUTER_MAX_ROUTES);
		return -1;
	}
	if (listen_fd < 0 && http_listen(o->host, o->port))
		return -1;
	route_metrics_init();
	req_set_workers(o->workers);
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
			 MHD_USE_TURBO | (listen_v6 ? MHD_USE_IPv6 : 0);
	/* libmicrohttpd ignores a pool size of 1 and runs its single-thread epoll mode instead,
	 * which stalls with 256 keep-alive connections (make bench, healthz-c256: ~100 req/s
	 * instead of ~70 k). So the pool has at least 2 threads, even on one core. */
	unsigned pool = o->threads < 2 ? 2u : (unsigned)o->threads;
	daemon_ = MHD_start_daemon(
		flags, (uint16_t)bound_port, NULL, NULL, on_access, NULL, MHD_OPTION_LISTEN_SOCKET, listen_fd,
		MHD_OPTION_THREAD_POOL_SIZE, pool, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)o->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->conn_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
		NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		/* Not strict: the edge is stricter still, and answers in JSON; libmicrohttpd's
		 * strict mode only adds its own answers, malformed in 0.9.75 (written twice). */
		MHD_OPTION_STRICT_FOR_CLIENT, 0, MHD_OPTION_END);
	if (!daemon_) {
		log_error("http", "cannot start the HTTP server on %s:%d", o->host, bound_port);
		close(listen_fd);
		listen_fd = -1;
		return -1;
	}
	return 0;
}

void http_stop(int grace_s)
{
	if (!daemon_) {
		if (listen_fd >= 0)
			close(listen_fd); /* bound, never started */
		listen_fd = -1;
		return;
	}
	atomic_store(&stopping, true);
	MHD_socket ls = MHD_quiesce_daemon(daemon_);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	for (int i = 0; i < nshutdown_hooks; i++)
		shutdown_hooks[i]();
	int64_t deadline = time_mono_us() + (int64_t)grace_s * 1000000;
	while (atomic_load(&inflight) > 0 && time_mono_us() < deadline)
		usleep(10000);
	if (atomic_load(&inflight) > 0)
		log_warn("shutdown", "%d requests still in flight after %d s", atomic_load(&inflight), grace_s);
	MHD_stop_daemon(daemon_);
	daemon_ = NULL;
	listen_fd = -1; /* closed above (quiesce handed it back) */
}
