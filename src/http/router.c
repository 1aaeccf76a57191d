/* router.c — matches a request to the route table (linear; the table is small and
 * matching is a few segment compares). */
#include <string.h>

#include "core/buf.h"
#include "http/route.h"

/* Compare one pattern against a path; on match fill params. */
static bool match_one(struct req *r, const char *pat, const char *path, bool fill)
{
	int np = 0;
	while (*pat && *path) {
		if (*pat != '/' || *path != '/')
			return false;
		pat++, path++;
		const char *pe = strchr(pat, '/'), *se = strchr(path, '/');
		size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
		size_t sl = se ? (size_t)(se - path) : strlen(path);
		if (pl >= 2 && pat[0] == '{' && pat[pl - 1] == '}') {
			if (sl == 0 || np >= REQ_MAX_PARAMS)
				return false;
			if (fill)
				r->params[np] = arena_strndup(r->a, path, sl);
			np++;
		} else if (pl != sl || memcmp(pat, path, pl) != 0) {
			return false;
		}
		pat += pl;
		path += sl;
	}
	if (*pat || *path)
		return false;
	if (fill)
		r->nparams = np;
	return true;
}

int router_match(struct req *r, const char *method, const char *path, int *status, const char **allow)
{
	struct buf methods = BUF_INIT(256);
	bool path_seen = false;
	*allow = NULL;
	for (size_t i = 0; i < api_routes_count; i++) {
		const struct route *rt = &api_routes[i];
		if (!match_one(r, rt->pattern, path, false))
			continue;
		if (strcmp(rt->method, method) == 0 || (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
			buf_free(&methods);
			match_one(r, rt->pattern, path, true);
			return (int)i;
		}
		if (!strstr(methods.p ? methods.p : "", rt->method)) {
			if (methods.len)
				buf_puts(&methods, ", ");
			buf_puts(&methods, rt->method);
		}
		path_seen = true;
	}
	if (path_seen) {
		*status = 405;
		*allow = arena_strdup(r->a, methods.p ? methods.p : "");
	} else {
		*status = 404;
	}
	buf_free(&methods);
	return -1;
}
