/* Unit tests of the factor primitives: HOTP/TOTP (RFC 4226 and RFC 6238 vectors),
 * base32, bounded CBOR decoding, COSE key import (ES256, EdDSA, RS256) and the
 * WebAuthn checks (registration with none / packed self / packed x5c attestation,
 * assertions) on keys and certificates made here with OpenSSL, CBOR encoded with
 * libcbor's own encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/qr.h"
#include "sec/cbor.h"
#include "sec/sec.h"
#include "sec/totp.h"
#include "sec/webauthn.h"

static void test_hotp_rfc4226(void **state)
{
	static const char *want[] = {"755224", "287082", "359152", "969429", "338314",
	                             "254676", "287922", "162583", "399871", "520489"};
	char out[TOTP_MAX_DIGITS + 1];
	for (int i = 0; i < 10; i++) {
		hotp(out, OTP_SHA1, (const unsigned char *)"12345678901234567890", 20, (uint64_t)i, 6);
		assert_string_equal(out, want[i]);
	}
}

static void test_totp_rfc6238(void **state)
{
	static const struct {
		int64_t t;
		const char *sha1, *sha256, *sha512;
	} v[] = {
	    {59, "94287082", "46119246", "90693936"},         {1111111109, "07081804", "68084774", "25091201"},
	    {1111111111, "14050471", "67062674", "99943326"}, {1234567890, "89005924", "91819424", "93441116"},
	    {2000000000, "69279037", "90698825", "38618901"}, {20000000000LL, "65353130", "77737706", "47863826"},
	};
	const unsigned char *k1 = (const unsigned char *)"12345678901234567890";
	const unsigned char *k256 = (const unsigned char *)"12345678901234567890123456789012";
	const unsigned char *k512 =
	    (const unsigned char *)"1234567890123456789012345678901234567890123456789012345678901234";
	char out[TOTP_MAX_DIGITS + 1];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint64_t step = (uint64_t)(v[i].t / 30);
		hotp(out, OTP_SHA1, k1, 20, step, 8);
		assert_string_equal(out, v[i].sha1);
		hotp(out, OTP_SHA256, k256, 32, step, 8);
		assert_string_equal(out, v[i].sha256);
		hotp(out, OTP_SHA512, k512, 64, step, 8);
		assert_string_equal(out, v[i].sha512);
		assert_int_equal(totp_match(OTP_SHA1, k1, 20, v[i].sha1, 8, 30, v[i].t, 1, -1), (int64_t)step);
	}
}

static void test_totp_window_and_replay(void **state)
{
	const unsigned char *k = (const unsigned char *)"12345678901234567890";
	char prev[9], cur[9], next[9], far[9];
	int64_t now = 1700000000, s = now / 30;
	hotp(prev, OTP_SHA1, k, 20, (uint64_t)(s - 1), 6);
	hotp(cur, OTP_SHA1, k, 20, (uint64_t)s, 6);
	hotp(next, OTP_SHA1, k, 20, (uint64_t)(s + 1), 6);
	hotp(far, OTP_SHA1, k, 20, (uint64_t)(s + 2), 6);
	assert_int_equal(totp_match(OTP_SHA1, k, 20, cur, 6, 30, now, 1, -1), s);
	assert_int_equal(totp_match(OTP_SHA1, k, 20, prev, 6, 30, now, 1, -1), s - 1);
	assert_int_equal(totp_match(OTP_SHA1, k, 20, next, 6, 30, now, 1, -1), s + 1);
	assert_int_equal(totp_match(OTP_SHA1, k, 20, far, 6, 30, now, 1, -1), -1);
	/* replay fence: a step at or before the last used one is refused */
	assert_int_equal(totp_match(OTP_SHA1, k, 20, cur, 6, 30, now, 1, s), -1);
	assert_int_equal(totp_match(OTP_SHA1, k, 20, prev, 6, 30, now, 1, s - 1), -1);
	assert_int_equal(totp_match(OTP_SHA1, k, 20, next, 6, 30, now, 1, s), s + 1);
	/* shapes */
	assert_int_equal(totp_match(OTP_SHA1, k, 20, "12345", 6, 30, now, 1, -1), -1);
	assert_int_equal(totp_match(OTP_SHA1, k, 20, "12345a", 6, 30, now, 1, -1), -1);
	assert_int_equal(totp_match(OTP_SHA1, k, 20, NULL, 6, 30, now, 1, -1), -1);
}

static void test_base32(void **state)
{
	char out[64];
	base32_encode(out, (const unsigned char *)"foobar", 6);
	assert_string_equal(out, "MZXW6YTBOI"); /* RFC 4648 §10 without padding */
	unsigned char back[16];
	assert_int_equal(base32_decode(back, sizeof back, "mzxw 6ytb oi=="), 6);
	assert_memory_equal(back, "foobar", 6);
	assert_int_equal(base32_decode(back, sizeof back, "MZ1W"), -1);
	assert_int_equal(base32_decode(back, 2, "MZXW6YTBOI"), -1);
}

/* ---- CBOR ---- */

static void test_cbor_bounds(void **state)
{
	struct arena *a = arena_new();
	/* {1: 2, "k": h'0102'} */
	const unsigned char ok[] = {0xa2, 0x01, 0x02, 0x61, 'k', 0x42, 0x01, 0x02};
	const struct cbor_v *m = cbor_decode(a, ok, sizeof ok, NULL);
	assert_non_null(m);
	assert_int_equal(cbor_map_int(m, 1)->i, 2);
	assert_int_equal(cbor_map_str(m, "k")->n, 2);
	/* trailing bytes refused without `used`, reported with it */
	const unsigned char trail[] = {0x01, 0x02};
	assert_null(cbor_decode(a, trail, 2, NULL));
	size_t used = 0;
	assert_non_null(cbor_decode(a, trail, 2, &used));
	assert_int_equal(used, 1);
	/* an array that claims 2^32 items in 5 bytes */
	const unsigned char huge[] = {0x9a, 0xff, 0xff, 0xff, 0xff, 0x01};
	assert_null(cbor_decode(a, huge, sizeof huge, NULL));
	/* indefinite length, tags, truncation, depth */
	const unsigned char indef[] = {0x9f, 0x01, 0xff};
	assert_null(cbor_decode(a, indef, sizeof indef, NULL));
	const unsigned char tag[] = {0xc1, 0x01};
	assert_null(cbor_decode(a, tag, sizeof tag, NULL));
	const unsigned char cut[] = {0xa2, 0x01, 0x02, 0x03};
	assert_null(cbor_decode(a, cut, sizeof cut, NULL));
	unsigned char deep[CBOR_MAX_DEPTH + 2];
	memset(deep, 0x81, sizeof deep);
	deep[sizeof deep - 1] = 0x01;
	assert_null(cbor_decode(a, deep, sizeof deep, NULL));
	/* negative integers and 64-bit extremes */
	const unsigned char neg[] = {0x39, 0x01, 0x00}; /* -257 */
	assert_int_equal(cbor_decode(a, neg, sizeof neg, NULL)->i, -257);
	const unsigned char big[] = {0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_true(cbor_decode(a, big, sizeof big, NULL)->neg_overflow);
	arena_free(a);
}

/* ---- keys, COSE and WebAuthn ---- */

static unsigned char *ser(cbor_item_t *it, size_t *n)
{
	unsigned char *buf = NULL;
	size_t cap = 0;
	*n = cbor_serialize_alloc(it, &buf, &cap);
	cbor_decref(&it);
	return buf;
}

static void put(cbor_item_t *m, cbor_item_t *k, cbor_item_t *v)
{
	assert_true(cbor_map_add(m, (struct cbor_pair){cbor_move(k), cbor_move(v)}));
}

static cbor_item_t *cint(int64_t v)
{
	return v >= 0 ? cbor_build_uint64((uint64_t)v) : cbor_build_negint64((uint64_t)(-1 - v));
}

static EVP_PKEY *gen(int alg)
{
	if (alg == COSE_ES256)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (alg == COSE_EDDSA)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
}

/* The COSE_Key of a public key, CBOR-encoded. */
static unsigned char *cose_of(EVP_PKEY *k, int alg, size_t *n)
{
	cbor_item_t *m = cbor_new_definite_map(5);
	if (alg == COSE_ES256) {
		unsigned char pt[65];
		size_t len = 0;
		assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &len), 1);
		put(m, cint(1), cint(2));
		put(m, cint(3), cint(-7));
		put(m, cint(-1), cint(1));
		put(m, cint(-2), cbor_build_bytestring(pt + 1, 32));
		put(m, cint(-3), cbor_build_bytestring(pt + 33, 32));
	} else if (alg == COSE_EDDSA) {
		unsigned char raw[32];
		size_t len = sizeof raw;
		assert_int_equal(EVP_PKEY_get_raw_public_key(k, raw, &len), 1);
		put(m, cint(1), cint(1));
		put(m, cint(3), cint(-8));
		put(m, cint(-1), cint(6));
		put(m, cint(-2), cbor_build_bytestring(raw, 32));
	} else {
		BIGNUM *bn = NULL, *be = NULL;
		EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &bn);
		EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &be);
		unsigned char nb[512], eb[8];
		int nl = BN_bn2bin(bn, nb), el = BN_bn2bin(be, eb);
		put(m, cint(1), cint(3));
		put(m, cint(3), cint(-257));
		put(m, cint(-1), cbor_build_bytestring(nb, (size_t)nl));
		put(m, cint(-2), cbor_build_bytestring(eb, (size_t)el));
		BN_free(bn);
		BN_free(be);
	}
	return ser(m, n);
}

static size_t sign(EVP_PKEY *k, int alg, const unsigned char *msg, size_t n, unsigned char *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t len = 1024;
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, alg == COSE_EDDSA ? NULL : EVP_sha256(), NULL, k), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &len, msg, n), 1);
	EVP_MD_CTX_free(ctx);
	return len;
}

static const unsigned char aaguid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* authData: rpIdHash | flags | count [| aaguid | idlen | id | cose] */
static size_t authdata(unsigned char *out, const char *rp, uint8_t flags, uint32_t count, const unsigned char *cose,
                       size_t coselen)
{
	sha256(out, rp, strlen(rp));
	out[32] = flags;
	out[33] = (unsigned char)(count >> 24), out[34] = (unsigned char)(count >> 16);
	out[35] = (unsigned char)(count >> 8), out[36] = (unsigned char)count;
	size_t n = 37;
	if (flags & AD_AT) {
		memcpy(out + n, aaguid, 16);
		n += 16;
		out[n++] = 0, out[n++] = 4;
		memcpy(out + n, "cred", 4);
		n += 4;
		memcpy(out + n, cose, coselen);
		n += coselen;
	}
	return n;
}

static void test_cose_import(void **state)
{
	struct arena *a = arena_new();
	const int algs[] = {COSE_ES256, COSE_EDDSA, COSE_RS256};
	for (int i = 0; i < 3; i++) {
		EVP_PKEY *k = gen(algs[i]);
		size_t n;
		unsigned char *c = cose_of(k, algs[i], &n);
		struct cose_key ck;
		assert_int_equal(cose_key_import(a, c, n, NULL, &ck), WA_OK);
		assert_int_equal(ck.alg, algs[i]);
		unsigned char sig[1024];
		size_t sl = sign(k, algs[i], (const unsigned char *)"msg", 3, sig);
		assert_true(cose_verify(ck.alg, ck.spki, ck.spki_len, "msg", 3, sig, sl));
		assert_false(cose_verify(ck.alg, ck.spki, ck.spki_len, "msh", 3, sig, sl));
		/* the same key under another algorithm label is refused */
		assert_false(cose_verify(algs[(i + 1) % 3], ck.spki, ck.spki_len, "msg", 3, sig, sl));
		free(c);
		EVP_PKEY_free(k);
	}
	/* a point off the curve */
	cbor_item_t *m = cbor_new_definite_map(5);
	unsigned char x[32] = {1}, y[32] = {2};
	put(m, cint(1), cint(2));
	put(m, cint(3), cint(-7));
	put(m, cint(-1), cint(1));
	put(m, cint(-2), cbor_build_bytestring(x, 32));
	put(m, cint(-3), cbor_build_bytestring(y, 32));
	size_t n;
	unsigned char *c = ser(m, &n);
	struct cose_key ck;
	assert_int_equal(cose_key_import(a, c, n, NULL, &ck), WA_MALFORMED);
	free(c);
	/* an algorithm we do not take (ES384) */
	m = cbor_new_definite_map(2);
	put(m, cint(1), cint(2));
	put(m, cint(3), cint(-35));
	c = ser(m, &n);
	assert_int_equal(cose_key_import(a, c, n, NULL, &ck), WA_ALG);
	free(c);
	arena_free(a);
}

static unsigned char *att_object(const char *fmt, cbor_item_t *stmt, const unsigned char *ad, size_t adn, size_t *n)
{
	cbor_item_t *m = cbor_new_definite_map(3);
	put(m, cbor_build_string("fmt"), cbor_build_string(fmt));
	put(m, cbor_build_string("attStmt"), stmt);
	put(m, cbor_build_string("authData"), cbor_build_bytestring(ad, adn));
	return ser(m, n);
}

static X509 *att_cert(EVP_PKEY *k, const char *ou, bool ca)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME *nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "C", MBSTRING_ASC, (const unsigned char *)"DE", -1, -1, 0);
	X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC, (const unsigned char *)"Test Vendor", -1, -1, 0);
	X509_NAME_add_entry_by_txt(nm, "OU", MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"Test Batch", -1, -1, 0);
	X509_set_issuer_name(x, nm);
	X509_set_pubkey(x, k);
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	X509_EXTENSION *bc =
	    X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, bc, -1);
	X509_EXTENSION_free(bc);
	X509_sign(x, k, EVP_sha256());
	return x;
}

struct reg_case {
	const char *fmt;
	int mode; /* 0 none, 1 self, 2 x5c, 3 x5c with a CA cert, 4 self with a wrong signature */
};

static enum wa_err do_reg(struct arena *a, int alg, const struct reg_case *rc, uint8_t flags, const char *rp_expected,
                          struct registration *out)
{
	EVP_PKEY *k = gen(alg);
	size_t cl;
	unsigned char *cose = cose_of(k, alg, &cl);
	unsigned char ad[2048], cdh[32];
	size_t adn = authdata(ad, "example.com", flags, 0, cose, cl);
	sha256(cdh, "{client data}", 13);
	unsigned char msg[2048 + 32], sig[1024];
	memcpy(msg, ad, adn);
	memcpy(msg + adn, cdh, 32);
	cbor_item_t *st;
	if (rc->mode == 0) {
		st = cbor_new_definite_map(0);
	} else if (rc->mode == 1 || rc->mode == 4) {
		size_t sl = sign(k, alg, msg, adn + 32, sig);
		if (rc->mode == 4)
			sig[sl / 2] ^= 1;
		st = cbor_new_definite_map(2);
		put(st, cbor_build_string("alg"), cint(alg));
		put(st, cbor_build_string("sig"), cbor_build_bytestring(sig, sl));
	} else {
		EVP_PKEY *ak = gen(COSE_ES256);
		X509 *x = att_cert(ak, "Authenticator Attestation", rc->mode == 3);
		unsigned char *der = NULL;
		int dl = i2d_X509(x, &der);
		size_t sl = sign(ak, COSE_ES256, msg, adn + 32, sig);
		st = cbor_new_definite_map(3);
		put(st, cbor_build_string("alg"), cint(COSE_ES256));
		put(st, cbor_build_string("sig"), cbor_build_bytestring(sig, sl));
		cbor_item_t *arr = cbor_new_definite_array(1);
		assert_true(cbor_array_push(arr, cbor_move(cbor_build_bytestring(der, (size_t)dl))));
		put(st, cbor_build_string("x5c"), arr);
		OPENSSL_free(der);
		X509_free(x);
		EVP_PKEY_free(ak);
	}
	size_t n;
	unsigned char *att = att_object(rc->fmt, st, ad, adn, &n);
	const int algs[] = {COSE_ES256, COSE_EDDSA, COSE_RS256};
	enum wa_err e = registration_check(a, att, n, cdh, rp_expected, true, algs, 3, NULL, out);
	free(att);
	free(cose);
	EVP_PKEY_free(k);
	return e;
}

static void test_registration(void **state)
{
	struct arena *a = arena_new();
	struct registration r;
	const uint8_t good = AD_UP | AD_UV | AD_AT;
	const struct reg_case none = {"none", 0}, self = {"packed", 1}, x5c = {"packed", 2}, ca = {"packed", 3},
	                      badsig = {"packed", 4}, fido = {"fido-u2f", 0};
	const int algs[] = {COSE_ES256, COSE_EDDSA, COSE_RS256};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(do_reg(a, algs[i], &none, good, "example.com", &r), WA_OK);
		assert_string_equal(r.fmt, "none");
		assert_int_equal(r.ad.key.alg, algs[i]);
		assert_int_equal(r.ad.cred_id_len, 4);
		assert_int_equal(do_reg(a, algs[i], &self, good, "example.com", &r), WA_OK);
		assert_string_equal(r.attestation_type, "self");
		assert_int_equal(do_reg(a, algs[i], &badsig, good, "example.com", &r), WA_ATTESTATION);
	}
	assert_int_equal(do_reg(a, COSE_ES256, &x5c, good, "example.com", &r), WA_OK);
	assert_string_equal(r.attestation_type, "basic");
	assert_int_equal(do_reg(a, COSE_ES256, &ca, good, "example.com", &r), WA_ATTESTATION);
	assert_int_equal(do_reg(a, COSE_ES256, &fido, good, "example.com", &r), WA_FORMAT);
	assert_int_equal(do_reg(a, COSE_ES256, &none, good, "other.example", &r), WA_RP_ID);
	assert_int_equal(do_reg(a, COSE_ES256, &none, AD_UV | AD_AT, "example.com", &r), WA_UP);
	assert_int_equal(do_reg(a, COSE_ES256, &none, AD_UP | AD_AT, "example.com", &r), WA_UV);
	assert_int_equal(do_reg(a, COSE_ES256, &none, AD_UP | AD_UV | AD_AT | AD_BS, "example.com", &r), WA_MALFORMED);
	arena_free(a);
}

/* ---- packed x5c: §8.2.1 and trust roots ------------------------------------------------ */

struct cert_opts {
	const char *c, *o, *ou, *cn; /* NULL: left out */
	bool ca;
	int version; /* 2 = v3 */
	int aaguid_ext; /* 0 none, 1 matching, 2 another AAGUID, 3 matching but critical */
	X509 *issuer; /* NULL: self-signed */
	EVP_PKEY *issuer_key;
	long days;
};

static const struct cert_opts LEAF = {
    "DE", "Test Vendor", "Authenticator Attestation", "Batch 1", false, 2, 0, NULL, NULL, 365};

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	assert_non_null(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

static X509 *mk_cert(EVP_PKEY *k, const struct cert_opts *o)
{
	static long serial = 100;
	X509 *x = X509_new();
	X509_set_version(x, o->version);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), o->days * 86400);
	X509_NAME *nm = X509_get_subject_name(x);
	const char *f[][2] = {{"C", o->c}, {"O", o->o}, {"OU", o->ou}, {"CN", o->cn}};
	/* PrintableString set as it is: OpenSSL's own table would refuse a C of three letters */
	for (int i = 0; i < 4; i++)
		if (f[i][1])
			assert_int_equal(X509_NAME_add_entry_by_txt(nm, f[i][0], V_ASN1_PRINTABLESTRING,
			                                            (const unsigned char *)f[i][1], -1, -1, 0),
			                 1);
	X509_set_issuer_name(x, o->issuer ? X509_get_subject_name(o->issuer) : nm);
	X509_set_pubkey(x, k);
	if (o->version == 2) {
		add_ext(x, o->issuer ? o->issuer : x, NID_basic_constraints, o->ca ? "critical,CA:TRUE" : "CA:FALSE");
		if (o->ca)
			add_ext(x, o->issuer ? o->issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign");
	}
	if (o->aaguid_ext) {
		unsigned char id[16];
		memcpy(id, aaguid, 16);
		if (o->aaguid_ext == 2)
			id[0] ^= 0xff;
		ASN1_OCTET_STRING *inner = ASN1_OCTET_STRING_new();
		ASN1_OCTET_STRING_set(inner, id, 16);
		unsigned char *der = NULL;
		int dl = i2d_ASN1_OCTET_STRING(inner, &der);
		ASN1_OCTET_STRING *wrapped = ASN1_OCTET_STRING_new();
		ASN1_OCTET_STRING_set(wrapped, der, dl);
		ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
		X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, oid, o->aaguid_ext == 3, wrapped);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		ASN1_OBJECT_free(oid);
		ASN1_OCTET_STRING_free(wrapped);
		ASN1_OCTET_STRING_free(inner);
		OPENSSL_free(der);
	}
	X509_sign(x, o->issuer_key ? o->issuer_key : k, EVP_sha256());
	return x;
}

static char *pem_of(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	char *p;
	long n = BIO_get_mem_data(b, &p);
	char *out = strndup(p, (size_t)n);
	BIO_free(b);
	return out;
}

/* A packed registration of a fresh ES256 credential signed by att_key, with the chain
 * (leaf first) as x5c; or, chain NULL, a none/self statement (n = 0 / 1). */
static enum wa_err reg_chain(struct arena *a, EVP_PKEY *att_key, X509 **chain, int n, const struct wa_trust *trust,
                             struct registration *out)
{
	EVP_PKEY *k = gen(COSE_ES256);
	size_t cl;
	unsigned char *cose = cose_of(k, COSE_ES256, &cl);
	unsigned char ad[2048], cdh[32], msg[2048 + 32], sig[1024];
	size_t adn = authdata(ad, "example.com", AD_UP | AD_UV | AD_AT, 0, cose, cl);
	sha256(cdh, "{client data}", 13);
	memcpy(msg, ad, adn);
	memcpy(msg + adn, cdh, 32);
	cbor_item_t *st;
	const char *fmt = "packed";
	if (!chain && n == 0) {
		fmt = "none";
		st = cbor_new_definite_map(0);
	} else {
		size_t sl = sign(chain ? att_key : k, COSE_ES256, msg, adn + 32, sig);
		st = cbor_new_definite_map(chain ? 3 : 2);
		put(st, cbor_build_string("alg"), cint(COSE_ES256));
		put(st, cbor_build_string("sig"), cbor_build_bytestring(sig, sl));
		if (chain) {
			cbor_item_t *arr = cbor_new_definite_array((size_t)n);
			for (int i = 0; i < n; i++) {
				unsigned char *der = NULL;
				int dl = i2d_X509(chain[i], &der);
				assert_true(cbor_array_push(arr, cbor_move(cbor_build_bytestring(der, (size_t)dl))));
				OPENSSL_free(der);
			}
			put(st, cbor_build_string("x5c"), arr);
		}
	}
	size_t an;
	unsigned char *att = att_object(fmt, st, ad, adn, &an);
	const int algs[] = {COSE_ES256};
	enum wa_err e = registration_check(a, att, an, cdh, "example.com", true, algs, 1, trust, out);
	free(att);
	free(cose);
	EVP_PKEY_free(k);
	return e;
}

/* One self-signed attestation certificate made with opts: the registration's result. */
static enum wa_err reg_leaf(struct arena *a, const struct cert_opts *o, struct registration *out)
{
	EVP_PKEY *k = gen(COSE_ES256);
	X509 *x = mk_cert(k, o);
	enum wa_err e = reg_chain(a, k, &x, 1, NULL, out);
	X509_free(x);
	EVP_PKEY_free(k);
	return e;
}

static void test_packed_x5c_certificate(void **state)
{
	struct arena *a = arena_new();
	struct registration r;
	struct cert_opts o = LEAF;
	assert_int_equal(reg_leaf(a, &o, &r), WA_OK);
	assert_string_equal(r.attestation_type, "basic");
	assert_false(r.attestation_trusted);
	/* subject: C of two letters, O, OU exactly "Authenticator Attestation", CN */
	const char *bad_c[] = {"DEU", "D1", NULL};
	for (int i = 0; i < 3; i++) {
		o = LEAF, o.c = bad_c[i];
		assert_int_equal(reg_leaf(a, &o, &r), WA_ATTESTATION);
	}
	o = LEAF, o.o = NULL;
	assert_int_equal(reg_leaf(a, &o, &r), WA_ATTESTATION);
	o = LEAF, o.cn = NULL;
	assert_int_equal(reg_leaf(a, &o, &r), WA_ATTESTATION);
	o = LEAF, o.ou = "Authenticator";
	assert_int_equal(reg_leaf(a, &o, &r), WA_ATTESTATION);
	o = LEAF, o.version = 0; /* v1 */
	assert_int_equal(reg_leaf(a, &o, &r), WA_ATTESTATION);
	o = LEAF, o.ca = true;
	assert_int_equal(reg_leaf(a, &o, &r), WA_ATTESTATION);
	/* the AAGUID extension: matching; another AAGUID; critical */
	o = LEAF, o.aaguid_ext = 1;
	assert_int_equal(reg_leaf(a, &o, &r), WA_OK);
	o.aaguid_ext = 2;
	assert_int_equal(reg_leaf(a, &o, &r), WA_ATTESTATION);
	o.aaguid_ext = 3;
	assert_int_equal(reg_leaf(a, &o, &r), WA_ATTESTATION);
	arena_free(a);
}

static void test_packed_x5c_chain_and_roots(void **state)
{
	struct arena *a = arena_new();
	struct registration r;
	/* root CA -> intermediate CA -> attestation certificate */
	EVP_PKEY *rk = gen(COSE_ES256), *ik = gen(COSE_ES256), *lk = gen(COSE_ES256), *ok = gen(COSE_ES256);
	struct cert_opts ro = {"DE", "Test Vendor", "Root", "Test Root", true, 2, 0, NULL, NULL, 3650};
	X509 *root = mk_cert(rk, &ro);
	struct cert_opts io = {"DE", "Test Vendor", "Intermediate", "Test CA", true, 2, 0, root, rk, 3650};
	X509 *inter = mk_cert(ik, &io);
	struct cert_opts lo = LEAF;
	lo.issuer = inter, lo.issuer_key = ik, lo.aaguid_ext = 1;
	X509 *leaf = mk_cert(lk, &lo);
	struct cert_opts oo = ro;
	oo.cn = "Other Root";
	X509 *other = mk_cert(ok, &oo);
	char *root_pem = pem_of(root), *other_pem = pem_of(other), *leaf_pem = pem_of(leaf);
	X509 *good[] = {leaf, inter}, *broken[] = {leaf, other}, *alone[] = {leaf};
	int64_t now = time(NULL);

	/* no roots: the chain must hold together, nothing more */
	assert_int_equal(reg_chain(a, lk, good, 2, NULL, &r), WA_OK);
	assert_false(r.attestation_trusted);
	assert_int_equal(reg_chain(a, lk, broken, 2, NULL, &r), WA_ATTESTATION);
	assert_int_equal(reg_chain(a, lk, alone, 1, NULL, &r), WA_OK);
	/* the attestation key must be the certificate's */
	assert_int_equal(reg_chain(a, ok, alone, 1, NULL, &r), WA_ATTESTATION);

	/* roots: the vendor's root */
	struct wa_trust t = {root_pem, now};
	assert_int_equal(reg_chain(a, lk, good, 2, &t, &r), WA_OK);
	assert_true(r.attestation_trusted);
	assert_int_equal(reg_chain(a, lk, alone, 1, &t, &r), WA_UNTRUSTED); /* the intermediate is missing */
	t.now_s = now + 400L * 86400; /* the attestation certificate has expired by then */
	assert_int_equal(reg_chain(a, lk, good, 2, &t, &r), WA_UNTRUSTED);
	/* another vendor's root */
	t = (struct wa_trust){other_pem, now};
	assert_int_equal(reg_chain(a, lk, good, 2, &t, &r), WA_UNTRUSTED);
	/* the attestation certificate itself as the root (§7.1 step 23) */
	t = (struct wa_trust){leaf_pem, now};
	assert_int_equal(reg_chain(a, lk, alone, 1, &t, &r), WA_OK);
	assert_true(r.attestation_trusted);
	/* a self-signed attestation certificate re-issued with the same name and key (new
	 * validity and signature: Chromium's virtual authenticator) is the same anchor; the
	 * same name with another key is not */
	struct cert_opts so = LEAF;
	X509 *self1 = mk_cert(lk, &so);
	so.days = 700;
	X509 *self2 = mk_cert(lk, &so), *impostor = mk_cert(ok, &so);
	char *self1_pem = pem_of(self1);
	t = (struct wa_trust){self1_pem, now};
	assert_int_equal(reg_chain(a, lk, &self2, 1, &t, &r), WA_OK);
	assert_true(r.attestation_trusted);
	assert_int_equal(reg_chain(a, ok, &impostor, 1, &t, &r), WA_UNTRUSTED);
	t.now_s = now + 800L * 86400; /* and only while it is valid */
	assert_int_equal(reg_chain(a, lk, &self2, 1, &t, &r), WA_UNTRUSTED);
	X509_free(self1), X509_free(self2), X509_free(impostor);
	free(self1_pem);
	t = (struct wa_trust){leaf_pem, now};
	/* none and self attestation are not enough once roots are set */
	assert_int_equal(reg_chain(a, NULL, NULL, 0, &t, &r), WA_UNTRUSTED);
	assert_int_equal(reg_chain(a, NULL, NULL, 1, &t, &r), WA_UNTRUSTED);
	assert_int_equal(reg_chain(a, NULL, NULL, 1, NULL, &r), WA_OK);

	/* the roots setting: one PEM certificate each */
	assert_null(x5c_roots_problem(root_pem));
	char *two = malloc(strlen(root_pem) + strlen(other_pem) + 1);
	strcpy(two, root_pem);
	strcat(two, other_pem);
	assert_non_null(x5c_roots_problem(two));
	assert_non_null(x5c_roots_problem("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"));
	assert_non_null(x5c_roots_problem("hello"));
	assert_non_null(x5c_roots_problem(""));
	free(two);
	free(root_pem), free(other_pem), free(leaf_pem);
	X509 *all[] = {root, inter, leaf, other};
	for (int i = 0; i < 4; i++)
		X509_free(all[i]);
	EVP_PKEY *keys[] = {rk, ik, lk, ok};
	for (int i = 0; i < 4; i++)
		EVP_PKEY_free(keys[i]);
	arena_free(a);
}

static void test_assertion(void **state)
{
	struct arena *a = arena_new();
	EVP_PKEY *k = gen(COSE_ES256);
	size_t cl;
	unsigned char *cose = cose_of(k, COSE_ES256, &cl);
	struct cose_key ck;
	assert_int_equal(cose_key_import(a, cose, cl, NULL, &ck), WA_OK);
	unsigned char ad[64], cdh[32], msg[96], sig[256];
	size_t adn = authdata(ad, "example.com", AD_UP | AD_UV | AD_BE | AD_BS, 42, NULL, 0);
	sha256(cdh, "cd", 2);
	memcpy(msg, ad, adn);
	memcpy(msg + adn, cdh, 32);
	size_t sl = sign(k, COSE_ES256, msg, adn + 32, sig);
	struct authdata out;
	assert_int_equal(assertion_check(a, ad, adn, cdh, sig, sl, "example.com", true, &ck, &out), WA_OK);
	assert_int_equal(out.sign_count, 42);
	assert_true(out.flags & AD_BS);
	assert_int_equal(assertion_check(a, ad, adn, cdh, sig, sl, "evil.example", true, &ck, &out), WA_RP_ID);
	unsigned char cdh2[32];
	sha256(cdh2, "cx", 2);
	assert_int_equal(assertion_check(a, ad, adn, cdh2, sig, sl, "example.com", true, &ck, &out), WA_SIGNATURE);
	ad[36] ^= 1; /* the counter is signed too */
	assert_int_equal(assertion_check(a, ad, adn, cdh, sig, sl, "example.com", true, &ck, &out), WA_SIGNATURE);
	assert_int_equal(assertion_check(a, ad, adn - 1, cdh, sig, sl, "example.com", true, &ck, &out), WA_MALFORMED);
	free(cose);
	EVP_PKEY_free(k);
	arena_free(a);
}

static void test_client_data(void **state)
{
	struct arena *a = arena_new();
	const char *origins[] = {"https://a.example", "http://localhost:3000"};
	const char *cd = "{\"type\":\"webauthn.get\",\"challenge\":\"abc\",\"origin\":\"https://a.example\"}";
	const char *o = NULL;
	assert_int_equal(client_data_check(a, cd, strlen(cd), "webauthn.get", "abc", origins, 2, &o), WA_OK);
	assert_string_equal(o, "https://a.example");
	assert_int_equal(client_data_check(a, cd, strlen(cd), "webauthn.create", "abc", origins, 2, &o), WA_TYPE);
	assert_int_equal(client_data_check(a, cd, strlen(cd), "webauthn.get", "abd", origins, 2, &o), WA_CHALLENGE);
	assert_int_equal(client_data_check(a, cd, strlen(cd), "webauthn.get", "abc", origins + 1, 1, &o), WA_ORIGIN);
	const char *xo = "{\"type\":\"webauthn.get\",\"challenge\":\"abc\",\"origin\":\"https://a.example\","
	                 "\"crossOrigin\":true}";
	assert_int_equal(client_data_check(a, xo, strlen(xo), "webauthn.get", "abc", origins, 2, &o), WA_ORIGIN);
	assert_int_equal(client_data_check(a, "{", 1, "webauthn.get", "abc", origins, 2, &o), WA_MALFORMED);
	arena_free(a);
}

static void test_qr_svg(void **state)
{
	struct arena *a = arena_new();
	char *svg = qr_svg(a, "otpauth://totp/AuthGate:jane%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=AuthGate");
	assert_non_null(svg);
	assert_true(strncmp(svg, "<svg ", 5) == 0);
	assert_non_null(strstr(svg, "<path fill=\"#000\" d=\"M"));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hotp_rfc4226),
	    cmocka_unit_test(test_totp_rfc6238),
	    cmocka_unit_test(test_totp_window_and_replay),
	    cmocka_unit_test(test_base32),
	    cmocka_unit_test(test_cbor_bounds),
	    cmocka_unit_test(test_cose_import),
	    cmocka_unit_test(test_registration),
	    cmocka_unit_test(test_packed_x5c_certificate),
	    cmocka_unit_test(test_packed_x5c_chain_and_roots),
	    cmocka_unit_test(test_assertion),
	    cmocka_unit_test(test_client_data),
	    cmocka_unit_test(test_qr_svg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
