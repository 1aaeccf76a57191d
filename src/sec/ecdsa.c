/* ecdsa.c — P-256 public keys from raw points and ES256 verification on OpenSSL 3
 * (EVP_PKEY_fromdata + EVP_DigestVerify), with the P1363 -> DER conversion that
 * WebCrypto signatures need. */
#include "sec/ecdsa.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

static EVP_PKEY *pub_key(const unsigned char pub[P256_PUB_LEN])
{
	if (pub[0] != 0x04)
		return NULL; /* only the uncompressed form */
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, P256_PUB_LEN),
		OSSL_PARAM_construct_end(),
	};
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

bool p256_pub_valid(const unsigned char pub[P256_PUB_LEN])
{
	EVP_PKEY *pkey = pub_key(pub);
	if (!pkey)
		return false;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	bool ok = ctx && EVP_PKEY_public_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}

/* r || s -> DER SEQUENCE { INTEGER r, INTEGER s }; returns the DER length or 0. */
static int p1363_to_der(const unsigned char sig[P256_SIG_LEN], unsigned char **der)
{
	int len = 0;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, P256_COORD_LEN, NULL), *s = BN_bin2bn(sig + P256_COORD_LEN, P256_COORD_LEN, NULL);
	if (!es || !r || !s || BN_is_zero(r) || BN_is_zero(s))
		goto out;
	if (ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL; /* owned by es now */
	len = i2d_ECDSA_SIG(es, der);
	if (len < 0)
		len = 0;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return len;
}

bool p256_verify(const unsigned char pub[P256_PUB_LEN], const void *msg, size_t n,
		 const unsigned char sig[P256_SIG_LEN])
{
	bool ok = false;
	unsigned char *der = NULL;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pkey = pub_key(pub);
	if (!pkey)
		goto out;
	int der_len = p1363_to_der(sig, &der);
	if (der_len <= 0)
		goto out;
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) != 1)
		goto out;
	/* OpenSSL rejects r, s >= n itself; 1 = valid, 0 = invalid, < 0 = error. */
	ok = EVP_DigestVerify(md, der, (size_t)der_len, msg, n) == 1;
out:
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	EVP_PKEY_free(pkey);
	return ok;
}
