/* user_config.c — a project's end-user settings (see user_config.h): one JSON document,
 * validated whole on every change, parsed once per cache fill. */
#include "auth/user_config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/epcache.h"
#include "core/hmap.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "net/net.h"
#include "store/store.h"

static const char *const default_ladder[] = {"free", "personal", "business", "enterprise"};
static const char *const methods_known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

/* ---- validation --------------------------------------------------------------------- */

/* Plan and feature names: what a header and a log line can carry unchanged. */
static bool name_ok(const char *s)
{
	if (!s || !*s || strlen(s) > UCFG_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr("_-.:", *s)))
			return false;
	return true;
}

/* A path prefix: absolute, visible ASCII, no query, fragment, dot segments or "//". */
static bool prefix_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (!n || n > 512 || s[0] != '/' || strstr(s, "//") || strstr(s, "/./") || strstr(s, "/../") ||
	    str_ends(s, "/.") || str_ends(s, "/.."))
		return false;
	for (; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f || *s == '?' || *s == '#' || *s == '\\')
			return false;
	return true;
}

/* host or host:port, lower case: what a Host header of a request to it says. Read as
 * the authority of a URL by the one parser (net/url.c), so the host and port are what
 * every other check of ours would take them to be. */
static bool host_ok(struct arena *a, const char *s)
{
	struct url_parts u;
	size_t n = s ? strlen(s) : 0;
	if (!n || n > 253 + 6 || strpbrk(s, "/?#@") || url_parse(a, arena_printf(a, "http://%s", s), &u))
		return false;
	return str_eq(u.host, u.host_lc); /* lowercase, an IPv6 literal in its one form */
}

static bool cookie_name_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 64 || str_eq(s, "ag_admin") || str_eq(s, "ag_oauth"))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-'))
			return false;
	return true;
}

/* Users' key prefixes must not look like the house's own credentials (agk_ API keys,
 * aga_ admin tokens, mfa_ tokens) or a JWT: the guards tell them apart by prefix. */
static bool key_prefix_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || n > 16 || str_starts(s, "agk_") || str_starts(s, "aga_") || str_starts(s, "mfa_") ||
	    str_starts(s, "eyJ"))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static bool in_list(const char *const *l, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (str_eq(l[i], s))
			return true;
	return false;
}

static const char *parse_plans(struct arena *a, const cJSON *v, struct user_config *c)
{
	if (!v) {
		c->nplans = (int)ARRAY_LEN(default_ladder);
		c->plans = arena_calloc(a, sizeof *c->plans * (size_t)c->nplans);
		for (int i = 0; i < c->nplans; i++) {
			c->plans[i].name = default_ladder[i];
			c->plans[i].features_csv = "";
		}
		return NULL;
	}
	int n = cJSON_GetArraySize(v);
	if (!cJSON_IsArray(v) || n < 1 || n > UCFG_MAX_PLANS)
		return arena_printf(a, "plans must be a list of 1 to %d plans, lowest first", UCFG_MAX_PLANS);
	c->plans = arena_calloc(a, sizeof *c->plans * (size_t)n);
	const char **acc = arena_calloc(a, sizeof *acc * (size_t)(UCFG_MAX_PLANS * UCFG_MAX_FEATURES));
	int nacc = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, v)
	{
		const char *name = json_get_str(p, "name");
		const cJSON *fs = cJSON_GetObjectItemCaseSensitive(p, "features"), *f;
		if (!cJSON_IsObject(p) || !name_ok(name))
			return "each plan is {\"name\": \"business\", \"features\": [\"advanced_analytics\"]}; names "
			       "are "
			       "1-64 letters, digits, '_', '-', '.' or ':'";
		for (const cJSON *k = p->child; k; k = k->next)
			if (!str_eq(k->string, "name") && !str_eq(k->string, "features"))
				return arena_printf(a, "unknown field '%.64s' in a plan (name, features)", k->string);
		for (int i = 0; i < c->nplans; i++)
			if (str_eq(c->plans[i].name, name))
				return arena_printf(a, "plan '%s' is listed twice", name);
		if (fs && (!cJSON_IsArray(fs) || cJSON_GetArraySize(fs) > UCFG_MAX_FEATURES))
			return arena_printf(a, "features of plan '%s' must be a list of at most %d names", name,
			                    UCFG_MAX_FEATURES);
		cJSON_ArrayForEach(f, fs)
		{
			if (!cJSON_IsString(f) || !name_ok(f->valuestring))
				return arena_printf(a, "a feature of plan '%s' is not a valid name", name);
			if (!in_list(acc, nacc, f->valuestring))
				acc[nacc++] = f->valuestring;
		}
		/* a plan has every feature of the plans below it */
		struct plan_def *d = &c->plans[c->nplans++];
		d->name = name;
		d->nfeatures = nacc;
		d->features = arena_alloc(a, sizeof *d->features * (size_t)(nacc ? nacc : 1));
		memcpy(d->features, acc, sizeof *acc * (size_t)nacc);
		d->features_csv = nacc ? acc[0] : "";
		for (int i = 1; i < nacc; i++)
			d->features_csv = arena_printf(a, "%s,%s", d->features_csv, acc[i]);
	}
	return NULL;
}

static int by_prefix_len(const void *x, const void *y)
{
	size_t a = strlen(((const struct access_rule *)x)->prefix), b = strlen(((const struct access_rule *)y)->prefix);
	return a < b ? 1 : a > b ? -1 : 0;
}

static const char *parse_rules(struct arena *a, const cJSON *v, struct user_config *c)
{
	int n = cJSON_GetArraySize(v);
	if (!v)
		return NULL;
	if (!cJSON_IsArray(v) || n > UCFG_MAX_RULES)
		return arena_printf(a, "rules must be a list of at most %d rules", UCFG_MAX_RULES);
	c->rules = arena_calloc(a, sizeof *c->rules * (size_t)(n ? n : 1));
	const cJSON *r;
	cJSON_ArrayForEach(r, v)
	{
		struct access_rule *x = &c->rules[c->nrules];
		x->prefix = json_get_str(r, "path");
		x->plan = json_get_str(r, "plan");
		x->feature = json_get_str(r, "feature");
		const cJSON *pub = cJSON_GetObjectItemCaseSensitive(r, "public"), *ms = NULL;
		if (!cJSON_IsObject(r) || !prefix_ok(x->prefix))
			return "each rule is {\"path\": \"/advanced-feature\", \"plan\": \"business\"} (or "
			       "\"feature\", or "
			       "\"public\": true, optional \"methods\"); path is an absolute path prefix without query";
		for (const cJSON *k = r->child; k; k = k->next)
			if (!in_list((const char *const[]){"path", "plan", "feature", "methods", "public"}, 5,
			             k->string))
				return arena_printf(
				    a, "unknown field '%.64s' in a rule (path, plan, feature, methods, public)",
				    k->string);
		if (pub && !cJSON_IsBool(pub))
			return "a rule's public must be true or false";
		x->public_path = cJSON_IsTrue(pub);
		if (cJSON_GetObjectItemCaseSensitive(r, "plan") && user_config_plan_rank(c, x->plan) < 0)
			return arena_printf(a, "rule %s names a plan that is not in plans", x->prefix);
		if (cJSON_GetObjectItemCaseSensitive(r, "feature") && !name_ok(x->feature))
			return arena_printf(a, "rule %s names an invalid feature", x->prefix);
		if (x->public_path == (x->plan || x->feature))
			return arena_printf(a, "rule %s needs a plan or a feature, or \"public\": true (not both)",
			                    x->prefix);
		if ((ms = cJSON_GetObjectItemCaseSensitive(r, "methods"))) {
			if (!cJSON_IsArray(ms) || !cJSON_GetArraySize(ms))
				return arena_printf(a, "methods of rule %s must be a list such as [\"POST\"]",
				                    x->prefix);
			const char *acc = ",";
			const cJSON *m;
			cJSON_ArrayForEach(m, ms)
			{
				if (!cJSON_IsString(m) ||
				    !in_list(methods_known, (int)ARRAY_LEN(methods_known), m->valuestring))
					return "methods are GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS";
				acc = arena_printf(a, "%s%s,", acc, m->valuestring);
			}
			x->methods = acc;
		}
		for (int i = 0; i < c->nrules; i++)
			if (str_eq(c->rules[i].prefix, x->prefix) && str_eq(c->rules[i].methods, x->methods))
				return arena_printf(a, "two rules for %s", x->prefix);
		c->nrules++;
	}
	qsort(c->rules, (size_t)c->nrules, sizeof *c->rules, by_prefix_len);
	return NULL;
}

static const char *parse_hosts(struct arena *a, const cJSON *v, struct user_config *c)
{
	if (!v)
		return NULL;
	int n = cJSON_GetArraySize(v);
	if (!cJSON_IsArray(v) || n > UCFG_MAX_HOSTS)
		return arena_printf(a, "hosts must be a list of at most %d host names", UCFG_MAX_HOSTS);
	c->hosts = arena_calloc(a, sizeof *c->hosts * (size_t)(n ? n : 1));
	const cJSON *h;
	cJSON_ArrayForEach(h, v)
	{
		if (!cJSON_IsString(h) || !host_ok(a, h->valuestring))
			return "each host is a lower-case host name, optionally with :port (api.example.com)";
		if (in_list(c->hosts, c->nhosts, h->valuestring))
			return arena_printf(a, "host %s is listed twice", h->valuestring);
		c->hosts[c->nhosts++] = h->valuestring;
	}
	return NULL;
}

static const char *const top_fields[] = {"plans",         "rules", "api_key_prefix",  "session_cookie",
                                         "google_search", "hosts", "session_max_days"};

/* The stored document into c (strings point into it); NULL or what is wrong. */
static const char *parse(struct arena *a, const char *app_id, cJSON *doc, struct user_config *c)
{
	memset(c, 0, sizeof *c);
	c->app_id = app_id;
	c->json = doc;
	for (const cJSON *k = doc->child; k; k = k->next)
		if (!in_list(top_fields, (int)ARRAY_LEN(top_fields), k->string))
			return arena_printf(a,
			                    "unknown setting '%.64s' (plans, rules, api_key_prefix, session_cookie, "
			                    "google_search, hosts, session_max_days)",
			                    k->string);
	const char *why;
	if ((why = parse_plans(a, cJSON_GetObjectItemCaseSensitive(doc, "plans"), c)) ||
	    (why = parse_rules(a, cJSON_GetObjectItemCaseSensitive(doc, "rules"), c)) ||
	    (why = parse_hosts(a, cJSON_GetObjectItemCaseSensitive(doc, "hosts"), c)))
		return why;
	const cJSON *kp = cJSON_GetObjectItemCaseSensitive(doc, "api_key_prefix");
	c->api_key_prefix = kp ? json_get_str(doc, "api_key_prefix") : UCFG_DEFAULT_KEY_PREFIX;
	if (!key_prefix_ok(c->api_key_prefix))
		return "api_key_prefix is 2-16 of a-z, 0-9, '_' or '-', and not agk_, aga_, mfa_ or eyJ";
	const cJSON *ck = cJSON_GetObjectItemCaseSensitive(doc, "session_cookie");
	c->cookie_name = ck ? json_get_str(doc, "session_cookie") : UCFG_DEFAULT_COOKIE;
	if (!cookie_name_ok(c->cookie_name))
		return "session_cookie is a cookie name of 1-64 letters, digits, '_' or '-' (not AuthGate's own)";
	/* how long a session may be refreshed for, counted from its first sign-in */
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(doc, "session_max_days");
	c->session_max_days = UCFG_DEFAULT_SESSION_MAX_DAYS;
	if (md) {
		if (!cJSON_IsNumber(md) || md->valuedouble != (double)(int)md->valuedouble || md->valuedouble < 1 ||
		    md->valuedouble > UCFG_SESSION_MAX_DAYS_LIMIT)
			return "session_max_days is a whole number of days from 1 to 3650";
		c->session_max_days = (int)md->valuedouble;
	}
	const cJSON *gs = cJSON_GetObjectItemCaseSensitive(doc, "google_search");
	if (gs) {
		c->google_api_key = json_get_str(gs, "apiKey");
		c->google_engine_id = json_get_str(gs, "searchEngineId");
		if (!cJSON_IsObject(gs) || cJSON_GetArraySize(gs) != 2 || !c->google_api_key || !c->google_engine_id ||
		    !*c->google_api_key || !*c->google_engine_id || strlen(c->google_api_key) > 256 ||
		    strlen(c->google_engine_id) > 256)
			return "google_search is {\"apiKey\": \"...\", \"searchEngineId\": \"...\"} (at most 256 bytes "
			       "each)";
	}
	return NULL;
}

/* ---- cache -------------------------------------------------------------------------- */

struct cfg_snap {
	struct cached hdr;
	struct arena *a;
	struct user_config c;
};

struct host_map {
	struct cached hdr;
	struct hmap *m; /* host -> app_id (heap) */
};

static struct epcache *cfgs, *hosts;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_init(void)
{
	cfgs = epcache_new();
	hosts = epcache_new();
}

static void snap_destroy(struct cached *h)
{
	struct cfg_snap *s = (struct cfg_snap *)h;
	arena_free(s->a);
	free(s);
}

static cJSON *stored_doc(struct arena *a, const char *json)
{
	cJSON *v = NULL;
	const char *detail;
	if (!json || json_parse_strict(a, json, strlen(json), &v, &detail) != JSON_OK || !cJSON_IsObject(v))
		return json_obj(a);
	return v;
}

static enum ag_err load_cfg(void *ud, const char *app_id, struct cached **out)
{
	(void)ud;
	struct cfg_snap *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	cached_init(&s->hdr, snap_destroy);
	s->a = arena_new();
	struct store_row row;
	const char *aid = arena_strdup(s->a, app_id);
	enum ag_err e =
	    db_row(g_app.store, s->a, &row, "SELECT config FROM users_config WHERE app_id = $1", P(SV_TEXT(app_id)));
	cJSON *doc = e == AG_OK ? stored_doc(s->a, row_str(&row, 0)) : json_obj(s->a);
	if (ag_err_is(e, AG_ENOTFOUND))
		e = AG_OK;
	const char *why = e ? NULL : parse(s->a, aid, doc, &s->c);
	if (why) { /* stored by an older version, or edited by hand: defaults, loudly */
		log_error("user_config", "project %s: stored settings refused (%s); using the defaults", app_id, why);
		(void)parse(s->a, aid, json_obj(s->a), &s->c);
	}
	if (e) {
		cached_unref(&s->hdr);
		return e;
	}
	*out = &s->hdr;
	return AG_OK;
}

enum ag_err user_config_get(struct arena *a, const char *app_id, const struct user_config **out)
{
	pthread_once(&cache_once, cache_init);
	struct cached *c;
	enum ag_err e = epcache_get(cfgs, store_epoch_current(g_app.store, CACHE_PROJECTS), app_id, load_cfg, NULL, &c);
	if (e)
		return e;
	arena_defer(a, cached_unref_any, c);
	*out = &((struct cfg_snap *)c)->c;
	return AG_OK;
}

static void map_destroy(struct cached *h)
{
	struct host_map *m = (struct host_map *)h;
	hmap_free(m->m);
	free(m);
}

static int host_row(void *ud, const struct store_row *row)
{
	char *app = strdup(row_str(row, 1));
	if (!app || hmap_put(ud, row_str(row, 0), app))
		abort();
	return 0;
}

static enum ag_err load_hosts(void *ud, const char *key, struct cached **out)
{
	(void)ud, (void)key;
	struct host_map *m = calloc(1, sizeof *m);
	if (!m || !(m->m = hmap_new(free)))
		abort();
	cached_init(&m->hdr, map_destroy);
	enum ag_err e = db_query(g_app.store, "SELECT host, app_id FROM project_hosts", NOP, host_row, m->m);
	if (e) {
		cached_unref(&m->hdr);
		return e;
	}
	*out = &m->hdr;
	return AG_OK;
}

const char *user_config_host_project(struct arena *a, const char *host)
{
	if (!host || !*host || strlen(host) > 300)
		return NULL;
	char *h = arena_strdup(a, host);
	str_lower(h);
	pthread_once(&cache_once, cache_init);
	struct cached *c;
	if (epcache_get(hosts, store_epoch_current(g_app.store, CACHE_PROJECTS), "", load_hosts, NULL, &c))
		return NULL;
	const char *app = hmap_get(((struct host_map *)c)->m, h);
	app = app ? arena_strdup(a, app) : NULL;
	cached_unref(c);
	return app;
}

void user_config_cache_clear(void)
{
	pthread_once(&cache_once, cache_init);
	epcache_clear(cfgs);
	epcache_clear(hosts);
}

/* ---- change ------------------------------------------------------------------------- */

struct ag_error user_config_patch(struct arena *a, const char *app_id, const cJSON *patch)
{
	if (!cJSON_IsObject(patch))
		return AG_ERROR_MSG(AG_EINVAL, "the body must be an object of settings");
	enum ag_err e = db_begin(g_app.store);
	if (e)
		return AG_ERROR(e);
	const char *why = NULL;
	struct store_row row;
	e = db_row(g_app.store, a, &row, "SELECT config FROM users_config WHERE app_id = $1", P(SV_TEXT(app_id)));
	cJSON *doc = e == AG_OK ? stored_doc(a, row_str(&row, 0)) : json_obj(a);
	if (ag_err_is(e, AG_ENOTFOUND))
		e = AG_OK;
	for (const cJSON *k = patch->child; e == AG_OK && k; k = k->next) {
		cJSON_DeleteItemFromObjectCaseSensitive(doc, k->string);
		if (!cJSON_IsNull(k))
			cJSON_AddItemToObject(doc, k->string, cJSON_Duplicate(k, 1));
	}
	struct user_config c;
	if (e == AG_OK && (why = parse(a, app_id, doc, &c)))
		e = AG_EINVAL;
	int64_t now = time_now_ms();
	if (e == AG_OK)
		e = db_exec(g_app.store,
		            "INSERT INTO users_config (app_id, config, updated_at) VALUES ($1, $2, $3) "
		            "ON CONFLICT (app_id) DO UPDATE SET config = $2, updated_at = $3",
		            P(SV_TEXT(app_id), SV_TEXT(json_print(a, doc)), SV_INT(now)));
	if (e == AG_OK && cJSON_GetObjectItemCaseSensitive(patch, "hosts"))
		e = db_exec(g_app.store, "DELETE FROM project_hosts WHERE app_id = $1", P(SV_TEXT(app_id)));
	for (int i = 0; e == AG_OK && cJSON_GetObjectItemCaseSensitive(patch, "hosts") && i < c.nhosts; i++) {
		e = db_exec(g_app.store, "INSERT INTO project_hosts (host, app_id) VALUES ($1, $2)",
		            P(SV_TEXT(c.hosts[i]), SV_TEXT(app_id)));
		if (ag_err_is(e, AG_ECONFLICT)) {
			why = arena_printf(a, "host %s is claimed by another project", c.hosts[i]);
			e = AG_USERS_HOST_CLAIMED;
		}
	}
	if (e == AG_OK)
		e = store_epoch_bump(g_app.store, CACHE_BIT(CACHE_PROJECTS));
	return AG_ERROR_MSG(db_end(g_app.store, e), e ? why : NULL);
}

/* ---- decisions ---------------------------------------------------------------------- */

int user_config_plan_rank(const struct user_config *c, const char *plan)
{
	for (int i = 0; plan && i < c->nplans; i++)
		if (str_eq(c->plans[i].name, plan))
			return i;
	return -1;
}

/* Is the feature in a JSON array of strings (the user's own grants)? Scanned in place. */
static bool json_list_has(const char *list, const char *feature)
{
	size_t fl = strlen(feature);
	for (const char *p = list ? strstr(list, feature) : NULL; p; p = strstr(p + 1, feature))
		if (p > list && p[-1] == '"' && p[fl] == '"')
			return true; /* names carry no quote or backslash (name_ok), so this is exact */
	return false;
}

bool user_config_has_feature(const struct user_config *c, const char *plan, const char *user_features,
                             const char *feature)
{
	int r = user_config_plan_rank(c, plan);
	if (r >= 0 && in_list(c->plans[r].features, c->plans[r].nfeatures, feature))
		return true;
	return json_list_has(user_features, feature);
}

const struct access_rule *user_config_rule(const struct user_config *c, const char *method, const char *path)
{
	size_t pl = strcspn(path, "?#");
	for (int i = 0; i < c->nrules; i++) {
		const struct access_rule *x = &c->rules[i];
		size_t n = strlen(x->prefix);
		bool under = pl >= n && memcmp(path, x->prefix, n) == 0 &&
		             (pl == n || path[n] == '/' || x->prefix[n - 1] == '/');
		if (!under)
			continue;
		if (x->methods) {
			char m[16];
			if (strlen(method) > 10)
				continue;
			snprintf(m, sizeof m, ",%s,", method);
			if (!strstr(x->methods, m))
				continue;
		}
		return x;
	}
	return NULL;
}
