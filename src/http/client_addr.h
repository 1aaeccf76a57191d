/* client_addr.h — the client's address as text: from the socket, or (behind a proxy
 * the operator trusts) from the last X-Forwarded-For entry, which must be an IP
 * address. No libmicrohttpd type here: server.c feeds it, the unit tests and a fuzzer
 * call it directly. */
#ifndef AG_CLIENT_ADDR_H
#define AG_CLIENT_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#define CLIENT_ADDR_MAX 46 /* INET6_ADDRSTRLEN */

/* A socket address (struct sockaddr *) as text: IPv4 dotted, IPv6 canonical, an
 * IPv4-mapped IPv6 address as plain IPv4. *loopback when it is 127.0.0.0/8 or ::1.
 * false for other families. */
bool client_addr_from_sockaddr(const void *sa, char out[CLIENT_ADDR_MAX], bool *loopback);

/* One IPv4 or IPv6 address, the whole of s (no port, name, zone, list or space),
 * normalised as above: the one validator of an address a request names
 * (X-Forwarded-For's entry, X-AuthGate-Client-IP, the actions API's ipAddress). */
bool client_addr_parse(const char *s, char out[CLIENT_ADDR_MAX]);

/* The last entry of an X-Forwarded-For value (the address the nearest proxy saw; the
 * entries before it are whatever the client sent and are never used), normalised as
 * above. false when that entry is not an IPv4 or IPv6 address (a port, a name, a zone,
 * "unknown", an empty list...). */
bool client_addr_from_forwarded(const char *xff, char out[CLIENT_ADDR_MAX]);

#endif
