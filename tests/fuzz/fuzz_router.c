/* libFuzzer target: route matching of untrusted paths (http/router.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api/api.h"
#include "http/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int table_set;
	if (!table_set && router_set_table(api_routes, api_routes_count) == 0)
		table_set = 1;
	struct req r;
	memset(&r, 0, sizeof r);
	r.a = arena_new();
	char *path = arena_strndup(r.a, (const char *)data, size);
	int status;
	const char *allow;
	(void)router_match(&r, "GET", path, &status, &allow);
	(void)router_match(&r, "POST", path, &status, &allow);
	arena_free(r.a);
	return 0;
}
