/* oauth_clients.c — the provider registry (one declarative table) and each project's
 * settings for a provider: validated on the way in, the secret sealed under the master
 * key bound to project and provider, opened on the way out. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth/oauth.h"
#include "config/config.h"
#include "core/ctx.h"
#include "core/epcache.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "net/net.h"
#include "sec/jws.h"
#include "sec/sec.h"
#include "store/store.h"

/* Endpoints and defaults as the providers document them. OIDC kinds are discovered from
 * their issuer; GitHub and Discord are plain OAuth 2.0 with fixed endpoints. Microsoft
 * and the generic provider cannot vouch for email ownership the way AuthGate needs
 * (Entra ID's email claim is whatever a tenant admin typed: docs/OAUTH.md). */
const struct oauth_provider_def oauth_providers[] = {
    {"google", "Google", OAUTH_KIND_OIDC, "https://accounts.google.com", NULL, NULL, NULL, NULL, "openid email profile",
     false, false, true, false},
    {"github", "GitHub", OAUTH_KIND_GITHUB, NULL, "https://github.com/login/oauth/authorize",
     "https://github.com/login/oauth/access_token", "https://api.github.com/user", "https://api.github.com/user/emails",
     "read:user user:email", false, false, true, false},
    {"microsoft", "Microsoft", OAUTH_KIND_OIDC, "https://login.microsoftonline.com/{tenant}/v2.0", NULL, NULL, NULL,
     NULL, "openid email profile", false, false, false, false},
    {"gitlab", "GitLab", OAUTH_KIND_OIDC, "https://gitlab.com", NULL, NULL, NULL, NULL, "openid email profile", false,
     false, true, false},
    {"discord", "Discord", OAUTH_KIND_DISCORD, NULL, "https://discord.com/oauth2/authorize",
     "https://discord.com/api/oauth2/token", "https://discord.com/api/users/@me", NULL, "identify email", false, false,
     true, false},
    {"apple", "Apple", OAUTH_KIND_OIDC, "https://appleid.apple.com", NULL, NULL, NULL, NULL, "openid email name", true,
     true, true, false},
    {"oidc", "OpenID Connect", OAUTH_KIND_OIDC, NULL, NULL, NULL, NULL, NULL, "openid email profile", false, false,
     true, true},
    {NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, false, false, false, false},
};

const struct oauth_provider_def *oauth_provider_find(const char *name)
{
	for (const struct oauth_provider_def *d = oauth_providers; name && d->name; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

const char *oauth_redirect_uri(struct arena *a, const char *provider)
{
	return arena_printf(a, "%s/api/proxy/%s/callback", g_cfg.public_url, provider);
}

/* ---- validation -------------------------------------------------------------------- */

enum setting_rule { S_ANY, S_URL, S_SCOPES, S_TENANT, S_APPLE_ID };

/* Which settings a kind of provider takes, and how each is checked. */
static const struct setting {
	const char *name;
	enum setting_rule rule;
	unsigned max;
	const char *only; /* provider name it belongs to; NULL: OIDC kinds (issuer) or all */
	bool plain_only; /* plain OAuth 2.0 kinds only (endpoint overrides) */
} settings[] = {
    {"scopes", S_SCOPES, 512, NULL, false},          {"issuer", S_URL, 512, NULL, false},
    {"tenant", S_TENANT, 64, "microsoft", false},    {"team_id", S_APPLE_ID, 10, "apple", false},
    {"key_id", S_APPLE_ID, 10, "apple", false},      {"authorization_endpoint", S_URL, 512, NULL, true},
    {"token_endpoint", S_URL, 512, NULL, true},      {"userinfo_endpoint", S_URL, 512, NULL, true},
    {"emails_endpoint", S_URL, 512, "github", true},
};

static bool scopes_ok(const char *s)
{
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e || *s == '"' || *s == '\\')
			if (*s != ' ')
				return false;
	return true;
}

static bool charset_ok(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr(extra, *s)))
			return false;
	return true;
}

static const char *check_setting(struct arena *a, const struct oauth_provider_def *d, const struct setting *st,
                                 const cJSON *v)
{
	if (cJSON_IsNull(v))
		return NULL; /* removes the setting */
	if (st->only && strcmp(st->only, d->name) != 0)
		return arena_printf(a, "%s applies to %s only", st->name, st->only);
	if (st->plain_only && d->kind == OAUTH_KIND_OIDC)
		return arena_printf(a, "%s applies to plain OAuth 2.0 providers; %s is discovered from its issuer",
		                    st->name, d->label);
	if (str_eq(st->name, "issuer") && d->kind != OAUTH_KIND_OIDC)
		return arena_printf(a, "issuer applies to OpenID Connect providers; %s takes endpoint URLs", d->label);
	if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > st->max)
		return arena_printf(a, "%s must be a string of 1 to %u bytes", st->name, st->max);
	const char *s = v->valuestring, *why = NULL;
	switch (st->rule) {
	case S_URL:
		why = net_url_problem(a, s, g_cfg.allow_private_network);
		if (!why && (strchr(s, '?') || strchr(s, '#')))
			why = "must not carry a query or fragment";
		return why ? arena_printf(a, "%s %s", st->name, why) : NULL;
	case S_SCOPES: return scopes_ok(s) ? NULL : "scopes must be space-separated scope names";
	case S_TENANT:
		return charset_ok(s, "-.") ? NULL
		                           : "tenant must be common, organizations, consumers, a tenant id or domain";
	case S_APPLE_ID:
		return charset_ok(s, "") ? NULL : arena_printf(a, "%s must be Apple's 10-character id", st->name);
	case S_ANY: break;
	}
	return NULL;
}

/* Merge the patch into the stored settings object; the secret (client_secret, or
 * private_key for Apple) is returned separately. */
static const char *merge(struct arena *a, const struct oauth_provider_def *d, const cJSON *patch, cJSON *stored,
                         const char **client_id, const char **secret)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, patch)
	{
		const char *k = v->string;
		if (str_eq(k, "enabled"))
			continue; /* the project's provider toggle: the caller applies it */
		if (str_eq(k, "client_id")) {
			if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > 256 ||
			    !charset_ok(v->valuestring, "-._~:/@+="))
				return "client_id must be 1 to 256 printable characters";
			*client_id = v->valuestring;
			continue;
		}
		if (str_eq(k, d->secret_is_es256_jwt ? "private_key" : "client_secret")) {
			if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > 4096)
				return arena_printf(a, "%s must be a string of 1 to 4096 bytes", k);
			if (d->secret_is_es256_jwt && !jws_es256_key_valid(v->valuestring, strlen(v->valuestring)))
				return "private_key must be the PEM (PKCS#8) P-256 key Apple issued (.p8 file)";
			*secret = v->valuestring;
			continue;
		}
		const struct setting *st = NULL;
		for (size_t i = 0; i < ARRAY_LEN(settings); i++)
			if (str_eq(settings[i].name, k))
				st = &settings[i];
		if (!st)
			return arena_printf(a, "unknown setting '%.64s' for %s", k, d->label);
		const char *why = check_setting(a, d, st, v);
		if (why)
			return why;
		cJSON_DeleteItemFromObjectCaseSensitive(stored, k);
		if (!cJSON_IsNull(v))
			cJSON_AddStringToObject(stored, k, v->valuestring);
	}
	return NULL;
}

/* ---- rows ----------------------------------------------------------------------------- */

static const char *sealed_id(struct arena *a, const char *app_id, const char *provider)
{
	return arena_printf(a, "%s:%s", app_id, provider);
}

static const char *setting(const cJSON *s, const char *k, const char *dflt)
{
	const char *v = json_get_str(s, k);
	return v ? v : dflt;
}

static void fill(struct arena *a, struct oauth_client *c, const cJSON *s)
{
	const struct oauth_provider_def *d = c->def;
	c->scopes = setting(s, "scopes", d->scopes);
	c->tenant = setting(s, "tenant", str_eq(d->name, "microsoft") ? "common" : NULL);
	c->team_id = json_get_str(s, "team_id");
	c->key_id = json_get_str(s, "key_id");
	c->issuer = setting(s, "issuer", d->issuer);
	if (c->issuer && c->tenant && strstr(c->issuer, "{tenant}")) {
		size_t pre = (size_t)(strstr(c->issuer, "{tenant}") - c->issuer);
		c->issuer = arena_printf(a, "%.*s%s%s", (int)pre, c->issuer, c->tenant, c->issuer + pre + 8);
	}
	c->authorize_url = setting(s, "authorization_endpoint", d->authorize_url);
	c->token_url = setting(s, "token_endpoint", d->token_url);
	c->userinfo_url = setting(s, "userinfo_endpoint", d->userinfo_url);
	c->emails_url = setting(s, "emails_endpoint", d->emails_url);
}

static cJSON *parse_obj(struct arena *a, const char *json)
{
	cJSON *v = NULL;
	const char *detail;
	if (!json || json_parse_strict(a, json, strlen(json), &v, &detail) != JSON_OK || !cJSON_IsObject(v))
		return json_obj(a);
	return v;
}

/* The row into a (the cache entry's own arena), the secret opened. */
static enum ag_err read_client(struct arena *a, const char *app_id, const struct oauth_provider_def *d,
                               struct oauth_client **out)
{
	const char *provider = d->name;
	struct store_row row;
	enum ag_err e = db_row(g_app.store, a, &row,
	                       "SELECT client_id, secret_sealed, settings, updated_at FROM oauth_clients "
	                       "WHERE app_id = $1 AND provider = $2",
	                       P(SV_TEXT(app_id), SV_TEXT(provider)));
	if (e)
		return e;
	struct oauth_client *c = arena_calloc(a, sizeof *c);
	c->def = d;
	c->app_id = arena_strdup(a, app_id);
	c->client_id = row_str(&row, 0);
	c->updated_at = row_int(&row, 3);
	if (row_str(&row, 1)) {
		size_t n = 0;
		unsigned char *pt = master_open("oauth-client", sealed_id(a, app_id, provider), row_str(&row, 1), &n);
		if (!pt)
			return AG_EINTERNAL; /* wrong master key or a row copied from elsewhere */
		c->client_secret = arena_strndup(a, (const char *)pt, n);
		sec_zero(pt, n);
		free(pt);
	}
	fill(a, c, parse_obj(a, row_str(&row, 2)));
	*out = c;
	return AG_OK;
}

/* Settings are cached per project and provider, invalidated with the projects' epoch
 * (a provider's settings are project configuration): a sign-in reads no row for them
 * and opens no sealed secret. The cached secret is zeroed when the entry goes. */
struct client_snap {
	struct cached hdr; /* first: the cache's handle */
	struct arena *a;
	struct oauth_client *c;
};

static struct epcache *cache;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_init(void)
{
	cache = epcache_new();
}

static void snap_destroy(struct cached *hdr)
{
	struct client_snap *s = (struct client_snap *)hdr;
	if (s->c && s->c->client_secret)
		sec_zero((char *)s->c->client_secret, strlen(s->c->client_secret));
	arena_free(s->a);
	free(s);
}

static enum ag_err load_client(void *ud, const char *key, struct cached **out)
{
	const char *slash = strchr(key, '/');
	const struct oauth_provider_def *d = slash ? oauth_provider_find(slash + 1) : NULL;
	struct client_snap *s = d ? calloc(1, sizeof *s) : NULL;
	*out = NULL;
	if (!s)
		return d ? AG_EINTERNAL : AG_ENOTFOUND;
	s->a = arena_new();
	cached_init(&s->hdr, snap_destroy);
	enum ag_err e = read_client(s->a, arena_strndup(s->a, key, (size_t)(slash - key)), d, &s->c);
	if (e) {
		cached_unref(&s->hdr);
		return e;
	}
	*out = &s->hdr;
	return AG_OK;
}

enum ag_err oauth_client_get(struct arena *a, const char *app_id, const char *provider, struct oauth_client **out)
{
	*out = NULL;
	if (!oauth_provider_find(provider) || !app_id || !str_is_slug(app_id, APP_ID_MAX))
		return AG_ENOTFOUND;
	pthread_once(&cache_once, cache_init);
	struct cached *c;
	enum ag_err e = epcache_get(cache, store_epoch_current(g_app.store, CACHE_PROJECTS),
	                            arena_printf(a, "%s/%s", app_id, provider), load_client, NULL, &c);
	if (e)
		return e;
	arena_defer(a, cached_unref_any, c);
	*out = ((struct client_snap *)c)->c;
	return AG_OK;
}

struct ag_error oauth_client_set(struct arena *a, const char *app_id, const char *provider, const cJSON *patch)
{
	const struct oauth_provider_def *d = oauth_provider_find(provider);
	if (!d)
		return AG_ERROR(AG_OAUTH_UNKNOWN_PROVIDER);
	struct project *p;
	enum ag_err e = project_get(a, app_id, &p);
	if (e)
		return AG_ERROR(e);
	struct store_row row;
	const char *client_id = NULL, *secret = NULL, *old_sealed = NULL, *why;
	cJSON *stored = json_obj(a);
	e = db_row(g_app.store, a, &row,
	           "SELECT client_id, secret_sealed, settings FROM oauth_clients WHERE app_id = $1 AND provider = $2",
	           P(SV_TEXT(app_id), SV_TEXT(provider)));
	if (e == AG_OK) {
		client_id = row_str(&row, 0);
		old_sealed = row_str(&row, 1);
		stored = parse_obj(a, row_str(&row, 2));
	} else if (!ag_err_is(e, AG_ENOTFOUND)) {
		return AG_ERROR(e);
	}
	if ((why = merge(a, d, patch, stored, &client_id, &secret)))
		return AG_ERROR_MSG(AG_OAUTH_SETTINGS, why);
	if (!client_id)
		why = "client_id is required";
	else if (!secret && !old_sealed)
		why = d->secret_is_es256_jwt ? "private_key is required" : "client_secret is required";
	else if (d->needs_issuer && !json_get_str(stored, "issuer"))
		why = "issuer is required: the URL of the OpenID provider (its discovery document is read from it)";
	else if (d->secret_is_es256_jwt && (!json_get_str(stored, "team_id") || !json_get_str(stored, "key_id")))
		why = "team_id and key_id are required for Apple";
	if (why)
		return AG_ERROR_MSG(AG_OAUTH_SETTINGS, why);
	char *sealed =
	    secret ? master_seal("oauth-client", sealed_id(a, app_id, provider), secret, strlen(secret)) : NULL;
	if (secret && !sealed)
		return AG_ERROR(AG_EINTERNAL);
	int64_t now = time_now_ms();
	e = db_exec_cached(
	    g_app.store, CACHE_BIT(CACHE_PROJECTS),
	    "INSERT INTO oauth_clients (app_id, provider, client_id, secret_sealed, settings, created_at, updated_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (app_id, provider) DO UPDATE SET "
	    "client_id = $3, secret_sealed = COALESCE($4, oauth_clients.secret_sealed), settings = $5, updated_at = $6",
	    P(SV_TEXT(app_id), SV_TEXT(provider), SV_TEXT(client_id), SV_TEXT(sealed), SV_TEXT(json_print(a, stored)),
	      SV_INT(now)));
	free(sealed);
	if (e)
		return AG_ERROR(e);
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(patch, "enabled");
	if (cJSON_IsBool(en)) {
		cJSON *toggle = json_obj(a);
		cJSON_AddBoolToObject(cJSON_AddObjectToObject(toggle, "providers"), provider, cJSON_IsTrue(en));
		return project_update(a, app_id, toggle);
	}
	return en ? AG_ERROR_MSG(AG_OAUTH_SETTINGS, "enabled must be true or false") : AG_ERROR(AG_OK);
}

enum ag_err oauth_client_delete(const char *app_id, const char *provider)
{
	return db_exec_cached(g_app.store, CACHE_BIT(CACHE_PROJECTS),
	                      "DELETE FROM oauth_clients WHERE app_id = $1 AND provider = $2",
	                      P(SV_TEXT(app_id), SV_TEXT(provider)));
}

cJSON *oauth_client_json(struct arena *a, const struct oauth_client *c, bool enabled)
{
	cJSON *o = json_obj(a);
	cJSON_AddStringToObject(o, "provider", c->def->name);
	cJSON_AddBoolToObject(o, "enabled", enabled);
	cJSON_AddStringToObject(o, "client_id", c->client_id);
	cJSON_AddBoolToObject(o, c->def->secret_is_es256_jwt ? "private_key_set" : "client_secret_set",
	                      c->client_secret != NULL);
	cJSON_AddStringToObject(o, "scopes", c->scopes);
	if (c->def->kind == OAUTH_KIND_OIDC) {
		json_add_str(o, "issuer", c->issuer);
	} else {
		json_add_str(o, "authorization_endpoint", c->authorize_url);
		json_add_str(o, "token_endpoint", c->token_url);
		json_add_str(o, "userinfo_endpoint", c->userinfo_url);
		if (c->emails_url)
			cJSON_AddStringToObject(o, "emails_endpoint", c->emails_url);
	}
	if (c->tenant)
		cJSON_AddStringToObject(o, "tenant", c->tenant);
	if (c->def->secret_is_es256_jwt) {
		json_add_str(o, "team_id", c->team_id);
		json_add_str(o, "key_id", c->key_id);
	}
	cJSON_AddStringToObject(o, "redirect_uri", oauth_redirect_uri(a, c->def->name));
	json_add_time(o, "updated_at", c->updated_at);
	return o;
}

enum ag_err oauth_client_list(struct arena *a, const struct project *p, cJSON **out)
{
	*out = json_arr(a);
	for (const struct oauth_provider_def *d = oauth_providers; d->name; d++) {
		struct oauth_client *c;
		enum ag_err e = oauth_client_get(a, p->app_id, d->name, &c);
		if (ag_err_is(e, AG_ENOTFOUND))
			continue;
		if (e)
			return e;
		cJSON_AddItemReferenceToArray(*out, oauth_client_json(a, c, project_provider_on(p, d->name)));
	}
	return AG_OK;
}
