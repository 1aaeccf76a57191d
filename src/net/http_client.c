/* http_client.c — one outgoing HTTP request on libcurl with every limit AuthGate
 * needs for URLs that others choose: SSRF guard with the checked address pinned,
 * no redirects, no proxies, timeouts, a response cap, Retry-After parsed. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/str.h"
#include "core/timeutil.h"
#include "net/net.h"

struct xfer {
	struct http_in *in;
	bool allow_private;
	bool refused; /* the socket callback refused an address */
	bool too_big;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	if (x->in->body_len + len > HTTP_CLIENT_MAX_RESPONSE) {
		x->too_big = true;
		return 0; /* abort: we have the status, the rest is not worth reading */
	}
	char *nb = realloc(x->in->body, x->in->body_len + len + 1);
	if (!nb)
		return 0;
	memcpy(nb + x->in->body_len, p, len);
	x->in->body = nb;
	x->in->body_len += len;
	nb[x->in->body_len] = 0;
	return len;
}

/* Cache-Control: max-age=N (JWKS and discovery documents); no-store and no-cache mean
 * "do not reuse" (0). */
static void cache_control(struct xfer *x, const char *v)
{
	if (strcasestr(v, "no-store") || strcasestr(v, "no-cache")) {
		x->in->max_age_s = 0;
		return;
	}
	const char *m = strcasestr(v, "max-age=");
	if (!m || (m > v && m[-1] != ' ' && m[-1] != ','))
		return;
	char num[16];
	size_t i = 0;
	for (m += 8; i + 1 < sizeof num && *m >= '0' && *m <= '9'; m++)
		num[i++] = *m;
	num[i] = 0;
	int64_t secs;
	if (str_to_i64(num, 0, 365L * 24 * 3600, &secs) == 0)
		x->in->max_age_s = secs;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	static const char name[] = "retry-after:", cc[] = "cache-control:";
	if (len > sizeof cc - 1 && len < 300 && strncasecmp(p, cc, sizeof cc - 1) == 0) {
		char v[300];
		memcpy(v, p + sizeof cc - 1, len - (sizeof cc - 1));
		v[len - (sizeof cc - 1)] = 0;
		cache_control(x, v);
	}
	if (len > sizeof name - 1 && len < 200 && strncasecmp(p, name, sizeof name - 1) == 0) {
		char v[200];
		size_t vl = len - (sizeof name - 1);
		memcpy(v, p + sizeof name - 1, vl);
		v[vl] = 0;
		char *s = v;
		while (*s == ' ' || *s == '\t')
			s++;
		s[strcspn(s, "\r\n")] = 0;
		int64_t secs;
		if (str_to_i64(s, 0, 30L * 24 * 3600, &secs) == 0) {
			x->in->retry_after_s = secs;
		} else {
			time_t t = curl_getdate(s, NULL);
			if (t > 0) {
				int64_t d = (int64_t)t - time_now_ms() / 1000;
				x->in->retry_after_s = d > 0 ? d : 0;
			}
		}
	}
	return len;
}

/* Last line of defence: whatever curl decided to connect to is checked again. */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct xfer *x = ud;
	if (purpose != CURLSOCKTYPE_IPCXN || !ssrf_sockaddr_allowed(&addr->addr, x->allow_private)) {
		x->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

/* The host of a URL without IPv6 brackets into out; true when it is an IP literal. */
static bool bare_host(const char *host, char *out, size_t outsz)
{
	size_t hl = strlen(host);
	bool v6lit = hl > 2 && host[0] == '[' && host[hl - 1] == ']';
	str_copy(out, v6lit ? host + 1 : host, outsz);
	if (v6lit && hl - 2 < outsz)
		out[hl - 2] = 0;
	unsigned char tmp[16];
	return inet_pton(AF_INET, out, tmp) == 1 || inet_pton(AF_INET6, out, tmp) == 1;
}

/* localhost and *.localhost, any case (RFC 6761: they resolve to loopback). */
static bool is_localhost(const char *name)
{
	size_t n = strlen(name), k = strlen("localhost");
	return n >= k && strcasecmp(name + n - k, "localhost") == 0 && (n == k || name[n - k - 1] == '.');
}

const char *net_url_problem(struct arena *a, const char *url, bool allow_private)
{
	struct url_parts u;
	const char *why = url_parse(a, url, &u);
	if (why)
		return why;
	if (!u.https && !allow_private)
		return "must use https (plain http only when AUTHGATE_ALLOW_PRIVATE_NETWORK is on)";
	if (u.has_fragment)
		return "must not contain a fragment";
	char bare[256];
	bool literal = bare_host(u.host, bare, sizeof bare);
	if ((literal && !ssrf_addr_allowed(bare, allow_private)) ||
	    (!literal && !allow_private && is_localhost(bare)))
		return "points to an address AuthGate may not connect to (private, loopback, link-local, ...)";
	return NULL;
}

enum ag_err http_send(const struct http_out *o, struct http_in *in)
{
	memset(in, 0, sizeof(*in));
	in->retry_after_s = -1;
	in->max_age_s = -1;
	int64_t t0 = time_mono_us();
	enum ag_err e;
	struct arena *a = arena_new();
	struct curl_slist *hdrs = NULL, *resolve = NULL;
	CURL *c = NULL;
	/* The same parser and rules the URL was registered under (url.c). */
	struct url_parts u;
	const char *why = url_parse(a, o->url, &u);
	if (why) {
		snprintf(in->error, sizeof in->error, "the URL %s", why);
		e = AG_EINVAL;
		goto out;
	}
	long port = u.port;
	/* Resolve ourselves and pin curl to the address we checked: a name that resolves
	 * to a public address now and to 127.0.0.1 a moment later (DNS rebinding) gets no
	 * second lookup. IP literals need no pin; the socket callback checks them. */
	char bare[256];
	if (bare_host(u.host, bare, sizeof bare)) {
		if (!ssrf_addr_allowed(bare, o->allow_private)) {
			snprintf(in->error, sizeof in->error, "address %.64s is not allowed", bare);
			e = AG_EFORBIDDEN;
			goto out;
		}
	} else {
		char addr[64], pin[400];
		if ((e = ssrf_resolve(bare, (int)port, o->allow_private, addr, sizeof addr, in->error,
				      sizeof in->error)))
			goto out;
		snprintf(pin, sizeof pin, strchr(addr, ':') ? "%s:%ld:[%s]" : "%s:%ld:%s", bare, port, addr);
		resolve = curl_slist_append(NULL, pin);
	}
	c = curl_easy_init();
	if (!c) {
		e = AG_EINTERNAL;
		goto out;
	}
	struct xfer x = {in, o->allow_private, false, false};
	for (const char *const *h = o->headers; h && *h; h++)
		hdrs = curl_slist_append(hdrs, *h);
	hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
	curl_easy_setopt(c, CURLOPT_URL, o->url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
	if (o->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, ""); /* ignore *_proxy variables: they would bypass the pin */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->timeout_ms < 5000 ? o->timeout_ms : 5000));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &x);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	in->status = (int)status;
	if (rc == CURLE_OK || (status > 0 && x.too_big)) {
		e = AG_OK;
	} else if (x.refused) {
		snprintf(in->error, sizeof in->error, "the target address is not allowed");
		e = AG_EFORBIDDEN;
	} else {
		snprintf(in->error, sizeof in->error, "%s", curl_easy_strerror(rc));
		in->status = 0;
		e = AG_EUNAVAIL;
	}
out:
	in->latency_ms = (time_mono_us() - t0) / 1000;
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(resolve);
	arena_free(a);
	return e;
}

void http_in_free(struct http_in *in)
{
	free(in->body);
	in->body = NULL;
	in->body_len = 0;
}
