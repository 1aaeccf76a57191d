/* onetime.c — single-use mailed secrets (see onetime.h). */
#include "auth/onetime.h"

#include <string.h>

#include "core/ctx.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

void onetime_new_secret(char out[48])
{
	rand_token(out, 32);
}

static bool hash_of(char out[65], const char *secret)
{
	if (!secret || !*secret || strlen(secret) > ONETIME_SECRET_MAX)
		return false;
	sha256_hex(out, secret);
	return true;
}

enum ag_err onetime_create(const char *kind, const char *app_id, const char *user_id, const char *secret, int ttl_s)
{
	char h[65];
	if (!hash_of(h, secret))
		return AG_EINVAL;
	int64_t now = time_now_ms();
	return db_exec(g_app.store,
		       "INSERT INTO email_tokens (token_hash, kind, app_id, user_id, expires_at, created_at) "
		       "VALUES ($1, $2, $3, $4, $5, $6)",
		       P(SV_TEXT(h), SV_TEXT(kind), SV_TEXT(app_id), SV_TEXT(user_id), SV_INT(now + (int64_t)ttl_s * 1000),
			 SV_INT(now)));
}

enum ag_err onetime_peek(struct arena *a, const char *kind, const char *app_id, const char *secret,
			 const char **user_id)
{
	char h[65];
	*user_id = NULL;
	if (!hash_of(h, secret))
		return AG_EGONE;
	struct store_row row;
	enum ag_err e = db_row(g_app.store, a, &row,
			       "SELECT user_id FROM email_tokens WHERE token_hash = $1 AND kind = $2 AND app_id = $3 "
			       "AND used_at IS NULL AND expires_at > $4",
			       P(SV_TEXT(h), SV_TEXT(kind), SV_TEXT(app_id), SV_INT(time_now_ms())));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_EGONE;
	if (e == AG_OK)
		*user_id = row_str(&row, 0);
	return e;
}

enum ag_err onetime_consume(struct arena *a, const char *kind, const char *app_id, const char *secret,
			    const char **user_id)
{
	char h[65];
	*user_id = NULL;
	if (!hash_of(h, secret))
		return AG_EGONE;
	int64_t now = time_now_ms();
	struct store_row row;
	enum ag_err e = db_row(g_app.store, a, &row,
			       "UPDATE email_tokens SET used_at = $4 WHERE token_hash = $1 AND kind = $2 AND app_id = $3 "
			       "AND used_at IS NULL AND expires_at > $4 RETURNING user_id",
			       P(SV_TEXT(h), SV_TEXT(kind), SV_TEXT(app_id), SV_INT(now)));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_EGONE;
	if (e == AG_OK)
		*user_id = row_str(&row, 0);
	return e;
}

enum ag_err onetime_void_user(const char *kind, const char *user_id)
{
	return db_exec(g_app.store,
		       "UPDATE email_tokens SET used_at = $3 WHERE user_id = $1 AND kind = $2 AND used_at IS NULL",
		       P(SV_TEXT(user_id), SV_TEXT(kind), SV_INT(time_now_ms())));
}
