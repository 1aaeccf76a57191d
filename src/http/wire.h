/* wire.h — the strict HTTP/1.1 framing check (RFC 9112) over the raw bytes a client
 * sends, fed as they arrive, before libmicrohttpd parses them (edge.c says why). It
 * follows every message on a connection: request line, header fields, then the body
 * by Content-Length or chunked coding (with trailers), so it knows where the next
 * request starts, exactly as libmicrohttpd will. Pure: no I/O, no allocation. */
#ifndef AG_WIRE_H
#define AG_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_MAX_FIELDS 100 /* header (or trailer) fields in one message */
/* An absolute-form target's authority (host[:port]; a DNS name is at most 253 bytes). */
#define WIRE_AUTHORITY_MAX 262

struct wire {
	/* The verdict: status 0 while every byte so far is acceptable; else the HTTP
	 * status to answer, a JSON error code and a message naming the problem. Once
	 * set it stays: the connection is to be answered and closed. */
	int status;
	const char *code;
	const char *why;
	unsigned heads; /* request heads accepted so far on this connection */

	/* parser state (wire.c) */
	uint8_t st;
	uint8_t field; /* framing field whose value is being read */
	bool bad_value; /* that value is already known to be invalid */
	bool trailer; /* reading the trailer section of a chunked body */
	bool http10;
	bool absolute; /* the request-target is in absolute-form (http://host/path) */
	bool host_differs; /* the Host value so far differs from that target's authority */
	uint8_t ncl, nte, nhost;
	uint16_t auth_len; /* bytes of the authority; while reading Host: bytes compared */
	uint16_t host_len;
	char authority[WIRE_AUTHORITY_MAX]; /* lower-cased */
	uint8_t len; /* bytes in acc / digits of a chunk size */
	char acc[24]; /* version, lower-cased field name, Transfer-Encoding value */
	uint32_t head_bytes;
	uint32_t nfields;
	uint32_t ext_bytes; /* chunk extension length */
	uint64_t cl; /* Content-Length, or the chunk size being read */
	uint64_t left; /* bytes left in the body or the current chunk */
	uint64_t body; /* bytes of the current body so far */
	size_t msg_start; /* where the current message began in the last buffer fed */
};

/* Feed the next n bytes received. Returns how many of them belong to messages before
 * the one refused — bytes the server may still process, since those messages were
 * well-formed — which is n while nothing is refused. */
size_t wire_feed(struct wire *w, const char *p, size_t n);

/* Between messages: every byte fed so far belongs to a finished message. */
bool wire_idle(const struct wire *w);
/* The message under way took too long to arrive (edge.c's deadline): the verdict is
 * 408, as if a byte had been refused. */
void wire_late(struct wire *w);

#endif
