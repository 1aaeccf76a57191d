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

/* SHA-256 fetched once, and one digest context per thread, reused: OpenSSL 3's one-shot
 * SHA256()/HMAC() look the algorithm up on every call, and EVP_Digest and EVP_MAC make
 * and free a context per call, which cost more than hashing an API key or a JWT. */
static EVP_MD *md_sha256;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static pthread_key_t md_ctx_key;

static void free_md_ctx(void *p)
{
	EVP_MD_CTX_free(p);
}

static void fetch_algorithms(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!md_sha256 || pthread_key_create(&md_ctx_key, free_md_ctx)) {
		fputs("authgate: cannot set up SHA-256\n", stderr);
		abort();
	}
}

static void crypto_failed(void)
{
	fputs("authgate: SHA-256 failed (out of memory?)\n", stderr);
	abort();
}

/* This thread's context, fresh for a new digest. */
static EVP_MD_CTX *md_ctx(void)
{
	pthread_once(&fetch_once, fetch_algorithms);
	EVP_MD_CTX *c = pthread_getspecific(md_ctx_key);
	if (!c && (!(c = EVP_MD_CTX_new()) || pthread_setspecific(md_ctx_key, c)))
		crypto_failed();
	return c;
}

void sha256(unsigned char out[SHA256_LEN], const void *data, size_t n)
{
	EVP_MD_CTX *c = md_ctx();
	if (EVP_DigestInit_ex2(c, md_sha256, NULL) != 1 || EVP_DigestUpdate(c, data, n) != 1 ||
	    EVP_DigestFinal_ex(c, out, NULL) != 1)
		crypto_failed();
}

void sha256_hex(char out[65], const char *s)
{
	unsigned char h[SHA256_LEN];
	sha256(h, s, strlen(s));
	str_hex(out, h, SHA256_LEN);
}

/* HMAC (RFC 2104) over SHA-256: H((K ^ opad) || H((K ^ ipad) || m)), K the key padded
 * to a block (hashed first when longer than one). */
#define HMAC_BLOCK 64

static void hmac_pads(unsigned char ipad[HMAC_BLOCK], unsigned char opad[HMAC_BLOCK], const void *key, size_t n)
{
	unsigned char k[HMAC_BLOCK] = {0};
	if (n > HMAC_BLOCK)
		sha256(k, key, n);
	else if (n)
		memcpy(k, key, n);
	for (int i = 0; i < HMAC_BLOCK; i++) {
		ipad[i] = k[i] ^ 0x36;
		opad[i] = k[i] ^ 0x5c;
	}
	OPENSSL_cleanse(k, sizeof k);
}

static void digest_update(EVP_MD_CTX *c, const void *p, size_t n)
{
	if (EVP_DigestUpdate(c, p, n) != 1)
		crypto_failed();
}

static void digest_final(EVP_MD_CTX *c, unsigned char out[SHA256_LEN])
{
	if (EVP_DigestFinal_ex(c, out, NULL) != 1)
		crypto_failed();
}

void hmac_sha256(unsigned char out[SHA256_LEN], const void *key, size_t keylen, const void *data, size_t n)
{
	unsigned char ipad[HMAC_BLOCK], opad[HMAC_BLOCK], inner[SHA256_LEN];
	hmac_pads(ipad, opad, key, keylen);
	EVP_MD_CTX *c = md_ctx();
	if (EVP_DigestInit_ex2(c, md_sha256, NULL) != 1)
		crypto_failed();
	digest_update(c, ipad, HMAC_BLOCK);
	digest_update(c, data, n);
	digest_final(c, inner);
	if (EVP_DigestInit_ex2(c, md_sha256, NULL) != 1)
		crypto_failed();
	digest_update(c, opad, HMAC_BLOCK);
	digest_update(c, inner, SHA256_LEN);
	digest_final(c, out);
	OPENSSL_cleanse(ipad, sizeof ipad);
	OPENSSL_cleanse(opad, sizeof opad);
	OPENSSL_cleanse(inner, sizeof inner);
}

/* The states after the padded key's block, made once; each message then starts from a
 * copy, two compressions fewer than keying anew. */
struct hmac_key {
	EVP_MD_CTX *inner, *outer;
};

struct hmac_key *hmac_key_new(const void *key, size_t n)
{
	unsigned char ipad[HMAC_BLOCK], opad[HMAC_BLOCK];
	pthread_once(&fetch_once, fetch_algorithms);
	struct hmac_key *k = calloc(1, sizeof *k);
	if (!k || !(k->inner = EVP_MD_CTX_new()) || !(k->outer = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex2(k->inner, md_sha256, NULL) != 1 || EVP_DigestInit_ex2(k->outer, md_sha256, NULL) != 1)
		crypto_failed();
	hmac_pads(ipad, opad, key, n);
	digest_update(k->inner, ipad, HMAC_BLOCK);
	digest_update(k->outer, opad, HMAC_BLOCK);
	OPENSSL_cleanse(ipad, sizeof ipad);
	OPENSSL_cleanse(opad, sizeof opad);
	return k;
}

void hmac_key_free(struct hmac_key *k)
{
	if (!k)
		return;
	EVP_MD_CTX_free(k->inner); /* frees and cleanses the digest state */
	EVP_MD_CTX_free(k->outer);
	free(k);
}

void hmac_sha256_key(unsigned char out[SHA256_LEN], const struct hmac_key *k, const void *data, size_t n)
{
	unsigned char inner[SHA256_LEN];
	EVP_MD_CTX *c = md_ctx();
	if (EVP_MD_CTX_copy_ex(c, k->inner) != 1)
		crypto_failed();
	digest_update(c, data, n);
	digest_final(c, inner);
	if (EVP_MD_CTX_copy_ex(c, k->outer) != 1)
		crypto_failed();
	digest_update(c, inner, SHA256_LEN);
	digest_final(c, out);
	OPENSSL_cleanse(inner, sizeof inner);
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
