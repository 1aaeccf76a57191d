#include "auth/apikeys.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/epcache.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

/* key hash -> which project and key: the API keys' cache (CACHE_API_KEYS epoch). */
struct cached_key {
	struct cached hdr;
	char app_id[APP_ID_MAX + 1];
	char id[32];
};

static struct epcache *by_hash;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_init(void)
{
	by_hash = epcache_new();
}

static void key_destroy(struct cached *c)
{
	free(c);
}

static void make_secret(char *out, const char *prefix)
{
	size_t pl = strlen(prefix);
	memcpy(out, prefix, pl);
	rand_token(out + pl, 32);
}

static bool well_formed(const char *key, const char *prefix)
{
	if (!key || strlen(key) != SECRET_TOKEN_LEN || !str_starts(key, prefix))
		return false;
	for (const char *p = key + strlen(prefix); *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return false;
	return true;
}

enum ag_err apikey_create(struct arena *a, const char *app_id, const char *name, struct apikey_created *out)
{
	struct project *p;
	enum ag_err e = project_get(a, app_id, &p);
	if (e)
		return e;
	char key[SECRET_TOKEN_LEN + 8], hash[65];
	make_secret(key, API_KEY_PREFIX);
	sha256_hex(hash, key);
	out->id = rand_id(a, "key_", RAND_ID_BYTES);
	out->key = arena_strdup(a, key);
	out->prefix = arena_strndup(a, key, 12);
	sec_zero(key, sizeof key);
	return db_exec(g_app.store,
		       "INSERT INTO api_keys (id, app_id, name, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
		       P(SV_TEXT(out->id), SV_TEXT(app_id), SV_TEXT(name && *name ? name : "default"),
			 SV_TEXT(out->prefix), SV_TEXT(hash), SV_INT(time_now_ms())));
}

enum ag_err apikey_list(struct arena *a, const char *app_id, cJSON **out)
{
	static const struct db_col cols[] = {{"id", DB_COL_STR},          {"name", DB_COL_STR},
					     {"prefix", DB_COL_STR},      {"created_at", DB_COL_TIME},
					     {"revoked_at", DB_COL_TIME}, {NULL, 0}};
	return db_json_rows(g_app.store, a, out, cols,
			    "SELECT id, name, prefix, created_at, revoked_at FROM api_keys WHERE app_id = $1 "
			    "ORDER BY created_at, id",
			    P(SV_TEXT(app_id)));
}

enum ag_err apikey_revoke(const char *app_id, const char *key_id)
{
	enum ag_err e = db_exec_cached(g_app.store, CACHE_BIT(CACHE_API_KEYS),
				       "UPDATE api_keys SET revoked_at = $3 WHERE app_id = $1 AND id = $2 AND revoked_at IS NULL",
				       P(SV_TEXT(app_id), SV_TEXT(key_id), SV_INT(time_now_ms())));
	return ag_err_is(e, AG_ENOTFOUND) ? AG_APIKEY_NOT_FOUND : e;
}

/* A miss: the key's row (only unrevoked keys; unknown keys are not cached). */
static enum ag_err load_key(void *ud, const char *hash, struct cached **out)
{
	struct arena *tmp = arena_new();
	struct store_row row;
	enum ag_err e = db_row(g_app.store, tmp, &row,
			       "SELECT app_id, id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
			       P(SV_TEXT(hash)));
	if (e == AG_OK) {
		struct cached_key *k = calloc(1, sizeof *k);
		if (!k)
			abort();
		cached_init(&k->hdr, key_destroy);
		str_copy(k->app_id, row_str(&row, 0), sizeof k->app_id);
		str_copy(k->id, row_str(&row, 1), sizeof k->id);
		*out = &k->hdr;
	}
	arena_free(tmp);
	return e;
}

enum ag_err apikey_authenticate(struct arena *a, const char *key, struct project **project, const char **key_id)
{
	*project = NULL;
	if (!well_formed(key, API_KEY_PREFIX))
		return AG_EUNAUTH;
	char hash[65];
	sha256_hex(hash, key);
	pthread_once(&cache_once, cache_init);
	struct cached *c;
	enum ag_err e = epcache_get(by_hash, store_epoch_current(g_app.store, CACHE_API_KEYS), hash, load_key, NULL, &c);
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_EUNAUTH;
	if (e)
		return e;
	arena_defer(a, cached_unref_any, c);
	const struct cached_key *found = (const struct cached_key *)c;
	e = project_get(a, found->app_id, project);
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_EUNAUTH;
	if (e)
		return e;
	if ((*project)->disabled)
		return AG_EFORBIDDEN;
	if (key_id)
		*key_id = arena_strdup(a, found->id);
	return AG_OK;
}

/* ---- admin tokens ------------------------------------------------------------------ */

enum ag_err admin_token_create(struct arena *a, const char *name, struct apikey_created *out)
{
	char tok[SECRET_TOKEN_LEN + 8], hash[65];
	make_secret(tok, ADMIN_TOKEN_PREFIX);
	sha256_hex(hash, tok);
	out->id = rand_id(a, "adm_", RAND_ID_BYTES);
	out->key = arena_strdup(a, tok);
	out->prefix = arena_strndup(a, tok, 12);
	sec_zero(tok, sizeof tok);
	return db_exec(g_app.store, "INSERT INTO admin_tokens (id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)",
		       P(SV_TEXT(out->id), SV_TEXT(name && *name ? name : "admin"), SV_TEXT(hash),
			 SV_INT(time_now_ms())));
}

enum ag_err admin_token_check(struct arena *a, const char *token, const char **token_id)
{
	if (!well_formed(token, ADMIN_TOKEN_PREFIX))
		return AG_EUNAUTH;
	char hash[65];
	sha256_hex(hash, token);
	struct store_row row;
	enum ag_err e = db_row(g_app.store, a, &row, "SELECT id FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
			       P(SV_TEXT(hash)));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_EUNAUTH;
	if (e == AG_OK && token_id)
		*token_id = row_str(&row, 0);
	return e;
}

enum ag_err admin_token_revoke(const char *id)
{
	int64_t n = 0;
	enum ag_err e = db_exec_n(g_app.store, "UPDATE admin_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
				  P(SV_TEXT(id), SV_INT(time_now_ms())), &n);
	return e ? e : n ? AG_OK : AG_ENOTFOUND;
}

enum ag_err admin_token_count(int64_t *n)
{
	return db_int(g_app.store, n, "SELECT COUNT(*) FROM admin_tokens WHERE revoked_at IS NULL", NOP);
}
