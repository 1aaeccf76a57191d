/* client_addr.c — see client_addr.h. Rate limits, logs and per-address decisions key
 * on this text, so one address has one spelling: ::ffff:1.2.3.4 is 1.2.3.4, and IPv6
 * is written the way inet_ntop writes it. */
#include "http/client_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* Dotted decimal, as inet_ntop writes it (which formats with sprintf: a measurable part
 * of every request). */
static bool from_v4(const struct in_addr *a, char out[CLIENT_ADDR_MAX], bool *loopback)
{
	const unsigned char *b = (const unsigned char *)a;
	*loopback = b[0] == 127;
	char *o = out;
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			*o++ = (char)('0' + v / 100);
		if (v >= 10)
			*o++ = (char)('0' + v / 10 % 10);
		*o++ = (char)('0' + v % 10);
		*o++ = i < 3 ? '.' : 0;
	}
	return true;
}

static bool from_v6(const struct in6_addr *a, char out[CLIENT_ADDR_MAX], bool *loopback)
{
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		struct in_addr v4;
		memcpy(&v4, a->s6_addr + 12, 4);
		return from_v4(&v4, out, loopback);
	}
	*loopback = IN6_IS_ADDR_LOOPBACK(a);
	return inet_ntop(AF_INET6, a, out, CLIENT_ADDR_MAX) != NULL;
}

bool client_addr_from_sockaddr(const void *p, char out[CLIENT_ADDR_MAX], bool *loopback)
{
	const struct sockaddr *sa = p;
	*loopback = false;
	if (sa->sa_family == AF_INET)
		return from_v4(&((const struct sockaddr_in *)p)->sin_addr, out, loopback);
	if (sa->sa_family == AF_INET6)
		return from_v6(&((const struct sockaddr_in6 *)p)->sin6_addr, out, loopback);
	return false;
}

bool client_addr_parse(const char *s, char out[CLIENT_ADDR_MAX])
{
	bool loopback;
	struct in_addr v4;
	struct in6_addr v6;
	if (!s || !*s || strlen(s) >= CLIENT_ADDR_MAX)
		return false;
	if (inet_pton(AF_INET, s, &v4) == 1)
		return from_v4(&v4, out, &loopback);
	if (inet_pton(AF_INET6, s, &v6) == 1)
		return from_v6(&v6, out, &loopback);
	return false;
}

bool client_addr_from_forwarded(const char *xff, char out[CLIENT_ADDR_MAX])
{
	if (!xff)
		return false;
	const char *last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ' || *last == '\t')
		last++;
	size_t n = strlen(last);
	while (n && (last[n - 1] == ' ' || last[n - 1] == '\t'))
		n--;
	char tmp[CLIENT_ADDR_MAX];
	if (n == 0 || n >= sizeof tmp)
		return false;
	memcpy(tmp, last, n);
	tmp[n] = 0;
	return client_addr_parse(tmp, out);
}
