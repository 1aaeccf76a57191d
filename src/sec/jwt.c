#include "sec/jwt.h"

#include <string.h>

#include "core/str.h"
#include "sec/sec.h"

static const char HEADER_B64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"; /* {"alg":"HS256","typ":"JWT"} */

char *jwt_sign_hs256(struct arena *a, const cJSON *claims, const struct hmac_key *key)
{
	const char *payload = json_print(a, claims);
	size_t pl = strlen(payload), hl = sizeof(HEADER_B64) - 1;
	size_t cap = hl + 1 + (pl * 4 / 3 + 4) + 1 + 44 + 1;
	char *tok = arena_alloc(a, cap);
	memcpy(tok, HEADER_B64, hl);
	tok[hl] = '.';
	size_t n = hl + 1 + str_b64url(tok + hl + 1, (const unsigned char *)payload, pl);
	unsigned char mac[SHA256_LEN];
	hmac_sha256_key(mac, key, tok, n);
	tok[n] = '.';
	str_b64url(tok + n + 1, mac, SHA256_LEN);
	return tok;
}

/* base64url-decode one part into the arena (NUL-terminated); NULL when it is not. */
static char *unb64_part(struct arena *a, const char *s, size_t n, size_t *len)
{
	if (n == 0 || n > JWT_MAX_LEN)
		return NULL;
	char *raw = arena_alloc(a, n + 1);
	long l = str_unb64url((unsigned char *)raw, n, s, n);
	if (l <= 0)
		return NULL;
	raw[l] = 0;
	*len = (size_t)l;
	return raw;
}

/* A part that must be a JSON object, read in place (jscan: the general parser's rules). */
static bool scan_part(struct arena *a, const char *s, size_t n, struct jobj *o)
{
	size_t len;
	char *raw = unb64_part(a, s, n, &len);
	return raw && jscan(raw, len, o, NULL) == JSON_OK && o->n >= 0;
}

cJSON *jwt_part_json(struct arena *a, const char *s, size_t n)
{
	size_t len;
	char *raw = unb64_part(a, s, n, &len);
	cJSON *v = NULL;
	const char *detail;
	if (!raw || json_parse_strict(a, raw, len, &v, &detail) != JSON_OK || !cJSON_IsObject(v))
		return NULL;
	return v;
}

/* The three parts: d1, d2 point at the two dots. */
static bool split(const char *token, const char **d1, const char **d2)
{
	if (!token || strlen(token) > JWT_MAX_LEN)
		return false;
	*d1 = strchr(token, '.');
	*d2 = *d1 ? strchr(*d1 + 1, '.') : NULL;
	return *d2 && !strchr(*d2 + 1, '.');
}

cJSON *jwt_peek_claims(struct arena *a, const char *token)
{
	const char *d1, *d2;
	if (!split(token, &d1, &d2))
		return NULL;
	return jwt_part_json(a, d1 + 1, (size_t)(d2 - d1 - 1));
}

const char *jwt_peek_str(struct arena *a, const char *token, const char *claim)
{
	const char *d1, *d2;
	struct jobj *o = arena_alloc(a, sizeof *o);
	if (!split(token, &d1, &d2) || !scan_part(a, d1 + 1, (size_t)(d2 - d1 - 1), o))
		return NULL;
	const struct jval *v = jobj_get(o, claim);
	return v && v->kind == JK_STR ? jstr(a, v, NULL) : NULL;
}

static int num_claim(const struct jobj *c, const char *k, int64_t *out)
{
	const struct jval *v = jobj_get(c, k);
	double d;
	if (!v)
		return 0;
	if (!jnum(v, &d) || !(d >= 0) || d > 1e13)
		return -1;
	*out = (int64_t)d;
	return 1;
}

static bool aud_matches(const struct jobj *c, const char *aud)
{
	const struct jval *v = jobj_get(c, "aud");
	if (v && v->kind == JK_ARR) {
		struct jiter it;
		struct jval e;
		jiter_init(&it, v);
		while (jiter_next(&it, NULL, &e))
			if (jstr_eq(&e, aud))
				return true;
		return false;
	}
	return jstr_eq(v, aud);
}

enum jwt_err jwt_check_hs256(struct arena *a, const char *token, const struct hmac_key *key, const char *iss,
			     const char *aud, int64_t now_s, int64_t leeway_s, struct jobj *c)
{
	c->n = -1;
	const char *d1, *d2;
	if (!split(token, &d1, &d2))
		return JWT_MALFORMED;
	/* The header we issue is checked by a compare; any other is read in full. */
	size_t hl = (size_t)(d1 - token);
	if (hl != sizeof HEADER_B64 - 1 || memcmp(token, HEADER_B64, hl) != 0) {
		struct jobj *hdr = arena_alloc(a, sizeof *hdr);
		if (!scan_part(a, token, hl, hdr))
			return JWT_MALFORMED;
		if (!jstr_eq(jobj_get(hdr, "alg"), "HS256"))
			return JWT_BAD_ALG;
		if (jobj_get(hdr, "crit"))
			return JWT_MALFORMED; /* we understand no extensions */
	}
	unsigned char sig[SHA256_LEN + 4], mac[SHA256_LEN];
	size_t sl = strlen(d2 + 1);
	if (sl != 43)
		return JWT_BAD_SIG;
	if (str_unb64url(sig, sizeof sig, d2 + 1, sl) != SHA256_LEN)
		return JWT_BAD_SIG;
	hmac_sha256_key(mac, key, token, (size_t)(d2 - token));
	if (!ct_eq(mac, SHA256_LEN, sig, SHA256_LEN))
		return JWT_BAD_SIG;
	if (!scan_part(a, d1 + 1, (size_t)(d2 - d1 - 1), c)) {
		c->n = -1;
		return JWT_MALFORMED;
	}
	enum jwt_err e = JWT_OK;
	int64_t exp, nbf, iat;
	int r;
	if (num_claim(c, "exp", &exp) != 1)
		e = JWT_BAD_CLAIMS;
	else if (exp <= now_s - leeway_s)
		e = JWT_EXPIRED;
	else if ((r = num_claim(c, "nbf", &nbf)) < 0 || (r == 1 && nbf > now_s + leeway_s))
		e = r < 0 ? JWT_BAD_CLAIMS : JWT_NOT_YET;
	else if ((r = num_claim(c, "iat", &iat)) < 0 || (r == 1 && iat > now_s + leeway_s))
		e = r < 0 ? JWT_BAD_CLAIMS : JWT_NOT_YET;
	else if (iss && !jstr_eq(jobj_get(c, "iss"), iss))
		e = JWT_BAD_CLAIMS;
	else if (aud && !aud_matches(c, aud))
		e = JWT_BAD_CLAIMS;
	if (e)
		c->n = -1;
	return e;
}

enum jwt_err jwt_verify_hs256(struct arena *a, const char *token, const struct hmac_key *key, const char *iss,
			      const char *aud, int64_t now_s, int64_t leeway_s, cJSON **claims)
{
	*claims = NULL;
	struct jobj *c = arena_alloc(a, sizeof *c);
	enum jwt_err e = jwt_check_hs256(a, token, key, iss, aud, now_s, leeway_s, c);
	if (e)
		return e;
	const char *d1 = NULL, *d2 = NULL;
	if (!split(token, &d1, &d2)) /* checked already; says so to the optimizer too */
		return JWT_MALFORMED;
	*claims = jwt_part_json(a, d1 + 1, (size_t)(d2 - d1 - 1));
	return *claims ? JWT_OK : JWT_MALFORMED;
}
