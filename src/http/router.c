/* router.c — matches a request to the route table: the patterns split in advance, and
 * only the routes whose segment count and first segment hash like the path's (plus any
 * whose first segment is a parameter) compared, in table order. */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "http/route.h"

/* A pattern or a path is its '/'-separated segments: "/a/{id}" is ["a", "{id}"], "/" is
 * [""], "/a/" is ["a", ""]. A pattern matches a path with as many segments, each equal
 * or, for a {param}, not empty. Patterns are split once, at router_set_table; the path
 * once per request. */
#define ROUTE_MAX_SEGS 12
#define NBUCKET 64

struct seg {
	const char *s;
	unsigned len;
	bool param;
};

struct compiled {
	unsigned nseg; /* 0: more segments than ROUTE_MAX_SEGS (never matches; see set_table) */
	struct seg seg[ROUTE_MAX_SEGS];
};

static const struct route *table;
static size_t table_n;
static struct compiled comp[ROUTER_MAX_ROUTES];
/* Route indices by bucket (segment count and first segment), ascending in each; and the
 * routes whose first segment is a parameter, which any path may match. */
static uint16_t bucket_start[NBUCKET + 1], bucket_idx[ROUTER_MAX_ROUTES];
static uint16_t wild_idx[ROUTER_MAX_ROUTES];
static size_t nwild;

static unsigned bucket_of(unsigned nseg, const char *s, unsigned len)
{
	uint32_t h = 2166136261u ^ nseg;
	for (unsigned i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h % NBUCKET;
}

/* Split s (starting with '/') into at most ROUTE_MAX_SEGS segments; 0 if more. */
static unsigned split(const char *s, struct seg *out)
{
	unsigned n = 0;
	while (*s == '/') {
		if (n == ROUTE_MAX_SEGS)
			return 0;
		const char *b = ++s;
		while (*s && *s != '/')
			s++;
		out[n].s = b;
		out[n].len = (unsigned)(s - b);
		out[n].param = out[n].len >= 2 && b[0] == '{' && b[out[n].len - 1] == '}';
		n++;
	}
	return *s ? 0 : n;
}

int router_set_table(const struct route *routes, size_t n)
{
	if (n > ROUTER_MAX_ROUTES)
		return -1;
	for (size_t i = 0; i < n; i++) {
		comp[i].nseg = split(routes[i].pattern, comp[i].seg);
		int np = 0;
		for (unsigned k = 0; k < comp[i].nseg; k++)
			np += comp[i].seg[k].param;
		if (!comp[i].nseg || np > REQ_MAX_PARAMS)
			return -1; /* a pattern that cannot be matched is a bug in the table */
	}
	/* counting sort into the buckets, keeping table order within each */
	unsigned b[ROUTER_MAX_ROUTES], count[NBUCKET] = {0};
	nwild = 0;
	for (size_t i = 0; i < n; i++) {
		const struct seg *s0 = &comp[i].seg[0];
		if (s0->param) {
			wild_idx[nwild++] = (uint16_t)i;
			continue;
		}
		b[i] = bucket_of(comp[i].nseg, s0->s, s0->len);
		count[b[i]]++;
	}
	bucket_start[0] = 0;
	for (unsigned k = 0; k < NBUCKET; k++)
		bucket_start[k + 1] = (uint16_t)(bucket_start[k] + count[k]);
	unsigned fill[NBUCKET];
	for (unsigned k = 0; k < NBUCKET; k++)
		fill[k] = bucket_start[k];
	for (size_t i = 0; i < n; i++)
		if (!comp[i].seg[0].param)
			bucket_idx[fill[b[i]]++] = (uint16_t)i;
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

static bool matches(const struct compiled *c, const struct seg *path, unsigned n)
{
	if (c->nseg != n)
		return false;
	for (unsigned i = 0; i < n; i++) {
		const struct seg *p = &c->seg[i];
		if (p->param ? path[i].len == 0 : p->len != path[i].len || memcmp(p->s, path[i].s, p->len) != 0)
			return false;
	}
	return true;
}

static void fill_params(struct req *r, const struct compiled *c, const struct seg *path)
{
	int np = 0;
	for (unsigned i = 0; i < c->nseg && np < REQ_MAX_PARAMS; i++)
		if (c->seg[i].param)
			r->params[np++] = arena_strndup(r->a, path[i].s, path[i].len);
	r->nparams = np;
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
	*status = 404;
	const char *rest = tenant_split(r, path);
	unsigned need = rest ? ROUTE_TENANT : 0;
	if (rest)
		path = rest;
	struct seg segs[ROUTE_MAX_SEGS];
	unsigned n = path[0] == '/' ? split(path, segs) : 0;
	if (!n)
		return -1;
	bool head = strcmp(method, "HEAD") == 0;
	unsigned bk = bucket_of(n, segs[0].s, segs[0].len);
	size_t bi = bucket_start[bk], be = bucket_start[bk + 1], wi = 0;
	while (bi < be || wi < nwild) {
		/* the next candidate in table order: first match wins, as in the table */
		size_t i = wi >= nwild || (bi < be && bucket_idx[bi] < wild_idx[wi]) ? bucket_idx[bi++] : wild_idx[wi++];
		const struct route *rt = &table[i];
		if ((rt->flags & need) != need || !matches(&comp[i], segs, n))
			continue;
		if (strcmp(rt->method, method) == 0 || (head && strcmp(rt->method, "GET") == 0)) {
			buf_free(&methods);
			fill_params(r, &comp[i], segs);
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
