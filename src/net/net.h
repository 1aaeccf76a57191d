/* net.h — outgoing network protocols on libcurl (the only module that includes
 * curl.h): SMTP submission of one message; one HTTP request for webhooks with hard
 * limits; the SSRF guard that decides which addresses AuthGate may connect to.
 * net_init runs curl's global set-up once, before any thread uses the network. */
#ifndef AG_NET_H
#define AG_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

/* Once at start-up, before threads: 0 on success. net_cleanup at exit. */
int net_init(void);
void net_cleanup(void);

/* What one SMTP transaction came to. */
enum smtp_result {
	SMTP_SENT,      /* the server accepted the message (250 after DATA) */
	SMTP_TEMPFAIL,  /* worth retrying: connection/TLS trouble, timeouts, 4xx replies */
	SMTP_PERMFAIL,  /* the server refused this message for good: a 5xx to MAIL, RCPT or DATA */
	SMTP_AUTHFAIL,  /* the server refused the credentials (5xx to AUTH, e.g. 535): a configuration error */
};

struct smtp_opts {
	const char *url;      /* smtp://host:port[/ehlo-name] or smtps://host:port (implicit TLS) */
	const char *tls;      /* for smtp://: "starttls" (required), "try" or "off" */
	const char *user;     /* NULL or "" = no AUTH */
	const char *password; /* never logged */
	const char *ca_file;  /* NULL or "" = the system's CA store */
};

#define SMTP_CONNECT_TIMEOUT_MS 10000
#define SMTP_TOTAL_TIMEOUT_MS 30000

/* Send one RFC 5322 message (CRLF lines) from envelope sender `from` to `rcpt`.
 * On failure `err` gets a short reason fit for logs (no password, no message text). */
enum smtp_result smtp_send(const struct smtp_opts *o, const char *from, const char *rcpt, const char *msg,
			   size_t len, char *err, size_t errsz);

/* ---- SSRF guard (ssrf.c) ------------------------------------------------------ */

/* Is this numeric address (text, v4 or v6) one AuthGate may connect to? Private,
 * loopback, link-local, unique-local, CGNAT and (when allow_private is false) the same
 * ranges embedded in IPv4-mapped/compatible, 6to4 and NAT64 addresses are refused;
 * unspecified, multicast, broadcast and reserved addresses are refused always. */
bool ssrf_addr_allowed(const char *ip, bool allow_private) MUST_CHECK;
/* Same for a raw sockaddr (struct sockaddr *). */
bool ssrf_sockaddr_allowed(const void *sa, bool allow_private) MUST_CHECK;

/* Resolve host and pick the first address that is allowed; writes it as text into
 * addr (INET6_ADDRSTRLEN). AG_EFORBIDDEN when every address is refused (why says so),
 * AG_EUNAVAIL when the name does not resolve. */
enum ag_err ssrf_resolve(const char *host, int port, bool allow_private, char *addr, size_t addrsz, char *why,
			 size_t whysz) MUST_CHECK;

/* ---- HTTP client (http_client.c) --------------------------------------------- */

/* ---- URLs (url.c): the one parser, libcurl's CURLU, for every URL we check or use ---- */

#define URL_MAX 2048

struct url_parts {
	bool https;
	const char *host;   /* as written; an IPv6 literal in brackets */
	int port;           /* written, or the scheme's default */
	bool port_written;
	const char *path;   /* "/" at least */
	bool has_path;      /* a path was written (an origin has none) */
	const char *query;  /* without '?', NULL when none */
	bool has_fragment;
	const char *host_lc; /* the host as browsers compare it: lowercase; an IPv6 literal in
	                        brackets, in the shortest form (WHATWG's serializer) */
	bool ip_host;        /* the host is an IP address, not a name (url_host_is_ip) */
	const char *origin;  /* scheme://host_lc[:port]: the Origin a browser sends for a page
	                        at this URL (no default port) */
};

/* Parse an http(s) URL strictly (see url.c): NULL and *out filled (in the arena), or
 * the reason, a phrase to follow the URL's name ("callback_url " + reason). */
const char *url_parse(struct arena *a, const char *s, struct url_parts *out);
/* An origin as browsers send it: scheme://host[:port], lowercase, no default port. */
const char *url_check_origin(struct arena *a, const char *s);
/* The parts that comparisons with what a browser sends need, by url_parse (so NULL for
 * anything it refuses): the origin (https://App.Example:443/x -> https://app.example)
 * and the host (lowercase; an IPv6 literal in brackets, shortest form). */
const char *url_origin_of(struct arena *a, const char *url);
const char *url_host_of(struct arena *a, const char *url);
/* Is this host (as url_parse gives it) an IP address rather than a name: an IPv6
 * literal in brackets, or a last label that is a number (WHATWG: browsers read such a
 * host as IPv4, so it is never a domain; WebAuthn refuses it as an RP ID). */
bool url_host_is_ip(const char *host);

/* Registration-time check of a URL others will make us call: http(s), a host, no
 * fragment; an IP-literal host must pass the SSRF guard (names are checked when
 * connecting, since what they resolve to can change). Plain http only when
 * allow_private (development). NULL when fine, else the reason. */
const char *net_url_problem(struct arena *a, const char *url, bool allow_private);

#define HTTP_CLIENT_MAX_RESPONSE (64 * 1024)

struct http_out {
	const char *method;   /* "POST" */
	const char *url;      /* http(s) only */
	const char *const *headers; /* "Name: value" strings, NULL-terminated */
	const char *body;
	size_t body_len;
	int timeout_ms;       /* whole request, connect included */
	bool allow_private;   /* g_cfg.allow_private_network */
};

struct http_in {
	int status;           /* 0 when no response arrived */
	int64_t retry_after_s; /* Retry-After in seconds, -1 when absent */
	int64_t max_age_s;     /* Cache-Control max-age in seconds; 0 for no-store/no-cache; -1 when absent */
	int64_t latency_ms;
	char *body;           /* malloc'd (caller frees), at most HTTP_CLIENT_MAX_RESPONSE bytes */
	size_t body_len;
	char error[256];      /* why no response arrived */
};

/* Send one request. Redirects are never followed (a 3xx is a response like any other),
 * proxies from the environment are ignored, the connection goes to the address the
 * SSRF guard checked (pinned, so DNS rebinding cannot switch it), the response is
 * capped. AG_OK when a response arrived (any status), AG_EFORBIDDEN when the target
 * is refused, AG_EUNAVAIL for network errors and timeouts, AG_EINVAL for a bad URL. */
enum ag_err http_send(const struct http_out *o, struct http_in *in) MUST_CHECK;
void http_in_free(struct http_in *in);

#endif
