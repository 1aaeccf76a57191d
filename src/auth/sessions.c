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
#include "core/log.h"
#include "core/timeutil.h"
#include "store/epmap.h"

/* Entries older than a token's life (plus leeway) cannot matter: those tokens expired. */
#define ENDED_HORIZON_MS ((int64_t)(SESSION_TOKEN_TTL_S + 2 * TOKEN_LEEWAY_S + 5) * 1000)

/* A disabled user has no valid token at all, however new (INT64_MAX). */
static void *ended_value(const struct store_row *row)
{
	int64_t *v = malloc(sizeof *v);
	if (v)
		*v = row_str(row, 3) ? INT64_MAX : row_int(row, 2);
	return v;
}

/* The ended sessions of the last ENDED_HORIZON_MS, loaded whole under the sessions' own
 * epoch: a password reset reloads this list and nothing else. app_id\nuser_id -> int64
 * tokens_valid_after (ms). */
static const struct epmap_def ended_def = {
	CACHE_SESSIONS,
	"SELECT app_id, id, tokens_valid_after, disabled_at FROM users WHERE tokens_valid_after > $1 OR disabled_at IS NOT NULL",
	ENDED_HORIZON_MS, ended_value, "ended sessions"};
static struct epmap *ended;
static pthread_once_t ended_once = PTHREAD_ONCE_INIT;

static void ended_init(void)
{
	ended = epmap_new(&ended_def);
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

bool session_token_ended(const char *app_id, const char *user_id, int64_t sv_ms, int64_t iat_s)
{
	pthread_once(&ended_once, ended_init);
	const int64_t *tva;
	struct cached *hold;
	/* A verifier that cannot read the list must not accept. */
	if (epmap_get(ended, g_app.store, app_id, user_id, (const void **)&tva, &hold))
		return true;
	bool gone = tva && (sv_ms >= 0 ? sv_ms < *tva : iat_s < *tva / 1000);
	cached_unref(hold);
	return gone;
}

void session_cache_clear(void)
{
	pthread_once(&ended_once, ended_init);
	epmap_clear(ended);
}
