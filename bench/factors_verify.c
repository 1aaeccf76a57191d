/* factors_verify.c — `make bench` rows for the factor engine's verifiers, in process on
 * one core (single thread; bench/run.sh pins it): a TOTP check (RFC 6238, ±1 step: three
 * HMAC-SHA1 computations and constant-time compares, as totp_verify does before its
 * store write) and a passkey assertion check (authenticator data parse, RP ID hash,
 * flags, signature with a stored SPKI, as passkey_auth_verify does around its store
 * reads) for ES256, EdDSA and RS256 keys. Prints one BENCH_RESULT line.
 * Usage: factors_verify totp|passkey-es256|passkey-eddsa|passkey-rs256 [seconds] */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sec/sec.h"
#include "sec/totp.h"
#include "sec/webauthn.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bench_totp(double secs, long *n)
{
	unsigned char key[TOTP_SECRET_LEN];
	rand_bytes(key, sizeof key);
	char code[TOTP_MAX_DIGITS + 1];
	int64_t t = 1700000000;
	hotp(code, OTP_SHA1, key, sizeof key, (uint64_t)(t / 30), 6);
	double end = now_s() + secs;
	long i = 0;
	while (now_s() < end)
		for (int k = 0; k < 256; k++, i++)
			if (totp_match(OTP_SHA1, key, sizeof key, code, 6, 30, t, 1, -1) < 0)
				return 1;
	*n = i;
	return 0;
}

static int bench_passkey(const char *kind, double secs, long *n)
{
	int alg = strcmp(kind, "passkey-eddsa") == 0   ? COSE_EDDSA
	          : strcmp(kind, "passkey-rs256") == 0 ? COSE_RS256
	                                               : COSE_ES256;
	EVP_PKEY *k = alg == COSE_ES256   ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
	              : alg == COSE_EDDSA ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
	                                  : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	unsigned char *spki = NULL;
	int spki_len = i2d_PUBKEY(k, &spki);
	unsigned char ad[37], cdh[32], msg[69], sig[512];
	sha256(ad, "localhost", 9);
	ad[32] = AD_UP | AD_UV;
	memset(ad + 33, 0, 3);
	ad[36] = 7;
	sha256(cdh, "client data", 11);
	memcpy(msg, ad, 37);
	memcpy(msg + 37, cdh, 32);
	size_t sl = sizeof sig;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (EVP_DigestSignInit(ctx, NULL, alg == COSE_EDDSA ? NULL : EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(ctx, sig, &sl, msg, sizeof msg) != 1)
		return 1;
	EVP_MD_CTX_free(ctx);
	struct cose_key ck = {alg, spki, (size_t)spki_len};
	double end = now_s() + secs;
	long i = 0;
	while (now_s() < end)
		for (int j = 0; j < 16; j++, i++) {
			struct arena *a = arena_new();
			struct authdata out;
			enum wa_err e = assertion_check(a, ad, sizeof ad, cdh, sig, sl, "localhost", true, &ck, &out);
			arena_free(a);
			if (e != WA_OK)
				return 1;
		}
	*n = i;
	OPENSSL_free(spki);
	EVP_PKEY_free(k);
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "totp";
	double secs = argc > 2 ? atof(argv[2]) : 5;
	if (sec_init() != 0 || secs <= 0)
		return 2;
	long n = 0;
	double t0 = now_s();
	int rc = strcmp(what, "totp") == 0 ? bench_totp(secs, &n) : bench_passkey(what, secs, &n);
	double dt = now_s() - t0;
	if (rc) {
		fprintf(stderr, "factors_verify %s: a check failed\n", what);
		return 1;
	}
	printf("%s: %.0f verifications/s on one core\n", what, n / dt);
	printf("BENCH_RESULT requests=%ld duration_us=%.0f note=in-process-one-core\n", n, dt * 1e6);
	return 0;
}
