#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
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

void sha256(unsigned char out[SHA256_LEN], const void *data, size_t n)
{
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
	unsigned int len = SHA256_LEN;
	static const unsigned char empty;
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
