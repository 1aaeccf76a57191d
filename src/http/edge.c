/* edge.c — the connection edge: wire.c's strict framing check on every byte a client
 * sends, before libmicrohttpd parses it.
 *
 * Why. libmicrohttpd 0.9.75 (Debian 12's) parses leniently and has no option to stop
 * it: a header name with whitespace before the colon ("Content-Length : 47") is kept
 * as a different header, a bare CR stays inside a value, a NUL cuts a value short, a
 * bare LF ends a line, "Transfer-Encoding: chunked " is not chunked, obs-fold glues two
 * lines into one name, extra spaces in the request line are skipped or drop the
 * connection without an answer. Behind a proxy that reads the same bytes another way,
 * each is a request-smuggling primitive. Its own error answers (no Host, a malformed
 * Content-Length) are malformed too: status line and headers written twice. And its
 * API shows only the parsed result, so none of this can be seen after the fact.
 *
 * How. libmicrohttpd reads a connection only through recv(2) (recv_param_adapter),
 * called through the PLT. This file defines recv(): the executable's definition is
 * the one the dynamic linker binds every library's recv to. For a socket
 * libmicrohttpd accepted (registered by server.c from MHD_OPTION_NOTIFY_CONNECTION,
 * before its first read and until after its last), the bytes go through wire_feed
 * before libmicrohttpd sees them; for any other descriptor (libpq, libcurl) it is the
 * C library's recv, one table lookup later. Peeking instead (recv with MSG_PEEK from
 * a callback) cannot work: libmicrohttpd reads as soon as epoll reports data, with no
 * callback in between, and pipelined requests sit in its buffer, not the socket's.
 *
 * A refused message is answered here: a JSON error with the security headers and
 * Connection: close, written to the socket; then recv reports end of stream so
 * libmicrohttpd closes the connection. Messages before it on the same connection
 * (pipelined) are handed over first and answered in order; the refusal follows when
 * libmicrohttpd asks for more. So libmicrohttpd only ever parses well-formed heads,
 * and never writes an error answer of its own for them.
 *
 * Fail closed: server.c asks edge_take() for every head libmicrohttpd hands it, and
 * refuses the request unless the edge passed it — a libmicrohttpd that read some other
 * way (recvmsg, a fortified __recv_chk) would fail every request, loudly, rather than
 * run unchecked. (libmicrohttpd >= 0.9.77 has MHD_OPTION_CLIENT_DISCIPLINE_LVL for much
 * of this; 0.9.75 does not.) */
#undef _FORTIFY_SOURCE /* our recv() must not meet glibc's inline fortified recv */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/edge.h"
#include "http/request.h"
#include "http/server.h"
#include "http/wire.h"

struct edge_conn {
	int fd;
	struct wire w;
	bool pending; /* refused: answer when libmicrohttpd asks for more bytes */
	int answered; /* status the edge wrote, 0 if none */
	unsigned taken; /* heads handed to the application */
	unsigned finished; /* of those, finished */
	int64_t since_us; /* start of the current message, roughly (for the log) */
	int64_t deadline_us; /* a message must arrive whole within this */
	int64_t msg_us; /* when the message being received began (coarse clock); 0: none */
};

typedef _Atomic(struct edge_conn *) edge_slot;
static edge_slot *_Atomic slots; /* by file descriptor */
static _Atomic size_t nslots;
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;
static pthread_once_t recv_once = PTHREAD_ONCE_INIT;
static ssize_t (*libc_recv)(int, void *, size_t, int);

#define MAX_SLOTS (1u << 20)
#define DRAIN_MAX (256 * 1024)

static void resolve_recv(void)
{
	*(void **)&libc_recv = dlsym(RTLD_NEXT, "recv");
	if (!libc_recv) {
		fputs("authgate: cannot resolve recv()\n", stderr);
		abort();
	}
}

/* One slot per possible descriptor: serve raises RLIMIT_NOFILE before the server starts. */
static void slots_init(void)
{
	struct rlimit rl;
	size_t n = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > n)
		n = rl.rlim_cur > MAX_SLOTS ? MAX_SLOTS : (size_t)rl.rlim_cur;
	edge_slot *t = calloc(n, sizeof *t);
	if (!t)
		return;
	atomic_store_explicit(&nslots, n, memory_order_relaxed);
	atomic_store_explicit(&slots, t, memory_order_release);
}

static edge_slot *slot(int fd)
{
	edge_slot *t = atomic_load_explicit(&slots, memory_order_acquire);
	if (!t || fd < 0 || (size_t)fd >= atomic_load_explicit(&nslots, memory_order_relaxed))
		return NULL;
	return &t[fd];
}

struct edge_conn *edge_open(int fd, int64_t deadline_us)
{
	pthread_once(&slots_once, slots_init);
	edge_slot *s = slot(fd);
	struct edge_conn *ec = s ? calloc(1, sizeof *ec) : NULL;
	if (!ec) {
		log_error("http", "connection on descriptor %d is not watched by the edge: its requests are refused",
		          fd);
		return NULL;
	}
	ec->fd = fd;
	ec->deadline_us = deadline_us;
	ec->since_us = time_mono_us();
	atomic_store_explicit(s, ec, memory_order_release);
	return ec;
}

/* Called before libmicrohttpd closes the descriptor, so the number cannot have been
 * reused by then. */
void edge_close(struct edge_conn *ec)
{
	if (!ec)
		return;
	edge_slot *s = slot(ec->fd);
	if (s)
		atomic_store_explicit(s, NULL, memory_order_release);
	free(ec);
}

bool edge_take(struct edge_conn *ec)
{
	if (!ec || ec->taken >= ec->w.heads)
		return false;
	ec->taken++;
	return true;
}

void edge_finish(struct edge_conn *ec)
{
	if (ec && ec->finished < ec->taken) {
		ec->finished++;
		ec->since_us = time_mono_us();
	}
}

int edge_answered(const struct edge_conn *ec)
{
	return ec ? ec->answered : 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* Security headers on every answer, as server.c's add_common_headers gives JSON. */
static const struct resp_header security_headers[] = {
	{"Cache-Control", "no-store"},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Content-Security-Policy", HTTP_API_CSP},
};

static bool named(const struct resp_header *h, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcasecmp(h[i].name, name) == 0)
			return true;
	return false;
}

/* Write the answer and end our side of the connection (FIN after the answer). */
static void write_answer(struct edge_conn *ec, int status, const char *json, size_t len,
			 const struct resp_header *extra, int nextra, bool head)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&now, &tm));
	struct buf b = BUF_INIT(2048);
	buf_printf(&b, "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		       "Connection: close\r\n",
		   status, reason(status), date, len);
	for (int i = 0; i < nextra; i++)
		buf_printf(&b, "%s: %s\r\n", extra[i].name, extra[i].value);
	for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
		if (!named(extra, nextra, security_headers[i].name))
			buf_printf(&b, "%s: %s\r\n", security_headers[i].name, security_headers[i].value);
	buf_puts(&b, "\r\n");
	if (!head)
		buf_append(&b, json, len);
	if (b.p)
		(void)send(ec->fd, b.p, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	buf_free(&b);
	shutdown(ec->fd, SHUT_WR);
	ec->answered = status;
}

bool edge_refuse(struct edge_conn *ec, int status, const char *json, size_t len, const struct resp_header *extra,
		 int nextra, bool head)
{
	if (!ec)
		return false;
	if (!ec->answered)
		write_answer(ec, status, json, len, extra, nextra, head);
	return true;
}

static void peer_ip(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	snprintf(out, n, "-");
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)n);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, (socklen_t)n);
}

/* wire.c refused a message: answer it. When a request of this connection is in the
 * application's hands, server.c logs it with our status; else we log here. */
static void answer_refused(struct edge_conn *ec)
{
	const struct wire *w = &ec->w;
	struct buf b = BUF_INIT(256);
	buf_puts(&b, "{\"error\":");
	json_buf_str(&b, w->code);
	buf_puts(&b, ",\"message\":");
	json_buf_str(&b, w->why);
	buf_puts(&b, "}");
	write_answer(ec, w->status, b.p ? b.p : "{}", b.p ? b.len : 2, NULL, 0, false);
	buf_free(&b);
	/* Read what the client already sent, so that closing with it unread does not reset
	 * the connection under the answer before the client reads it. */
	char sink[4096];
	size_t drained = 0;
	ssize_t n;
	while (drained < DRAIN_MAX && (n = libc_recv(ec->fd, sink, sizeof sink, MSG_DONTWAIT)) > 0)
		drained += (size_t)n;
	char ip[INET6_ADDRSTRLEN];
	peer_ip(ec->fd, ip, sizeof ip);
	log_security(w->status == 408 ? "slow_request" : "bad_framing", ip, "%s", w->why);
	if (ec->taken == ec->finished)
		http_log_refused(ip, w->status, time_mono_us() - ec->since_us);
}

/* The receive deadline, checked when bytes arrive. libmicrohttpd's timeout
 * (AUTHGATE_CONN_TIMEOUT) only ends a connection that sends nothing for that long, so
 * a client sending a byte now and then could hold a connection — and a handler waiting
 * for its body — for as long as it liked. A message's clock starts with the read in
 * which it began; time idle between requests on a keep-alive connection does not
 * count. Returns false when the message under way is late (the verdict is then 408). */
static bool in_time(struct edge_conn *ec)
{
	if (ec->deadline_us <= 0) /* none set (http_opts.request_timeout_s 0) */
		return true;
	if (wire_idle(&ec->w)) {
		ec->msg_us = 0;
		return true;
	}
	int64_t now = time_mono_coarse_us();
	if (!ec->msg_us || ec->w.msg_start) /* it began in this read */
		ec->msg_us = now;
	else if (now - ec->msg_us > ec->deadline_us)
		wire_late(&ec->w);
	return !ec->w.status;
}

static ssize_t edge_recv(struct edge_conn *ec, void *buf, size_t len, int flags)
{
	if (ec->answered && ec->w.status)
		return 0;
	if (ec->pending) {
		answer_refused(ec);
		return 0;
	}
	ssize_t n = libc_recv(ec->fd, buf, len, flags);
	if (n <= 0)
		return n;
	size_t ok = wire_feed(&ec->w, buf, (size_t)n);
	if (!ec->w.status) {
		if (in_time(ec))
			return n;
		ok = 0; /* late: none of the message's bytes reaches libmicrohttpd */
	}
	if (ec->answered)
		return 0; /* the application's refusal is out already: just end */
	if (ok) {
		/* Let libmicrohttpd answer the well-formed messages first. Getting fewer bytes
		 * than it asked for, it takes the socket as drained and waits for epoll to say
		 * otherwise; ending our reading side is that signal, and its next recv comes here. */
		ec->pending = true;
		shutdown(ec->fd, SHUT_RD);
		return (ssize_t)ok;
	}
	answer_refused(ec);
	return 0;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	pthread_once(&recv_once, resolve_recv);
	edge_slot *s = (flags & MSG_PEEK) ? NULL : slot(fd);
	struct edge_conn *ec = s ? atomic_load_explicit(s, memory_order_acquire) : NULL;
	return ec ? edge_recv(ec, buf, len, flags) : libc_recv(fd, buf, len, flags);
}
