/* projects.c — project rows, their validation, and the snapshot cache.
 * A cached project is an immutable, reference-counted snapshot built in its own
 * arena; a request borrows it (one reference, dropped with the request's arena). */
#include "auth/projects.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/ctx.h"
#include "core/epcache.h"
#include "core/form.h"
#include "core/hmap.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "mail/locale.h"
#include "net/net.h"
#include "sec/jwt.h"
#include "sec/sec.h"
#include "sec/webauthn.h"
#include "store/store.h"

/* A provider is listed once its flow exists: a switch that does nothing would tell an
 * owner a sign-in method is on when it is not. */
const struct provider_def project_providers[] = {
	{"email", true},      {"magic-link", true}, {"push", true},    {"passkey", true},
	{"totp", true},       {"sms", false},       {"email-code", true}, {"google", false},
	{"github", false},    {"microsoft", false}, {"gitlab", false},  {"discord", false},
	{"apple", false},     {"oidc", false},      {NULL, false},
};

struct snap {
	struct cached hdr; /* first: the caches hold these */
	struct arena *a;
	struct project p;
};

/* Every enabled project's allowed origins, for CORS preflights. */
struct origin_set {
	struct cached hdr;
	struct hmap *set; /* origin -> (void *)1 */
};

/* Both caches follow the projects' epoch (CACHE_PROJECTS); see core/epcache.h. */
static struct epcache *by_app, *origin_sets;
static pthread_once_t caches_once = PTHREAD_ONCE_INIT;

static void caches_init(void)
{
	by_app = epcache_new();
	origin_sets = epcache_new();
}

static void snap_destroy(struct cached *c)
{
	struct snap *s = (struct snap *)c;
	sec_zero(s->p.secret, sizeof s->p.secret);
	hmac_key_free(s->p.token_key);
	jwt_cache_free(s->p.token_cache);
	arena_free(s->a);
	free(s);
}

static void snap_unref(struct snap *s)
{
	cached_unref(&s->hdr);
}

bool project_mfa_policy_known(const char *s)
{
	return str_eq(s, "off") || str_eq(s, "optional") || str_eq(s, "required");
}

bool project_provider_known(const char *name)
{
	for (const struct provider_def *d = project_providers; d->name; d++)
		if (str_eq(d->name, name))
			return true;
	return false;
}

/* ---- validation ------------------------------------------------------------------ */

/* Every URL here is read by net/url.c (libcurl's CURLU, strict): the one parser. */

const char *project_check_origins(struct arena *a, const cJSON *v)
{
	if (!cJSON_IsArray(v))
		return "allowed_origins must be an array of origins";
	if (cJSON_GetArraySize(v) > PROJECT_MAX_URLS)
		return "allowed_origins has too many entries";
	const cJSON *e;
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e))
			return "allowed_origins entries must be origins like https://app.example.com";
		const char *why = url_check_origin(a, e->valuestring);
		if (why)
			return arena_printf(a, "allowed_origins entries must be origins like https://app.example.com "
					       "(scheme, host, optional port, no path): %.100s %s",
					    e->valuestring, why);
	}
	return NULL;
}

const char *project_check_callbacks(struct arena *a, const cJSON *v)
{
	if (!cJSON_IsArray(v))
		return "callback_urls must be an array of URLs";
	if (cJSON_GetArraySize(v) > PROJECT_MAX_URLS)
		return "callback_urls has too many entries";
	const cJSON *e;
	cJSON_ArrayForEach(e, v)
	{
		struct url_parts u;
		const char *why = cJSON_IsString(e) ? url_parse(a, e->valuestring, &u) : "is not a string";
		if (why)
			return arena_printf(a, "callback_urls entries must be http(s) URLs: %.100s %s",
					    cJSON_IsString(e) ? e->valuestring : "an entry", why);
		if (u.query || u.has_fragment)
			return "callback_urls entries must be http(s) URLs without query or fragment";
	}
	return NULL;
}

/* The parameters AuthGate itself adds to a callback URL: the sign-in token, the MFA
 * step, the reset token, OAuth errors. */
static const char *const own_params[] = {
	"token", "mfa_token", "mfa_methods", "enroll_required", "reset_token", "error", "error_description",
};

/* A parameter name as apps' frameworks read it: lowercase, with '.', '-', ' ' and
 * other punctuation as '_' (PHP turns "mfa.token" into "mfa_token"), without a
 * trailing "[...]" (PHP, Rails arrays). */
static bool own_param(void *ud, const char *name)
{
	(void)ud;
	char k[64];
	size_t n = strcspn(name, "[");
	if (n == 0 || n >= sizeof k)
		return n < sizeof k; /* "" or "[x]": no name; a long name is no name of ours */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		k[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_');
	}
	k[n] = 0;
	for (size_t i = 0; i < ARRAY_LEN(own_params); i++)
		if (str_eq(k, own_params[i]))
			return false;
	return true;
}

const char *project_callback_problem(struct arena *a, const struct project *p, const char *url)
{
	static const char *const not_registered = "callback_url is not one of the project's registered callback URLs";
	struct url_parts u;
	if (!url || url_parse(a, url, &u) || u.has_fragment)
		return not_registered;
	/* Exact match of the registered URL; the app may add its own query. */
	bool registered = false;
	for (int i = 0; i < p->ncallbacks && !registered; i++) {
		size_t n = strlen(p->callbacks[i]);
		registered = strncmp(p->callbacks[i], url, n) == 0 && (url[n] == 0 || url[n] == '?');
	}
	if (!registered)
		return not_registered;
	/* ... but not one of our parameters: ?token=ATTACKER&token=<JWT> reads as the first. */
	if (u.query && form_names(a, u.query, strlen(u.query), own_param, NULL) != 1)
		return "callback_url must not carry a parameter AuthGate adds (token, mfa_token, mfa_methods, "
		       "enroll_required, reset_token, error, error_description) and its query must be well encoded";
	return NULL;
}

static const char *check_providers(const cJSON *v)
{
	if (!cJSON_IsObject(v))
		return "providers must be an object of provider -> true/false";
	const cJSON *e;
	cJSON_ArrayForEach(e, v)
	{
		if (!project_provider_known(e->string))
			return "providers has an unknown provider";
		if (!cJSON_IsBool(e))
			return "providers values must be true or false";
	}
	return NULL;
}

static const char *check_branding(const cJSON *v)
{
	if (!cJSON_IsObject(v))
		return "branding must be an object";
	const cJSON *e;
	cJSON_ArrayForEach(e, v)
	{
		/* An empty string clears a value (the default applies again). */
		bool empty = cJSON_IsString(e) && !*e->valuestring;
		if (str_eq(e->string, "name")) {
			if (!cJSON_IsString(e) || strlen(e->valuestring) > 100)
				return "branding.name must be a string of at most 100 bytes";
		} else if (str_eq(e->string, "color")) {
			if (!cJSON_IsString(e) || !(empty || mail_brand_color_ok(e->valuestring)))
				return "branding.color must look like #1a2b3c";
		} else if (str_eq(e->string, "logo_url")) {
			if (!cJSON_IsString(e) || !(empty || mail_brand_logo_ok(e->valuestring)))
				return "branding.logo_url must be an https URL";
		} else if (str_eq(e->string, "support_email")) {
			if (!cJSON_IsString(e) || !(empty || str_is_email(e->valuestring)))
				return "branding.support_email must be an email address";
		} else {
			return "branding accepts name, color, logo_url and support_email";
		}
	}
	return NULL;
}

/* ---- rows -> snapshots ----------------------------------------------------------- */

#define PROJECT_COLS                                                                                            \
	"app_id, name, allowed_origins, callback_urls, providers, default_locale, branding, signing_secret, "   \
	"disabled, created_at, mfa_policy, passkey_attestation_roots"

static const char **str_list(struct arena *a, const char *json, int *n)
{
	*n = 0;
	cJSON *v = NULL;
	const char *detail;
	if (!json || json_parse_strict(a, json, strlen(json), &v, &detail) != JSON_OK || !cJSON_IsArray(v))
		return NULL;
	int cnt = cJSON_GetArraySize(v);
	const char **out = arena_alloc(a, sizeof(char *) * (size_t)(cnt + 1));
	const cJSON *e;
	cJSON_ArrayForEach(e, v) if (cJSON_IsString(e)) out[(*n)++] = e->valuestring;
	return out;
}

static cJSON *obj_of(struct arena *a, const char *json)
{
	cJSON *v = NULL;
	const char *detail;
	if (!json || json_parse_strict(a, json, strlen(json), &v, &detail) != JSON_OK || !cJSON_IsObject(v))
		return json_obj(a);
	return v;
}

/* The stored roots (a JSON array of PEM certificates) and the bundle the checks take. */
static void attestation_roots_load(struct arena *a, struct project *p, const char *json)
{
	cJSON *v = NULL;
	const char *detail;
	p->attestation_roots = NULL;
	p->attestation_roots_pem = NULL;
	if (!json || json_parse_strict(a, json, strlen(json), &v, &detail) != JSON_OK || !cJSON_IsArray(v) ||
	    cJSON_GetArraySize(v) == 0)
		return;
	struct buf b = BUF_INIT(8192);
	const cJSON *e;
	cJSON_ArrayForEach(e, v) if (cJSON_IsString(e)) buf_printf(&b, "%s\n", e->valuestring);
	p->attestation_roots = v;
	p->attestation_roots_pem = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_free(&b);
}

/* passkey_attestation_roots: a list of PEM certificates (at most 16), or null. NULL when
 * fine, else why not. */
static const char *check_attestation_roots(struct arena *a, const cJSON *v)
{
	if (cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 || cJSON_GetArraySize(v) > 16)
		return "passkey_attestation_roots must be a list of 1 to 16 PEM certificates, or null";
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, v)
	{
		const char *why = cJSON_IsString(e) ? x5c_roots_problem(e->valuestring) : "must be a string";
		if (why)
			return arena_printf(a, "passkey_attestation_roots[%d]: %s", i, why);
		i++;
	}
	return NULL;
}

static struct snap *snap_from_row(const struct store_row *row)
{
	struct snap *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->a = arena_new();
	cached_init(&s->hdr, snap_destroy);
	struct project *p = &s->p;
	p->app_id = arena_strdup(s->a, row_str(row, 0));
	p->name = arena_strdup(s->a, row_str(row, 1));
	p->origins = str_list(s->a, row_str(row, 2), &p->norigins);
	p->callbacks = str_list(s->a, row_str(row, 3), &p->ncallbacks);
	p->providers = obj_of(s->a, row_str(row, 4));
	p->default_locale = arena_strdup(s->a, row_str(row, 5));
	p->branding = obj_of(s->a, row_str(row, 6));
	p->disabled = row_bool(row, 8);
	p->created_at = row_int(row, 9);
	p->mfa_policy = arena_strdup(s->a, row_str(row, 10) ? row_str(row, 10) : "off");
	attestation_roots_load(s->a, p, row_str(row, 11));
	size_t n = 0;
	unsigned char *secret = master_open("project-secret", p->app_id, row_str(row, 7), &n);
	if (!secret || n != PROJECT_SECRET_LEN) {
		log_error("project", "cannot open the signing secret of %s (wrong master key?)", p->app_id);
		free(secret);
		snap_unref(s);
		return NULL;
	}
	memcpy(p->secret, secret, PROJECT_SECRET_LEN);
	sec_zero(secret, n);
	free(secret);
	p->token_key = hmac_key_new(p->secret, PROJECT_SECRET_LEN);
	p->token_cache = jwt_cache_new();
	return s;
}

void project_cache_clear(void)
{
	pthread_once(&caches_once, caches_init);
	epcache_clear(by_app);
	epcache_clear(origin_sets);
}

/* Runs without any lock held: other API-key lookups go on while one loads. */
static enum ag_err load_project(void *ud, const char *app_id, struct cached **out)
{
	struct arena *tmp = arena_new();
	struct store_row row;
	struct snap *s = NULL;
	enum ag_err err = db_row(g_app.store, tmp, &row, "SELECT " PROJECT_COLS " FROM projects WHERE app_id = $1",
				 P(SV_TEXT(app_id)));
	if (err == AG_OK && !(s = snap_from_row(&row)))
		err = AG_EINTERNAL;
	arena_free(tmp);
	*out = s ? &s->hdr : NULL;
	return err;
}

enum ag_err project_get(struct arena *a, const char *app_id, struct project **out)
{
	*out = NULL;
	if (!app_id || !str_is_slug(app_id, APP_ID_MAX))
		return AG_PROJECT_NOT_FOUND;
	pthread_once(&caches_once, caches_init);
	struct cached *c;
	enum ag_err e = epcache_get(by_app, store_epoch_current(g_app.store, CACHE_PROJECTS), app_id, load_project, NULL,
				    &c);
	if (e)
		return ag_err_is(e, AG_ENOTFOUND) ? AG_PROJECT_NOT_FOUND : e;
	arena_defer(a, cached_unref_any, c);
	*out = &((struct snap *)c)->p;
	return AG_OK;
}

static void origins_destroy(struct cached *c)
{
	struct origin_set *o = (struct origin_set *)c;
	hmap_free(o->set);
	free(o);
}

static int add_origin(void *ud, const struct store_row *row)
{
	struct origin_set *o = ud;
	struct arena *tmp = arena_new();
	int n;
	const char **list = str_list(tmp, row_str(row, 0), &n);
	for (int i = 0; i < n; i++)
		hmap_put(o->set, list[i], (void *)1); /* the map copies its keys */
	arena_free(tmp);
	return 0;
}

static enum ag_err load_origins(void *ud, const char *key, struct cached **out)
{
	struct origin_set *o = calloc(1, sizeof *o);
	if (!o || !(o->set = hmap_new(NULL)))
		abort();
	cached_init(&o->hdr, origins_destroy);
	enum ag_err e =
		db_query(g_app.store, "SELECT allowed_origins FROM projects WHERE disabled = 0", NOP, add_origin, o);
	if (e) {
		cached_unref(&o->hdr);
		return e;
	}
	*out = &o->hdr;
	return AG_OK;
}

bool project_any_allows_origin(const char *origin)
{
	if (!origin)
		return false;
	pthread_once(&caches_once, caches_init);
	struct cached *c;
	if (epcache_get(origin_sets, store_epoch_current(g_app.store, CACHE_PROJECTS), "", load_origins, NULL, &c))
		return false;
	bool found = hmap_get(((struct origin_set *)c)->set, origin) != NULL;
	cached_unref(c);
	return found;
}

/* ---- create / update / list -------------------------------------------------------- */

static struct ag_error create(struct arena *a, const char *app_id, const char *name, const cJSON *origins,
			      const cJSON *callbacks, struct project **out);

struct ag_error project_create(struct arena *a, const char *app_id, const char *name, const cJSON *origins,
			       const cJSON *callbacks, struct project **out)
{
	if (str_eq(app_id, PROJECT_DASHBOARD))
		return AG_ERROR_MSG(AG_EINVAL, "app_id " PROJECT_DASHBOARD " is AuthGate's own: pick another");
	return create(a, app_id, name, origins, callbacks, out);
}

struct ag_error project_dashboard_create(struct arena *a, const cJSON *origins, struct project **out)
{
	struct ag_error err = create(a, PROJECT_DASHBOARD, "AuthGate dashboard", origins, NULL, NULL);
	if (err.code)
		return err;
	/* No public surface serves it (disabled: no API key, /auth/start or /api/passkey
	 * answers for it); only the admin API runs its passkey ceremonies. */
	cJSON *patch = json_obj(a), *prov = cJSON_AddObjectToObject(patch, "providers");
	for (const struct provider_def *d = project_providers; d->name; d++)
		cJSON_AddBoolToObject(prov, d->name, str_eq(d->name, "passkey"));
	cJSON_AddBoolToObject(patch, "disabled", 1);
	err = project_update(a, PROJECT_DASHBOARD, patch);
	if (err.code == AG_OK && out)
		err.code = project_get(a, PROJECT_DASHBOARD, out);
	return err;
}

static struct ag_error create(struct arena *a, const char *app_id, const char *name, const cJSON *origins,
			      const cJSON *callbacks, struct project **out)
{
	const char *why = NULL;
	if (!app_id || strlen(app_id) < 2 || !str_is_slug(app_id, APP_ID_MAX))
		why = "app_id must be 2-63 characters of a-z, 0-9, '-' or '_', starting with a letter or digit";
	else if (!name || !*name || strlen(name) > 100)
		why = "name must be a non-empty string of at most 100 bytes";
	else if (origins)
		why = project_check_origins(a, origins);
	if (!why && callbacks)
		why = project_check_callbacks(a, callbacks);
	if (why)
		return AG_ERROR_MSG(AG_EINVAL, why);
	unsigned char secret[PROJECT_SECRET_LEN];
	rand_bytes(secret, sizeof secret);
	char *sealed = master_seal("project-secret", app_id, secret, sizeof secret);
	sec_zero(secret, sizeof secret);
	if (!sealed)
		return AG_ERROR(AG_EINTERNAL);
	cJSON *prov = json_obj(a);
	for (const struct provider_def *d = project_providers; d->name; d++)
		cJSON_AddBoolToObject(prov, d->name, d->default_on);
	int64_t now = time_now_ms();
	enum ag_err e = db_begin(g_app.store);
	if (e == AG_OK)
		e = db_exec(g_app.store,
			    "INSERT INTO projects (app_id, name, allowed_origins, callback_urls, providers, default_locale, "
			    "branding, signing_secret, disabled, created_at, updated_at) "
			    "VALUES ($1, $2, $3, $4, $5, 'en', '{}', $6, 0, $7, $7)",
			    P(SV_TEXT(app_id), SV_TEXT(name), SV_TEXT(origins ? json_print(a, origins) : "[]"),
			      SV_TEXT(callbacks ? json_print(a, callbacks) : "[]"), SV_TEXT(json_print(a, prov)),
			      SV_TEXT(sealed), SV_INT(now)));
	if (e == AG_OK)
		e = store_epoch_bump(g_app.store, CACHE_BIT(CACHE_PROJECTS));
	e = db_end(g_app.store, e);
	free(sealed);
	if (ag_err_is(e, AG_ECONFLICT))
		e = AG_PROJECT_EXISTS;
	if (e == AG_OK && out)
		e = project_get(a, app_id, out);
	return AG_ERROR(e);
}

struct ag_error project_update(struct arena *a, const char *app_id, const cJSON *patch)
{
	const char *why = NULL;
	struct project *p;
	enum ag_err e = project_get(a, app_id, &p);
	if (e)
		return AG_ERROR(e);
	const char *name = p->name, *locale = p->default_locale;
	const char *origins = NULL, *callbacks = NULL;
	cJSON *providers = json_own(a, cJSON_Duplicate(p->providers, 1));
	cJSON *branding = json_own(a, cJSON_Duplicate(p->branding, 1));
	int disabled = p->disabled;
	const char *mfa = p->mfa_policy;
	const char *roots = p->attestation_roots ? json_print(a, p->attestation_roots) : NULL;
	const cJSON *v;
	cJSON_ArrayForEach(v, patch)
	{
		const char *k = v->string;
		if (str_eq(k, "name")) {
			if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > 100)
				why = "name must be a non-empty string of at most 100 bytes";
			else
				name = v->valuestring;
		} else if (str_eq(k, "allowed_origins")) {
			if (!(why = project_check_origins(a, v)))
				origins = json_print(a, v);
		} else if (str_eq(k, "callback_urls")) {
			if (!(why = project_check_callbacks(a, v)))
				callbacks = json_print(a, v);
		} else if (str_eq(k, "providers")) {
			if (!(why = check_providers(v))) {
				const cJSON *pv;
				cJSON_ArrayForEach(pv, v)
				{
					cJSON_DeleteItemFromObjectCaseSensitive(providers, pv->string);
					cJSON_AddBoolToObject(providers, pv->string, cJSON_IsTrue(pv));
				}
			}
		} else if (str_eq(k, "default_locale")) {
			if (!cJSON_IsString(v) || !locale_supported(v->valuestring))
				why = "default_locale must be one of the supported locales";
			else
				locale = v->valuestring;
		} else if (str_eq(k, "branding")) {
			if (!(why = check_branding(v))) {
				const cJSON *bv;
				cJSON_ArrayForEach(bv, v)
				{
					cJSON_DeleteItemFromObjectCaseSensitive(branding, bv->string);
					cJSON_AddItemToObject(branding, bv->string, cJSON_Duplicate(bv, 1));
				}
			}
		} else if (str_eq(k, "mfa")) {
			if (!cJSON_IsString(v) || !project_mfa_policy_known(v->valuestring))
				why = "mfa must be \"off\", \"optional\" or \"required\"";
			else
				mfa = v->valuestring;
		} else if (str_eq(k, "passkey_attestation_roots")) {
			if (!(why = check_attestation_roots(a, v)))
				roots = cJSON_IsNull(v) ? NULL : json_print(a, v);
		} else if (str_eq(k, "disabled")) {
			if (!cJSON_IsBool(v))
				why = "disabled must be true or false";
			else
				disabled = cJSON_IsTrue(v);
		} else {
			why = arena_printf(a, "unknown field '%.64s'", k);
		}
		if (why)
			return AG_ERROR_MSG(AG_EINVAL, why);
	}
	e = db_begin(g_app.store);
	if (e == AG_OK)
		e = db_exec(g_app.store,
			    "UPDATE projects SET name = $2, allowed_origins = COALESCE($3, allowed_origins), "
			    "callback_urls = COALESCE($4, callback_urls), providers = $5, default_locale = $6, "
			    "branding = $7, disabled = $8, updated_at = $9, mfa_policy = $10, "
			    "passkey_attestation_roots = $11 WHERE app_id = $1",
			    P(SV_TEXT(app_id), SV_TEXT(name), SV_TEXT(origins), SV_TEXT(callbacks),
			      SV_TEXT(json_print(a, providers)), SV_TEXT(locale), SV_TEXT(json_print(a, branding)),
			      SV_INT(disabled), SV_INT(time_now_ms()), SV_TEXT(mfa), SV_TEXT(roots)));
	if (e == AG_OK)
		e = store_epoch_bump(g_app.store, CACHE_BIT(CACHE_PROJECTS));
	return AG_ERROR(db_end(g_app.store, e));
}

enum ag_err project_rotate_secret(struct arena *a, const char *app_id, const char **secret_b64url)
{
	*secret_b64url = NULL;
	unsigned char secret[PROJECT_SECRET_LEN];
	char b64[64];
	rand_bytes(secret, sizeof secret);
	char *sealed = master_seal("project-secret", app_id, secret, sizeof secret);
	str_b64url(b64, secret, sizeof secret);
	sec_zero(secret, sizeof secret);
	enum ag_err e = sealed ? db_exec_cached(g_app.store, CACHE_BIT(CACHE_PROJECTS),
						"UPDATE projects SET signing_secret = $2, updated_at = $3 WHERE app_id = $1",
						P(SV_TEXT(app_id), SV_TEXT(sealed), SV_INT(time_now_ms())))
			       : AG_EINTERNAL;
	free(sealed);
	if (e == AG_OK)
		*secret_b64url = arena_strdup(a, b64);
	sec_zero(b64, sizeof b64);
	return e;
}

enum ag_err project_delete(const char *app_id)
{
	/* its API keys go with it (ON DELETE CASCADE) */
	enum ag_err e = db_exec_cached(g_app.store, CACHE_BIT(CACHE_PROJECTS) | CACHE_BIT(CACHE_API_KEYS),
				       "DELETE FROM projects WHERE app_id = $1", P(SV_TEXT(app_id)));
	return ag_err_is(e, AG_ENOTFOUND) ? AG_PROJECT_NOT_FOUND : e;
}

static cJSON *str_array(const char **v, int n)
{
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(v[i]));
	return arr;
}

static const char *brand_str(const struct project *p, const char *k)
{
	const char *s = json_get_str(p->branding, k);
	return s && *s ? s : NULL;
}

const char *project_display_name(const struct project *p)
{
	const char *name = brand_str(p, "name");
	return name ? name : p->name;
}

struct mail_brand project_mail_brand(const struct project *p)
{
	return (struct mail_brand){
		.app_id = p->app_id,
		.name = project_display_name(p),
		.color = brand_str(p, "color"),
		.logo_url = brand_str(p, "logo_url"),
		.support_email = brand_str(p, "support_email"),
	};
}

enum ag_err project_send_mail(struct arena *a, const struct project *p, const char *to, const char *locale,
			      const char *template_id, const struct tmpl_var *vars)
{
	struct mail_brand b = project_mail_brand(p);
	return mail_send_template(a, &b, to, locale, template_id, vars);
}

cJSON *project_json(struct arena *a, const struct project *p)
{
	cJSON *o = json_obj(a);
	cJSON_AddStringToObject(o, "app_id", p->app_id);
	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddItemToObject(o, "allowed_origins", str_array(p->origins, p->norigins));
	cJSON_AddItemToObject(o, "callback_urls", str_array(p->callbacks, p->ncallbacks));
	/* The switches that exist, each as it is in effect (a project stored before a
	 * provider existed has its default; one stored with a retired switch hides it). */
	cJSON *prov = cJSON_AddObjectToObject(o, "providers");
	for (const struct provider_def *d = project_providers; d->name; d++)
		cJSON_AddBoolToObject(prov, d->name, project_provider_on(p, d->name));
	cJSON_AddStringToObject(o, "default_locale", p->default_locale);
	cJSON_AddItemToObject(o, "branding", cJSON_Duplicate(p->branding, 1));
	cJSON_AddBoolToObject(o, "disabled", p->disabled);
	cJSON_AddStringToObject(o, "mfa", p->mfa_policy ? p->mfa_policy : "off");
	if (p->attestation_roots)
		cJSON_AddItemToObject(o, "passkey_attestation_roots", cJSON_Duplicate(p->attestation_roots, 1));
	else
		cJSON_AddNullToObject(o, "passkey_attestation_roots");
	json_add_time(o, "created_at", p->created_at);
	return o;
}

struct list_ctx {
	struct arena *a;
	cJSON *arr;
};

static int list_row(void *ud, const struct store_row *row)
{
	struct list_ctx *c = ud;
	struct snap *s = snap_from_row(row);
	if (!s)
		return 0;
	cJSON *o = project_json(c->a, &s->p);
	cJSON_AddItemReferenceToArray(c->arr, o); /* o is owned by the arena */
	snap_unref(s);
	return 0;
}

enum ag_err project_list(struct arena *a, cJSON **out)
{
	struct list_ctx c = {a, json_arr(a)};
	*out = c.arr;
	return db_query(g_app.store,
			"SELECT " PROJECT_COLS " FROM projects WHERE app_id <> '" PROJECT_DASHBOARD "' ORDER BY app_id", NOP,
			list_row, &c);
}

bool project_allows_origin(const struct project *p, const char *origin)
{
	for (int i = 0; origin && i < p->norigins; i++)
		if (strcmp(p->origins[i], origin) == 0)
			return true;
	return false;
}

bool project_allows_callback(struct arena *a, const struct project *p, const char *url)
{
	return project_callback_problem(a, p, url) == NULL;
}

bool project_provider_on(const struct project *p, const char *provider)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p->providers, provider);
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	for (const struct provider_def *d = project_providers; d->name; d++)
		if (str_eq(d->name, provider))
			return d->default_on;
	return false;
}

struct cb_ctx {
	struct arena *a;
	const char *url;
	const char *found;
	int n;
};

static int cb_row(void *ud, const struct store_row *row)
{
	struct cb_ctx *c = ud;
	int n;
	const char **list = str_list(c->a, row_str(row, 1), &n);
	struct project tmp = {.callbacks = list, .ncallbacks = n};
	if (project_allows_callback(c->a, &tmp, c->url)) {
		c->found = arena_strdup(c->a, row_str(row, 0));
		c->n++;
	}
	return 0;
}

enum ag_err project_by_callback(struct arena *a, const char *url, struct project **out)
{
	*out = NULL;
	struct url_parts u;
	if (!url || url_parse(a, url, &u))
		return AG_ENOTFOUND;
	/* The LIKE is a prefilter on the URL without its query; the rule is applied here. */
	const char *base = arena_strndup(a, url, strcspn(url, "?"));
	struct cb_ctx c = {a, url, NULL, 0};
	enum ag_err e = db_query(g_app.store,
				 "SELECT app_id, callback_urls FROM projects WHERE disabled = 0 AND "
				 "callback_urls LIKE '%' || $1 || '%'",
				 P(SV_TEXT(base)), cb_row, &c);
	if (e)
		return e;
	if (c.n == 0)
		return AG_ENOTFOUND;
	if (c.n > 1)
		return AG_ECONFLICT;
	return project_get(a, c.found, out);
}
