#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "sec/sec.h"

void rand_bytes(void *out, size_t n)
{
	if (n && RAND_bytes(out, (int)n) != 1) {
		fputs("authgate: RAND_bytes failed\n", stderr);
		abort();
	}
}

void rand_token(char *out, size_t n)
{
	unsigned char tmp[128];
	if (n > sizeof tmp)
		abort();
	rand_bytes(tmp, n);
	str_b64url(out, tmp, n);
	sec_zero(tmp, n);
}

char *rand_id(struct arena *a, const char *prefix, size_t nbytes)
{
	size_t pl = strlen(prefix);
	char *out = arena_alloc(a, pl + 4 * nbytes / 3 + 4);
	memcpy(out, prefix, pl);
	rand_token(out + pl, nbytes);
	return out;
}

uint32_t rand_uniform(uint32_t n)
{
	if (n < 2)
		return 0;
	uint32_t lim = UINT32_MAX - UINT32_MAX % n, v;
	do
		rand_bytes(&v, sizeof v);
	while (v >= lim);
	return v % n;
}

/* Algorithms fetched once: OpenSSL 3's one-shot SHA256()/HMAC() look them up on every
 * call, which costs more than hashing a key or a JWT. */
static EVP_MD *md_sha256;
static EVP_MAC *mac_hmac;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static pthread_key_t mac_ctx_key;

static void free_mac_ctx(void *p)
{
	EVP_MAC_CTX_free(p);
}

static void fetch_algorithms(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	pthread_key_create(&mac_ctx_key, free_mac_ctx);
}

void sha256(unsigned char out[SHA256_LEN], const void *data, size_t n)
{
	pthread_once(&fetch_once, fetch_algorithms);
	if (!md_sha256 || EVP_Digest(data, n, out, NULL, md_sha256, NULL) != 1)
		SHA256(data, n, out);
}

void sha256_hex(char out[65], const char *s)
{
	unsigned char h[SHA256_LEN];
	sha256(h, s, strlen(s));
	str_hex(out, h, SHA256_LEN);
}

void hmac_sha256(unsigned char out[SHA256_LEN], const void *key, size_t keylen, const void *data, size_t n)
{
	static const unsigned char empty;
	pthread_once(&fetch_once, fetch_algorithms);
	/* One HMAC context per thread, re-keyed per call. */
	EVP_MAC_CTX *ctx = mac_hmac ? pthread_getspecific(mac_ctx_key) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	OSSL_PARAM *set = NULL; /* the digest is set once, when the context is made */
	if (mac_hmac && !ctx && (ctx = EVP_MAC_CTX_new(mac_hmac))) {
		pthread_setspecific(mac_ctx_key, ctx);
		set = params;
	}
	size_t outl = 0;
	if (ctx && EVP_MAC_init(ctx, keylen ? key : &empty, keylen, set) == 1 &&
	    EVP_MAC_update(ctx, data, n) == 1 && EVP_MAC_final(ctx, out, &outl, SHA256_LEN) == 1 && outl == SHA256_LEN)
		return;
	unsigned int len = SHA256_LEN;
	HMAC(EVP_sha256(), keylen ? key : &empty, (int)keylen, data, n, out, &len);
}

int hkdf_sha256(unsigned char *out, size_t outlen, const unsigned char *ikm, size_t ikmlen, const char *info)
{
	int rc = -1;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	if (!ctx)
		goto out;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikmlen),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info)),
		OSSL_PARAM_construct_end(),
	};
	if (EVP_KDF_derive(ctx, out, outlen, params) == 1)
		rc = 0;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

bool ct_eq(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return false;
	return alen == 0 || CRYPTO_memcmp(a, b, alen) == 0;
}

bool ct_streq(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	return ct_eq(a, strlen(a), b, strlen(b));
}

void sec_zero(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}
