/* sessions.c — ended sessions: the write side (tokens_valid_after + cache epoch) and the
 * read side used by the token verifier (an in-memory list reloaded when the epoch
 * moves). See sessions.h. */
#include "auth/sessions.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth/actions.h"
#include "auth/tokens.h"
#include "auth/plans.h"
#include "auth/user_sessions.h"
#include "core/ctx.h"
#include "core/epcache.h"
#include "core/hmap.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "store/store.h"

/* Entries older than a token's life (plus leeway) cannot matter: those tokens expired. */
#define ENDED_HORIZON_MS ((int64_t)(SESSION_TOKEN_TTL_S + 2 * TOKEN_LEEWAY_S + 5) * 1000)

/* The ended sessions of the last ENDED_HORIZON_MS, one map loaded whole (key ""), under
 * the sessions' own epoch: a password reset reloads this list and nothing else. */
struct ended {
	struct cached hdr;
	struct hmap *m; /* "app_id\n" user_id -> heap int64 tokens_valid_after (ms) */
};

static struct epcache *cache;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_init(void)
{
	cache = epcache_new();
}

static void ended_destroy(struct cached *c)
{
	struct ended *e = (struct ended *)c;
	hmap_free(e->m);
	free(e);
}

enum ag_err session_end_all(const char *app_id, const char *user_id, int64_t *valid_after_ms)
{
	int64_t now = time_now_ms();
	if (valid_after_ms)
		*valid_after_ms = now;
	enum ag_err e = db_exec(g_app.store, "UPDATE users SET tokens_valid_after = $3, updated_at = $3 "
					     "WHERE app_id = $1 AND id = $2",
				P(SV_TEXT(app_id), SV_TEXT(user_id), SV_INT(now)));
	if (e == AG_OK)
		e = store_epoch_bump(g_app.store, CACHE_BIT(CACHE_SESSIONS));
	/* the long-lived sessions of seed 004 end with the short ones */
	if (e == AG_OK)
		e = user_sessions_end_user(app_id, user_id, "ended", NULL);
	/* and the actions API's (/v1/sessions: read from the store on every use) */
	if (e == AG_OK)
		e = as_sessions_end_user(app_id, user_id);
	if (e == AG_OK) /* a disabled user's API keys stop too (auth/plans.h) */
		e = user_state_touch(app_id, user_id);
	return e;
}

struct load_ctx {
	struct hmap *m;
	struct arena *a;
};

static int load_row(void *ud, const struct store_row *row)
{
	struct load_ctx *c = ud;
	int64_t *v = malloc(sizeof *v);
	if (!v)
		return 1;
	/* A disabled user has no valid token at all, however new (INT64_MAX). */
	*v = row_str(row, 3) ? INT64_MAX : row_int(row, 2);
	if (hmap_put(c->m, arena_printf(c->a, "%s\n%s", row_str(row, 0), row_str(row, 1)), v))
		free(v);
	return 0;
}

/* Loaded by one thread when the epoch moved (the others wait for it: single flight). */
static enum ag_err load_ended(void *ud, const char *key, struct cached **out)
{
	struct ended *en = calloc(1, sizeof *en);
	if (!en || !(en->m = hmap_new(free)))
		abort();
	cached_init(&en->hdr, ended_destroy);
	struct arena *a = arena_new();
	struct load_ctx c = {en->m, a};
	enum ag_err e = db_query(g_app.store,
				 "SELECT app_id, id, tokens_valid_after, disabled_at FROM users "
				 "WHERE tokens_valid_after > $1 OR disabled_at IS NOT NULL",
				 P(SV_INT(time_now_ms() - ENDED_HORIZON_MS)), load_row, &c);
	arena_free(a);
	if (e) {
		cached_unref(&en->hdr);
		log_error("sessions", "cannot load ended sessions");
		return e;
	}
	*out = &en->hdr;
	return AG_OK;
}

bool session_token_ended(const char *app_id, const char *user_id, int64_t sv_ms, int64_t iat_s)
{
	char key[512];
	size_t al = strlen(app_id), ul = strlen(user_id);
	if (al + ul + 2 > sizeof key)
		return true;
	memcpy(key, app_id, al);
	key[al] = '\n';
	memcpy(key + al + 1, user_id, ul + 1);
	pthread_once(&cache_once, cache_init);
	struct cached *c;
	/* A verifier that cannot read the list must not accept. */
	if (epcache_get(cache, store_epoch_current(g_app.store, CACHE_SESSIONS), "", load_ended, NULL, &c))
		return true;
	int64_t *tva = hmap_get(((struct ended *)c)->m, key);
	bool gone = tva && (sv_ms >= 0 ? sv_ms < *tva : iat_s < *tva / 1000);
	cached_unref(c);
	return gone;
}

void session_cache_clear(void)
{
	pthread_once(&cache_once, cache_init);
	epcache_clear(cache);
}
