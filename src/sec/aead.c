/* AES-256-GCM sealing of secrets at rest. Format: "v1." + base64url(nonce12|ct|tag16). */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "sec/sec.h"

#define NONCE_LEN 12
#define TAG_LEN 16
#define SEAL_MAX (64 * 1024)

char *aead_seal(const unsigned char key[MASTER_KEY_LEN], const char *label, const void *pt, size_t n)
{
	char *res = NULL;
	unsigned char *raw = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	int len;
	if (n > SEAL_MAX)
		goto out;
	raw = malloc(NONCE_LEN + n + TAG_LEN);
	ctx = EVP_CIPHER_CTX_new();
	if (!raw || !ctx)
		goto out;
	rand_bytes(raw, NONCE_LEN);
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, raw) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, (const unsigned char *)label, (int)strlen(label)) != 1 ||
	    EVP_EncryptUpdate(ctx, raw + NONCE_LEN, &len, pt, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(ctx, raw + NONCE_LEN + len, &len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, raw + NONCE_LEN + n) != 1)
		goto out;
	size_t rawlen = NONCE_LEN + n + TAG_LEN;
	res = malloc(3 + rawlen * 4 / 3 + 4);
	if (!res)
		goto out;
	memcpy(res, "v1.", 3);
	str_b64url(res + 3, raw, rawlen);
out:
	EVP_CIPHER_CTX_free(ctx);
	if (raw)
		sec_zero(raw, NONCE_LEN + n + TAG_LEN);
	free(raw);
	return res;
}

unsigned char *aead_open(const unsigned char key[MASTER_KEY_LEN], const char *label, const char *sealed, size_t *n)
{
	unsigned char *raw = NULL, *pt = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	int len, ok = 0;
	if (!sealed || strncmp(sealed, "v1.", 3) != 0)
		return NULL;
	size_t sl = strlen(sealed + 3);
	if (sl > SEAL_MAX * 2)
		return NULL;
	raw = malloc(sl);
	if (!raw)
		return NULL;
	long rawlen = str_unb64url(raw, sl, sealed + 3, sl);
	if (rawlen < NONCE_LEN + TAG_LEN)
		goto out;
	size_t ctlen = (size_t)rawlen - NONCE_LEN - TAG_LEN;
	pt = malloc(ctlen + 1);
	ctx = EVP_CIPHER_CTX_new();
	if (!pt || !ctx)
		goto out;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, raw) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)label, (int)strlen(label)) != 1 ||
	    EVP_DecryptUpdate(ctx, pt, &len, raw + NONCE_LEN, (int)ctlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, raw + NONCE_LEN + ctlen) != 1 ||
	    EVP_DecryptFinal_ex(ctx, pt + len, &len) != 1)
		goto out;
	pt[ctlen] = 0;
	if (n)
		*n = ctlen;
	ok = 1;
out:
	EVP_CIPHER_CTX_free(ctx);
	free(raw);
	if (!ok && pt) {
		free(pt);
		pt = NULL;
	}
	return pt;
}
