#include "sec/jwt.h"

#include <string.h>

#include "core/str.h"
#include "sec/sec.h"

static const char HEADER_B64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"; /* {"alg":"HS256","typ":"JWT"} */

char *jwt_sign_hs256(struct arena *a, const cJSON *claims, const void *key, size_t keylen)
{
	const char *payload = json_print(a, claims);
	size_t pl = strlen(payload), hl = sizeof(HEADER_B64) - 1;
	size_t cap = hl + 1 + (pl * 4 / 3 + 4) + 1 + 44 + 1;
	char *tok = arena_alloc(a, cap);
	memcpy(tok, HEADER_B64, hl);
	tok[hl] = '.';
	size_t n = hl + 1 + str_b64url(tok + hl + 1, (const unsigned char *)payload, pl);
	unsigned char mac[SHA256_LEN];
	hmac_sha256(mac, key, keylen, tok, n);
	tok[n] = '.';
	str_b64url(tok + n + 1, mac, SHA256_LEN);
	return tok;
}

cJSON *jwt_part_json(struct arena *a, const char *s, size_t n)
{
	if (n == 0 || n > JWT_MAX_LEN)
		return NULL;
	unsigned char *raw = arena_alloc(a, n);
	long len = str_unb64url(raw, n, s, n);
	if (len <= 0)
		return NULL;
	cJSON *v = NULL;
	const char *detail;
	if (json_parse_strict(a, (const char *)raw, (size_t)len, &v, &detail) != JSON_OK || !cJSON_IsObject(v))
		return NULL;
	return v;
}

cJSON *jwt_peek_claims(struct arena *a, const char *token)
{
	if (!token || strlen(token) > JWT_MAX_LEN)
		return NULL;
	const char *d1 = strchr(token, '.');
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d2 || strchr(d2 + 1, '.'))
		return NULL;
	return jwt_part_json(a, d1 + 1, (size_t)(d2 - d1 - 1));
}

static int num_claim(const cJSON *c, const char *k, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, k);
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e13)
		return -1;
	*out = (int64_t)v->valuedouble;
	return 1;
}

static int aud_matches(const cJSON *c, const char *aud)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "aud");
	if (cJSON_IsString(v))
		return strcmp(v->valuestring, aud) == 0;
	if (cJSON_IsArray(v)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, v) if (cJSON_IsString(e) && strcmp(e->valuestring, aud) == 0) return 1;
	}
	return 0;
}

enum jwt_err jwt_verify_hs256(struct arena *a, const char *token, const void *key, size_t keylen,
			      const char *iss, const char *aud, int64_t now_s, int64_t leeway_s, cJSON **claims)
{
	*claims = NULL;
	if (!token || strlen(token) > JWT_MAX_LEN)
		return JWT_MALFORMED;
	const char *d1 = strchr(token, '.');
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d2 || strchr(d2 + 1, '.'))
		return JWT_MALFORMED;
	cJSON *hdr = jwt_part_json(a, token, (size_t)(d1 - token));
	if (!hdr)
		return JWT_MALFORMED;
	const char *alg = json_get_str(hdr, "alg");
	if (!alg || strcmp(alg, "HS256") != 0)
		return JWT_BAD_ALG;
	const cJSON *crit = cJSON_GetObjectItemCaseSensitive(hdr, "crit");
	if (crit)
		return JWT_MALFORMED; /* we understand no extensions */
	unsigned char sig[SHA256_LEN + 4], mac[SHA256_LEN];
	size_t sl = strlen(d2 + 1);
	if (sl != 43)
		return JWT_BAD_SIG;
	if (str_unb64url(sig, sizeof sig, d2 + 1, sl) != SHA256_LEN)
		return JWT_BAD_SIG;
	hmac_sha256(mac, key, keylen, token, (size_t)(d2 - token));
	if (!ct_eq(mac, SHA256_LEN, sig, SHA256_LEN))
		return JWT_BAD_SIG;
	cJSON *c = jwt_part_json(a, d1 + 1, (size_t)(d2 - d1 - 1));
	if (!c)
		return JWT_MALFORMED;
	int64_t exp, nbf, iat;
	if (num_claim(c, "exp", &exp) != 1)
		return JWT_BAD_CLAIMS;
	if (exp <= now_s - leeway_s)
		return JWT_EXPIRED;
	int r = num_claim(c, "nbf", &nbf);
	if (r < 0 || (r == 1 && nbf > now_s + leeway_s))
		return r < 0 ? JWT_BAD_CLAIMS : JWT_NOT_YET;
	r = num_claim(c, "iat", &iat);
	if (r < 0 || (r == 1 && iat > now_s + leeway_s))
		return r < 0 ? JWT_BAD_CLAIMS : JWT_NOT_YET;
	if (iss && !str_eq(json_get_str(c, "iss"), iss))
		return JWT_BAD_CLAIMS;
	if (aud && !aud_matches(c, aud))
		return JWT_BAD_CLAIMS;
	*claims = c;
	return JWT_OK;
}
