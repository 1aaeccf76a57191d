/* wire.c — the strict HTTP/1.1 framing check; see wire.h, and edge.c for where it runs.
 *
 * One state per position in the RFC 9112 grammar. Each byte either moves the state on
 * or refuses the message, naming the rule it broke. Where the RFC lets a recipient
 * choose between tolerating and refusing (bare LF, obs-fold, whitespace around framing
 * values, duplicate Content-Length), we refuse: every tolerance is a place where a
 * front proxy and libmicrohttpd 0.9.75 may read the same bytes differently — which is
 * request smuggling. The rules that decide where a message ends (Content-Length,
 * chunked) are exactly libmicrohttpd's on the messages we let through, so both always
 * agree on where the next request starts. */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "http/server.h"
#include "http/wire.h"

_Static_assert(HTTP_MAX_HEADER_BYTES == 16 * 1024, "update the 431 message below");
_Static_assert(HTTP_MAX_BODY == 1024 * 1024, "update the 413 messages below");

enum {
	W_LINE, /* before a request line; empty lines are skipped (RFC 9112 §2.2) */
	W_LINE_LF, /* the LF of such an empty line */
	W_METHOD,
	W_TARGET0, /* the first byte of the request-target */
	W_SCHEME, /* absolute-form: the scheme, then "//" */
	W_SLASH1,
	W_SLASH2,
	W_AUTHORITY, /* absolute-form: host[:port], up to the path, query or the space */
	W_ASTERISK, /* asterisk-form: the space after "*" */
	W_TARGET, /* the rest of the target: path and query */
	W_VERSION,
	W_LINE_END, /* the LF ending the request line */
	W_FIELD, /* a field line, or the CR of the empty line ending the section */
	W_NAME,
	W_OWS, /* whitespace between the colon and the value */
	W_VALUE,
	W_FIELD_END, /* the LF ending a field line */
	W_SECTION_END, /* the LF of the empty line ending the head or the trailers */
	W_BODY, /* a Content-Length body */
	W_CHUNK_SIZE,
	W_CHUNK_EXT,
	W_CHUNK_SIZE_END, /* the LF ending a chunk-size line */
	W_CHUNK_DATA,
	W_CHUNK_CR, /* the CRLF after chunk data */
	W_CHUNK_LF,
	W_REFUSED,
};

enum { F_OTHER, F_CONTENT_LENGTH, F_TRANSFER_ENCODING, F_HOST };

#define CHUNK_EXT_MAX 256
#define MALFORMED_LINE "malformed request line (method, one space, target, one space, HTTP/1.1, CRLF)"
#define BAD_TARGET "request-target must be a path (/x), an http:// or https:// URL (http://host/x) or *"

/* Character classes, one table lookup each (RFC 9110 §5.6.2 tchar, VCHAR, field-vchar,
 * the Host value's characters). */
enum { C_TCHAR = 1, C_VCHAR = 2, C_FIELD_VCHAR = 4, C_HOST = 8 };
static const unsigned char cls[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 15, 6, 7, 15, 15, 15, 15, 14, 14, 15, 15, 14, 15, 15, 6,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 14, 14, 6, 14, 6, 6,
	6, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 14, 6, 14, 7, 15,
	7, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 6, 7, 6, 15, 0,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

static bool is_tchar(unsigned char c)
{
	return cls[c] & C_TCHAR;
}

static bool is_vchar(unsigned char c)
{
	return cls[c] & C_VCHAR;
}

/* field-vchar: visible ASCII or obs-text */
static bool is_field_vchar(unsigned char c)
{
	return cls[c] & C_FIELD_VCHAR;
}

static bool is_host_char(unsigned char c)
{
	return cls[c] & C_HOST;
}

static unsigned char lower(unsigned char c)
{
	return (unsigned char)(c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0));
}

static int hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void refuse(struct wire *w, int status, const char *why)
{
	w->status = status;
	w->why = why;
	switch (status) {
	case 413: w->code = "payload_too_large"; break;
	case 431: w->code = "headers_too_large"; break;
	case 505: w->code = "http_version_not_supported"; break;
	case 408: w->code = "request_timeout"; break;
	default: w->code = "invalid_request"; break;
	}
	w->st = W_REFUSED;
}

static void bad(struct wire *w, const char *why)
{
	refuse(w, 400, why);
}

/* A message ended: the next byte starts a new one. */
static void message_done(struct wire *w)
{
	w->st = W_LINE;
	w->trailer = w->http10 = w->absolute = w->host_differs = false;
	w->auth_len = w->host_len = 0;
	w->ncl = w->nte = w->nhost = 0;
	w->head_bytes = w->nfields = 0;
	w->cl = w->left = w->body = 0;
}

static void version_end(struct wire *w)
{
	if (w->len == 8 && memcmp(w->acc, "HTTP/1.1", 8) == 0) {
		w->st = W_LINE_END;
	} else if (w->len == 8 && memcmp(w->acc, "HTTP/1.0", 8) == 0) {
		w->http10 = true;
		w->st = W_LINE_END;
	} else if (w->len >= 6 && memcmp(w->acc, "HTTP/", 5) == 0 && w->acc[5] >= '0' && w->acc[5] <= '9') {
		refuse(w, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
	} else {
		bad(w, MALFORMED_LINE);
	}
}

/* The colon after a field name: which framing field is this? */
static void name_end(struct wire *w)
{
	size_t len = w->len;
	w->field = F_OTHER;
	w->bad_value = false;
	w->len = 0;
	if (w->trailer || len >= sizeof w->acc)
		return;
	if (len == 14 && memcmp(w->acc, "content-length", 14) == 0) {
		w->field = F_CONTENT_LENGTH;
		w->cl = 0;
		if (++w->ncl > 1)
			bad(w, "multiple Content-Length headers");
	} else if (len == 17 && memcmp(w->acc, "transfer-encoding", 17) == 0) {
		w->field = F_TRANSFER_ENCODING;
		if (++w->nte > 1)
			bad(w, "unsupported Transfer-Encoding (only chunked)");
	} else if (len == 4 && memcmp(w->acc, "host", 4) == 0) {
		w->field = F_HOST;
		if (++w->nhost > 1)
			bad(w, "multiple Host headers");
	}
}

/* One byte of a field value (not the leading whitespace). Whitespace inside or after a
 * framing value makes it invalid: libmicrohttpd keeps trailing whitespace, so for it
 * "chunked " is not chunked and "5 " is no length, while a proxy trims both. */
static void value_byte(struct wire *w, unsigned char c)
{
	switch (w->field) {
	case F_CONTENT_LENGTH:
		if (c < '0' || c > '9')
			w->bad_value = true;
		else if (w->cl > HTTP_MAX_BODY)
			w->cl = (uint64_t)HTTP_MAX_BODY + 1; /* saturate: too large is too large */
		else
			w->cl = w->cl * 10 + (uint64_t)(c - '0');
		w->len = 1; /* a digit or not, the value is not empty */
		break;
	case F_TRANSFER_ENCODING:
		if (w->len < sizeof w->acc)
			w->acc[w->len] = (char)(c | 0x20);
		if (w->len < 255)
			w->len++;
		break;
	case F_HOST:
		if (!is_host_char(c))
			w->bad_value = true;
		/* absolute-form: compared with the target's authority (case aside) */
		if (w->absolute && (w->host_len >= w->auth_len || w->authority[w->host_len] != (char)lower(c)))
			w->host_differs = true;
		if (w->host_len < UINT16_MAX)
			w->host_len++;
		break;
	}
}

static void value_end(struct wire *w)
{
	switch (w->field) {
	case F_CONTENT_LENGTH:
		if (w->bad_value || !w->len)
			bad(w, "invalid Content-Length (digits only, one header)");
		break;
	case F_TRANSFER_ENCODING:
		if (w->len != 7 || memcmp(w->acc, "chunked", 7) != 0)
			bad(w, "unsupported Transfer-Encoding (only chunked)");
		break;
	case F_HOST:
		if (w->bad_value)
			bad(w, "invalid Host header");
		else if (w->absolute && (w->host_differs || w->host_len != w->auth_len))
			bad(w, "Host differs from the authority of the absolute-form request-target");
		break;
	}
	w->st = W_FIELD_END;
}

/* The empty line after the header fields: decide how the body is framed. */
static void head_end(struct wire *w)
{
	if ((!w->http10 || w->absolute) && w->nhost == 0)
		bad(w, "missing Host header");
	else if (w->ncl && w->nte)
		bad(w, "both Content-Length and Transfer-Encoding");
	else if (w->nte && w->http10)
		bad(w, "Transfer-Encoding in an HTTP/1.0 request");
	else if (w->cl > HTTP_MAX_BODY)
		refuse(w, 413, "request body is larger than 1 MiB");
	if (w->status)
		return;
	w->heads++;
	if (w->nte) {
		w->st = W_CHUNK_SIZE;
		w->cl = w->len = 0;
	} else if (w->cl) {
		w->st = W_BODY;
		w->left = w->cl;
	} else {
		message_done(w);
	}
}

static void chunk_size_end(struct wire *w)
{
	if (w->cl == 0) { /* the last chunk: trailer fields follow, then an empty line */
		w->trailer = true;
		w->head_bytes = w->nfields = 0;
		w->st = W_FIELD;
	} else if (w->body + w->cl > HTTP_MAX_BODY) {
		refuse(w, 413, "request body is larger than 1 MiB");
	} else {
		w->body += w->cl;
		w->left = w->cl;
		w->st = W_CHUNK_DATA;
	}
}

/* One byte of a request line, field section or chunk framing. */
static void step(struct wire *w, unsigned char c)
{
	switch (w->st) {
	case W_LINE:
		if (c == '\r')
			w->st = W_LINE_LF;
		else if (is_tchar(c))
			w->st = W_METHOD;
		else
			bad(w, c == '\n' ? "line ends with a bare LF (CRLF required)" : MALFORMED_LINE);
		break;
	case W_LINE_LF:
		if (c == '\n')
			w->st = W_LINE;
		else
			bad(w, "bare CR in the request head");
		break;
	case W_METHOD:
		if (c == ' ')
			w->st = W_TARGET0;
		else if (!is_tchar(c))
			bad(w, MALFORMED_LINE);
		break;
	case W_TARGET0:
		/* origin-form (the usual), absolute-form (RFC 9112 §3.2.2: a server MUST accept
		 * it; clients send it to proxies), asterisk-form; authority-form is CONNECT's. */
		if (c == '/') {
			w->st = W_TARGET;
		} else if (c == '*') {
			w->st = W_ASTERISK;
		} else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
			w->acc[0] = (char)lower(c);
			w->len = 1;
			w->st = W_SCHEME;
		} else {
			bad(w, c == ' ' || c == '\r' || c == '\n' ? MALFORMED_LINE : BAD_TARGET);
		}
		break;
	case W_SCHEME:
		if (c == ':' && ((w->len == 4 && memcmp(w->acc, "http", 4) == 0) ||
		                 (w->len == 5 && memcmp(w->acc, "https", 5) == 0)))
			w->st = W_SLASH1;
		else if (w->len < 5 && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
			w->acc[w->len++] = (char)lower(c);
		else
			bad(w, BAD_TARGET);
		break;
	case W_SLASH1:
	case W_SLASH2:
		if (c != '/')
			bad(w, BAD_TARGET);
		else if (w->st == W_SLASH1)
			w->st = W_SLASH2;
		else
			w->st = W_AUTHORITY;
		break;
	case W_AUTHORITY:
		/* host[:port] as a Host value may be (no userinfo, no percent-encoding): the
		 * Host field must then be equal to it (value_byte), so that whatever reads
		 * Host — the project a host name claims — reads the target's authority. */
		if ((c == '/' || c == '?' || c == ' ') && w->auth_len) {
			w->absolute = true;
			w->st = c == ' ' ? W_VERSION : W_TARGET; /* no path: "/" (server.c) */
			w->len = 0;
		} else if (is_host_char(c) && c != '%' && w->auth_len < WIRE_AUTHORITY_MAX) {
			w->authority[w->auth_len++] = (char)lower(c);
		} else {
			bad(w, w->auth_len >= WIRE_AUTHORITY_MAX ? "request-target authority too long" : BAD_TARGET);
		}
		break;
	case W_ASTERISK:
		if (c == ' ') {
			w->st = W_VERSION;
			w->len = 0;
		} else {
			bad(w, BAD_TARGET);
		}
		break;
	case W_TARGET:
		if (is_vchar(c)) {
			w->st = W_TARGET;
		} else if (c == ' ') {
			w->st = W_VERSION;
			w->len = 0;
		} else {
			bad(w, c == ' ' || c == '\r' || c == '\n'
			           ? MALFORMED_LINE
			           : "request-target with a byte that is not visible ASCII");
		}
		break;
	case W_VERSION:
		if (c == '\r')
			version_end(w);
		else if (w->len < 8 && is_vchar(c))
			w->acc[w->len++] = (char)c;
		else
			bad(w, c == '\n' ? "line ends with a bare LF (CRLF required)" : MALFORMED_LINE);
		break;
	case W_LINE_END:
	case W_FIELD_END:
		if (c == '\n')
			w->st = W_FIELD;
		else
			bad(w, "bare CR in the request head");
		break;
	case W_FIELD:
		if (c == '\r') {
			w->st = W_SECTION_END;
		} else if (is_tchar(c)) {
			if (++w->nfields > WIRE_MAX_FIELDS) {
				refuse(w, 431, "more than 100 header fields");
				break;
			}
			w->acc[0] = (char)(c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0));
			w->len = 1;
			w->st = W_NAME;
		} else {
			bad(w, c == '\n'               ? "line ends with a bare LF (CRLF required)"
			       : c == ' ' || c == '\t' ? "obsolete line folding (a field line starting with whitespace)"
			       : c == ':'              ? "header field with an empty name"
			                               : "invalid header field name");
		}
		break;
	case W_NAME:
		if (c == ':') {
			name_end(w);
			if (!w->status)
				w->st = W_OWS;
		} else if (is_tchar(c)) {
			if (w->len < sizeof w->acc)
				w->acc[w->len] = (char)(c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0));
			if (w->len < 255)
				w->len++;
		} else {
			bad(w, c == ' ' || c == '\t'    ? "whitespace before ':' in a header field"
			       : c == '\r' || c == '\n' ? "header field line without ':'"
			                                : "invalid header field name");
		}
		break;
	case W_OWS:
	case W_VALUE:
		if (c == '\r') {
			value_end(w);
		} else if (is_field_vchar(c) || (w->st == W_VALUE && (c == ' ' || c == '\t'))) {
			w->st = W_VALUE;
			value_byte(w, c);
		} else if (c != ' ' && c != '\t') {
			bad(w, c == '\n' ? "line ends with a bare LF (CRLF required)"
			       : c == 0  ? "NUL in a header field value"
			                 : "control character in a header field value");
		}
		break;
	case W_SECTION_END:
		if (c != '\n')
			bad(w, "bare CR in the request head");
		else if (w->trailer)
			message_done(w);
		else
			head_end(w);
		break;
	case W_CHUNK_SIZE: {
		int h = hex(c);
		if (h >= 0 && w->len < 8) {
			w->cl = w->cl * 16 + (uint64_t)h;
			w->len++;
		} else if (h >= 0) {
			refuse(w, 413, "request body is larger than 1 MiB");
		} else if (w->len && c == ';') {
			w->ext_bytes = 0;
			w->st = W_CHUNK_EXT;
		} else if (w->len && c == '\r') {
			w->st = W_CHUNK_SIZE_END;
		} else {
			bad(w, "malformed chunked body (chunk size line)");
		}
		break;
	}
	case W_CHUNK_EXT:
		if (c == '\r')
			w->st = W_CHUNK_SIZE_END;
		else if (++w->ext_bytes > CHUNK_EXT_MAX || !(is_field_vchar(c) || c == ' ' || c == '\t'))
			bad(w, "malformed chunked body (chunk extension)");
		break;
	case W_CHUNK_SIZE_END:
		if (c == '\n')
			chunk_size_end(w);
		else
			bad(w, "malformed chunked body (bare CR)");
		break;
	case W_CHUNK_CR:
		if (c == '\r')
			w->st = W_CHUNK_LF;
		else
			bad(w, "malformed chunked body (chunk data longer than its size)");
		break;
	case W_CHUNK_LF:
		if (c == '\n') {
			w->st = W_CHUNK_SIZE;
			w->cl = w->len = 0;
		} else {
			bad(w, "malformed chunked body (bare CR)");
		}
		break;
	}
}

static bool in_section(const struct wire *w)
{
	return w->st <= W_SECTION_END;
}

#if defined(__SSE2__)
/* Sixteen bytes at a time (SSE2 is x86-64's baseline): how many from q on, up to lim,
 * are VCHAR (target) or field-vchar, SP or HTAB (value), the rest by the table. */
static size_t run16(const unsigned char *q, size_t lim, bool target)
{
	const __m128i del = _mm_set1_epi8(0x7f), tab = _mm_set1_epi8('\t');
	size_t k = 0;
	for (; lim - k >= 16; k += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(q + k)), bad;
		if (target) /* signed: <= 0x20 is a control character, SP or a byte >= 0x80 */
			bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x21)), _mm_cmpeq_epi8(v, del));
		else /* unsigned < 0x20 but HTAB, or DEL */
			bad = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(v, tab),
			                                    _mm_cmplt_epi8(_mm_xor_si128(v, _mm_set1_epi8((char)0x80)),
			                                                   _mm_set1_epi8((char)(0x20 ^ 0x80)))),
			                   _mm_cmpeq_epi8(v, del));
		unsigned m = (unsigned)_mm_movemask_epi8(bad);
		if (m)
			return k + (size_t)__builtin_ctz(m);
	}
	return k;
}
#endif

/* How many bytes from q on only keep the state where it is: the rest of a
 * request-target, a field name, or a field value that frames nothing — what step()
 * would do with each, without its switch per byte. */
static size_t same_state_run(struct wire *w, const unsigned char *q, size_t lim)
{
	size_t k = 0;
	switch (w->st) {
	case W_TARGET:
#if defined(__SSE2__)
		k = run16(q, lim, true);
#endif
		while (k < lim && (cls[q[k]] & C_VCHAR))
			k++;
		break;
	case W_VALUE:
		if (w->field != F_OTHER)
			break;
#if defined(__SSE2__)
		k = run16(q, lim, false);
#endif
		while (k < lim && ((cls[q[k]] & C_FIELD_VCHAR) || q[k] == ' ' || q[k] == '\t'))
			k++;
		break;
	case W_NAME:
		for (; k < lim && (cls[q[k]] & C_TCHAR); k++) {
			if (w->len < sizeof w->acc)
				w->acc[w->len] = (char)(q[k] | ((q[k] >= 'A' && q[k] <= 'Z') ? 0x20 : 0));
			if (w->len < 255)
				w->len++;
		}
		break;
	}
	return k;
}

size_t wire_feed(struct wire *w, const char *p, size_t n)
{
	if (w->status)
		return 0;
	w->msg_start = 0;
	for (size_t i = 0; i < n; i++) {
		if (w->st == W_BODY || w->st == W_CHUNK_DATA) {
			/* Body bytes: skip them whole, whatever they are. */
			size_t take = n - i < w->left ? n - i : (size_t)w->left;
			w->left -= take;
			i += take - 1;
			if (w->left == 0) {
				if (w->st == W_BODY) {
					message_done(w);
					w->msg_start = i + 1;
				} else {
					w->st = W_CHUNK_CR;
				}
			}
			continue;
		}
		if (w->st == W_TARGET || w->st == W_VALUE || w->st == W_NAME) {
			/* within the head's limit: the byte past it goes the slow way, and fails */
			size_t room = HTTP_MAX_HEADER_BYTES - w->head_bytes, lim = n - i < room ? n - i : room;
			size_t k = same_state_run(w, (const unsigned char *)p + i, lim);
			w->head_bytes += (uint32_t)k;
			i += k;
			if (i == n)
				break;
		}
		if (in_section(w) && ++w->head_bytes > HTTP_MAX_HEADER_BYTES) {
			refuse(w, 431,
			       w->trailer ? "trailer fields exceed 16 KiB"
			                  : "request line and header fields exceed 16 KiB");
			return w->msg_start;
		}
		step(w, (unsigned char)p[i]);
		if (w->status)
			return w->msg_start;
		if (w->st == W_LINE && w->head_bytes == 0)
			w->msg_start = i + 1; /* a message just ended here */
	}
	return n;
}

bool wire_idle(const struct wire *w)
{
	return w->st == W_LINE && w->head_bytes == 0;
}

void wire_late(struct wire *w)
{
	if (!w->status)
		refuse(w, 408, "the request did not arrive in time (AUTHGATE_REQUEST_TIMEOUT)");
}
