/* oauth_meta.c — what AuthGate learns from providers and keeps in memory: discovery
 * documents per issuer and JWK sets per jwks_uri. Both honour Cache-Control (clamped to
 * OAUTH_META_MIN/MAX_TTL_S); the last good copy survives a failed fetch; a kid the
 * cached set lacks refetches the set at most once per OAUTH_JWKS_REFETCH_MIN_S, so a
 * stream of tokens with made-up kids cannot make AuthGate hammer a provider. Fetches
 * are single-flight per entry (a per-entry mutex held across the fetch; readers of a
 * fresh entry never take it). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/oauth.h"
#include "config/config.h"
#include "core/hmap.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "net/net.h"
#include "sec/jws.h"

struct entry {
	pthread_mutex_t fetch_mu; /* one fetch at a time per entry */
	char *doc; /* discovery: the document text (validated) */
	struct jwk_set *keys; /* JWKS: the parsed set */
	int64_t expires_ms; /* reuse until then */
	int64_t fetched_ms; /* last attempt, good or bad */
	int64_t forced_ms; /* last refetch for an unknown kid */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* guards the maps and entries' fields */
static struct hmap *discovery, *jwks;

static void entry_free(void *p)
{
	struct entry *e = p;
	free(e->doc);
	jwks_unref(e->keys);
	pthread_mutex_destroy(&e->fetch_mu);
	free(e);
}

void oauth_cache_clear(void)
{
	pthread_mutex_lock(&mu);
	if (discovery)
		hmap_clear(discovery);
	if (jwks)
		hmap_clear(jwks);
	pthread_mutex_unlock(&mu);
}

/* The entry for key (created empty); entries live until oauth_cache_clear. */
static struct entry *entry_of(struct hmap **map, const char *key)
{
	pthread_mutex_lock(&mu);
	if (!*map)
		*map = hmap_new(entry_free);
	struct entry *e = hmap_get(*map, key);
	if (!e && (e = calloc(1, sizeof *e))) {
		pthread_mutex_init(&e->fetch_mu, NULL);
		if (hmap_put(*map, key, e)) {
			entry_free(e);
			e = NULL;
		}
	}
	pthread_mutex_unlock(&mu);
	return e;
}

static int64_t ttl_ms(const struct http_in *in)
{
	int64_t s = in->max_age_s < 0 ? OAUTH_META_DEFAULT_TTL_S : in->max_age_s;
	if (s < OAUTH_META_MIN_TTL_S)
		s = OAUTH_META_MIN_TTL_S;
	if (s > OAUTH_META_MAX_TTL_S)
		s = OAUTH_META_MAX_TTL_S;
	return s * 1000;
}

/* GET url as JSON; AG_OK with the body (malloc'd via in) for a 200. */
static enum ag_err get_json(const char *url, struct http_in *in)
{
	static const char *const hdrs[] = {"Accept: application/json", "User-Agent: AuthGate", NULL};
	struct http_out o = {"GET", url, hdrs, NULL, 0, (int)g_cfg.oauth_timeout_s * 1000, g_cfg.allow_private_network};
	enum ag_err e = http_send(&o, in);
	if (e == AG_OK && (in->status != 200 || !in->body)) {
		snprintf(in->error, sizeof in->error, "HTTP %d", in->status);
		e = AG_EUNAVAIL;
	}
	if (e)
		log_warn("oauth", "GET %.200s failed: %s", url, in->error);
	return e;
}

/* ---- discovery -------------------------------------------------------------------- */

/* Microsoft's multi-tenant documents name the issuer with a {tenantid} placeholder. */
static bool issuer_matches(const char *want, const char *got)
{
	if (str_eq(want, got))
		return true;
	const char *ph = got ? strstr(got, "{tenantid}") : NULL;
	if (!ph || !str_starts(want, "https://login.microsoftonline.com/"))
		return false;
	size_t pre = (size_t)(ph - got);
	return strncmp(want, got, pre) == 0 && str_ends(want, ph + 10);
}

static const char *check_doc(struct arena *a, const char *issuer, const char *text, cJSON **out)
{
	cJSON *d = NULL;
	const char *detail;
	if (json_parse_strict(a, text, strlen(text), &d, &detail) != JSON_OK || !cJSON_IsObject(d))
		return "the discovery document is not a JSON object";
	if (!issuer_matches(issuer, json_get_str(d, "issuer")))
		return "the discovery document names another issuer";
	static const char *const urls[] = {"authorization_endpoint", "token_endpoint", "jwks_uri"};
	for (size_t i = 0; i < ARRAY_LEN(urls); i++) {
		const char *u = json_get_str(d, urls[i]);
		if (!u || net_url_problem(a, u, g_cfg.allow_private_network))
			return arena_printf(a, "the discovery document's %s is missing or not allowed", urls[i]);
	}
	*out = d;
	return NULL;
}

static struct ag_error discover(struct arena *a, const char *issuer, cJSON **doc)
{
	struct entry *e = entry_of(&discovery, issuer);
	if (!e)
		return AG_ERROR(AG_OAUTH_SERVER);
	int64_t now = time_now_ms();
	char *text = NULL;
	pthread_mutex_lock(&mu);
	if (e->doc && now < e->expires_ms)
		text = arena_strdup(a, e->doc);
	pthread_mutex_unlock(&mu);
	if (!text) {
		pthread_mutex_lock(&e->fetch_mu);
		pthread_mutex_lock(&mu);
		if (e->doc && time_now_ms() < e->expires_ms)
			text = arena_strdup(a, e->doc); /* another thread fetched it meanwhile */
		pthread_mutex_unlock(&mu);
		if (!text) {
			size_t il = strlen(issuer) - (str_ends(issuer, "/") ? 1 : 0);
			const char *url = arena_printf(a, "%.*s/.well-known/openid-configuration", (int)il, issuer);
			struct http_in in;
			cJSON *d = NULL;
			const char *bad = NULL;
			if (get_json(url, &in) == AG_OK && !(bad = check_doc(a, issuer, in.body, &d))) {
				pthread_mutex_lock(&mu);
				free(e->doc);
				e->doc = strdup(in.body);
				e->expires_ms = time_now_ms() + ttl_ms(&in);
				e->fetched_ms = time_now_ms();
				pthread_mutex_unlock(&mu);
				text = arena_strdup(a, in.body);
			} else {
				if (bad)
					log_warn("oauth", "discovery for %.200s refused: %s", issuer, bad);
				pthread_mutex_lock(&mu);
				if (e->doc) /* the last good document survives a failed fetch */
					text = arena_strdup(a, e->doc);
				e->fetched_ms = time_now_ms();
				pthread_mutex_unlock(&mu);
			}
			http_in_free(&in);
		}
		pthread_mutex_unlock(&e->fetch_mu);
	}
	const char *detail;
	if (!text || json_parse_strict(a, text, strlen(text), doc, &detail) != JSON_OK)
		return AG_ERROR_MSG(AG_OAUTH_PROVIDER_UNAVAILABLE,
		                    "the provider's discovery document cannot be read; retry shortly");
	return AG_ERROR(AG_OK);
}

static bool has_string(const cJSON *arr, const char *s)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, arr) if (cJSON_IsString(v) && strcmp(v->valuestring, s) == 0) return true;
	return false;
}

struct ag_error oauth_endpoints_get(struct arena *a, const struct oauth_client *c, struct oauth_endpoints *out)
{
	memset(out, 0, sizeof *out);
	if (c->def->kind != OAUTH_KIND_OIDC) {
		/* Plain OAuth 2.0: the flow is bound to the authorization server's origin. */
		out->issuer = url_origin_of(a, c->authorize_url);
		if (!out->issuer) /* checked when it was saved, by the same parser */
			return AG_ERROR_MSG(AG_OAUTH_PROVIDER_UNAVAILABLE, "the provider's authorization URL is not a valid URL");
		out->authorize = c->authorize_url;
		out->token = c->token_url;
		out->userinfo = c->userinfo_url;
		out->revoke = c->revoke_url;
		return AG_ERROR(AG_OK);
	}
	cJSON *d;
	struct ag_error e = discover(a, c->issuer, &d);
	if (e.code)
		return e;
	out->issuer = c->issuer;
	out->authorize = json_get_str(d, "authorization_endpoint");
	out->token = json_get_str(d, "token_endpoint");
	out->userinfo = json_get_str(d, "userinfo_endpoint");
	out->jwks_uri = json_get_str(d, "jwks_uri");
	out->revoke = json_get_str(d, "revocation_endpoint");
	out->offline_access = has_string(cJSON_GetObjectItemCaseSensitive(d, "scopes_supported"), "offline_access");
	if (out->revoke && net_url_problem(a, out->revoke, g_cfg.allow_private_network))
		out->revoke = NULL;
	out->iss_param = json_get_bool(d, "authorization_response_iss_parameter_supported", false);
	const cJSON *am = cJSON_GetObjectItemCaseSensitive(d, "token_endpoint_auth_methods_supported");
	out->token_auth_basic =
	    cJSON_IsArray(am) && !has_string(am, "client_secret_post") && has_string(am, "client_secret_basic");
	if (out->userinfo && net_url_problem(a, out->userinfo, g_cfg.allow_private_network))
		out->userinfo = NULL;
	return AG_ERROR(AG_OK);
}

/* ---- JWKS ------------------------------------------------------------------------------ */

struct jwk_set *oauth_jwks_get(const char *jwks_uri, bool force)
{
	struct entry *e = entry_of(&jwks, jwks_uri);
	if (!e)
		return NULL;
	struct jwk_set *s = NULL;
	int64_t now = time_now_ms();
	pthread_mutex_lock(&mu);
	bool fresh = e->keys && now < e->expires_ms;
	bool may_refetch = e->forced_ms == 0 || now - e->forced_ms >= OAUTH_JWKS_REFETCH_MIN_S * 1000;
	if (fresh && (!force || !may_refetch)) {
		s = e->keys;
		jwks_ref(s);
	}
	int64_t seen = e->fetched_ms;
	pthread_mutex_unlock(&mu);
	if (s)
		return s;
	pthread_mutex_lock(&e->fetch_mu);
	pthread_mutex_lock(&mu);
	bool fetched_meanwhile = e->fetched_ms != seen;
	pthread_mutex_unlock(&mu);
	if (!fetched_meanwhile) {
		struct http_in in;
		struct jwk_set *got = NULL;
		if (get_json(jwks_uri, &in) == AG_OK && !(got = jwks_parse(in.body, in.body_len)))
			log_warn("oauth", "%.200s is not a JWK set", jwks_uri);
		pthread_mutex_lock(&mu);
		e->fetched_ms = time_now_ms();
		if (force)
			e->forced_ms = e->fetched_ms;
		if (got) {
			jwks_unref(e->keys);
			e->keys = got;
			e->expires_ms = e->fetched_ms + ttl_ms(&in);
		} else if (e->keys) {
			/* keep the last good keys; try again after the refetch interval */
			e->expires_ms = e->fetched_ms + OAUTH_JWKS_REFETCH_MIN_S * 1000;
		}
		pthread_mutex_unlock(&mu);
		http_in_free(&in);
	}
	pthread_mutex_lock(&mu);
	s = e->keys;
	jwks_ref(s);
	pthread_mutex_unlock(&mu);
	pthread_mutex_unlock(&e->fetch_mu);
	return s;
}
