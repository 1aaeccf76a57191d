/* url.c — the one URL parser. Every URL AuthGate validates (callback URLs, origins,
 * webhook and provider endpoints) and every URL it connects to goes through libcurl's
 * CURLU, the parser the HTTP client uses, so a check and a use cannot read one string
 * two ways. CURLU alone is lenient (it takes `https:/x`, `http://2130706433/`,
 * `a\@b`, `%6c` in a host, drops an empty port, removes dot segments), and a browser
 * may read such a string differently; so a URL is accepted only when it is already in
 * the form CURLU writes back, made of printable ASCII, without credentials or a zone,
 * with a host of non-empty labels and a port from 1 to 65535. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "net/net.h"

static bool printable_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\' || *p == '"' || *p == '<' || *p == '>' || *p == '`')
			return false;
	return true;
}

/* Labels of a name: non-empty, letters, digits, '-' and '_' (no trailing dot: the
 * same host spelled twice, which lets `localhost.` past a name check). */
static bool host_ok(const char *h)
{
	if (h[0] == '[')
		return true; /* an IPv6 literal: CURLU checked it */
	if (!*h || *h == '.' || h[strlen(h) - 1] == '.' || strstr(h, ".."))
		return false;
	for (const char *p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.'))
			return false;
	return true;
}

/* A path segment that a browser reads as "." or "..", written with %2e: CURLU keeps
 * it, a browser resolves it. (Plain dot segments fail the round trip already.) */
static bool dot_segment(const char *path)
{
	const char *p = path;
	while (*p == '/') {
		const char *seg = ++p;
		size_t n = strcspn(seg, "/"), i = 0, dots = 0;
		while (i < n) {
			if (seg[i] == '.')
				i++;
			else if (n - i >= 3 && seg[i] == '%' && seg[i + 1] == '2' && (seg[i + 2] | 0x20) == 'e')
				i += 3;
			else
				break;
			dots++;
		}
		if (n && i == n && dots <= 2)
			return true;
		p = seg + n;
	}
	return false;
}

/* WHATWG's IPv6 serializer, which every browser writes in an Origin: lowercase hex
 * without leading zeros, the first longest run of two or more zero pieces as "::", and
 * never a dotted IPv4 tail (inet_ntop writes ::ffff:127.0.0.1, a browser
 * ::ffff:7f00:1). NULL when the bracketed text is no IPv6 address. */
static const char *ipv6_serialize(struct arena *a, const char *bracketed)
{
	size_t n = strlen(bracketed);
	char tmp[64];
	struct in6_addr v6;
	if (n < 2 || n - 2 >= sizeof tmp || bracketed[n - 1] != ']')
		return NULL;
	memcpy(tmp, bracketed + 1, n - 2);
	tmp[n - 2] = 0;
	if (inet_pton(AF_INET6, tmp, &v6) != 1)
		return NULL;
	unsigned piece[8];
	int run = -1, run_len = 1;
	for (int i = 0; i < 8; i++)
		piece[i] = (unsigned)v6.s6_addr[2 * i] << 8 | v6.s6_addr[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && piece[j] == 0)
			j++;
		if (j - i > run_len) {
			run = i;
			run_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	/* at most "[" + 8 pieces of 4 hex digits + 7 colons + "]": 41 bytes */
	char out[48];
	size_t o = 0;
	out[o++] = '[';
	for (int i = 0; i < 8; i++) {
		int w;
		if (i == run) {
			w = snprintf(out + o, sizeof out - o, "%s", i == 0 ? "::" : ":");
			i += run_len - 1;
		} else {
			w = snprintf(out + o, sizeof out - o, "%x%s", piece[i], i < 7 ? ":" : "");
		}
		if (w < 0 || (size_t)w >= sizeof out - o - 1)
			return NULL;
		o += (size_t)w;
	}
	out[o++] = ']';
	out[o] = 0;
	return arena_strdup(a, out);
}

/* WHATWG's "ends in a number": a host whose last label (before a trailing dot) is all
 * digits, or 0x and hex digits, is read by browsers as an IPv4 address (or refused),
 * never as a name. */
static bool ends_in_number(const char *host)
{
	size_t n = strlen(host);
	if (n && host[n - 1] == '.')
		n--;
	size_t start = n;
	while (start && host[start - 1] != '.')
		start--;
	const char *label = host + start;
	size_t len = n - start;
	if (!len)
		return false;
	if (len >= 2 && label[0] == '0' && (label[1] | 0x20) == 'x') {
		for (size_t i = 2; i < len; i++)
			if (str_hexval(label[i]) < 0)
				return false;
		return true;
	}
	for (size_t i = 0; i < len; i++)
		if (label[i] < '0' || label[i] > '9')
			return false;
	return true;
}

bool url_host_is_ip(const char *host)
{
	return host && (host[0] == '[' || ends_in_number(host));
}

static char *part(CURLU *u, CURLUPart what)
{
	char *v = NULL;
	return curl_url_get(u, what, &v, 0) == CURLUE_OK ? v : NULL;
}

const char *url_parse(struct arena *a, const char *s, struct url_parts *out)
{
	memset(out, 0, sizeof *out);
	if (!s || !*s || strlen(s) > URL_MAX)
		return "must be a URL of at most 2048 bytes";
	if (!printable_ascii(s))
		return "must be printable ASCII without spaces, quotes, < > ` or \\ (write an international name in its xn-- form)";
	bool https = str_starts(s, "https://");
	if (!https && !str_starts(s, "http://"))
		return "must start with https:// or http://";
	const char *why = NULL;
	char *canon = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL, *frag = NULL, *user = NULL,
	     *pass = NULL, *zone = NULL;
	CURLU *u = curl_url();
	if (!u || curl_url_set(u, CURLUPART_URL, s, 0) != CURLUE_OK || !(canon = part(u, CURLUPART_URL)) ||
	    !(host = part(u, CURLUPART_HOST)) || !(path = part(u, CURLUPART_PATH))) {
		why = "is not a valid URL";
		goto out;
	}
	port = part(u, CURLUPART_PORT);
	query = part(u, CURLUPART_QUERY);
	frag = part(u, CURLUPART_FRAGMENT);
	user = part(u, CURLUPART_USER);
	pass = part(u, CURLUPART_PASSWORD);
	zone = part(u, CURLUPART_ZONEID);
	if (user || pass) {
		why = "must not contain a user name or password";
		goto out;
	}
	if (zone || !host_ok(host)) {
		why = "must have a host name of non-empty labels (letters, digits, - and _; no trailing dot) or an IP address";
		goto out;
	}
	int64_t pn = 0;
	if (port && str_to_i64(port, 1, 65535, &pn)) {
		why = "must have a port from 1 to 65535";
		goto out;
	}
	/* The form CURLU writes back, where a path-less URL gets "/" after the authority. */
	size_t scheme_len = https ? strlen("https://") : strlen("http://");
	size_t auth_end = scheme_len + strcspn(s + scheme_len, "/?#");
	bool same = strcmp(canon, s) == 0;
	if (!same && s[auth_end] != '/') {
		const char *with_slash = arena_printf(a, "%.*s/%s", (int)auth_end, s, s + auth_end);
		same = strcmp(canon, with_slash) == 0;
	}
	if (!same) {
		why = arena_printf(a, "must be written as %.2048s (the form it is read in: no dot segments, numeric "
				      "host shorthand, empty port or missing //)",
				   canon);
		goto out;
	}
	if (dot_segment(path)) {
		why = "must not have a . or .. path segment, even percent-encoded";
		goto out;
	}
	out->https = https;
	out->host = arena_strdup(a, host);
	out->ip_host = url_host_is_ip(host);
	if (host[0] == '[') {
		out->host_lc = ipv6_serialize(a, host);
		if (!out->host_lc) {
			why = "must have a host name or an IP address";
			goto out;
		}
	} else {
		char *lc = arena_strdup(a, host);
		str_lower(lc);
		out->host_lc = lc;
	}
	out->port = port ? (int)pn : (out->https ? 443 : 80);
	out->port_written = port != NULL;
	out->path = arena_strdup(a, path);
	out->has_path = s[auth_end] == '/';
	out->query = query ? arena_strdup(a, query) : NULL;
	out->has_fragment = frag != NULL || strchr(s, '#') != NULL;
	out->origin = out->port_written && out->port != (https ? 443 : 80)
			      ? arena_printf(a, "%s://%s:%d", https ? "https" : "http", out->host_lc, out->port)
			      : arena_printf(a, "%s://%s", https ? "https" : "http", out->host_lc);
out:
	curl_free(canon);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(frag);
	curl_free(user);
	curl_free(pass);
	curl_free(zone);
	curl_url_cleanup(u);
	return why;
}

const char *url_check_origin(struct arena *a, const char *s)
{
	struct url_parts p;
	const char *why = url_parse(a, s, &p);
	if (why)
		return why;
	if (p.has_path || p.query || p.has_fragment)
		return "must be an origin: scheme, host and optional port, with no path, query or fragment";
	for (const char *h = p.host; *h; h++)
		if (*h >= 'A' && *h <= 'Z')
			return "must be lowercase, as browsers send the Origin header";
	if (p.port_written && p.port == (p.https ? 443 : 80))
		return "must not name the default port (browsers omit it from the Origin header)";
	if (!str_eq(p.origin, s))
		return arena_printf(a, "must be written as browsers send it in the Origin header: %s", p.origin);
	return NULL;
}

const char *url_origin_of(struct arena *a, const char *url)
{
	struct url_parts p;
	return url && !url_parse(a, url, &p) ? p.origin : NULL;
}

const char *url_host_of(struct arena *a, const char *url)
{
	struct url_parts p;
	return url && !url_parse(a, url, &p) ? p.host_lc : NULL;
}
