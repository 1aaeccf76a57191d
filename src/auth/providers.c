/* providers.c — seed 004's provider registry (built-ins a project configured, custom
 * providers and their validation), a provider as an OAuth client, and users' own API
 * keys for providers (see connections.h). */
#include "auth/connections.h"

#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "net/net.h"
#include "sec/sec.h"
#include "store/store.h"

/* ---- the registry -------------------------------------------------------------------- */

/* What the registry shows of the OAuth engine's providers. */
static const struct builtin_meta {
	const char *id;
	const char *categories; /* JSON */
} builtins[] = {
    {"google", "[\"productivity\"]"}, {"github", "[\"developer\"]"},      {"microsoft", "[\"productivity\"]"},
    {"gitlab", "[\"developer\"]"},    {"discord", "[\"communication\"]"}, {"apple", "[\"identity\"]"},
    {"oidc", "[\"identity\"]"},
};

struct custom {
	const char *id, *name, *icon, *categories, *type;
	const char *authorize_url, *token_url, *revoke_url, *userinfo_url, *scopes, *client_id, *secret;
	bool pkce, has_secret;
};

#define CUSTOM_COLS                                                                                                    \
	"id, name, icon, categories, connection_type, authorize_url, token_url, revoke_url, userinfo_url, scopes, "    \
	"client_id, secret_sealed, pkce"

static const char *sealed_id(struct arena *a, const char *app_id, const char *id)
{
	return arena_printf(a, "%s:%s", app_id, id);
}

/* A row into c; the secret opened when open_secret. */
static enum ag_err custom_of_row(struct arena *a, const char *app_id, const struct store_row *row, bool open_secret,
                                 struct custom *c)
{
	memset(c, 0, sizeof *c);
	c->id = row_str(row, 0);
	c->name = row_str(row, 1);
	c->icon = row_str(row, 2);
	c->categories = row_str(row, 3);
	c->type = row_str(row, 4);
	c->authorize_url = row_str(row, 5);
	c->token_url = row_str(row, 6);
	c->revoke_url = row_str(row, 7);
	c->userinfo_url = row_str(row, 8);
	c->scopes = row_str(row, 9);
	c->client_id = row_str(row, 10);
	c->has_secret = row_str(row, 11) != NULL;
	c->pkce = row_bool(row, 12);
	if (open_secret && c->has_secret) {
		size_t n = 0;
		unsigned char *pt = master_open("provider-client", sealed_id(a, app_id, c->id), row_str(row, 11), &n);
		if (!pt)
			return AG_EINTERNAL;
		c->secret = arena_strndup(a, (const char *)pt, n);
		sec_zero(pt, n);
		free(pt);
	}
	return AG_OK;
}

static enum ag_err custom_get(struct arena *a, const char *app_id, const char *id, bool open_secret, struct custom *c)
{
	struct store_row row;
	enum ag_err e =
	    db_row(g_app.store, a, &row, "SELECT " CUSTOM_COLS " FROM custom_providers WHERE app_id = $1 AND id = $2",
	           P(SV_TEXT(app_id), SV_TEXT(id)));
	return e ? e : custom_of_row(a, app_id, &row, open_secret, c);
}

static cJSON *categories_json(struct arena *a, const char *json)
{
	cJSON *v = NULL;
	const char *detail;
	if (!json || json_parse_strict(a, json, strlen(json), &v, &detail) != JSON_OK || !cJSON_IsArray(v))
		return json_arr(a);
	return v;
}

static cJSON *entry_json(struct arena *a, const char *id, const char *name, const char *icon, const char *categories,
                         const char *type, bool builtin)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "name", name);
	json_add_str(o, "icon", icon);
	cJSON_AddItemReferenceToObject(o, "categories", categories_json(a, categories));
	cJSON_AddStringToObject(o, "connectionType", type);
	cJSON_AddBoolToObject(o, "builtin", builtin);
	return o;
}

static cJSON *custom_json(struct arena *a, const struct custom *c)
{
	cJSON *o = entry_json(a, c->id, c->name, c->icon, c->categories, c->type, false);
	if (str_eq(c->type, "oauth")) {
		json_add_str(o, "authorizeUrl", c->authorize_url);
		json_add_str(o, "tokenUrl", c->token_url);
		json_add_str(o, "revokeUrl", c->revoke_url);
		json_add_str(o, "userinfoUrl", c->userinfo_url);
		json_add_str(o, "scopes", c->scopes);
		json_add_str(o, "clientId", c->client_id);
		cJSON_AddBoolToObject(o, "clientSecretSet", c->has_secret);
		cJSON_AddBoolToObject(o, "pkce", c->pkce);
	}
	return o;
}

static const struct builtin_meta *builtin(const char *id)
{
	for (size_t i = 0; i < ARRAY_LEN(builtins); i++)
		if (str_eq(builtins[i].id, id))
			return &builtins[i];
	return NULL;
}

/* A built-in the project configured (client id and secret set). */
static cJSON *builtin_json(struct arena *a, const struct project *p, const char *id)
{
	struct oauth_client *c;
	const struct builtin_meta *m = builtin(id);
	if (!m || oauth_client_get(a, p->app_id, id, &c) != AG_OK)
		return NULL;
	return entry_json(a, id, c->def->label, NULL, m->categories, "oauth", true);
}

struct list_ctx {
	struct arena *a;
	const char *app_id;
	cJSON *arr;
	enum ag_err e;
};

static int custom_row(void *ud, const struct store_row *row)
{
	struct list_ctx *l = ud;
	struct custom c;
	if ((l->e = custom_of_row(l->a, l->app_id, row, false, &c)))
		return 1;
	cJSON_AddItemToArray(l->arr, custom_json(l->a, &c));
	return 0;
}

enum ag_err providers_list(struct arena *a, const struct project *p, cJSON **out)
{
	struct list_ctx l = {a, p->app_id, json_arr(a), AG_OK};
	*out = l.arr;
	for (size_t i = 0; i < ARRAY_LEN(builtins); i++) {
		cJSON *o = builtin_json(a, p, builtins[i].id);
		if (o)
			cJSON_AddItemToArray(l.arr, o);
	}
	enum ag_err e =
	    db_query(g_app.store, "SELECT " CUSTOM_COLS " FROM custom_providers WHERE app_id = $1 ORDER BY id",
	             P(SV_TEXT(p->app_id)), custom_row, &l);
	return e ? e : l.e;
}

enum ag_err provider_get_json(struct arena *a, const struct project *p, const char *id, cJSON **out)
{
	*out = NULL;
	if (!id || strlen(id) > PROVIDER_ID_MAX)
		return AG_PROVIDERS_NOT_FOUND;
	if (builtin(id)) {
		*out = builtin_json(a, p, id);
		if (*out)
			json_own(a, *out);
		return *out ? AG_OK : AG_PROVIDERS_NOT_FOUND;
	}
	struct custom c;
	enum ag_err e = custom_get(a, p->app_id, id, false, &c);
	if (e == AG_OK)
		*out = json_own(a, custom_json(a, &c));
	return ag_err_is(e, AG_ENOTFOUND) ? AG_PROVIDERS_NOT_FOUND : e;
}

/* ---- custom providers: validation ------------------------------------------------------------- */

static bool id_ok(const char *s)
{
	if (!s || !*s || strlen(s) > PROVIDER_ID_MAX || !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static bool printable(const char *s, size_t max)
{
	if (!s || !*s || strlen(s) > max || !str_is_utf8(s, strlen(s)))
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static const char *const fields_all[] = {"id",           "name",         "icon",      "categories",  "connectionType",
                                         "authorizeUrl", "tokenUrl",     "revokeUrl", "userinfoUrl", "scopes",
                                         "clientId",     "clientSecret", "pkce"};

/* Apply body's fields to c (which holds the current values on update); NULL or why. */
static const char *apply(struct arena *a, const cJSON *body, struct custom *c, bool create)
{
	if (!cJSON_IsObject(body))
		return "the body must be an object";
	for (const cJSON *k = body->child; k; k = k->next) {
		bool known = false;
		for (size_t i = 0; i < ARRAY_LEN(fields_all); i++)
			known |= str_eq(fields_all[i], k->string);
		if (!known)
			return arena_printf(
			    a,
			    "unknown field '%.64s' (id, name, icon, categories, connectionType, authorizeUrl, "
			    "tokenUrl, revokeUrl, userinfoUrl, scopes, clientId, clientSecret, pkce)",
			    k->string);
		if (!create && str_eq(k->string, "id"))
			return "id cannot change";
		const char *s = cJSON_IsString(k) ? k->valuestring : NULL;
		bool nul = cJSON_IsNull(k);
		if (str_eq(k->string, "id")) {
			if (!id_ok(s))
				return "id is 1-64 of a-z, 0-9, '-' or '_', starting with a letter or digit";
			c->id = s;
		} else if (str_eq(k->string, "name")) {
			if (!printable(s, 100))
				return "name is 1-100 printable characters";
			c->name = s;
		} else if (str_eq(k->string, "icon")) {
			struct url_parts u;
			if (!nul && (!s || url_parse(a, s, &u)))
				return "icon is an http(s) URL";
			c->icon = s;
		} else if (str_eq(k->string, "categories")) {
			if (!cJSON_IsArray(k) || cJSON_GetArraySize(k) > 16)
				return "categories is a list of at most 16 names";
			const cJSON *x;
			cJSON_ArrayForEach(
			    x,
			    k) if (!cJSON_IsString(x) ||
			           !printable(x->valuestring, 64)) return "each category is 1-64 printable characters";
			c->categories = json_print(a, k);
		} else if (str_eq(k->string, "connectionType")) {
			if (!str_eq(s, "oauth") && !str_eq(s, "api_key"))
				return "connectionType is oauth or api_key";
			c->type = s;
		} else if (str_eq(k->string, "pkce")) {
			if (!cJSON_IsBool(k))
				return "pkce is true or false";
			c->pkce = cJSON_IsTrue(k);
		} else if (str_eq(k->string, "scopes")) {
			if (!nul && (!s || strlen(s) > 512))
				return "scopes is a space-separated string";
			for (const char *p = s; p && *p; p++)
				if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
					return "scopes is a space-separated string of scope names";
			c->scopes = s;
		} else if (str_eq(k->string, "clientId")) {
			if (!printable(s, 256))
				return "clientId is 1-256 printable characters";
			c->client_id = s;
		} else if (str_eq(k->string, "clientSecret")) {
			if (!printable(s, 4096))
				return "clientSecret is 1-4096 printable characters";
			c->secret = s;
		} else { /* the URLs: https (plain http only with private networks allowed) */
			const char *why = nul ? NULL
			                  : s ? net_url_problem(a, s, g_cfg.allow_private_network)
			                      : "must be a URL";
			if (why)
				return arena_printf(a, "%s %s", k->string, why);
			if (str_eq(k->string, "authorizeUrl"))
				c->authorize_url = s;
			else if (str_eq(k->string, "tokenUrl"))
				c->token_url = s;
			else if (str_eq(k->string, "revokeUrl"))
				c->revoke_url = s;
			else
				c->userinfo_url = s;
		}
	}
	if (!c->id || !c->name || !c->type)
		return "id, name and connectionType are required";
	if (str_eq(c->type, "oauth") &&
	    (!c->authorize_url || !c->token_url || !c->client_id || !(c->secret || c->has_secret)))
		return "an oauth provider needs authorizeUrl, tokenUrl, clientId and clientSecret";
	return NULL;
}

static enum ag_err store_custom(struct arena *a, const char *app_id, const struct custom *c, bool create)
{
	char *sealed = c->secret
	                   ? master_seal("provider-client", sealed_id(a, app_id, c->id), c->secret, strlen(c->secret))
	                   : NULL;
	if (c->secret && !sealed)
		return AG_EINTERNAL;
	int64_t now = time_now_ms();
	const struct sqlv v[] = {SV_TEXT(app_id),
	                         SV_TEXT(c->id),
	                         SV_TEXT(c->name),
	                         SV_TEXT(c->icon),
	                         SV_TEXT(c->categories ? c->categories : "[]"),
	                         SV_TEXT(c->type),
	                         SV_TEXT(c->authorize_url),
	                         SV_TEXT(c->token_url),
	                         SV_TEXT(c->revoke_url),
	                         SV_TEXT(c->userinfo_url),
	                         SV_TEXT(c->scopes),
	                         SV_TEXT(c->client_id),
	                         SV_TEXT(sealed),
	                         SV_BOOL(c->pkce),
	                         SV_INT(now)};
	enum ag_err e;
	if (create)
		e = db_exec(
		    g_app.store,
		    "INSERT INTO custom_providers (app_id, id, name, icon, categories, connection_type, authorize_url, "
		    "token_url, revoke_url, userinfo_url, scopes, client_id, secret_sealed, pkce, created_at, "
		    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
		    v, (int)ARRAY_LEN(v));
	else
		e = db_exec(
		    g_app.store,
		    "UPDATE custom_providers SET name = $3, icon = $4, categories = $5, connection_type = $6, "
		    "authorize_url = $7, token_url = $8, revoke_url = $9, userinfo_url = $10, scopes = $11, "
		    "client_id = $12, secret_sealed = COALESCE($13, secret_sealed), pkce = $14, updated_at = $15 "
		    "WHERE app_id = $1 AND id = $2",
		    v, (int)ARRAY_LEN(v));
	free(sealed);
	return e;
}

struct ag_error provider_create(struct arena *a, const char *app_id, const cJSON *body)
{
	struct custom c = {.pkce = true};
	const char *why = apply(a, body, &c, true);
	if (why)
		return AG_ERROR_MSG(AG_EINVAL, why);
	if (builtin(c.id) || oauth_provider_find(c.id))
		return AG_ERROR(AG_PROVIDERS_EXISTS);
	enum ag_err e = store_custom(a, app_id, &c, true);
	return AG_ERROR(ag_err_is(e, AG_ECONFLICT) ? AG_PROVIDERS_EXISTS : e);
}

struct ag_error provider_update(struct arena *a, const char *app_id, const char *id, const cJSON *body)
{
	if (builtin(id) || oauth_provider_find(id))
		return AG_ERROR(AG_PROVIDERS_BUILTIN);
	struct custom c;
	enum ag_err e = custom_get(a, app_id, id, false, &c);
	if (e)
		return AG_ERROR(ag_err_is(e, AG_ENOTFOUND) ? AG_PROVIDERS_NOT_FOUND : e);
	const char *why = apply(a, body, &c, false);
	return why ? AG_ERROR_MSG(AG_EINVAL, why) : AG_ERROR(store_custom(a, app_id, &c, false));
}

enum ag_err provider_delete(const char *app_id, const char *id)
{
	if (builtin(id) || oauth_provider_find(id))
		return AG_PROVIDERS_BUILTIN;
	int64_t n = 0;
	enum ag_err e = db_exec_n(g_app.store, "DELETE FROM custom_providers WHERE app_id = $1 AND id = $2",
	                          P(SV_TEXT(app_id), SV_TEXT(id)), &n);
	return e ? e : n ? AG_OK : AG_PROVIDERS_NOT_FOUND;
}

/* ---- the OAuth client of a provider --------------------------------------------------------- */

struct ag_error provider_client(struct arena *a, const char *app_id, const char *id, struct oauth_client **out)
{
	if (!id || strlen(id) > PROVIDER_ID_MAX)
		return AG_ERROR_MSG(AG_OAUTH_UNKNOWN_PROVIDER, "no such provider");
	if (oauth_provider_find(id)) {
		enum ag_err e = oauth_client_get(a, app_id, id, out);
		if (ag_err_is(e, AG_ENOTFOUND))
			return AG_ERROR(AG_CONNECT_PROVIDER_NOT_CONFIGURED);
		return e ? AG_ERROR_MSG(oauth_server_error(e), "the provider's settings cannot be read") : AG_ERROR(AG_OK);
	}
	struct custom c;
	enum ag_err e = custom_get(a, app_id, id, true, &c);
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_ERROR_MSG(AG_OAUTH_UNKNOWN_PROVIDER, "no such provider");
	if (e)
		return AG_ERROR_MSG(oauth_server_error(e), "the provider's settings cannot be read");
	if (!str_eq(c.type, "oauth"))
		return AG_ERROR(AG_CONNECT_NOT_OAUTH);
	struct oauth_provider_def *d = arena_calloc(a, sizeof *d);
	d->name = c.id;
	d->label = c.name;
	d->kind = OAUTH_KIND_PLAIN;
	d->scopes = c.scopes ? c.scopes : "";
	struct oauth_client *cl = arena_calloc(a, sizeof *cl);
	cl->def = d;
	cl->app_id = app_id;
	cl->client_id = c.client_id;
	cl->client_secret = c.secret;
	cl->scopes = d->scopes;
	cl->authorize_url = c.authorize_url;
	cl->token_url = c.token_url;
	cl->userinfo_url = c.userinfo_url;
	cl->revoke_url = c.revoke_url;
	cl->no_pkce = !c.pkce;
	*out = cl;
	return AG_ERROR(AG_OK);
}

/* ---- provider keys ---------------------------------------------------------------------------- */

static bool in_registry(struct arena *a, const struct project *p, const char *provider)
{
	cJSON *o;
	return provider_get_json(a, p, provider, &o) == AG_OK;
}

enum ag_err provider_key_set(struct arena *a, const struct project *p, const char *user_id, const char *provider,
                             const char *key)
{
	if (!in_registry(a, p, provider))
		return AG_PROVIDERS_NOT_FOUND;
	if (!key || !*key || strlen(key) > PROVIDER_KEY_MAX)
		return AG_EINVAL;
	char *sealed =
	    master_seal("provider-key", arena_printf(a, "%s:%s:%s", p->app_id, user_id, provider), key, strlen(key));
	if (!sealed)
		return AG_EINTERNAL;
	int64_t now = time_now_ms();
	enum ag_err e =
	    db_exec(g_app.store,
	            "INSERT INTO provider_keys (app_id, user_id, provider, key_sealed, created_at, updated_at) "
	            "VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (app_id, user_id, provider) DO UPDATE SET "
	            "key_sealed = $4, updated_at = $5",
	            P(SV_TEXT(p->app_id), SV_TEXT(user_id), SV_TEXT(provider), SV_TEXT(sealed), SV_INT(now)));
	free(sealed);
	return e;
}

enum ag_err provider_key_get(struct arena *a, const char *app_id, const char *user_id, const char *provider,
                             const char **key)
{
	*key = NULL;
	struct store_row row;
	enum ag_err e =
	    db_row(g_app.store, a, &row,
	           "UPDATE provider_keys SET last_read_at = $4 WHERE app_id = $1 AND user_id = $2 AND provider = $3 "
	           "RETURNING key_sealed",
	           P(SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(provider), SV_INT(time_now_ms())));
	if (e)
		return ag_err_is(e, AG_ENOTFOUND) ? AG_PROVIDER_KEY_NOT_FOUND : e;
	size_t n = 0;
	unsigned char *pt =
	    master_open("provider-key", arena_printf(a, "%s:%s:%s", app_id, user_id, provider), row_str(&row, 0), &n);
	if (!pt)
		return AG_EINTERNAL;
	*key = arena_strndup(a, (const char *)pt, n);
	sec_zero(pt, n);
	free(pt);
	return AG_OK;
}

enum ag_err provider_key_delete(const char *app_id, const char *user_id, const char *provider)
{
	int64_t n = 0;
	enum ag_err e =
	    db_exec_n(g_app.store, "DELETE FROM provider_keys WHERE app_id = $1 AND user_id = $2 AND provider = $3",
	              P(SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(provider)), &n);
	return e ? e : n ? AG_OK : AG_PROVIDER_KEY_NOT_FOUND;
}
