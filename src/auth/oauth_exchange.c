/* oauth_exchange.c — after the browser comes back: the token request (authorization
 * code with the PKCE verifier, or a refresh token), the ID token's verification, and
 * the profile of who signed in (ID token + userinfo, or GitHub's and Discord's REST
 * APIs). Provider quirks live here, each with its reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/oauth.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/form.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "net/net.h"
#include "sec/jws.h"
#include "sec/sec.h"

#define APPLE_SECRET_TTL_S 300

/* A provider's error code is echoed only when it looks like one (RFC 6749 5.2). */
static const char *safe_code(struct arena *a, const char *s)
{
	if (!s || strlen(s) > 64)
		return "unknown";
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return "unknown";
	return arena_strdup(a, s);
}

/* A JSON object, or (GitHub without Accept honoured) a form-encoded body as one. */
static cJSON *parse_reply(struct arena *a, const char *body, size_t n)
{
	if (!body)
		return NULL;
	const char *p = body;
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	cJSON *v = NULL;
	const char *detail;
	if (*p == '{')
		return json_parse_strict(a, body, n, &v, &detail) == JSON_OK && cJSON_IsObject(v) ? v : NULL;
	static const char *const fields[] = {"access_token", "refresh_token", "id_token", "scope",
	                                     "token_type",   "expires_in",    "error",    "error_description"};
	v = json_obj(a);
	for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
		const char *val = form_get(a, body, n, fields[i]);
		if (val && str_eq(fields[i], "expires_in")) {
			int64_t secs;
			if (str_to_i64(val, 0, 10L * 365 * 86400, &secs) == 0)
				cJSON_AddNumberToObject(v, fields[i], (double)secs);
		} else if (val) {
			cJSON_AddStringToObject(v, fields[i], val);
		}
	}
	return v;
}

/* Apple's client secret: a short-lived ES256 JWT signed with the team's key. */
static const char *apple_secret(struct arena *a, const struct oauth_client *c)
{
	int64_t now = time_now_ms() / 1000;
	cJSON *claims = json_obj(a);
	cJSON_AddStringToObject(claims, "iss", c->team_id);
	cJSON_AddNumberToObject(claims, "iat", (double)now);
	cJSON_AddNumberToObject(claims, "exp", (double)(now + APPLE_SECRET_TTL_S));
	cJSON_AddStringToObject(claims, "aud", c->issuer);
	cJSON_AddStringToObject(claims, "sub", c->client_id);
	return c->client_secret ? jws_sign_es256(a, c->client_secret, strlen(c->client_secret), c->key_id, claims)
	                        : NULL;
}

/* The client's credentials: HTTP Basic (RFC 6749 2.3.1: each part form-encoded before
 * base64) when discovery allows only that, else in the form body. */
static int client_auth(struct arena *a, const struct oauth_client *c, const struct oauth_endpoints *ep,
                       const char *secret, struct buf *b, const char **auth_header)
{
	if (!ep->token_auth_basic)
		return form_add(b, "client_id", c->client_id) | form_add(b, "client_secret", secret);
	struct buf id = BUF_INIT(2048), sec = BUF_INIT(8192);
	int rc = form_add(&id, "x", c->client_id) | form_add(&sec, "x", secret);
	const char *pair = arena_printf(a, "%s:%s", id.p ? id.p + 2 : "", sec.p ? sec.p + 2 : "");
	char *b64 = arena_alloc(a, strlen(pair) * 4 / 3 + 8);
	str_b64(b64, (const unsigned char *)pair, strlen(pair));
	*auth_header = arena_printf(a, "Authorization: Basic %s", b64);
	buf_free(&id);
	buf_free(&sec);
	return rc;
}

struct ag_error oauth_token_request(struct arena *a, const struct oauth_client *c, const struct oauth_endpoints *ep,
                                    const char *grant, const char *code_or_refresh, const char *code_verifier,
                                    struct oauth_tokens *out)
{
	memset(out, 0, sizeof *out);
	const char *secret = c->def->secret_is_es256_jwt ? apple_secret(a, c) : c->client_secret;
	if (!secret)
		return AG_ERROR_MSG(AG_OAUTH_SERVER, "the provider's client secret cannot be made");
	struct buf b = BUF_INIT(16384);
	bool code = str_eq(grant, "authorization_code");
	int rc = form_add(&b, "grant_type", grant) | form_add(&b, code ? "code" : "refresh_token", code_or_refresh);
	if (code)
		rc |= form_add(&b, "redirect_uri", ep->redirect_uri ? ep->redirect_uri : oauth_redirect_uri(a, c->def->name));
	if (code && !c->no_pkce)
		rc |= form_add(&b, "code_verifier", code_verifier);
	const char *hdrs[6] = {"Accept: application/json",
	                       "Content-Type: application/x-www-form-urlencoded",
	                       "User-Agent: AuthGate",
	                       NULL,
	                       NULL,
	                       NULL};
	rc |= client_auth(a, c, ep, secret, &b, &hdrs[3]);
	const char *body = rc ? NULL : arena_strndup(a, b.p, b.len);
	size_t blen = b.len;
	buf_free(&b);
	if (!body)
		return AG_ERROR_MSG(AG_EINVAL, "the code is too long");
	struct http_out o = {
	    "POST", ep->token, hdrs, body, blen, (int)g_cfg.oauth_timeout_s * 1000, g_cfg.allow_private_network};
	struct http_in in;
	enum ag_err e = http_send(&o, &in);
	cJSON *v = e == AG_OK ? parse_reply(a, in.body, in.body_len) : NULL;
	int status = in.status;
	if (e)
		log_warn("oauth", "token endpoint of %s unreachable: %s", c->def->name, in.error);
	http_in_free(&in);
	if (e)
		return AG_ERROR_MSG(AG_OAUTH_PROVIDER_UNAVAILABLE, "the provider did not answer; retry shortly");
	const char *err = json_get_str(v, "error");
	if (status >= 500 || str_eq(err, "temporarily_unavailable")) {
		log_warn("oauth", "token endpoint of %s answered %d", c->def->name, status);
		return AG_ERROR(AG_OAUTH_PROVIDER_UNAVAILABLE);
	}
	if (err) {
		/* Errors arrive in 400s, and from GitHub in a 200. */
		const char *c2 = safe_code(a, err);
		log_info("oauth", "%s refused the %s grant: %s", c->def->name, grant, c2);
		return AG_ERROR_MSG(str_eq(c2, "invalid_grant") ? AG_OAUTH_INVALID_GRANT : AG_OAUTH_PROVIDER_ERROR,
		                    arena_printf(a, "the provider refused the request (%s)", c2));
	}
	if (status != 200 || !v || !json_get_str(v, "access_token")) {
		log_warn("oauth", "token endpoint of %s answered %d without a token", c->def->name, status);
		return AG_ERROR_MSG(status >= 500 ? AG_OAUTH_PROVIDER_UNAVAILABLE : AG_OAUTH_PROVIDER_ERROR,
		                    "the provider's token endpoint gave no token");
	}
	const char *tt = json_get_str(v, "token_type");
	if (tt && !str_ieq(tt, "bearer"))
		return AG_ERROR_MSG(AG_OAUTH_PROVIDER_ERROR, "the provider issued a token type AuthGate cannot use");
	out->access_token = json_get_str(v, "access_token");
	out->refresh_token = json_get_str(v, "refresh_token");
	out->id_token = json_get_str(v, "id_token");
	out->scope = json_get_str(v, "scope");
	double ei = json_get_num(v, "expires_in", 0);
	out->expires_in = ei > 0 && ei < 1e9 ? (int64_t)ei : 0;
	return AG_ERROR(AG_OK);
}

enum ag_err oauth_token_revoke(struct arena *a, const struct oauth_client *c, const struct oauth_endpoints *ep,
                               const char *token, const char *hint, bool *revoked)
{
	*revoked = false;
	if (!ep->revoke || !token)
		return AG_OK;
	const char *secret = c->def->secret_is_es256_jwt ? apple_secret(a, c) : c->client_secret;
	if (!secret)
		return AG_EINTERNAL;
	struct buf b = BUF_INIT(16384);
	const char *hdrs[5] = {"Accept: application/json", "Content-Type: application/x-www-form-urlencoded",
	                       "User-Agent: AuthGate", NULL, NULL};
	int rc = form_add(&b, "token", token) | form_add(&b, "token_type_hint", hint) |
	         client_auth(a, c, ep, secret, &b, &hdrs[3]);
	const char *body = rc ? NULL : arena_strndup(a, b.p, b.len);
	size_t blen = b.len;
	buf_free(&b);
	if (!body)
		return AG_EINVAL;
	struct http_out o = {
	    "POST", ep->revoke, hdrs, body, blen, (int)g_cfg.oauth_timeout_s * 1000, g_cfg.allow_private_network};
	struct http_in in;
	enum ag_err e = http_send(&o, &in);
	int status = in.status;
	if (e)
		log_warn("oauth", "revocation endpoint of %s unreachable: %s", c->def->name, in.error);
	http_in_free(&in);
	if (e || status >= 500)
		return AG_EUNAVAIL;
	/* RFC 7009 2.2: 200 whether or not the token was valid; a 400 means the provider
	 * refused the request (logged: the connection is dropped on our side all the same). */
	if (status != 200)
		log_warn("oauth", "revocation endpoint of %s answered %d", c->def->name, status);
	*revoked = status == 200;
	return AG_OK;
}

/* ---- ID tokens ------------------------------------------------------------------------ */

static bool tenant_id_shape(const char *s)
{
	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || s[i] == '-'))
			return false;
	return true;
}

const char *oauth_token_issuer(struct arena *a, const char *issuer, const char *tid)
{
	static const char *const multi[] = {"/common/", "/organizations/", "/consumers/"};
	if (!str_starts(issuer, "https://login.microsoftonline.com/"))
		return issuer;
	for (size_t i = 0; i < ARRAY_LEN(multi); i++)
		if (strstr(issuer, multi[i]))
			return tenant_id_shape(tid) ? arena_printf(a, "https://login.microsoftonline.com/%s/v2.0", tid)
			                            : NULL;
	return issuer;
}

static bool aud_ok(const cJSON *claims, const char *client_id)
{
	const cJSON *aud = cJSON_GetObjectItemCaseSensitive(claims, "aud");
	const cJSON *azp = cJSON_GetObjectItemCaseSensitive(claims, "azp");
	if (azp && (!cJSON_IsString(azp) || strcmp(azp->valuestring, client_id) != 0))
		return false;
	if (cJSON_IsString(aud))
		return strcmp(aud->valuestring, client_id) == 0;
	if (!cJSON_IsArray(aud))
		return false;
	bool found = false;
	const cJSON *v;
	cJSON_ArrayForEach(v, aud) if (cJSON_IsString(v) && strcmp(v->valuestring, client_id) == 0) found = true;
	/* OIDC Core 3.1.3.7: several audiences need azp naming us */
	return found && (cJSON_GetArraySize(aud) == 1 || azp);
}

static bool num(const cJSON *c, const char *k, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, k);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e12)
		return false;
	*out = (int64_t)v->valuedouble;
	return true;
}

struct ag_error oauth_id_token_verify(struct arena *a, const struct oauth_client *c,
                                      const struct oauth_endpoints *ep, const char *id_token, const char *nonce,
                                      cJSON **claims)
{
	*claims = NULL;
	if (!ep->jwks_uri)
		return AG_ERROR_MSG(AG_OAUTH_PROVIDER_UNAVAILABLE, "the provider publishes no keys");
	struct jwk_set *keys = oauth_jwks_get(ep->jwks_uri, false);
	cJSON *cl = NULL;
	enum jws_err je = jws_verify(a, id_token, keys, &cl);
	if (je == JWS_NO_KEY) {
		/* A kid we do not know: the provider may have rotated its keys. */
		struct jwk_set *again = oauth_jwks_get(ep->jwks_uri, true);
		if (again != keys)
			je = jws_verify(a, id_token, again, &cl);
		jwks_unref(again);
	}
	bool had_keys = keys != NULL;
	jwks_unref(keys);
	if (je != JWS_OK) {
		static const char *const why[] = {"", "malformed", "an algorithm AuthGate refuses", "an unknown key",
		                                  "a bad signature"};
		log_security("oauth_id_token_refused", NULL, "provider %s: %s", c->def->name, why[je]);
		if (!had_keys && je == JWS_NO_KEY)
			return AG_ERROR_MSG(AG_OAUTH_PROVIDER_UNAVAILABLE, "the provider's keys cannot be fetched");
		return AG_ERROR_MSG(AG_OAUTH_ID_TOKEN, arena_printf(a, "the ID token was refused: %s", why[je]));
	}
	int64_t now = time_now_ms() / 1000, exp, iat, nbf;
	const char *why = NULL, *sub = json_get_str(cl, "sub");
	if (!str_eq(json_get_str(cl, "iss"), oauth_token_issuer(a, ep->issuer, json_get_str(cl, "tid"))))
		why = "it was issued by another issuer";
	else if (!aud_ok(cl, c->client_id))
		why = "it is meant for another client";
	else if (!num(cl, "exp", &exp) || exp + OAUTH_CLOCK_SKEW_S <= now)
		why = "it has expired";
	else if (!num(cl, "iat", &iat) || iat > now + OAUTH_CLOCK_SKEW_S)
		why = "it was issued in the future";
	else if (cJSON_GetObjectItemCaseSensitive(cl, "nbf") &&
	         (!num(cl, "nbf", &nbf) || nbf > now + OAUTH_CLOCK_SKEW_S))
		why = "it is not valid yet";
	else if (nonce && !(json_get_str(cl, "nonce") && ct_streq(json_get_str(cl, "nonce"), nonce)))
		why = "its nonce does not match this sign-in";
	else if (!sub || !*sub || strlen(sub) > OAUTH_SUBJECT_MAX)
		why = "it names no subject";
	if (why) {
		log_security("oauth_id_token_refused", NULL, "provider %s: %s", c->def->name, why);
		return AG_ERROR_MSG(AG_OAUTH_ID_TOKEN, arena_printf(a, "the ID token was refused: %s", why));
	}
	*claims = cl;
	return AG_ERROR(AG_OK);
}

/* ---- profiles ----------------------------------------------------------------------------- */

static struct ag_error get_api(struct arena *a, const char *url, const char *access_token, const char *accept,
                               cJSON **out)
{
	const char *hdrs[] = {arena_printf(a, "Accept: %s", accept), "User-Agent: AuthGate",
	                      arena_printf(a, "Authorization: Bearer %s", access_token), NULL};
	struct http_out o = {"GET", url, hdrs, NULL, 0, (int)g_cfg.oauth_timeout_s * 1000, g_cfg.allow_private_network};
	struct http_in in;
	enum ag_err e = http_send(&o, &in);
	const char *detail;
	*out = NULL;
	if (e == AG_OK && in.status == 200 && in.body)
		(void)json_parse_strict(a, in.body, in.body_len, out, &detail);
	if (!*out)
		log_warn("oauth", "GET %.200s: %s", url, e ? in.error : arena_printf(a, "HTTP %d", in.status));
	http_in_free(&in);
	if (!*out)
		return AG_ERROR_MSG(e ? AG_OAUTH_PROVIDER_UNAVAILABLE : AG_OAUTH_PROVIDER_ERROR,
		                    "the provider's profile cannot be read");
	return AG_ERROR(AG_OK);
}

static bool truthy(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsTrue(v) || (cJSON_IsString(v) && strcmp(v->valuestring, "true") == 0); /* Apple: "true" */
}

/* Copy what a provider said into the profile, keeping only well-formed values. */
static void take_fields(struct arena *a, struct oauth_profile *p, const char *email, bool verified, const char *name,
                        const char *picture)
{
	if (!p->email && email) {
		p->email = user_normalize_email(a, email);
		p->email_verified = p->email && verified;
	}
	if (!p->name && name && *name && strlen(name) <= USER_NAME_MAX && str_is_utf8(name, strlen(name)))
		p->name = arena_strdup(a, name);
	struct url_parts pu;
	if (!p->picture && picture && url_parse(a, picture, &pu) == NULL && !pu.has_fragment)
		p->picture = arena_strdup(a, picture);
}

static struct ag_error oidc_profile(struct arena *a, const struct oauth_client *c, const struct oauth_endpoints *ep,
                                    const struct oauth_flow *fl, const struct oauth_tokens *t, struct oauth_profile *p)
{
	if (!t->id_token)
		return AG_ERROR_MSG(AG_OAUTH_ID_TOKEN, "the provider returned no ID token");
	cJSON *cl;
	struct ag_error e = oauth_id_token_verify(a, c, ep, t->id_token, fl->nonce, &cl);
	if (e.code)
		return e;
	p->subject = json_get_str(cl, "sub");
	take_fields(a, p, json_get_str(cl, "email"), truthy(cl, "email_verified"), json_get_str(cl, "name"),
	            json_get_str(cl, "picture"));
	if ((!p->email || !p->name || !p->picture) && ep->userinfo && t->access_token) {
		cJSON *ui;
		/* userinfo is a nicety: a provider that fails it still signs the user in */
		if (get_api(a, ep->userinfo, t->access_token, "application/json", &ui).code == AG_OK) {
			if (!str_eq(json_get_str(ui, "sub"), p->subject))
				return AG_ERROR_MSG(AG_OAUTH_PROVIDER_ERROR, "userinfo names another subject");
			take_fields(a, p, json_get_str(ui, "email"), truthy(ui, "email_verified"),
			            json_get_str(ui, "name"), json_get_str(ui, "picture"));
		}
	}
	return AG_ERROR(AG_OK);
}

/* GitHub: /user's email may be null or unverified; the primary address of /user/emails
 * with its verified flag is the one that counts. */
static struct ag_error github_profile(struct arena *a, const struct oauth_client *c, const struct oauth_tokens *t,
                                      struct oauth_profile *p)
{
	cJSON *u, *emails;
	struct ag_error e = get_api(a, c->userinfo_url, t->access_token, "application/vnd.github+json", &u);
	if (e.code)
		return e;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(u, "id");
	if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 9e15)
		return AG_ERROR_MSG(AG_OAUTH_PROVIDER_ERROR, "the provider's profile has no id");
	p->subject = arena_printf(a, "%.0f", id->valuedouble);
	if (c->emails_url &&
	    get_api(a, c->emails_url, t->access_token, "application/vnd.github+json", &emails).code == AG_OK) {
		const cJSON *m;
		cJSON_ArrayForEach(m, emails) if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "primary")))
		    take_fields(a, p, json_get_str(m, "email"), truthy(m, "verified"), NULL, NULL);
	}
	const char *name = json_get_str(u, "name");
	take_fields(a, p, json_get_str(u, "email"), false, name ? name : json_get_str(u, "login"),
	            json_get_str(u, "avatar_url"));
	return AG_ERROR(AG_OK);
}

static struct ag_error discord_profile(struct arena *a, const struct oauth_client *c, const struct oauth_tokens *t,
                                       struct oauth_profile *p)
{
	cJSON *u;
	struct ag_error e = get_api(a, c->userinfo_url, t->access_token, "application/json", &u);
	if (e.code)
		return e;
	const char *id = json_get_str(u, "id"), *avatar = json_get_str(u, "avatar");
	if (!id || !*id || strlen(id) > 32)
		return AG_ERROR_MSG(AG_OAUTH_PROVIDER_ERROR, "the provider's profile has no id");
	p->subject = id;
	const char *name = json_get_str(u, "global_name");
	const char *pic = avatar && strlen(avatar) <= 64
	                      ? arena_printf(a, "https://cdn.discordapp.com/avatars/%s/%s.png", id, avatar)
	                      : NULL;
	take_fields(a, p, json_get_str(u, "email"), truthy(u, "verified"), name ? name : json_get_str(u, "username"),
	            pic);
	return AG_ERROR(AG_OK);
}

/* A custom provider: its userinfo URL, when it has one, for an id and an email address
 * (never taken as verified); none is no error (a connection needs no profile). */
static struct ag_error plain_profile(struct arena *a, const struct oauth_client *c, const struct oauth_tokens *t,
                                     struct oauth_profile *p)
{
	cJSON *u;
	if (!c->userinfo_url)
		return AG_ERROR(AG_OK);
	struct ag_error e = get_api(a, c->userinfo_url, t->access_token, "application/json", &u);
	if (e.code)
		return e;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(u, "id");
	const char *sub = json_get_str(u, "sub");
	if (sub && *sub && strlen(sub) <= OAUTH_SUBJECT_MAX)
		p->subject = sub;
	else if (cJSON_IsString(id) && *id->valuestring && strlen(id->valuestring) <= OAUTH_SUBJECT_MAX)
		p->subject = id->valuestring;
	else if (cJSON_IsNumber(id) && id->valuedouble >= 0 && id->valuedouble < 9e15)
		p->subject = arena_printf(a, "%.0f", id->valuedouble);
	take_fields(a, p, json_get_str(u, "email"), false, json_get_str(u, "name"), NULL);
	return AG_ERROR(AG_OK);
}

struct ag_error oauth_profile_get(struct arena *a, const struct oauth_client *c, const struct oauth_endpoints *ep,
                                  const struct oauth_flow *fl, const struct oauth_tokens *t, struct oauth_profile *out)
{
	memset(out, 0, sizeof *out);
	struct ag_error e;
	switch (c->def->kind) {
	case OAUTH_KIND_OIDC: e = oidc_profile(a, c, ep, fl, t, out); break;
	case OAUTH_KIND_GITHUB: e = github_profile(a, c, t, out); break;
	case OAUTH_KIND_DISCORD: e = discord_profile(a, c, t, out); break;
	case OAUTH_KIND_PLAIN: e = plain_profile(a, c, t, out); break;
	default: e = AG_ERROR_MSG(AG_OAUTH_SERVER, "unknown provider kind");
	}
	if (e.code == AG_OK && !c->def->trusts_email_verified)
		out->email_verified = false;
	return e;
}

void oauth_profile_apple_user(struct arena *a, struct oauth_profile *p, const char *user_json)
{
	cJSON *u = NULL;
	const char *detail;
	if (p->name || !user_json || strlen(user_json) > 4096 ||
	    json_parse_strict(a, user_json, strlen(user_json), &u, &detail) != JSON_OK)
		return;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(u, "name");
	const char *first = json_get_str(name, "firstName"), *last = json_get_str(name, "lastName");
	if (first || last)
		take_fields(a, p, NULL, false,
		            arena_printf(a, "%s%s%s", first ? first : "", first && last ? " " : "", last ? last : ""),
		            NULL);
}
