/* sessions.c — ended sessions: the write side (tokens_valid_after + cache epoch) and the
 * read side used by the token verifier (an in-memory list reloaded when the epoch
 * moves). See sessions.h. */
#include "auth/sessions.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth/tokens.h"
#include "core/ctx.h"
#include "core/hmap.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "store/store.h"

/* Entries older than a token's life (plus leeway) cannot matter: those tokens expired. */
#define ENDED_HORIZON_MS ((int64_t)(SESSION_TOKEN_TTL_S + 2 * TOKEN_LEEWAY_S + 5) * 1000)

static pthread_rwlock_t mu = PTHREAD_RWLOCK_INITIALIZER;
static struct hmap *ended; /* "app_id\n" user_id -> heap int64 tokens_valid_after (ms) */
static int64_t loaded_epoch = -1;

enum ag_err session_end_all(const char *app_id, const char *user_id, int64_t *valid_after_ms)
{
	int64_t now = time_now_ms();
	if (valid_after_ms)
		*valid_after_ms = now;
	enum ag_err e = db_exec(g_app.store, "UPDATE users SET tokens_valid_after = $3, updated_at = $3 "
					     "WHERE app_id = $1 AND id = $2",
				P(SV_TEXT(app_id), SV_TEXT(user_id), SV_INT(now)));
	if (e == AG_OK)
		e = store_epoch_bump(g_app.store);
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
	*v = row_int(row, 2);
	if (hmap_put(c->m, arena_printf(c->a, "%s\n%s", row_str(row, 0), row_str(row, 1)), v))
		free(v);
	return 0;
}

/* Reload when the epoch moved. Returns false if the store could not be read (the
 * caller then refuses: a verifier that cannot tell must not accept). */
static bool sync(void)
{
	int64_t ep = store_epoch_current(g_app.store);
	pthread_rwlock_rdlock(&mu);
	bool fresh = ended && loaded_epoch == ep;
	pthread_rwlock_unlock(&mu);
	if (fresh)
		return true;
	struct hmap *m = hmap_new(free);
	struct arena *a = arena_new();
	struct load_ctx c = {m, a};
	enum ag_err e = db_query(g_app.store,
				 "SELECT app_id, id, tokens_valid_after FROM users WHERE tokens_valid_after > $1",
				 P(SV_INT(time_now_ms() - ENDED_HORIZON_MS)), load_row, &c);
	arena_free(a);
	if (e) {
		hmap_free(m);
		log_error("sessions", "cannot load ended sessions");
		return false;
	}
	pthread_rwlock_wrlock(&mu);
	if (ended)
		hmap_free(ended);
	ended = m;
	loaded_epoch = ep;
	pthread_rwlock_unlock(&mu);
	return true;
}

bool session_token_ended(const char *app_id, const char *user_id, int64_t sv_ms, int64_t iat_s)
{
	if (!sync())
		return true;
	char key[512];
	size_t al = strlen(app_id), ul = strlen(user_id);
	if (al + ul + 2 > sizeof key)
		return true;
	memcpy(key, app_id, al);
	key[al] = '\n';
	memcpy(key + al + 1, user_id, ul + 1);
	pthread_rwlock_rdlock(&mu);
	int64_t *tva = ended ? hmap_get(ended, key) : NULL;
	bool gone = tva && (sv_ms >= 0 ? sv_ms < *tva : iat_s < *tva / 1000);
	pthread_rwlock_unlock(&mu);
	return gone;
}

void session_cache_clear(void)
{
	pthread_rwlock_wrlock(&mu);
	if (ended)
		hmap_free(ended);
	ended = NULL;
	loaded_epoch = -1;
	pthread_rwlock_unlock(&mu);
}
