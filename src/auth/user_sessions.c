/* user_sessions.c — long-lived user sessions and users' API keys (see user_sessions.h).
 * Both are cached per process by id / key hash with deltas: a change bumps the cache's
 * epoch in its transaction and stamps the rows it changed with that epoch, so a process
 * that sees the epoch move drops only those entries. */
#include "auth/user_sessions.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/plans.h"
#include "auth/tokens.h"
#include "auth/user_config.h"
#include "core/ctx.h"
#include "core/epcache.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/jwt.h"
#include "sec/sec.h"
#include "store/store.h"

#define CACHE_MAX 200000 /* sessions or keys a process keeps (reaching it empties the cache) */
#define VERIFIED_MAX 50000 /* verified tokens a process keeps (below) */
#define MAX_KEYS_PER_USER 50
#define UA_MAX 256

static const char *new_id(struct arena *a, const char *prefix)
{
	char tok[24];
	rand_token(tok, 12);
	return arena_printf(a, "%s%s", prefix, tok);
}

/* ---- the caches --------------------------------------------------------------------- */

struct ses_state {
	struct cached hdr;
	int64_t expires_at;
	bool ended;
	char *app_id, *user_id, *auth_type; /* one allocation with the struct */
};

struct key_state {
	struct cached hdr;
	bool revoked;
	char *app_id, *user_id, *id;
};

static struct epcache *sessions, *keys, *verified;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static enum ag_err sessions_delta(void *ud, int64_t since, void (*drop)(void *, const char *), void *dctx)
{
	(void)ud;
	return db_delta_keys(g_app.store, "SELECT id FROM user_sessions WHERE changed_epoch > $1", since, drop, dctx);
}

static enum ag_err keys_delta(void *ud, int64_t since, void (*drop)(void *, const char *), void *dctx)
{
	(void)ud;
	return db_delta_keys(g_app.store, "SELECT key_hash FROM user_api_keys WHERE changed_epoch > $1", since, drop,
			     dctx);
}

static void cache_init(void)
{
	sessions = epcache_new();
	keys = epcache_new();
	epcache_set_delta(sessions, sessions_delta, NULL, CACHE_MAX);
	epcache_set_delta(keys, keys_delta, NULL, CACHE_MAX);
	verified = epcache_new();
	epcache_set_delta(verified, NULL, NULL, VERIFIED_MAX);
}

static void plain_destroy(struct cached *c)
{
	free(c);
}

/* A struct followed by its strings in one allocation. */
static char *pack(char **dst, char *at, const char *s)
{
	size_t n = strlen(s ? s : "") + 1;
	memcpy(at, s ? s : "", n);
	*dst = at;
	return at + n;
}

static enum ag_err load_session(void *ud, const char *sid, struct cached **out)
{
	(void)ud;
	struct arena *tmp = arena_new();
	struct store_row row;
	enum ag_err e =
	    db_row(g_app.store, tmp, &row,
	           "SELECT app_id, user_id, auth_type, expires_at, ended_at FROM user_sessions WHERE id = $1",
	           P(SV_TEXT(sid)));
	if (e == AG_OK) {
		size_t n = strlen(row_str(&row, 0)) + strlen(row_str(&row, 1)) + strlen(row_str(&row, 2)) + 3;
		struct ses_state *s = calloc(1, sizeof *s + n);
		if (!s)
			abort();
		cached_init(&s->hdr, plain_destroy);
		char *at = (char *)(s + 1);
		at = pack(&s->app_id, at, row_str(&row, 0));
		at = pack(&s->user_id, at, row_str(&row, 1));
		pack(&s->auth_type, at, row_str(&row, 2));
		s->expires_at = row_int(&row, 3);
		s->ended = row_str(&row, 4) != NULL;
		*out = &s->hdr;
	}
	arena_free(tmp);
	return e;
}

static enum ag_err load_key(void *ud, const char *hash, struct cached **out)
{
	(void)ud;
	struct arena *tmp = arena_new();
	struct store_row row;
	enum ag_err e =
	    db_row(g_app.store, tmp, &row,
	           "SELECT app_id, user_id, id, revoked_at FROM user_api_keys WHERE key_hash = $1", P(SV_TEXT(hash)));
	if (e == AG_OK) {
		size_t n = strlen(row_str(&row, 0)) + strlen(row_str(&row, 1)) + strlen(row_str(&row, 2)) + 3;
		struct key_state *k = calloc(1, sizeof *k + n);
		if (!k)
			abort();
		cached_init(&k->hdr, plain_destroy);
		char *at = (char *)(k + 1);
		at = pack(&k->app_id, at, row_str(&row, 0));
		at = pack(&k->user_id, at, row_str(&row, 1));
		pack(&k->id, at, row_str(&row, 2));
		k->revoked = row_str(&row, 3) != NULL;
		*out = &k->hdr;
	}
	arena_free(tmp);
	return e;
}

enum ag_err user_forget(const char *app_id, const char *user_id)
{
	enum ag_err e = user_sessions_end_user(app_id, user_id, "deleted", NULL);
	if (e == AG_OK)
		e = store_epoch_bump(g_app.store, CACHE_BIT(CACHE_USER_KEYS));
	if (e == AG_OK)
		e = db_exec(g_app.store,
		            "UPDATE user_api_keys SET revoked_at = $3, changed_epoch = " STORE_EPOCH_SQL(
		                "user_keys") " WHERE app_id = $1 AND user_id = $2 AND revoked_at IS NULL",
		            P(SV_TEXT(app_id), SV_TEXT(user_id), SV_INT(time_now_ms())));
	static const char *const gone[] = {"DELETE FROM connections WHERE app_id = $1 AND user_id = $2",
	                                   "DELETE FROM provider_keys WHERE app_id = $1 AND user_id = $2"};
	for (size_t i = 0; e == AG_OK && i < ARRAY_LEN(gone); i++)
		e = db_exec(g_app.store, gone[i], P(SV_TEXT(app_id), SV_TEXT(user_id)));
	return e ? e : user_state_touch(app_id, user_id);
}

void user_sessions_cache_clear(void)
{
	pthread_once(&cache_once, cache_init);
	epcache_clear(sessions);
	epcache_clear(keys);
	epcache_clear(verified);
}

/* ---- issuing ------------------------------------------------------------------------- */

static const char *sign(struct arena *a, const struct project *p, const struct user *u, const char *sid,
                        const struct user_session_origin *o, int64_t now_ms, int64_t exp_ms)
{
	cJSON *c = json_obj(a);
	cJSON_AddStringToObject(c, "iss", TOKEN_ISSUER);
	cJSON_AddStringToObject(c, "aud", USER_TOKEN_AUD);
	cJSON_AddStringToObject(c, "sub", u->id);
	cJSON_AddStringToObject(c, "app", p->app_id);
	cJSON_AddStringToObject(c, "sid", sid);
	json_add_str(c, "email", u->email);
	cJSON_AddStringToObject(c, "plan", u->plan ? u->plan : "free");
	cJSON_AddStringToObject(c, "auth_type", o->auth_type);
	cJSON *amr = cJSON_AddArrayToObject(c, "amr");
	for (const char *s = o->amr ? o->amr : ""; *s;) {
		size_t l = strcspn(s, " ");
		if (l)
			cJSON_AddItemToArray(amr, cJSON_CreateString(arena_strndup(a, s, l)));
		s += l + (s[l] == ' ');
	}
	cJSON_AddNumberToObject(c, "iat", (double)(now_ms / 1000));
	cJSON_AddNumberToObject(c, "exp", (double)(exp_ms / 1000));
	return jwt_sign_hs256(a, c, p->token_key);
}

static const char *clip(struct arena *a, const char *s, size_t max)
{
	return s && strlen(s) > max ? arena_strndup(a, s, max) : s;
}

/* Insert a session row (inside or outside a transaction). started: its family's sign-in. */
static enum ag_err insert_session(struct arena *a, const struct project *p, const char *user_id, const char *sid,
                                  const char *family, const char *parent, const struct user_session_origin *o,
                                  int64_t now, int64_t exp, int64_t started)
{
	return db_exec(
	    g_app.store,
	    "INSERT INTO user_sessions (id, app_id, user_id, kind, auth_type, amr, family_id, parent_id, ip, "
	    "user_agent, created_at, expires_at, family_started_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
	    P(SV_TEXT(sid), SV_TEXT(p->app_id), SV_TEXT(user_id), SV_TEXT(USER_SESSION_KIND), SV_TEXT(o->auth_type),
	      SV_TEXT(o->amr), SV_TEXT(family), SV_TEXT(parent), SV_TEXT(o->ip),
	      SV_TEXT(clip(a, o->user_agent, UA_MAX)), SV_INT(now), SV_INT(exp), SV_INT(started)));
}

/* The project's absolute lifetime of a session family, in ms (users-config). */
static int64_t max_age_ms(struct arena *a, const struct project *p)
{
	const struct user_config *c;
	int days = user_config_get(a, p->app_id, &c) == AG_OK ? c->session_max_days : UCFG_DEFAULT_SESSION_MAX_DAYS;
	return days * 86400000LL;
}

/* A token's expiry: 30 days from now, but never past its family's sign-in + the cap. */
static int64_t capped_expiry(int64_t now, int64_t started, int64_t max_age)
{
	int64_t exp = now + USER_SESSION_TTL_S * 1000LL;
	return exp < started + max_age ? exp : started + max_age;
}

/* Rows whose tokens expired a day ago can go: no token of theirs can be presented, and a
 * process that still holds one in memory holds it as expired. At most once a minute per
 * process, on the way of a new session. */
static void prune(int64_t now)
{
	static _Atomic int64_t last;
	int64_t prev = atomic_load(&last);
	if (now - prev < 60000 || !atomic_compare_exchange_strong(&last, &prev, now))
		return;
	if (db_exec(g_app.store, "DELETE FROM user_sessions WHERE expires_at < $1", P(SV_INT(now - 86400000LL))))
		log_warn("user_sessions", "cannot prune expired sessions");
}

enum ag_err user_session_issue(struct arena *a, const struct project *p, const struct user *u,
                               const struct user_session_origin *o, const char **token, int64_t *exp_ms)
{
	int64_t now = time_now_ms(), exp = capped_expiry(now, now, max_age_ms(a, p));
	if (!db_in_tx(g_app.store))
		prune(now);
	const char *sid = new_id(a, "ses_");
	enum ag_err e = insert_session(a, p, u->id, sid, sid, NULL, o, now, exp, now);
	if (e)
		return e;
	*token = sign(a, p, u, sid, o, now, exp);
	if (exp_ms)
		*exp_ms = exp;
	return *token ? AG_OK : AG_EINTERNAL;
}

bool user_session_wanted(const cJSON *extra)
{
	return json_get_bool(extra, USER_SESSION_EXTRA, false);
}

const char *user_session_from_extra(struct arena *a, const struct project *p, const struct user *u, const char *amr,
                                    const cJSON *extra)
{
	struct user_session_origin o = {json_get_str(extra, "auth_type"), amr, json_get_str(extra, "ip"),
	                                json_get_str(extra, "user_agent")};
	if (!o.auth_type)
		o.auth_type = "unknown";
	const char *tok = NULL;
	if (user_session_issue(a, p, u, &o, &tok, NULL))
		return NULL;
	return tok;
}

/* ---- checking ------------------------------------------------------------------------ */

/* The token's signature and claims (not whether its session still counts). */
static enum ag_err verify_token(struct arena *a, const struct project *p, const char *token, struct jobj *c,
                                const char **sid, const char **sub)
{
	if (!token || strlen(token) > JWT_MAX_LEN || token_check(a, p, token, USER_TOKEN_AUD, c) != AG_OK)
		return AG_EUNAUTH;
	const struct jval *s = jobj_get(c, "sid");
	if (!s || s->kind != JK_STR)
		return AG_EUNAUTH;
	*sid = jstr(a, s, NULL);
	*sub = jstr(a, jobj_get(c, "sub"), NULL);
	return *sid && *sub && str_starts(*sid, "ses_") && strlen(*sid) < 64 ? AG_OK : AG_EUNAUTH;
}

/* Tokens already verified, per process: the signature and claims checks (HMAC, base64,
 * the strict JSON scan: most of a check's cost) run once per token, not per request.
 * Keyed by project and the token's signature segment; a hit must be the same token byte
 * for byte (a forged payload under a known signature misses). Under the projects' epoch:
 * a rotated signing secret (or any project change) empties it. Whether the session
 * still counts is asked every time (the sessions cache). */
struct verified {
	struct cached hdr;
	int64_t exp_s;
	size_t len;
	char *token, *sid, *sub, *email; /* one allocation with the struct */
};

struct verify_ud {
	struct arena *a;
	const struct project *p;
	const char *token;
};

static enum ag_err load_verified(void *ud, const char *key, struct cached **out)
{
	(void)key;
	struct verify_ud *v = ud;
	struct jobj *c = arena_alloc(v->a, sizeof *c);
	const char *sid, *sub;
	if (verify_token(v->a, v->p, v->token, c, &sid, &sub))
		return AG_EUNAUTH;
	double exp = 0;
	(void)jnum(jobj_get(c, "exp"), &exp);
	const char *email = jstr(v->a, jobj_get(c, "email"), NULL);
	size_t tl = strlen(v->token), n = tl + strlen(sid) + strlen(sub) + strlen(email ? email : "") + 4;
	struct verified *t = calloc(1, sizeof *t + n);
	if (!t)
		abort();
	cached_init(&t->hdr, plain_destroy);
	char *at = (char *)(t + 1);
	at = pack(&t->token, at, v->token);
	at = pack(&t->sid, at, sid);
	at = pack(&t->sub, at, sub);
	pack(&t->email, at, email);
	t->len = tl;
	t->exp_s = (int64_t)exp;
	*out = &t->hdr;
	return AG_OK;
}

/* The verified claims of token (arena copies), from memory when it was seen before. */
static enum ag_err verify_cached(struct arena *a, const struct project *p, const char *token, const char **sid,
                                 const char **sub, const char **email)
{
	const char *dot = token ? strrchr(token, '.') : NULL;
	size_t tl = token ? strlen(token) : 0;
	if (!dot || tl > JWT_MAX_LEN || strlen(dot + 1) > 128)
		return AG_EUNAUTH;
	char key[APP_ID_MAX + 136];
	snprintf(key, sizeof key, "%s\n%s", p->app_id, dot + 1);
	struct verify_ud ud = {a, p, token};
	struct cached *h;
	enum ag_err e =
	    epcache_get(verified, store_epoch_current(g_app.store, CACHE_PROJECTS), key, load_verified, &ud, &h);
	if (e)
		return e;
	const struct verified *t = (const struct verified *)h;
	bool ok = t->len == tl && memcmp(t->token, token, tl) == 0 && t->exp_s + TOKEN_LEEWAY_S > time_now_ms() / 1000;
	if (ok) {
		*sid = arena_strdup(a, t->sid);
		*sub = arena_strdup(a, t->sub);
		*email = *t->email ? arena_strdup(a, t->email) : NULL;
	}
	cached_unref(h);
	return ok ? AG_OK : AG_EUNAUTH;
}

enum ag_err user_token_check(struct arena *a, const struct project *p, const char *token, struct user_principal *who)
{
	memset(who, 0, sizeof *who);
	pthread_once(&cache_once, cache_init);
	const char *sid, *sub, *email;
	if (verify_cached(a, p, token, &sid, &sub, &email))
		return AG_EUNAUTH;
	struct cached *h;
	enum ag_err e =
	    epcache_get(sessions, store_epoch_current(g_app.store, CACHE_USER_SESSIONS), sid, load_session, NULL, &h);
	if (e)
		return ag_err_is(e, AG_ENOTFOUND) ? AG_EUNAUTH : e;
	const struct ses_state *s = (const struct ses_state *)h;
	bool ok = !s->ended && s->expires_at > time_now_ms() && str_eq(s->app_id, p->app_id) && str_eq(s->user_id, sub);
	if (ok) {
		who->user_id = sub;
		who->session_id = sid;
		who->auth_type = arena_strdup(a, s->auth_type);
		who->email = email;
		who->expires_at = s->expires_at;
	}
	cached_unref(h);
	return ok ? AG_OK : AG_EUNAUTH;
}

/* ---- ending and refreshing ---------------------------------------------------------- */

#define END_SET "SET ended_at = $1, end_reason = $2, changed_epoch = " STORE_EPOCH_SQL("user_sessions")

enum ag_err user_session_refresh(struct arena *a, const struct project *p, const char *token,
                                 const struct user_session_origin *o, const char **new_token, int64_t *exp_ms)
{
	struct jobj *c = arena_alloc(a, sizeof *c);
	const char *sid, *sub;
	if (verify_token(a, p, token, c, &sid, &sub))
		return AG_EUNAUTH;
	struct user *u;
	enum ag_err e = user_by_id(a, p->app_id, sub, &u);
	if (e)
		return ag_err_is(e, AG_ENOTFOUND) ? AG_EUNAUTH : e;
	int64_t now = time_now_ms(), max_age = max_age_ms(a, p), exp = 0;
	const char *child = new_id(a, "ses_");
	struct store_row row;
	e = db_begin(g_app.store);
	if (e == AG_OK)
		e = store_epoch_bump(g_app.store, CACHE_BIT(CACHE_USER_SESSIONS));
	/* only a live session whose family is younger than the cap rotates */
	if (e == AG_OK)
		e = db_row(g_app.store, a, &row,
		           "UPDATE user_sessions " END_SET " WHERE id = $3 AND app_id = $4 AND user_id = $5 "
		           "AND ended_at IS NULL AND expires_at > $1 AND COALESCE(family_started_at, created_at) > $6 "
		           "RETURNING family_id, auth_type, amr, COALESCE(family_started_at, created_at)",
		           P(SV_INT(now), SV_TEXT("rotated"), SV_TEXT(sid), SV_TEXT(p->app_id), SV_TEXT(sub),
		             SV_INT(now - max_age)));
	int64_t capped = 0;
	if (ag_err_is(e, AG_ENOTFOUND) &&
	    db_exec_n(g_app.store,
	              "UPDATE user_sessions " END_SET " WHERE id = $3 AND app_id = $4 AND user_id = $5 "
	              "AND ended_at IS NULL AND expires_at > $1",
	              P(SV_INT(now), SV_TEXT("max_age"), SV_TEXT(sid), SV_TEXT(p->app_id), SV_TEXT(sub)),
	              &capped) == AG_OK &&
	    capped > 0) {
		/* live, but its family is past the cap (the setting was lowered after it was
		 * issued): it ends here, and the user signs in again */
		e = db_end(g_app.store, AG_OK);
		return e ? e : AG_USERS_SESSION_MAX_AGE;
	}
	if (ag_err_is(e, AG_ENOTFOUND)) {
		/* Not live. A session already rotated, presented again: someone holds a copy of
		 * an old token. End what its family still has (the thief's or the owner's). */
		struct store_row old;
		if (db_row(
		        g_app.store, a, &old,
		        "SELECT family_id FROM user_sessions WHERE id = $1 AND app_id = $2 AND end_reason = 'rotated'",
		        P(SV_TEXT(sid), SV_TEXT(p->app_id))) == AG_OK) {
			e = db_exec(g_app.store,
			            "UPDATE user_sessions " END_SET " WHERE family_id = $3 AND ended_at IS NULL",
			            P(SV_INT(now), SV_TEXT("reuse"), SV_TEXT(row_str(&old, 0))));
			e = db_end(g_app.store, e);
			log_security("user_session_reuse", o->ip,
			             "project %s user %s: a rotated session was refreshed "
			             "again; its family was ended",
			             p->app_id, sub);
			return e ? e : AG_EUNAUTH;
		}
		db_rollback(g_app.store);
		return AG_EUNAUTH;
	}
	struct user_session_origin child_o = *o;
	if (e == AG_OK) {
		child_o.auth_type = row_str(&row, 1);
		child_o.amr = row_str(&row, 2);
		exp = capped_expiry(now, row_int(&row, 3), max_age);
		e = insert_session(a, p, sub, child, row_str(&row, 0), sid, &child_o, now, exp, row_int(&row, 3));
	}
	if ((e = db_end(g_app.store, e)))
		return e;
	*new_token = sign(a, p, u, child, &child_o, now, exp);
	if (exp_ms)
		*exp_ms = exp;
	return *new_token ? AG_OK : AG_EINTERNAL;
}

/* One UPDATE that ends sessions, with the epoch bump, in the caller's transaction or
 * its own. */
static enum ag_err end_where(const char *where, const struct sqlv *p, int n, int64_t *changed)
{
	bool own = !db_in_tx(g_app.store);
	enum ag_err e = own ? db_begin(g_app.store) : AG_OK;
	if (e == AG_OK)
		e = store_epoch_bump(g_app.store, CACHE_BIT(CACHE_USER_SESSIONS));
	if (e == AG_OK)
		e = db_exec_n(g_app.store, where, p, n, changed);
	return own ? db_end(g_app.store, e) : e;
}

enum ag_err user_session_end(const char *app_id, const char *user_id, const char *session_id, const char *reason)
{
	int64_t n = 0;
	enum ag_err e = end_where(
	    "UPDATE user_sessions " END_SET " WHERE id = $3 AND app_id = $4 "
	    "AND (CAST($5 AS TEXT) IS NULL OR user_id = $5) AND ended_at IS NULL",
	    P(SV_INT(time_now_ms()), SV_TEXT(reason), SV_TEXT(session_id), SV_TEXT(app_id), SV_TEXT(user_id)), &n);
	return e ? e : n ? AG_OK : AG_USERS_SESSION_NOT_FOUND;
}

enum ag_err user_sessions_end_user(const char *app_id, const char *user_id, const char *reason, int64_t *n)
{
	int64_t k = 0;
	enum ag_err e = end_where("UPDATE user_sessions " END_SET
	                          " WHERE app_id = $3 AND user_id = $4 AND ended_at IS NULL AND expires_at > $1",
	                          P(SV_INT(time_now_ms()), SV_TEXT(reason), SV_TEXT(app_id), SV_TEXT(user_id)), &k);
	if (n)
		*n = k;
	return e;
}

struct list_ctx {
	struct arena *a;
	cJSON *arr;
};

static int session_row(void *ud, const struct store_row *row)
{
	struct list_ctx *c = ud;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", row_str(row, 0));
	cJSON_AddStringToObject(o, "auth_type", row_str(row, 1));
	json_add_time(o, "created_at", row_int(row, 2));
	json_add_time(o, "expires_at", row_int(row, 3));
	json_add_str(o, "ip", row_str(row, 4));
	json_add_str(o, "user_agent", row_str(row, 5));
	json_add_time(o, "ended_at", row_int(row, 6));
	json_add_str(o, "end_reason", row_str(row, 7));
	cJSON_AddBoolToObject(o, "active", !row_str(row, 6) && row_int(row, 3) > time_now_ms());
	cJSON_AddItemToArray(c->arr, o);
	return 0;
}

enum ag_err user_sessions_list(struct arena *a, const char *app_id, const char *user_id, bool all, cJSON **out)
{
	struct list_ctx c = {a, json_arr(a)};
	*out = c.arr;
	return db_query(g_app.store,
	                "SELECT id, auth_type, created_at, expires_at, ip, user_agent, ended_at, end_reason "
	                "FROM user_sessions WHERE app_id = $1 AND user_id = $2 "
	                "AND ($3 = 1 OR (ended_at IS NULL AND expires_at > $4)) ORDER BY created_at DESC, id LIMIT 200",
	                P(SV_TEXT(app_id), SV_TEXT(user_id), SV_BOOL(all), SV_INT(time_now_ms())), session_row, &c);
}

/* ---- users' API keys ------------------------------------------------------------------ */

/* prefix (2-16 of [a-z0-9_-]) + 43 base64url characters. */
static bool key_shape(const char *key)
{
	size_t n = key ? strlen(key) : 0;
	if (n < 2 + USER_KEY_RANDOM_CHARS || n > 16 + USER_KEY_RANDOM_CHARS)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = key[i];
		bool b64 = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		           ch == '-' || ch == '_';
		if (!b64)
			return false;
	}
	return true;
}

enum ag_err user_key_create(struct arena *a, const struct project *p, const char *user_id, const char *name,
                            struct user_key_created *out)
{
	const struct user_config *cfg;
	enum ag_err e = user_config_get(a, p->app_id, &cfg);
	if (e)
		return e;
	int64_t live = 0;
	e = db_int(g_app.store, &live,
	           "SELECT COUNT(*) FROM user_api_keys WHERE app_id = $1 AND user_id = $2 AND revoked_at IS NULL",
	           P(SV_TEXT(p->app_id), SV_TEXT(user_id)));
	if (e)
		return e;
	if (live >= MAX_KEYS_PER_USER)
		return AG_USERS_TOO_MANY_KEYS;
	char rnd[USER_KEY_RANDOM_CHARS + 2], hash[65];
	rand_token(rnd, 32);
	char *key = arena_printf(a, "%s%s", cfg->api_key_prefix, rnd);
	sha256_hex(hash, key);
	sec_zero(rnd, sizeof rnd);
	out->id = new_id(a, "uak_");
	out->key = key;
	out->prefix = arena_strndup(a, key, strlen(cfg->api_key_prefix) + 6);
	out->name = name && *name ? name : "default";
	out->created_at = time_now_ms();
	return db_exec(g_app.store,
	               "INSERT INTO user_api_keys (id, app_id, user_id, name, prefix, key_hash, created_at) "
	               "VALUES ($1, $2, $3, $4, $5, $6, $7)",
	               P(SV_TEXT(out->id), SV_TEXT(p->app_id), SV_TEXT(user_id), SV_TEXT(out->name),
	                 SV_TEXT(out->prefix), SV_TEXT(hash), SV_INT(out->created_at)));
}

enum ag_err user_keys_list(struct arena *a, const char *app_id, const char *user_id, cJSON **out)
{
	static const struct db_col cols[] = {{"id", DB_COL_STR}, {"name", DB_COL_STR}, {"prefix", DB_COL_STR},
	                                     {"createdAt", DB_COL_TIME}, {NULL, 0}};
	return db_json_rows(g_app.store, a, out, cols,
	                    "SELECT id, name, prefix, created_at FROM user_api_keys WHERE app_id = $1 AND user_id = $2 "
	                    "AND revoked_at IS NULL ORDER BY created_at, id",
	                    P(SV_TEXT(app_id), SV_TEXT(user_id)));
}

enum ag_err user_key_revoke(const char *app_id, const char *user_id, const char *key_id)
{
	int64_t n = 0;
	enum ag_err e = db_begin(g_app.store);
	if (e == AG_OK)
		e = store_epoch_bump(g_app.store, CACHE_BIT(CACHE_USER_KEYS));
	if (e == AG_OK)
		e = db_exec_n(g_app.store,
		              "UPDATE user_api_keys SET revoked_at = $1, changed_epoch = " STORE_EPOCH_SQL(
		                  "user_keys") " WHERE id = $2 AND app_id = $3 AND user_id = $4 AND revoked_at IS NULL",
		              P(SV_INT(time_now_ms()), SV_TEXT(key_id), SV_TEXT(app_id), SV_TEXT(user_id)), &n);
	if (e == AG_OK && n == 0)
		e = AG_USERS_KEY_NOT_FOUND;
	return db_end(g_app.store, e);
}

enum ag_err user_key_check(struct arena *a, const struct project *p, const char *key, struct user_principal *who)
{
	memset(who, 0, sizeof *who);
	if (!key_shape(key))
		return AG_EUNAUTH;
	char hash[65];
	sha256_hex(hash, key);
	pthread_once(&cache_once, cache_init);
	struct cached *h;
	enum ag_err e = epcache_get(keys, store_epoch_current(g_app.store, CACHE_USER_KEYS), hash, load_key, NULL, &h);
	if (e)
		return ag_err_is(e, AG_ENOTFOUND) ? AG_EUNAUTH : e;
	const struct key_state *k = (const struct key_state *)h;
	bool ok = !k->revoked && str_eq(k->app_id, p->app_id);
	if (ok) {
		who->user_id = arena_strdup(a, k->user_id);
		who->key_id = arena_strdup(a, k->id);
		who->auth_type = "api-key";
	}
	cached_unref(h);
	/* a disabled user's keys stop with their sessions (from memory too) */
	struct user_state st;
	if (ok && (e = user_state_get(a, p->app_id, who->user_id, &st)))
		return ag_err_is(e, AG_ENOTFOUND) ? AG_EUNAUTH : e;
	return ok && !st.disabled ? AG_OK : AG_EUNAUTH;
}
