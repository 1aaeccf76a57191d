/* edge.h — the connection edge: every byte a client sends passes wire.c's strict
 * framing check before libmicrohttpd reads it, and what fails is answered here, in
 * JSON, and the connection closed. Internal to src/http (server.c is the caller). */
#ifndef AG_EDGE_H
#define AG_EDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct edge_conn;

/* A connection libmicrohttpd accepted (fd) starts / ends; each request on it must
 * arrive whole within deadline_us (AUTHGATE_REQUEST_TIMEOUT), else 408. edge_open
 * returns NULL when the connection cannot be watched (out of memory, fd past the
 * table): its requests then fail closed at edge_take. */
struct edge_conn *edge_open(int fd, int64_t deadline_us);
void edge_close(struct edge_conn *ec);

/* libmicrohttpd hands the application a request head: true when wire.c passed it.
 * Every head must have been checked; false means a byte reached the parser unseen,
 * and the request is to be refused. */
bool edge_take(struct edge_conn *ec);
/* That request is finished (answered or abandoned). */
void edge_finish(struct edge_conn *ec);

/* Answer a request in progress at once — status, a JSON body, the extra response headers
 * given (Allow, CORS) and Connection: close — and end our side of the connection: for
 * errors chosen while a body is still on its way (server.c's answer_now). No body for
 * HEAD. False when there is no edge for this connection. The caller closes the
 * connection after dropping what still arrives. */
struct resp_header;
bool edge_refuse(struct edge_conn *ec, int status, const char *json, size_t len, const struct resp_header *extra,
		 int nextra, bool head);
/* The status the edge answered on this connection, 0 if none. */
int edge_answered(const struct edge_conn *ec);

/* From server.c: one access-log line and metrics for a request the edge refused before
 * the application saw it (no method or path is logged: none was accepted). */
void http_log_refused(const char *ip, int status, int64_t dur_us);

#endif
