#include "auth/users.h"

#include <stdio.h>
#include <string.h>

#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

#define USER_COLS                                                                                          \
	"id, app_id, email, name, picture, email_verified, locale, password_hash, plan, features, "         \
	"tokens_valid_after, created_at, last_login_at, mfa_methods, disabled_at"

const char *user_normalize_email(struct arena *a, const char *email)
{
	if (!email)
		return NULL;
	while (*email == ' ' || *email == '\t')
		email++;
	size_t n = strlen(email);
	while (n && (email[n - 1] == ' ' || email[n - 1] == '\t'))
		n--;
	if (n == 0 || n > USER_EMAIL_MAX)
		return NULL;
	char *e = arena_strndup(a, email, n);
	str_lower(e);
	return str_is_email(e) ? e : NULL;
}

static struct user *from_row(struct arena *a, const struct store_row *r)
{
	struct user *u = arena_calloc(a, sizeof(*u));
	u->id = row_str(r, 0);
	u->app_id = row_str(r, 1);
	u->email = row_str(r, 2);
	u->deleted = str_starts(u->email, USER_TOMBSTONE_PREFIX);
	if (u->deleted)
		u->email = NULL;
	u->name = row_str(r, 3);
	u->picture = row_str(r, 4);
	u->email_verified = row_bool(r, 5);
	u->locale = row_str(r, 6);
	u->password_hash = row_str(r, 7);
	u->plan = row_str(r, 8);
	u->features = row_str(r, 9);
	u->tokens_valid_after = row_int(r, 10);
	u->created_at = row_int(r, 11);
	u->last_login_at = row_int(r, 12);
	u->mfa_methods = row_str(r, 13);
	u->disabled_at = row_str(r, 14) ? row_int(r, 14) : 0;
	return u;
}

enum ag_err user_by_email(struct arena *a, const char *app_id, const char *email, struct user **out)
{
	struct store_row row;
	*out = NULL;
	enum ag_err e = db_row(g_app.store, a, &row, "SELECT " USER_COLS " FROM users WHERE app_id = $1 AND email = $2",
			       P(SV_TEXT(app_id), SV_TEXT(email)));
	if (e == AG_OK)
		*out = from_row(a, &row);
	return e;
}

enum ag_err user_by_id(struct arena *a, const char *app_id, const char *id, struct user **out)
{
	struct store_row row;
	*out = NULL;
	enum ag_err e = db_row(g_app.store, a, &row, "SELECT " USER_COLS " FROM users WHERE app_id = $1 AND id = $2",
			       P(SV_TEXT(app_id), SV_TEXT(id)));
	if (e == AG_OK)
		*out = from_row(a, &row);
	return e;
}

enum ag_err user_create(struct arena *a, const char *app_id, const char *email, const char *name,
			const char *password_hash, bool email_verified, const char *locale, struct user **out)
{
	const char *id = rand_id(a, "user_", RAND_ID_BYTES);
	int64_t now = time_now_ms();
	enum ag_err e = db_exec(g_app.store,
				"INSERT INTO users (id, app_id, email, name, password_hash, email_verified, locale, "
				"created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
				P(SV_TEXT(id), SV_TEXT(app_id), SV_TEXT(email), SV_TEXT(name), SV_TEXT(password_hash),
				  SV_BOOL(email_verified), SV_TEXT(locale), SV_INT(now)));
	if (e)
		return e;
	return out ? user_by_id(a, app_id, id, out) : AG_OK;
}

enum ag_err user_create_external(struct arena *a, const char *app_id, struct user **out)
{
	char tok[24];
	rand_token(tok, 12);
	const char *id = arena_printf(a, "user_%s", tok);
	int64_t now = time_now_ms();
	enum ag_err e = db_exec(g_app.store,
				"INSERT INTO users (id, app_id, created_at, updated_at) VALUES ($1, $2, $3, $3)",
				P(SV_TEXT(id), SV_TEXT(app_id), SV_INT(now)));
	if (e)
		return e;
	return user_by_id(a, app_id, id, out);
}

enum ag_err user_upsert(struct arena *a, const char *app_id, const char *email, bool email_verified,
			const char *locale, struct user **out)
{
	enum ag_err e = user_by_email(a, app_id, email, out);
	if (ag_err_is(e, AG_ENOTFOUND)) {
		e = user_create(a, app_id, email, NULL, NULL, email_verified, locale, out);
		if (ag_err_is(e, AG_ECONFLICT)) /* created concurrently */
			e = user_by_email(a, app_id, email, out);
		return e;
	}
	if (e == AG_OK && email_verified && !(*out)->email_verified) {
		e = db_exec(g_app.store, "UPDATE users SET email_verified = 1, updated_at = $2 WHERE id = $1",
			    P(SV_TEXT((*out)->id), SV_INT(time_now_ms())));
		if (e == AG_OK)
			(*out)->email_verified = true;
	}
	return e;
}

enum ag_err user_set_locale(const char *user_id, const char *locale)
{
	return db_exec(g_app.store, "UPDATE users SET locale = $2 WHERE id = $1 AND (locale IS NULL OR locale <> $2)",
		       P(SV_TEXT(user_id), SV_TEXT(locale)));
}

enum ag_err user_touch_login(const char *user_id)
{
	return db_exec(g_app.store, "UPDATE users SET last_login_at = $2 WHERE id = $1",
		       P(SV_TEXT(user_id), SV_INT(time_now_ms())));
}

cJSON *user_json(struct arena *a, const struct user *u, bool full)
{
	cJSON *o = json_obj(a);
	cJSON_AddStringToObject(o, "id", u->id);
	cJSON_AddStringToObject(o, "email", u->email);
	json_add_str(o, "name", u->name);
	if (full)
		json_add_str(o, "picture", u->picture);
	cJSON_AddBoolToObject(o, "email_verified", u->email_verified);
	if (full) {
		json_add_str(o, "locale", u->locale);
		cJSON_AddStringToObject(o, "plan", u->plan ? u->plan : "free");
		json_add_time(o, "created_at", u->created_at);
		cJSON_AddBoolToObject(o, "disabled", u->disabled_at != 0);
	}
	return o;
}
