/* action_users.c — the users an app names by its own ids (actions.h): lookup and
 * creation, the profile the app asserts, queries, deletion, and the user's factors seen
 * as Authsignal's authenticators. The factors themselves are the factor engine's. */
#include <string.h>

#include "auth/actions.h"
#include "auth/push.h"
#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "mail/locale.h"
#include "sec/sec.h"
#include "store/store.h"

#define CUSTOM_KEYS_MAX 50
#define CUSTOM_KEY_MAX 64
#define CUSTOM_VALUE_MAX 1024
#define PROFILE_TEXT_MAX 255

/* ---- names ---------------------------------------------------------------------- */

static const struct {
	const char *method, *kind, *provider;
} methods[] = {
    {"PASSKEY", "passkey", "passkey"},
    {"AUTHENTICATOR_APP", "totp", "totp"},
    {"SMS", "sms", "sms"},
    {"EMAIL_OTP", "email", "email-code"},
    {"EMAIL_MAGIC_LINK", "email-link", "magic-link"},
};

const char *action_method_kind(const char *method)
{
	for (size_t i = 0; i < ARRAY_LEN(methods); i++)
		if (str_eq(methods[i].method, method))
			return methods[i].kind;
	return NULL;
}

const char *action_kind_method(const char *kind)
{
	for (size_t i = 0; i < ARRAY_LEN(methods); i++)
		if (str_eq(methods[i].kind, kind))
			return methods[i].method;
	return NULL;
}

/* Printable UTF-8 of 1..max bytes. */
static bool text_ok(const char *s, size_t max, bool slash_ok)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max || !str_is_utf8(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || (!slash_ok && s[i] == '/'))
			return false;
	return true;
}

bool action_user_id_ok(const char *user_id)
{
	return text_ok(user_id, ACTION_USER_ID_MAX, false);
}

/* ---- lookup ----------------------------------------------------------------------- */

#define AU_COLS                                                                                                        \
	"user_id, external_id, email, email_verified, phone, phone_verified, username, display_name, custom, locale"

static enum ag_err from_row(struct arena *a, const struct project *p, const struct store_row *r, struct auser **out)
{
	struct auser *au = arena_calloc(a, sizeof *au);
	enum ag_err e = user_by_id(a, p->app_id, row_str(r, 0), &au->u);
	if (e)
		return ag_err_is(e, AG_ENOTFOUND) ? AG_EINTERNAL : e; /* the row references the user */
	au->external_id = row_str(r, 1);
	au->email = row_str(r, 2);
	au->email_verified = row_bool(r, 3);
	au->phone = row_str(r, 4);
	au->phone_verified = row_bool(r, 5);
	au->username = row_str(r, 6);
	au->display_name = row_str(r, 7);
	const char *c = row_str(r, 8), *detail;
	if (!c || json_parse_strict(a, c, strlen(c), &au->custom, &detail) != JSON_OK || !cJSON_IsObject(au->custom))
		au->custom = json_obj(a);
	au->locale = row_str(r, 9);
	*out = au;
	return AG_OK;
}

static enum ag_err by_external(struct arena *a, const struct project *p, const char *external_id, struct auser **out)
{
	struct store_row r;
	enum ag_err e =
	    db_row(g_app.store, a, &r, "SELECT " AU_COLS " FROM action_users WHERE app_id = $1 AND external_id = $2",
	           P(SV_TEXT(p->app_id), SV_TEXT(external_id)));
	return e ? e : from_row(a, p, &r, out);
}

/* Insert the profile of u under external_id (a native user's own email is the profile's). */
static enum ag_err insert_profile(const struct project *p, const struct user *u, const char *external_id)
{
	int64_t now = time_now_ms();
	return db_exec(
	    g_app.store,
	    "INSERT INTO action_users (user_id, app_id, external_id, email, email_verified, locale, created_at, "
	    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
	    P(SV_TEXT(u->id), SV_TEXT(p->app_id), SV_TEXT(external_id), SV_TEXT(u->email),
	      SV_BOOL(u->email && u->email_verified), SV_TEXT(u->locale), SV_INT(now)));
}

enum ag_err auser_get(struct arena *a, const struct project *p, const char *external_id, bool create,
                      struct auser **out)
{
	*out = NULL;
	if (!action_user_id_ok(external_id))
		return AG_AS_USER_ID;
	enum ag_err e = by_external(a, p, external_id, out);
	if (!ag_err_is(e, AG_ENOTFOUND))
		return e;
	/* An AuthGate user of the project named by its own id. */
	struct user *u = NULL;
	if (str_starts(external_id, "user_") &&
	    !ag_err_is(e = user_by_id(a, p->app_id, external_id, &u), AG_ENOTFOUND)) {
		if (e)
			return e;
		e = insert_profile(p, u, external_id);
		return e && !ag_err_is(e, AG_ECONFLICT) ? e : by_external(a, p, external_id, out);
	}
	if (!create)
		return AG_AS_USER_NOT_FOUND;
	if ((e = db_begin(g_app.store)))
		return e;
	e = user_create_external(a, p->app_id, &u);
	if (e == AG_OK)
		e = insert_profile(p, u, external_id);
	e = db_end(g_app.store, e);
	/* AG_ECONFLICT: created meanwhile by another request (this one rolled back). */
	return e && !ag_err_is(e, AG_ECONFLICT) ? e : by_external(a, p, external_id, out);
}

enum ag_err auser_of_user(struct arena *a, const struct project *p, const char *user_id, struct auser **out)
{
	struct store_row r;
	enum ag_err e =
	    db_row(g_app.store, a, &r, "SELECT " AU_COLS " FROM action_users WHERE app_id = $1 AND user_id = $2",
	           P(SV_TEXT(p->app_id), SV_TEXT(user_id)));
	if (e == AG_OK)
		return from_row(a, p, &r, out);
	if (!ag_err_is(e, AG_ENOTFOUND))
		return e;
	return auser_get(a, p, user_id, false, out);
}

/* ---- the profile ------------------------------------------------------------------- */

static struct ag_error bad(const char *message)
{
	return AG_ERROR_MSG(AG_AS_INVALID, message);
}

/* custom: an object of at most 50 keys whose values are strings, numbers or booleans. */
struct ag_error auser_custom_check(const cJSON *c)
{
	if (!cJSON_IsObject(c))
		return bad("custom must be an object");
	int n = 0;
	const cJSON *v;
	cJSON_ArrayForEach(v, c)
	{
		if (++n > CUSTOM_KEYS_MAX)
			return bad("custom has more than 50 keys");
		if (!text_ok(v->string, CUSTOM_KEY_MAX, true))
			return bad("custom keys must be 1 to 64 bytes of printable text");
		if (cJSON_IsString(v) && strlen(v->valuestring) > CUSTOM_VALUE_MAX)
			return bad("custom string values must be at most 1024 bytes");
		if (!cJSON_IsString(v) && !cJSON_IsNumber(v) && !cJSON_IsBool(v))
			return bad("custom values must be strings, numbers or booleans");
	}
	return AG_ERROR(AG_OK);
}

struct ag_error auser_update(struct arena *a, const struct project *p, const char *external_id, const cJSON *attrs,
                             struct auser **out)
{
	if (!cJSON_IsObject(attrs))
		return bad("the body must be a JSON object of user attributes");
	/* Check everything before changing anything. */
	const cJSON *v;
	const char *email = NULL, *phone = NULL;
	cJSON_ArrayForEach(v, attrs)
	{
		const char *k = v->string;
		bool null = cJSON_IsNull(v);
		if (str_eq(k, "email")) {
			if (!null && !(cJSON_IsString(v) && (email = user_normalize_email(a, v->valuestring))))
				return bad("email must be an email address (or null)");
		} else if (str_eq(k, "phoneNumber")) {
			if (!null && !(cJSON_IsString(v) && phone_is_e164(phone = v->valuestring)))
				return bad("phoneNumber must be an E.164 number, e.g. +14155550123 (or null)");
		} else if (str_eq(k, "emailVerified") || str_eq(k, "phoneNumberVerified")) {
			if (!cJSON_IsBool(v))
				return bad(arena_printf(a, "%s must be true or false", k));
		} else if (str_eq(k, "username") || str_eq(k, "displayName")) {
			if (!null && !(cJSON_IsString(v) && text_ok(v->valuestring, PROFILE_TEXT_MAX, true)))
				return bad(arena_printf(a, "%s must be 1 to 255 bytes of printable text (or null)", k));
		} else if (str_eq(k, "locale")) {
			if (!null && !(cJSON_IsString(v) && locale_supported(v->valuestring)))
				return bad("locale is not one of the supported locales");
		} else if (str_eq(k, "custom")) {
			struct ag_error err = auser_custom_check(v);
			if (err.code)
				return err;
		} else {
			return bad(arena_printf(a, "unknown field '%.64s'", k));
		}
	}
	struct auser *au;
	enum ag_err e = auser_get(a, p, external_id, true, &au);
	if (e)
		return AG_ERROR(e);
	cJSON *custom = au->custom;
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(attrs, "custom");
	if (c) /* merged: keys given replace theirs, null values remove them */
		cJSON_ArrayForEach(v, c)
		{
			cJSON_DeleteItemFromObjectCaseSensitive(custom, v->string);
			if (!cJSON_IsNull(v))
				cJSON_AddItemToObject(custom, v->string, cJSON_Duplicate(v, true));
		}
#define STR_OR_KEEP(key, cur) (cJSON_GetObjectItemCaseSensitive(attrs, key) ? json_get_str(attrs, key) : (cur))
	const char *new_email = cJSON_GetObjectItemCaseSensitive(attrs, "email") ? email : au->email;
	const char *new_phone = cJSON_GetObjectItemCaseSensitive(attrs, "phoneNumber") ? phone : au->phone;
	/* A changed address is no longer verified unless the same call says it is. */
	bool ev = json_get_bool(attrs, "emailVerified", str_eq(new_email, au->email) && au->email_verified);
	bool pv = json_get_bool(attrs, "phoneNumberVerified", str_eq(new_phone, au->phone) && au->phone_verified);
	e = db_exec(
	    g_app.store,
	    "UPDATE action_users SET email = $3, email_verified = $4, phone = $5, phone_verified = $6, username = $7, "
	    "display_name = $8, custom = $9, locale = $10, updated_at = $11 WHERE app_id = $1 AND user_id = $2",
	    P(SV_TEXT(p->app_id), SV_TEXT(au->u->id), SV_TEXT(new_email), SV_BOOL(new_email && ev), SV_TEXT(new_phone),
	      SV_BOOL(new_phone && pv), SV_TEXT(STR_OR_KEEP("username", au->username)),
	      SV_TEXT(STR_OR_KEEP("displayName", au->display_name)), SV_TEXT(json_print(a, custom)),
	      SV_TEXT(STR_OR_KEEP("locale", au->locale)), SV_INT(time_now_ms())));
#undef STR_OR_KEEP
	return AG_ERROR(e ? e : by_external(a, p, au->external_id, out));
}

enum ag_err auser_delete(struct arena *a, const struct project *p, const char *external_id, const char *ip)
{
	struct auser *au;
	enum ag_err e = auser_get(a, p, external_id, false, &au);
	if (e)
		return e;
	if (!au->u->email) /* created for the app's id: the whole user goes (and all it owns) */
		e = db_exec_cached(g_app.store, CACHE_BIT(CACHE_FACTORS),
		                   "DELETE FROM users WHERE app_id = $1 AND id = $2",
		                   P(SV_TEXT(p->app_id), SV_TEXT(au->u->id)));
	else if ((e = factor_reset_user(a, p->app_id, au->u->id, ip)) == AG_OK &&
	         (e = db_begin(g_app.store)) == AG_OK) {
		/* every table's rows of the user (user ids are global: the user alone names them) */
		static const char *const owned[] = {
		    "DELETE FROM actions WHERE user_id = $1", "DELETE FROM action_sessions WHERE user_id = $1",
		    "DELETE FROM action_seen WHERE user_id = $1", "DELETE FROM action_users WHERE user_id = $1"};
		for (size_t i = 0; e == AG_OK && i < ARRAY_LEN(owned); i++)
			e = db_exec(g_app.store, owned[i], P(SV_TEXT(au->u->id)));
		e = db_end(g_app.store, e);
	}
	if (e == AG_OK)
		factor_log(p->app_id, au->u->id, "actions.user_deleted", NULL, NULL, ip, NULL);
	return e;
}

struct list_ctx {
	struct arena *a;
	cJSON *arr;
	int n;
	const char *last;
};

static int query_row(void *ud, const struct store_row *r)
{
	struct list_ctx *c = ud;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "userId", row_str(r, 0));
	if (row_str(r, 1))
		cJSON_AddStringToObject(o, "email", row_str(r, 1));
	cJSON_AddBoolToObject(o, "emailVerified", row_bool(r, 2));
	if (row_str(r, 3))
		cJSON_AddStringToObject(o, "phoneNumber", row_str(r, 3));
	cJSON_AddBoolToObject(o, "phoneNumberVerified", row_bool(r, 4));
	if (row_str(r, 5))
		cJSON_AddStringToObject(o, "username", row_str(r, 5));
	cJSON_AddItemToArray(c->arr, o);
	c->last = arena_strdup(c->a, row_str(r, 0));
	c->n++;
	return 0;
}

enum ag_err auser_query(struct arena *a, const struct project *p, const struct auser_query *q, cJSON **out)
{
	int limit = q->limit < 1 || q->limit > 100 ? 100 : q->limit;
	const char *email = q->email ? user_normalize_email(a, q->email) : NULL;
	if (q->email && !email)
		return AG_FACTOR_EMAIL;
	struct list_ctx c = {a, cJSON_CreateArray(), 0, NULL};
	*out = json_obj(a);
	cJSON_AddItemToObject(*out, "users", c.arr);
	enum ag_err e = db_query(
	    g_app.store,
	    "SELECT external_id, email, email_verified, phone, phone_verified, username FROM action_users "
	    "WHERE app_id = $1 AND ($2 = '' OR email = $2) AND ($3 = '' OR phone = $3) AND ($4 = '' OR username = $4) "
	    "AND external_id > $5 ORDER BY external_id LIMIT $6",
	    P(SV_TEXT(p->app_id), SV_TEXT(email ? email : ""), SV_TEXT(q->phone ? q->phone : ""),
	      SV_TEXT(q->username ? q->username : ""), SV_TEXT(q->after ? q->after : ""), SV_INT(limit)),
	    query_row, &c);
	if (e == AG_OK && c.n == limit)
		cJSON_AddStringToObject(*out, "lastEvaluatedUserId", c.last);
	return e;
}

/* ---- methods and authenticators ------------------------------------------------------ */

static int kinds_row(void *ud, const struct store_row *r)
{
	unsigned *mask = ud;
	for (unsigned i = 0; i < ARRAY_LEN(methods); i++)
		if (str_eq(row_str(r, 0), methods[i].kind))
			*mask |= 1u << i;
	return 0;
}

enum ag_err auser_methods(struct arena *a, const struct project *p, const struct auser *au, cJSON **enrolled,
                          cJSON **allowed, const char **dflt)
{
	unsigned mask = 0;
	enum ag_err e = db_query(
	    g_app.store, "SELECT DISTINCT kind FROM factors WHERE app_id = $1 AND user_id = $2 AND status = 'active'",
	    P(SV_TEXT(p->app_id), SV_TEXT(au->u->id)), kinds_row, &mask);
	if (e)
		return e;
	*enrolled = json_arr(a);
	*allowed = json_arr(a);
	if (dflt)
		*dflt = NULL;
	for (unsigned i = 0; i < ARRAY_LEN(methods); i++) {
		if (mask & (1u << i)) {
			cJSON_AddItemToArray(*enrolled, cJSON_CreateString(methods[i].method));
			if (dflt && !*dflt)
				*dflt = methods[i].method;
		}
		if (project_provider_on(p, methods[i].provider))
			cJSON_AddItemToArray(*allowed, cJSON_CreateString(methods[i].method));
	}
	/* PUSH: a device of the device app enrolled for the user's address (action_push.c) */
	int64_t devices = 0;
	if (project_provider_on(p, "push") && (e = push_device_count(as_push_email(au), &devices)))
		return e;
	if (devices > 0) {
		cJSON_AddItemToArray(*enrolled, cJSON_CreateString("PUSH"));
		if (dflt && !*dflt)
			*dflt = "PUSH";
	}
	return AG_OK;
}

enum ag_err auser_json(struct arena *a, const struct project *p, const struct auser *au, cJSON **out)
{
	cJSON *enrolled, *allowed;
	enum ag_err e = auser_methods(a, p, au, &enrolled, &allowed, NULL);
	if (e)
		return e;
	cJSON *o = *out = json_obj(a);
	cJSON_AddStringToObject(o, "userId", au->external_id);
	cJSON_AddBoolToObject(o, "isEnrolled", cJSON_GetArraySize(enrolled) > 0);
	if (au->email)
		cJSON_AddStringToObject(o, "email", au->email);
	cJSON_AddBoolToObject(o, "emailVerified", au->email_verified);
	if (au->phone)
		cJSON_AddStringToObject(o, "phoneNumber", au->phone);
	cJSON_AddBoolToObject(o, "phoneNumberVerified", au->phone_verified);
	if (au->username)
		cJSON_AddStringToObject(o, "username", au->username);
	if (au->display_name)
		cJSON_AddStringToObject(o, "displayName", au->display_name);
	if (au->locale)
		cJSON_AddStringToObject(o, "locale", au->locale);
	cJSON_AddItemReferenceToObject(o, "custom", au->custom);
	cJSON_AddItemReferenceToObject(o, "enrolledVerificationMethods", enrolled);
	cJSON_AddItemReferenceToObject(o, "allowedVerificationMethods", allowed);
	return AG_OK;
}

#define AUTH_COLS                                                                                                      \
	"id, kind, name, phone, email, credential_id, aaguid, backup_state, created_at, last_used_at, transports"

struct auth_ctx {
	struct arena *a;
	const struct auser *au;
	cJSON *arr;
};

static int auth_row(void *ud, const struct store_row *r)
{
	struct auth_ctx *c = ud;
	const char *kind = row_str(r, 1), *method = action_kind_method(kind);
	if (!method)
		return 0;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "userId", c->au->external_id);
	cJSON_AddStringToObject(o, "userAuthenticatorId", row_str(r, 0));
	cJSON_AddStringToObject(o, "verificationMethod", method);
	json_add_time(o, "createdAt", row_int(r, 8));
	json_add_time(o, "verifiedAt", row_int(r, 8));
	if (row_str(r, 9))
		json_add_time(o, "lastVerifiedAt", row_int(r, 9));
	if (row_str(r, 3))
		cJSON_AddStringToObject(o, "phoneNumber", row_str(r, 3));
	if (str_eq(kind, "email") || str_eq(kind, "email-link")) {
		const char *addr = row_str(r, 4) ? row_str(r, 4) : c->au->u->email;
		if (addr)
			cJSON_AddStringToObject(o, "email", addr);
	}
	if (str_eq(kind, "passkey")) {
		cJSON *w = cJSON_AddObjectToObject(o, "webauthnCredential");
		cJSON_AddStringToObject(w, "credentialId", row_str(r, 5));
		cJSON_AddStringToObject(w, "name", row_str(r, 2));
		if (row_str(r, 6))
			cJSON_AddStringToObject(w, "aaguid", row_str(r, 6));
		cJSON_AddBoolToObject(w, "credentialBackedUp", row_bool(r, 7));
		cJSON_AddStringToObject(w, "credentialDeviceType", row_bool(r, 7) ? "multiDevice" : "singleDevice");
		const char *ts = row_str(r, 10);
		cJSON_AddStringToObject(
		    w, "authenticatorAttachment",
		    ts && (strstr(ts, "\"internal\"") || strstr(ts, "\"hybrid\"")) ? "platform" : "cross-platform");
	} else {
		cJSON_AddStringToObject(o, "displayName", row_str(r, 2));
	}
	cJSON_AddItemToArray(c->arr, o);
	return 0;
}

enum ag_err auser_authenticators(struct arena *a, const struct project *p, const struct auser *au, cJSON **out)
{
	struct auth_ctx c = {a, au, json_arr(a)};
	*out = c.arr;
	enum ag_err e = db_query(g_app.store,
	                         "SELECT " AUTH_COLS " FROM factors WHERE app_id = $1 AND user_id = $2 AND status = 'active' "
	                         "ORDER BY created_at, id",
	                         P(SV_TEXT(p->app_id), SV_TEXT(au->u->id)), auth_row, &c);
	struct push_device **dev;
	int n = 0;
	if (e == AG_OK && project_provider_on(p, "push"))
		e = push_devices_of(a, as_push_email(au), &dev, &n);
	for (int i = 0; e == AG_OK && i < n; i++) { /* the device app, an authenticator of the address */
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "userId", au->external_id);
		cJSON_AddStringToObject(o, "userAuthenticatorId", dev[i]->id);
		cJSON_AddStringToObject(o, "verificationMethod", "PUSH");
		json_add_time(o, "createdAt", dev[i]->created_at);
		json_add_time(o, "verifiedAt", dev[i]->created_at);
		if (dev[i]->last_seen_at)
			json_add_time(o, "lastVerifiedAt", dev[i]->last_seen_at);
		cJSON_AddStringToObject(o, "displayName", dev[i]->name);
		cJSON_AddStringToObject(o, "email", dev[i]->email);
		cJSON_AddItemToArray(c.arr, o);
	}
	return e;
}

enum ag_err auser_authenticator(struct arena *a, const struct project *p, const struct auser *au, const char *factor_id,
                                cJSON **out)
{
	struct auth_ctx c = {a, au, json_arr(a)};
	enum ag_err e =
	    db_query(g_app.store, "SELECT " AUTH_COLS " FROM factors WHERE app_id = $1 AND user_id = $2 AND id = $3",
	             P(SV_TEXT(p->app_id), SV_TEXT(au->u->id), SV_TEXT(factor_id)), auth_row, &c);
	if (e == AG_OK && cJSON_GetArraySize(c.arr) == 0)
		e = AG_FACTOR_NOT_FOUND;
	if (e == AG_OK)
		*out = json_own(a, cJSON_DetachItemFromArray(c.arr, 0));
	return e;
}

enum ag_err auser_enroll_verified(struct arena *a, const struct project *p, const struct auser *au, const char *method,
                                  const char *phone, const char *email, const char *ip, cJSON **authenticator)
{
	bool sms = str_eq(method, "SMS");
	if (!sms && !str_eq(method, "EMAIL_OTP"))
		return AG_AS_METHOD;
	if (!project_provider_on(p, sms ? "sms" : "email-code"))
		return AG_FACTOR_DISABLED;
	const char *addr = NULL;
	if (sms && !phone_is_e164(phone))
		return AG_FACTOR_PHONE;
	if (!sms && !(addr = user_normalize_email(a, email)))
		return AG_FACTOR_EMAIL;
	int64_t count = 0, now = time_now_ms();
	enum ag_err e = db_int(g_app.store, &count, "SELECT COUNT(*) FROM factors WHERE app_id = $1 AND user_id = $2",
	                       P(SV_TEXT(p->app_id), SV_TEXT(au->u->id)));
	if (e)
		return e;
	if (count >= FACTOR_MAX_PER_USER)
		return AG_FACTOR_TOO_MANY;
	const char *id = factor_new_id(a, "fac");
	if ((e = db_begin(g_app.store)))
		return e;
	e = db_exec(
	    g_app.store,
	    "INSERT INTO factors (id, app_id, user_id, kind, name, status, phone, email, created_at, updated_at) "
	    "VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $8)",
	    P(SV_TEXT(id), SV_TEXT(p->app_id), SV_TEXT(au->u->id), SV_TEXT(sms ? "sms" : "email"),
	      SV_TEXT(sms ? "Phone" : "Email"), SV_TEXT(sms ? phone : NULL), SV_TEXT(addr), SV_INT(now)));
	if (e == AG_OK)
		e = db_exec(g_app.store,
		            sms ? "UPDATE action_users SET phone = $3, phone_verified = 1, updated_at = $4 WHERE "
		                  "app_id = $1 AND user_id = $2"
		                : "UPDATE action_users SET email = $3, email_verified = 1, updated_at = $4 WHERE "
		                  "app_id = $1 AND user_id = $2",
		            P(SV_TEXT(p->app_id), SV_TEXT(au->u->id), SV_TEXT(sms ? phone : addr), SV_INT(now)));
	if (e == AG_OK)
		e = factor_methods_changed(a, p->app_id, au->u->id);
	if ((e = db_end(g_app.store, e)))
		return e;
	factor_log(p->app_id, au->u->id, "factor.enrolled", id, sms ? "sms" : "email", ip, "verified by the app");
	return auser_authenticator(a, p, au, id, authenticator);
}
