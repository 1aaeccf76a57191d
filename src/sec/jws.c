/* jws.c — JWK sets and RS256/ES256/EdDSA signatures on OpenSSL 3. RSA and Ed25519 keys
 * become EVP_PKEYs once, at parse time (verifying then costs one EVP_DigestVerify);
 * P-256 keys are kept as raw points for ecdsa.c, which owns the P1363 conversion. */
#include "sec/jws.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "sec/ecdsa.h"
#include "sec/jwt.h"

#define RSA_MIN_BITS 2048
#define RSA_MAX_BYTES 1024 /* 8192-bit modulus */
#define KID_MAX 128

enum kty { KTY_RSA, KTY_EC, KTY_OKP };

struct jwk {
	enum kty kty;
	char kid[KID_MAX + 1]; /* "" when the key has none */
	char alg[8]; /* the key's own "alg", "" when unpublished */
	EVP_PKEY *pkey; /* RSA, Ed25519 */
	unsigned char point[P256_PUB_LEN]; /* EC */
};

struct jwk_set {
	_Atomic int ref;
	int n;
	struct jwk k[JWKS_MAX_KEYS];
};

static const struct {
	const char *alg;
	enum kty kty;
} allowed_algs[] = {{"RS256", KTY_RSA}, {"ES256", KTY_EC}, {"EdDSA", KTY_OKP}};

/* A base64url member of a JWK decoded into out (at most max bytes); length or -1. */
static long member_bytes(const cJSON *k, const char *name, unsigned char *out, size_t max)
{
	const char *s = json_get_str(k, name);
	if (!s || strlen(s) > (max * 4 + 2) / 3 + 2)
		return -1;
	return str_unb64url(out, max, s, strlen(s));
}

static EVP_PKEY *rsa_key(const cJSON *k)
{
	unsigned char n[RSA_MAX_BYTES], e[8];
	long nl = member_bytes(k, "n", n, sizeof n), el = member_bytes(k, "e", e, sizeof e);
	if (nl <= 0 || el <= 0)
		return NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!bn || !be || !bld || !ctx || BN_num_bits(bn) < RSA_MIN_BITS || !BN_is_odd(be) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) || !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return pkey;
}

static bool ec_point(const cJSON *k, unsigned char point[P256_PUB_LEN])
{
	if (!str_eq(json_get_str(k, "crv"), "P-256"))
		return false;
	point[0] = 0x04;
	return member_bytes(k, "x", point + 1, P256_COORD_LEN) == P256_COORD_LEN &&
	       member_bytes(k, "y", point + 1 + P256_COORD_LEN, P256_COORD_LEN) == P256_COORD_LEN &&
	       p256_pub_valid(point);
}

static EVP_PKEY *ed25519_key(const cJSON *k)
{
	unsigned char x[32];
	if (!str_eq(json_get_str(k, "crv"), "Ed25519") || member_bytes(k, "x", x, sizeof x) != 32)
		return NULL;
	return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, sizeof x);
}

/* One entry of "keys" into *out; false when it is not a signature key we accept. */
static bool parse_key(const cJSON *k, struct jwk *out)
{
	const char *kty = json_get_str(k, "kty"), *use = json_get_str(k, "use"), *alg = json_get_str(k, "alg");
	const char *kid = json_get_str(k, "kid");
	if (!cJSON_IsObject(k) || (use && !str_eq(use, "sig")) || (kid && strlen(kid) > KID_MAX))
		return false;
	memset(out, 0, sizeof *out);
	if (str_eq(kty, "RSA") && (!alg || str_eq(alg, "RS256"))) {
		out->kty = KTY_RSA;
		out->pkey = rsa_key(k);
	} else if (str_eq(kty, "EC") && (!alg || str_eq(alg, "ES256"))) {
		out->kty = KTY_EC;
		if (!ec_point(k, out->point))
			return false;
	} else if (str_eq(kty, "OKP") && (!alg || str_eq(alg, "EdDSA"))) {
		out->kty = KTY_OKP;
		out->pkey = ed25519_key(k);
	} else {
		return false;
	}
	if (out->kty != KTY_EC && !out->pkey)
		return false;
	str_copy(out->kid, kid ? kid : "", sizeof out->kid);
	str_copy(out->alg, alg ? alg : "", sizeof out->alg);
	return true;
}

struct jwk_set *jwks_parse(const char *json, size_t n)
{
	struct arena *a = arena_new();
	cJSON *doc = NULL;
	const char *detail;
	struct jwk_set *s = NULL;
	if (json_parse_strict(a, json, n, &doc, &detail) != JSON_OK || !cJSON_IsObject(doc))
		goto out;
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(doc, "keys");
	if (!cJSON_IsArray(keys))
		goto out;
	s = calloc(1, sizeof *s);
	if (!s)
		goto out;
	atomic_store(&s->ref, 1);
	const cJSON *k;
	cJSON_ArrayForEach(k, keys)
	{
		if (s->n < JWKS_MAX_KEYS && parse_key(k, &s->k[s->n]))
			s->n++;
	}
out:
	arena_free(a);
	return s;
}

void jwks_ref(struct jwk_set *s)
{
	if (s)
		atomic_fetch_add(&s->ref, 1);
}

void jwks_unref(struct jwk_set *s)
{
	if (!s || atomic_fetch_sub(&s->ref, 1) != 1)
		return;
	for (int i = 0; i < s->n; i++)
		EVP_PKEY_free(s->k[i].pkey);
	free(s);
}

int jwks_count(const struct jwk_set *s)
{
	return s ? s->n : 0;
}

cJSON *jws_header(struct arena *a, const char *token)
{
	const char *d1 = token && strlen(token) <= JWT_MAX_LEN ? strchr(token, '.') : NULL;
	return d1 ? jwt_part_json(a, token, (size_t)(d1 - token)) : NULL;
}

/* The key for this header: by kid, else the only key of the algorithm's type. */
static const struct jwk *pick_key(const struct jwk_set *s, enum kty kty, const char *alg, const char *kid)
{
	const struct jwk *found = NULL;
	for (int i = 0; s && i < s->n; i++) {
		const struct jwk *k = &s->k[i];
		if (k->kty != kty || (k->alg[0] && strcmp(k->alg, alg) != 0))
			continue;
		if (kid) {
			if (strcmp(k->kid, kid) == 0)
				return k;
		} else {
			if (found)
				return NULL; /* ambiguous: a token without kid needs a set of one */
			found = k;
		}
	}
	return found;
}

static bool verify_pkey(EVP_PKEY *pkey, const EVP_MD *md, const void *msg, size_t n, const unsigned char *sig,
                        size_t sl)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok =
	    ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 && EVP_DigestVerify(ctx, sig, sl, msg, n) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

enum jws_err jws_verify(struct arena *a, const char *token, const struct jwk_set *keys, cJSON **payload)
{
	*payload = NULL;
	if (!token || strlen(token) > JWT_MAX_LEN)
		return JWS_MALFORMED;
	const char *d1 = strchr(token, '.');
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d2 || strchr(d2 + 1, '.'))
		return JWS_MALFORMED;
	cJSON *hdr = jwt_part_json(a, token, (size_t)(d1 - token));
	if (!hdr || cJSON_GetObjectItemCaseSensitive(hdr, "crit"))
		return JWS_MALFORMED; /* we understand no extensions */
	const char *alg = json_get_str(hdr, "alg");
	const cJSON *kidv = cJSON_GetObjectItemCaseSensitive(hdr, "kid");
	if (kidv && !cJSON_IsString(kidv))
		return JWS_MALFORMED;
	size_t ai = 0;
	while (ai < ARRAY_LEN(allowed_algs) && !str_eq(alg, allowed_algs[ai].alg))
		ai++;
	if (ai == ARRAY_LEN(allowed_algs))
		return JWS_BAD_ALG;
	const struct jwk *k = pick_key(keys, allowed_algs[ai].kty, alg, kidv ? kidv->valuestring : NULL);
	if (!k)
		return JWS_NO_KEY;
	size_t sl = strlen(d2 + 1);
	if (sl == 0 || sl > (RSA_MAX_BYTES * 4 + 2) / 3)
		return JWS_BAD_SIG;
	unsigned char *sig = arena_alloc(a, sl);
	long n = str_unb64url(sig, sl, d2 + 1, sl);
	const void *msg = token;
	size_t ml = (size_t)(d2 - token);
	bool ok = false;
	if (n > 0) {
		switch (k->kty) {
		case KTY_RSA: ok = verify_pkey(k->pkey, EVP_sha256(), msg, ml, sig, (size_t)n); break;
		case KTY_OKP: ok = verify_pkey(k->pkey, NULL, msg, ml, sig, (size_t)n); break;
		case KTY_EC: ok = n == P256_SIG_LEN && p256_verify(k->point, msg, ml, sig); break;
		}
	}
	if (!ok)
		return JWS_BAD_SIG;
	cJSON *c = jwt_part_json(a, d1 + 1, (size_t)(d2 - d1 - 1));
	if (!c)
		return JWS_MALFORMED;
	*payload = c;
	return JWS_OK;
}

/* ---- ES256 signing ---------------------------------------------------------------- */

static EVP_PKEY *p256_private(const char *pem, size_t pem_len)
{
	if (!pem || pem_len == 0 || pem_len > 8192)
		return NULL;
	BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
	EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	char group[32] = "";
	size_t gl = 0;
	if (pkey && (!EVP_PKEY_is_a(pkey, "EC") ||
	             EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &gl) != 1 ||
	             strcmp(group, "prime256v1") != 0)) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

bool jws_es256_key_valid(const char *pem, size_t pem_len)
{
	EVP_PKEY *k = p256_private(pem, pem_len);
	EVP_PKEY_free(k);
	return k != NULL;
}

/* DER ECDSA-Sig-Value -> r || s (32 bytes each). */
static bool der_to_p1363(const unsigned char *der, size_t n, unsigned char out[P256_SIG_LEN])
{
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)n);
	const BIGNUM *r, *s;
	if (!es)
		return false;
	ECDSA_SIG_get0(es, &r, &s);
	bool ok = BN_bn2binpad(r, out, P256_COORD_LEN) == P256_COORD_LEN &&
	          BN_bn2binpad(s, out + P256_COORD_LEN, P256_COORD_LEN) == P256_COORD_LEN;
	ECDSA_SIG_free(es);
	return ok;
}

char *jws_sign_es256(struct arena *a, const char *pem, size_t pem_len, const char *kid, const cJSON *claims)
{
	EVP_PKEY *pkey = p256_private(pem, pem_len);
	if (!pkey)
		return NULL;
	cJSON *h = json_obj(a);
	cJSON_AddStringToObject(h, "alg", "ES256");
	if (kid)
		cJSON_AddStringToObject(h, "kid", kid);
	cJSON_AddStringToObject(h, "typ", "JWT");
	const char *hs = json_print(a, h), *ps = json_print(a, claims);
	size_t hl = strlen(hs), pl = strlen(ps);
	char *tok = arena_alloc(a, (hl + pl) * 4 / 3 + 8 + 2 + 90);
	size_t n = str_b64url(tok, (const unsigned char *)hs, hl);
	tok[n++] = '.';
	n += str_b64url(tok + n, (const unsigned char *)ps, pl);
	unsigned char der[80], raw[P256_SIG_LEN];
	size_t dl = sizeof der;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
	          EVP_DigestSign(ctx, der, &dl, (const unsigned char *)tok, n) == 1 && der_to_p1363(der, dl, raw);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	if (!ok)
		return NULL;
	tok[n++] = '.';
	str_b64url(tok + n, raw, sizeof raw);
	return tok;
}
