/* Unit tests: JWK sets and asymmetric JWS (RS256, ES256, EdDSA) against tokens made by
 * the `jose` npm package, every refusal (HS256 signed with the public key, "none",
 * unknown kid, wrong key type, tampered payload, short RSA keys, "crit"), and ES256
 * signing round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/str.h"
#include "sec/jws.h"
#include "sec/sec.h"
#include "jws_vectors.h"

static struct jwk_set *set_of(const char *json)
{
	struct jwk_set *s = jwks_parse(json, strlen(json));
	assert_non_null(s);
	return s;
}

static void check_ok(const char *jwks, const char *tok)
{
	struct arena *a = arena_new();
	struct jwk_set *s = set_of(jwks);
	assert_int_equal(jwks_count(s), 1);
	cJSON *c;
	assert_int_equal(jws_verify(a, tok, s, &c), JWS_OK);
	assert_string_equal(json_get_str(c, "sub"), "248289761001");
	assert_string_equal(json_get_str(c, "nonce"), "n-0S6_WzA2Mj");
	jwks_unref(s);
	arena_free(a);
}

static void test_valid_tokens(void **state)
{
	check_ok(rs_jwks, rs_tok);
	check_ok(es_jwks, es_tok);
	check_ok(ed_jwks, ed_tok);
	/* without kid: the set's only key of the right type */
	check_ok(rs_jwks, rs_tok_nokid);
	check_ok(es_jwks, es_tok_nokid);
	check_ok(ed_jwks, ed_tok_nokid);
}

static void test_refusals(void **state)
{
	struct arena *a = arena_new();
	struct jwk_set *rs = set_of(rs_jwks), *es = set_of(es_jwks);
	cJSON *c;
	/* HS256 with the public key as the MAC secret: refused before any key is used */
	assert_int_equal(jws_verify(a, hs_confused_tok, rs, &c), JWS_BAD_ALG);
	/* alg none */
	const char *none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.";
	assert_int_equal(jws_verify(a, none, rs, &c), JWS_BAD_ALG);
	/* a key of the wrong type for the alg, or a kid the set does not have */
	assert_int_equal(jws_verify(a, es_tok, rs, &c), JWS_NO_KEY);
	assert_int_equal(jws_verify(a, rs_tok, es, &c), JWS_NO_KEY);
	assert_null(c);
	/* tampered payload: one character of the claims changed */
	char *t = arena_strdup(a, rs_tok);
	char *p = strchr(t, '.') + 5;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_equal(jws_verify(a, t, rs, &c), JWS_BAD_SIG);
	/* tampered signature */
	t = arena_strdup(a, es_tok);
	t[strlen(t) - 3] = t[strlen(t) - 3] == 'A' ? 'B' : 'A';
	assert_int_equal(jws_verify(a, t, es, &c), JWS_BAD_SIG);
	/* malformed */
	assert_int_equal(jws_verify(a, "a.b", rs, &c), JWS_MALFORMED);
	assert_int_equal(jws_verify(a, "a.b.c.d", rs, &c), JWS_MALFORMED);
	assert_int_equal(jws_verify(a, NULL, rs, &c), JWS_MALFORMED);
	/* crit: an extension we do not understand */
	const char *crit_hdr = "{\"alg\":\"RS256\",\"kid\":\"rs256-1\",\"crit\":[\"exp\"]}";
	char hb[128];
	str_b64url(hb, (const unsigned char *)crit_hdr, strlen(crit_hdr));
	const char *crit = arena_printf(a, "%s%s", hb, strchr(rs_tok, '.'));
	assert_int_equal(jws_verify(a, crit, rs, &c), JWS_MALFORMED);
	jwks_unref(rs);
	jwks_unref(es);
	arena_free(a);
}

static void test_set_parsing(void **state)
{
	struct arena *a = arena_new();
	cJSON *c;
	/* a 1024-bit RSA key is skipped: the set has no usable key */
	struct jwk_set *small = set_of(small_jwks);
	assert_int_equal(jwks_count(small), 0);
	assert_int_equal(jws_verify(a, small_tok, small, &c), JWS_NO_KEY);
	jwks_unref(small);
	/* encryption keys, symmetric keys, unknown curves and junk are skipped */
	struct jwk_set *s = set_of(
	    "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"},{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"},"
	    "{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"},7,\"x\"]}");
	assert_int_equal(jwks_count(s), 0);
	jwks_unref(s);
	assert_null(jwks_parse("[]", 2));
	assert_null(jwks_parse("{\"keys\":{}}", 11));
	assert_null(jwks_parse("{\"keys\":[],\"keys\":[]}", 21)); /* duplicate member */
	/* a key whose published alg disagrees with the token's is not used */
	char *j = arena_strdup(a, rs_jwks);
	char *kty = strstr(j, "\"kty\"");
	assert_non_null(kty);
	const char *mixed = arena_printf(a, "%.*s\"alg\":\"RS512\",%s", (int)(kty - j), j, kty);
	s = set_of(mixed);
	assert_int_equal(jwks_count(s), 0);
	jwks_unref(s);
	/* two keys without kid in the header: ambiguous */
	const char *k0 = strchr(rs_jwks, '[') + 1, *k1 = strrchr(rs_jwks, ']');
	const char *two = arena_printf(a, "{\"keys\":[%.*s,%.*s]}", (int)(k1 - k0), k0, (int)(k1 - k0), k0);
	s = set_of(two);
	assert_int_equal(jwks_count(s), 2);
	assert_int_equal(jws_verify(a, rs_tok_nokid, s, &c), JWS_NO_KEY);
	assert_int_equal(jws_verify(a, rs_tok, s, &c), JWS_OK);
	jwks_unref(s);
	arena_free(a);
}

static void test_es256_sign(void **state)
{
	struct arena *a = arena_new();
	assert_true(jws_es256_key_valid(es_pem, strlen(es_pem)));
	assert_false(jws_es256_key_valid("not a key", 9));
	cJSON *claims = json_obj(a);
	cJSON_AddStringToObject(claims, "sub", "248289761001");
	cJSON_AddStringToObject(claims, "nonce", "n-0S6_WzA2Mj");
	char *tok = jws_sign_es256(a, es_pem, strlen(es_pem), "es256-1", claims);
	assert_non_null(tok);
	cJSON *h = jws_header(a, tok);
	assert_string_equal(json_get_str(h, "alg"), "ES256");
	assert_string_equal(json_get_str(h, "kid"), "es256-1");
	/* our signature verifies with the public half published as a JWK */
	check_ok(es_jwks, tok);
	assert_null(jws_sign_es256(a, "junk", 4, NULL, claims));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_tokens),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_set_parsing),
	    cmocka_unit_test(test_es256_sign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
