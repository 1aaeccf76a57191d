/* libFuzzer target: the one URL parser (net/url.c on libcurl's CURLU) and the client
 * address from X-Forwarded-For (http/client_addr.c). Invariants: an accepted URL is
 * printable ASCII with a host of non-empty labels, no trailing dot and a port from 1 to
 * 65535; parsing it again gives the same parts; an accepted origin has no path; the
 * origin derived from an accepted URL (url_origin_of: what a browser sends) is itself an
 * accepted origin and its own origin, and an IP host is never a lowercase name away. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/client_addr.h"
#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	char *s = arena_strndup(a, (const char *)data, size);
	struct url_parts u, again;
	if (url_parse(a, s, &u) == NULL) {
		for (const char *p = s; *p; p++)
			if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '\\')
				abort();
		size_t hl = strlen(u.host);
		if (hl == 0 || u.host[hl - 1] == '.' || u.port < 1 || u.port > 65535 || u.path[0] != '/')
			abort();
		if (url_parse(a, s, &again) != NULL || strcmp(again.host, u.host) != 0 || again.port != u.port ||
		    strcmp(again.path, u.path) != 0 || (u.query == NULL) != (again.query == NULL))
			abort();
		if (url_check_origin(a, s) == NULL && (u.has_path || u.query || u.has_fragment))
			abort();
		if (url_check_origin(a, u.origin) != NULL || strcmp(url_origin_of(a, u.origin), u.origin) != 0 ||
		    url_host_is_ip(u.host_lc) != u.ip_host)
			abort();
	}
	(void)url_check_origin(a, s);
	(void)net_url_problem(a, s, false);
	(void)net_url_problem(a, s, true);
	char ip[CLIENT_ADDR_MAX];
	if (client_addr_from_forwarded(s, ip) && strlen(ip) >= CLIENT_ADDR_MAX)
		abort();
	arena_free(a);
	return 0;
}
