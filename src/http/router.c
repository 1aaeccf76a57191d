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

static const struct route *table;
static size_t table_n;
/* Each route's first path segment, found once: most routes are ruled out by one
 * compare of it instead of a full walk of their pattern. Length -1: a {param}. */
static int first_len[ROUTER_MAX_ROUTES];

int router_set_table(const struct route *routes, size_t n)
{
	if (n > ROUTER_MAX_ROUTES)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *p = routes[i].pattern + 1;
		size_t len = strcspn(p, "/");
		first_len[i] = (len && p[0] == '{') ? -1 : (int)len;
	}
	table = routes;
	table_n = n;
	return 0;
}

size_t router_count(void)
{
	return table_n;
}

const struct route *router_route(int index)
{
	return &table[index];
}

static bool first_segment_may_match(size_t i, const char *path, size_t seg_len)
{
	if (first_len[i] < 0)
		return true;
	return (size_t)first_len[i] == seg_len && memcmp(table[i].pattern + 1, path + 1, seg_len) == 0;
}

/* /p/{tenant}/rest: the tenant when it looks like an app_id, and where rest starts. */
static const char *tenant_split(struct req *r, const char *path)
{
	if (strncmp(path, TENANT_PREFIX, sizeof TENANT_PREFIX - 1) != 0)
		return NULL;
	const char *t = path + sizeof TENANT_PREFIX - 1, *rest = strchr(t, '/');
	size_t n = rest ? (size_t)(rest - t) : 0;
	if (!n || n > 63)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '-' || t[i] == '_'))
			return NULL;
	r->tenant = arena_strndup(r->a, t, n);
	return rest;
}

int router_match(struct req *r, const char *method, const char *path, int *status, const char **allow)
{
	struct buf methods = BUF_INIT(256);
	bool path_seen = false;
	*allow = NULL;
	const char *rest = tenant_split(r, path);
	unsigned need = rest ? ROUTE_TENANT : 0;
	if (rest)
		path = rest;
	size_t seg_len = path[0] == '/' ? strcspn(path + 1, "/") : 0;
	for (size_t i = 0; i < table_n; i++) {
		const struct route *rt = &table[i];
		if (path[0] != '/' || (rt->flags & need) != need || !first_segment_may_match(i, path, seg_len) ||
		    !match_one(r, rt->pattern, path, false))
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

/* The path for the access log. A route whose parameter is a credential
 * (ROUTE_SECRET_PATH, e.g. /auth/check/{session_id}) is logged by its pattern. A path
 * that matched no route (wrong method, a bad request, a typo) is logged as it came,
 * except when it starts, repeated slashes aside, with the literal prefix of such a
 * route: then only the prefix is logged, so a push session id sent with the wrong
 * method or to a mistyped sub-path never reaches the log. */
const char *route_log_path(struct req *r)
{
	if (r->route)
		return (r->route->flags & ROUTE_SECRET_PATH) ? r->route->pattern : r->path;
	const char *path = r->path ? r->path : "";
	for (size_t i = 0; i < table_n; i++) {
		const char *pat = table[i].pattern;
		if (!(table[i].flags & ROUTE_SECRET_PATH))
			continue;
		size_t plen = strcspn(pat, "{");
		const char *p = path;
		size_t k = 0;
		while (k < plen && *p) {
			if (*p == '/' && p > path && p[-1] == '/') {
				p++; /* a run of slashes counts as one */
				continue;
			}
			if (*p != pat[k])
				break;
			p++, k++;
		}
		while (k == plen && *p == '/')
			p++;
		if (k == plen && *p)
			return arena_printf(r->a, "%.*s{redacted}", (int)plen, pat);
	}
	return path;
}
