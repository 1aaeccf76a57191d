/* ssrf.c — which addresses outgoing requests may reach. Webhook URLs are chosen by
 * API-key holders, so without this guard AuthGate would be a proxy into its own
 * network (metadata services, databases on loopback, the admin API). */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net/net.h"

enum verdict { OK, PRIVATE, NEVER };

static enum verdict classify_v4(const unsigned char a[4])
{
	uint32_t x = ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) | a[3];
	static const struct {
		uint32_t net, mask;
		enum verdict v;
	} ranges[] = {
		{0x00000000, 0xff000000, NEVER},   /* 0.0.0.0/8 "this network" */
		{0x0a000000, 0xff000000, PRIVATE}, /* 10/8 */
		{0x64400000, 0xffc00000, PRIVATE}, /* 100.64/10 carrier-grade NAT */
		{0x7f000000, 0xff000000, PRIVATE}, /* 127/8 loopback */
		{0xa9fe0000, 0xffff0000, PRIVATE}, /* 169.254/16 link-local (cloud metadata) */
		{0xac100000, 0xfff00000, PRIVATE}, /* 172.16/12 */
		{0xc0000000, 0xffffff00, NEVER},   /* 192.0.0/24 IETF protocol assignments */
		{0xc0000200, 0xffffff00, NEVER},   /* 192.0.2/24 TEST-NET-1 */
		{0xc0a80000, 0xffff0000, PRIVATE}, /* 192.168/16 */
		{0xc6120000, 0xfffe0000, PRIVATE}, /* 198.18/15 benchmarking */
		{0xc6336400, 0xffffff00, NEVER},   /* 198.51.100/24 TEST-NET-2 */
		{0xcb007100, 0xffffff00, NEVER},   /* 203.0.113/24 TEST-NET-3 */
		{0xe0000000, 0xf0000000, NEVER},   /* 224/4 multicast */
		{0xf0000000, 0xf0000000, NEVER},   /* 240/4 reserved, broadcast */
	};
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
		if ((x & ranges[i].mask) == ranges[i].net)
			return ranges[i].v;
	return OK;
}

static bool prefix_is(const unsigned char *a, const unsigned char *p, int bits)
{
	int bytes = bits / 8, rest = bits % 8;
	if (memcmp(a, p, (size_t)bytes) != 0)
		return false;
	if (rest) {
		unsigned char m = (unsigned char)(0xff << (8 - rest));
		return (a[bytes] & m) == (p[bytes] & m);
	}
	return true;
}

static enum verdict classify_v6(const unsigned char a[16])
{
	static const unsigned char zero[16] = {0};
	static const unsigned char loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
	static const unsigned char ula[1] = {0xfc}, linklocal[2] = {0xfe, 0x80}, sitelocal[2] = {0xfe, 0xc0};
	static const unsigned char mcast[1] = {0xff}, doc[4] = {0x20, 0x01, 0x0d, 0xb8}, sixto4[2] = {0x20, 0x02};
	if (memcmp(a, zero, 16) == 0)
		return NEVER; /* :: unspecified */
	if (memcmp(a, loop, 16) == 0)
		return PRIVATE; /* ::1 */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return classify_v4(a + 12); /* ::ffff:a.b.c.d, 64:ff9b::a.b.c.d */
	if (memcmp(a, zero, 12) == 0)
		return classify_v4(a + 12); /* ::a.b.c.d (deprecated IPv4-compatible) */
	if (prefix_is(a, sixto4, 16))
		return classify_v4(a + 2); /* 2002:a.b.c.d::/48 */
	if (prefix_is(a, mcast, 8))
		return NEVER;
	if (prefix_is(a, doc, 32))
		return NEVER;
	if (prefix_is(a, ula, 7) || prefix_is(a, linklocal, 10) || prefix_is(a, sitelocal, 10))
		return PRIVATE;
	return OK;
}

static bool allowed(enum verdict v, bool allow_private)
{
	return v == OK || (v == PRIVATE && allow_private);
}

bool ssrf_addr_allowed(const char *ip, bool allow_private)
{
	unsigned char a[16];
	if (!ip)
		return false;
	if (inet_pton(AF_INET, ip, a) == 1)
		return allowed(classify_v4(a), allow_private);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return allowed(classify_v6(a), allow_private);
	return false;
}

bool ssrf_sockaddr_allowed(const void *p, bool allow_private)
{
	const struct sockaddr *sa = p;
	if (sa->sa_family == AF_INET)
		return allowed(classify_v4((const unsigned char *)&((const struct sockaddr_in *)p)->sin_addr),
			       allow_private);
	if (sa->sa_family == AF_INET6)
		return allowed(classify_v6(((const struct sockaddr_in6 *)p)->sin6_addr.s6_addr), allow_private);
	return false;
}

enum ag_err ssrf_resolve(const char *host, int port, bool allow_private, char *addr, size_t addrsz, char *why,
			 size_t whysz)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	char portstr[8];
	snprintf(portstr, sizeof portstr, "%d", port);
	int rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(why, whysz, "cannot resolve %.100s: %s", host, gai_strerror(rc));
		return AG_EUNAVAIL;
	}
	enum ag_err e = AG_EFORBIDDEN;
	snprintf(why, whysz, "%.100s resolves only to addresses AuthGate may not connect to", host);
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (!ssrf_sockaddr_allowed(ai->ai_addr, allow_private))
			continue;
		const void *src = ai->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
							   : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		if (inet_ntop(ai->ai_family, src, addr, (socklen_t)addrsz)) {
			e = AG_OK;
			why[0] = 0;
			break;
		}
	}
	freeaddrinfo(res);
	return e;
}
