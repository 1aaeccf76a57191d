/* Unit tests: HS256 JWS against RFC 7515 A.1, round trips, and every refusal
 * (alg none, other algs, bad signature, expiry, audience, issuer, malformed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/str.h"
#include "sec/jwt.h"
#include "sec/sec.h"

/* RFC 7515 appendix A.1 */
static const char *rfc_token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
			       ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
			       ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
static const char *rfc_k = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

static size_t rfc_key(unsigned char *key)
{
	return (size_t)str_unb64url(key, 64, rfc_k, strlen(rfc_k));
}

static void test_rfc7515(void **state)
{
	struct arena *a = arena_new();
	unsigned char key[64];
	size_t kl = rfc_key(key);
	struct hmac_key *k = hmac_key_new(key, kl);
	cJSON *c;
	assert_int_equal(jwt_verify_hs256(a, rfc_token, k, "joe", NULL, 1300819000, 0, &c), JWT_OK);
	assert_true(json_get_bool(c, "http://example.com/is_root", false));
	assert_int_equal(jwt_verify_hs256(a, rfc_token, k, NULL, NULL, 1300819380, 0, &c), JWT_EXPIRED);
	assert_int_equal(jwt_verify_hs256(a, rfc_token, k, "bob", NULL, 1300819000, 0, &c), JWT_BAD_CLAIMS);
	assert_int_equal(jwt_verify_hs256(a, rfc_token, k, NULL, "session", 1300819000, 0, &c), JWT_BAD_CLAIMS);
	hmac_key_free(k);
	key[0] ^= 1;
	k = hmac_key_new(key, kl);
	assert_int_equal(jwt_verify_hs256(a, rfc_token, k, NULL, NULL, 1300819000, 0, &c), JWT_BAD_SIG);
	hmac_key_free(k);
	arena_free(a);
}

static void test_roundtrip(void **state)
{
	struct arena *a = arena_new();
	unsigned char key[32];
	rand_bytes(key, sizeof key);
	struct hmac_key *k = hmac_key_new(key, sizeof key);
	cJSON *claims = json_obj(a);
	cJSON_AddStringToObject(claims, "iss", "authgate");
	cJSON_AddStringToObject(claims, "aud", "session");
	cJSON_AddNumberToObject(claims, "exp", 2000000000);
	cJSON_AddNumberToObject(claims, "iat", 1000);
	const char *tok = jwt_sign_hs256(a, claims, k);
	assert_true(str_starts(tok, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
	cJSON *c;
	assert_int_equal(jwt_verify_hs256(a, tok, k, "authgate", "session", 1999999999, 0, &c), JWT_OK);
	assert_int_equal(jwt_verify_hs256(a, tok, k, "authgate", "link", 1999999999, 0, &c),
			 JWT_BAD_CLAIMS);
	assert_int_equal(jwt_verify_hs256(a, tok, k, "authgate", "session", 500, 5, &c), JWT_NOT_YET);
	/* A flipped payload byte breaks the signature. */
	char *t2 = arena_strdup(a, tok);
	char *dot = strchr(t2, '.') + 5;
	*dot = *dot == 'A' ? 'B' : 'A';
	assert_int_equal(jwt_verify_hs256(a, t2, k, NULL, NULL, 1999999999, 0, &c), JWT_BAD_SIG);
	hmac_key_free(k);
	arena_free(a);
}

/* A token with the given header, a valid-looking payload and an HMAC under key. */
static const char *forge(struct arena *a, const char *header, const unsigned char *key, size_t kl)
{
	const char *payload = "{\"iss\":\"authgate\",\"aud\":\"session\",\"exp\":2000000000}";
	char h[256], p[256], sig[64];
	str_b64url(h, (const unsigned char *)header, strlen(header));
	str_b64url(p, (const unsigned char *)payload, strlen(payload));
	const char *signing = arena_printf(a, "%s.%s", h, p);
	unsigned char mac[32];
	hmac_sha256(mac, key, kl, signing, strlen(signing));
	str_b64url(sig, mac, 32);
	return arena_printf(a, "%s.%s", signing, sig);
}

static void test_refusals(void **state)
{
	struct arena *a = arena_new();
	unsigned char key[32];
	rand_bytes(key, sizeof key);
	struct hmac_key *k = hmac_key_new(key, sizeof key);
	cJSON *c;
	const char *p = "eyJpc3MiOiJhdXRoZ2F0ZSIsImF1ZCI6InNlc3Npb24iLCJleHAiOjIwMDAwMDAwMDB9";
	/* alg none with an empty signature */
	const char *none = arena_printf(a, "eyJhbGciOiJub25lIn0.%s.", p);
	assert_int_equal(jwt_verify_hs256(a, none, k, NULL, NULL, 1, 0, &c), JWT_BAD_ALG);
	/* Other algorithms, even with a correct HMAC, are refused before the MAC. */
	assert_int_equal(jwt_verify_hs256(a, forge(a, "{\"alg\":\"HS512\"}", key, 32), k, NULL, NULL, 1, 0, &c),
			 JWT_BAD_ALG);
	assert_int_equal(jwt_verify_hs256(a, forge(a, "{\"alg\":\"RS256\"}", key, 32), k, NULL, NULL, 1, 0, &c),
			 JWT_BAD_ALG);
	assert_int_equal(jwt_verify_hs256(a, forge(a, "{\"alg\":\"hs256\"}", key, 32), k, NULL, NULL, 1, 0, &c),
			 JWT_BAD_ALG);
	assert_int_equal(
		jwt_verify_hs256(a, forge(a, "{\"alg\":\"HS256\",\"crit\":[\"x\"]}", key, 32), k, NULL, NULL, 1, 0, &c),
		JWT_MALFORMED);
	assert_int_equal(jwt_verify_hs256(a, forge(a, "{\"alg\":\"HS256\",\"alg\":\"none\"}", key, 32), k, NULL,
					  NULL, 1, 0, &c),
			 JWT_MALFORMED); /* duplicate keys */
	assert_int_equal(jwt_verify_hs256(a, forge(a, "{\"alg\":\"HS256\"}", key, 32), k, NULL, NULL, 1, 0, &c),
			 JWT_OK);
	/* Malformed shapes */
	assert_int_equal(jwt_verify_hs256(a, "abc", k, NULL, NULL, 1, 0, &c), JWT_MALFORMED);
	assert_int_equal(jwt_verify_hs256(a, "a.b.c.d", k, NULL, NULL, 1, 0, &c), JWT_MALFORMED);
	assert_int_equal(jwt_verify_hs256(a, "..", k, NULL, NULL, 1, 0, &c), JWT_MALFORMED);
	assert_int_equal(jwt_verify_hs256(a, NULL, k, NULL, NULL, 1, 0, &c), JWT_MALFORMED);
	/* Missing exp is refused. */
	char h[64], pl[64], sig[64];
	str_b64url(h, (const unsigned char *)"{\"alg\":\"HS256\"}", 15);
	str_b64url(pl, (const unsigned char *)"{\"sub\":\"x\"}", 11);
	const char *signing = arena_printf(a, "%s.%s", h, pl);
	unsigned char mac[32];
	hmac_sha256(mac, key, 32, signing, strlen(signing));
	str_b64url(sig, mac, 32);
	assert_int_equal(jwt_verify_hs256(a, arena_printf(a, "%s.%s", signing, sig), k, NULL, NULL, 1, 0, &c),
			 JWT_BAD_CLAIMS);
	hmac_key_free(k);
	arena_free(a);
}

/* The cache of checked tokens answers exactly as the full check: same claims, the time
 * claims and audience read again on every hit, any other byte a miss. */
static void test_cache(void **state)
{
	struct arena *a = arena_new();
	unsigned char key[32];
	rand_bytes(key, sizeof key);
	struct hmac_key *k = hmac_key_new(key, sizeof key);
	struct jwt_cache *cache = jwt_cache_new();
	const char *toks[JWT_CACHE_SLOTS + 50];
	for (size_t i = 0; i < ARRAY_LEN(toks); i++) {
		cJSON *claims = json_obj(a);
		cJSON_AddStringToObject(claims, "iss", "authgate");
		cJSON_AddStringToObject(claims, "aud", "session");
		cJSON_AddStringToObject(claims, "sub", arena_printf(a, "user_%zu", i));
		cJSON_AddNumberToObject(claims, "iat", 1000);
		cJSON_AddNumberToObject(claims, "nbf", 1000 + (double)i);
		cJSON_AddNumberToObject(claims, "exp", 2000000000);
		toks[i] = jwt_sign_hs256(a, claims, k);
	}
	struct jobj c;
	for (int round = 0; round < 3; round++) /* misses, then hits (where no other token took the slot) */
		for (size_t i = 0; i < ARRAY_LEN(toks); i++) {
			assert_int_equal(jwt_check_hs256_cached(a, toks[i], k, cache, "authgate", "session", 1999999999, 0,
			                                        &c),
			                 JWT_OK);
			assert_true(jstr_eq(jobj_get(&c, "sub"), arena_printf(a, "user_%zu", i)));
			/* claims read again: audience, expiry, not-before */
			assert_int_equal(jwt_check_hs256_cached(a, toks[i], k, cache, "authgate", "link", 1999999999, 0, &c),
			                 JWT_BAD_CLAIMS);
			assert_int_equal(c.n, -1);
			assert_int_equal(jwt_check_hs256_cached(a, toks[i], k, cache, NULL, NULL, 2000000000, 0, &c),
			                 JWT_EXPIRED);
			assert_int_equal(jwt_check_hs256_cached(a, toks[i], k, cache, NULL, NULL, 999 + (int64_t)i, 0, &c),
			                 JWT_NOT_YET);
		}
	/* one byte changed anywhere: not the cached token, and the full check refuses it */
	for (size_t at = 0; at < strlen(toks[0]); at += 7) {
		char *t = arena_strdup(a, toks[0]);
		t[at] = t[at] == 'A' ? 'B' : 'A';
		assert_int_not_equal(jwt_check_hs256_cached(a, t, k, cache, NULL, NULL, 1999999999, 0, &c), JWT_OK);
	}
	/* another key's cache has never seen them: a token of this key is checked in full there */
	unsigned char key2[32];
	rand_bytes(key2, sizeof key2);
	struct hmac_key *k2 = hmac_key_new(key2, sizeof key2);
	struct jwt_cache *cache2 = jwt_cache_new();
	assert_int_equal(jwt_check_hs256_cached(a, toks[1], k2, cache2, NULL, NULL, 1999999999, 0, &c), JWT_BAD_SIG);
	jwt_cache_free(cache2);
	hmac_key_free(k2);
	jwt_cache_free(cache);
	hmac_key_free(k);
	arena_free(a);
}

int main(void)
{
	sec_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7515),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
