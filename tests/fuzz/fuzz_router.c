/* libFuzzer target: route matching of untrusted paths (http/router.c), compared with
 * the plain definition of a match (a walk of pattern and path side by side, as the
 * router did before it split patterns in advance): same route, same parameters. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "http/route.h"

static bool ref_match_one(const char *pat, const char *path, char params[][256], int *np)
{
	*np = 0;
	while (*pat && *path) {
		if (*pat != '/' || *path != '/')
			return false;
		pat++, path++;
		const char *pe = strchr(pat, '/'), *se = strchr(path, '/');
		size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
		size_t sl = se ? (size_t)(se - path) : strlen(path);
		if (pl >= 2 && pat[0] == '{' && pat[pl - 1] == '}') {
			if (sl == 0 || *np >= REQ_MAX_PARAMS)
				return false;
			size_t k = sl < 255 ? sl : 255;
			memcpy(params[*np], path, k);
			params[*np][k] = 0;
			(*np)++;
		} else if (pl != sl || memcmp(pat, path, pl) != 0) {
			return false;
		}
		pat += pl;
		path += sl;
	}
	return !*pat && !*path;
}

/* The first route the reference matches for method (HEAD also takes GET routes), -1 if
 * none; *seen: some route has this path under another method. */
static int ref_match(const char *method, const char *path, unsigned need, char params[][256], int *np, bool *seen)
{
	*seen = false;
	for (size_t i = 0; i < router_count(); i++) {
		const struct route *rt = router_route((int)i);
		if (path[0] != '/' || (rt->flags & need) != need || !ref_match_one(rt->pattern, path, params, np))
			continue;
		if (strcmp(rt->method, method) == 0 || (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0))
			return (int)i;
		*seen = true;
	}
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int table_set;
	size_t nroutes;
	if (!table_set && router_set_table(api_routes(&nroutes), nroutes) == 0)
		table_set = 1;
	if (!table_set)
		abort();
	static const char *const methods[] = {"GET", "POST", "HEAD", "DELETE"};
	for (size_t m = 0; m < sizeof methods / sizeof *methods; m++) {
	struct req r;
	memset(&r, 0, sizeof r);
	r.a = arena_new();
	char *path = arena_strndup(r.a, (const char *)data, size);
	int status;
	const char *allow;
		int got = router_match(&r, methods[m], path, &status, &allow);
		/* the reference, on the path without its /p/{tenant} prefix when it has one */
		const char *p = path;
		unsigned need = 0;
		if (r.tenant) {
			p = path + strlen(TENANT_PREFIX) + strlen(r.tenant);
			need = ROUTE_TENANT;
		}
		char params[REQ_MAX_PARAMS][256];
		int np;
		bool seen;
		int want = ref_match(methods[m], p, need, params, &np, &seen);
		if (got != want)
			abort();
		if (got < 0 && status != (seen ? 405 : 404))
			abort();
		if (got >= 0) {
			if (r.nparams != np)
				abort();
			for (int i = 0; i < np; i++)
				if (strlen(r.params[i]) < 255 && strcmp(r.params[i], params[i]) != 0)
					abort();
		}
	arena_free(r.a);
	}
	return 0;
}
