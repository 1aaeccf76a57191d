/* plans.c — users' plans and features (see plans.h). */
#include "auth/plans.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/ctx.h"
#include "core/epcache.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "store/store.h"

#define CACHE_MAX 200000

struct state {
	struct cached hdr;
	bool disabled;
	char *email, *plan, *features; /* one allocation with the struct */
};

static struct epcache *cache;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static enum ag_err users_delta(void *ud, int64_t since, void (*drop)(void *, const char *), void *dctx)
{
	(void)ud;
	return db_delta_keys(g_app.store, "SELECT app_id, id FROM users WHERE plan_epoch > $1", since, drop, dctx);
}

static void cache_init(void)
{
	cache = epcache_new();
	epcache_set_delta(cache, users_delta, NULL, CACHE_MAX);
}

void plans_cache_clear(void)
{
	pthread_once(&cache_once, cache_init);
	epcache_clear(cache);
}

static void state_destroy(struct cached *c)
{
	free(c);
}

static enum ag_err load_state(void *ud, const char *key, struct cached **out)
{
	(void)ud;
	const char *nl = strchr(key, '\n');
	if (!nl)
		return AG_ENOTFOUND;
	struct arena *tmp = arena_new();
	struct store_row row;
	enum ag_err e = db_row(g_app.store, tmp, &row,
	                       "SELECT email, plan, features, disabled_at FROM users WHERE app_id = $1 AND id = $2",
	                       P(SV_TEXT(arena_strndup(tmp, key, (size_t)(nl - key))), SV_TEXT(nl + 1)));
	if (e == AG_OK) {
		const char *v[3] = {row_str(&row, 0), row_str(&row, 1), row_str(&row, 2)};
		size_t n = 0;
		for (int i = 0; i < 3; i++)
			n += strlen(v[i] ? v[i] : "") + 1;
		struct state *s = calloc(1, sizeof *s + n);
		if (!s)
			abort();
		cached_init(&s->hdr, state_destroy);
		s->disabled = row_str(&row, 3) != NULL;
		char *at = (char *)(s + 1), **dst[3] = {&s->email, &s->plan, &s->features};
		for (int i = 0; i < 3; i++) {
			size_t l = strlen(v[i] ? v[i] : "") + 1;
			memcpy(at, v[i] ? v[i] : "", l);
			*dst[i] = at;
			at += l;
		}
		*out = &s->hdr;
	}
	arena_free(tmp);
	return e;
}

enum ag_err user_state_get(struct arena *a, const char *app_id, const char *user_id, struct user_state *out)
{
	char key[256];
	if (!app_id || !user_id || (size_t)snprintf(key, sizeof key, "%s\n%s", app_id, user_id) >= sizeof key)
		return AG_ENOTFOUND;
	pthread_once(&cache_once, cache_init);
	struct cached *c;
	enum ag_err e = epcache_get(cache, store_epoch_current(g_app.store, CACHE_USERS), key, load_state, NULL, &c);
	if (e)
		return e;
	const struct state *s = (const struct state *)c;
	out->email = *s->email ? arena_strdup(a, s->email) : NULL; /* NULL: a user without an address */
	out->plan = arena_strdup(a, s->plan);
	out->features = arena_strdup(a, s->features);
	out->disabled = s->disabled;
	cached_unref(c);
	return AG_OK;
}

struct ag_error user_plan_set(struct arena *a, const char *app_id, const char *user_id, const char *plan,
                              const cJSON *features)
{
	const struct user_config *c;
	enum ag_err e = user_config_get(a, app_id, &c);
	if (e)
		return AG_ERROR(e);
	if (plan && user_config_plan_rank(c, plan) < 0) {
		struct buf b = BUF_INIT(512);
		for (int i = 0; i < c->nplans; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", c->plans[i].name);
		const char *why = arena_printf(a, "plan must be one of the project's plans: %s", b.p ? b.p : "");
		buf_free(&b);
		return AG_ERROR_MSG(AG_USERS_UNKNOWN_PLAN, why);
	}
	const char *fjson = NULL;
	if (features) {
		if (!cJSON_IsArray(features) || cJSON_GetArraySize(features) > UCFG_MAX_FEATURES)
			return AG_ERROR_MSG(AG_EINVAL, "features must be a list of at most 64 feature names");
		const cJSON *f;
		cJSON_ArrayForEach(f, features)
		{
			const char *s = cJSON_IsString(f) ? f->valuestring : NULL;
			bool ok = s && *s && strlen(s) <= UCFG_NAME_MAX;
			for (; ok && *s; s++)
				ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
				     strchr("_-.:", *s);
			if (!ok)
				return AG_ERROR(AG_USERS_BAD_FEATURE);
		}
		fjson = json_print(a, features);
	}
	if (!plan && !fjson)
		return AG_ERROR_MSG(AG_EINVAL, "give a plan, features or both");
	int64_t n = 0;
	e = db_begin(g_app.store);
	if (e == AG_OK)
		e = store_epoch_bump(g_app.store, CACHE_BIT(CACHE_USERS));
	if (e == AG_OK)
		e = db_exec_n(
		    g_app.store,
		    "UPDATE users SET plan = COALESCE($3, plan), features = COALESCE($4, features), updated_at = $5, "
		    "plan_epoch = " STORE_EPOCH_SQL("users") " WHERE app_id = $1 AND id = $2",
		    P(SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(plan), SV_TEXT(fjson), SV_INT(time_now_ms())), &n);
	if (e == AG_OK && n == 0)
		e = AG_USER_NOT_FOUND;
	return AG_ERROR(db_end(g_app.store, e));
}

enum ag_err user_state_touch(const char *app_id, const char *user_id)
{
	enum ag_err e = store_epoch_bump(g_app.store, CACHE_BIT(CACHE_USERS));
	return e ? e
	         : db_exec(g_app.store,
	                   "UPDATE users SET plan_epoch = " STORE_EPOCH_SQL("users") " WHERE app_id = $1 AND id = $2",
	                   P(SV_TEXT(app_id), SV_TEXT(user_id)));
}

/* The user's own features, parsed (names only: they were checked when set). */
static cJSON *own_features(struct arena *a, const char *json)
{
	cJSON *v = NULL;
	const char *detail;
	if (!json || json_parse_strict(a, json, strlen(json), &v, &detail) != JSON_OK || !cJSON_IsArray(v))
		return NULL;
	return v;
}

cJSON *user_features_json(struct arena *a, const struct user_config *c, const struct user_state *st)
{
	cJSON *out = json_arr(a);
	int r = user_config_plan_rank(c, st->plan);
	for (int i = 0; r >= 0 && i < c->plans[r].nfeatures; i++)
		cJSON_AddItemToArray(out, cJSON_CreateString(c->plans[r].features[i]));
	const cJSON *f;
	cJSON_ArrayForEach(f, own_features(a, st->features))
	{
		bool dup = false;
		const cJSON *g;
		cJSON_ArrayForEach(g, out) dup |= cJSON_IsString(f) && str_eq(g->valuestring, f->valuestring);
		if (cJSON_IsString(f) && !dup)
			cJSON_AddItemToArray(out, cJSON_CreateString(f->valuestring));
	}
	return out;
}

const char *user_features_csv(struct arena *a, const struct user_config *c, const struct user_state *st)
{
	int r = user_config_plan_rank(c, st->plan);
	const char *plan_csv = r >= 0 ? c->plans[r].features_csv : "";
	if (!st->features || !strcmp(st->features, "[]"))
		return plan_csv; /* the common case: the plan's list, made once per settings load */
	struct buf b = BUF_INIT(512);
	buf_puts(&b, plan_csv);
	const cJSON *f;
	cJSON_ArrayForEach(f, own_features(a, st->features))
	{
		if (cJSON_IsString(f) && !(r >= 0 && user_config_has_feature(c, st->plan, NULL, f->valuestring)))
			buf_printf(&b, "%s%s", b.len ? "," : "", f->valuestring);
	}
	const char *s = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_free(&b);
	return s;
}

enum access_verdict access_decide(const struct user_config *c, const struct user_state *st, const char *need_plan,
                                  const char *need_feature)
{
	if (need_plan && user_config_plan_rank(c, st->plan) < user_config_plan_rank(c, need_plan))
		return ACCESS_UPGRADE_REQUIRED;
	if (need_feature && !user_config_has_feature(c, st->plan, st->features, need_feature))
		return ACCESS_FEATURE_MISSING;
	return ACCESS_ALLOWED;
}
