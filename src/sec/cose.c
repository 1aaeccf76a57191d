/* cose.c — COSE_Key (RFC 9052/9053) import into OpenSSL keys, kept as DER
 * SubjectPublicKeyInfo, and signature checks with them. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <string.h>

#include "core/hmap.h"
#include "core/str.h"
#include "sec/sec.h"

#include "sec/cbor.h"
#include "sec/webauthn.h"

/* COSE labels */
#define KTY 1
#define ALG 3
#define CRV (-1)
#define X (-2)
#define Y (-3)
#define RSA_N (-1)
#define RSA_E (-2)
#define KTY_OKP 1
#define KTY_EC2 2
#define KTY_RSA 3
#define CRV_P256 1
#define CRV_ED25519 6

static const unsigned char *bytes_of(const struct cbor_v *v, size_t want)
{
	return v && v->kind == CB_BYTES && (want == 0 || v->n == want) && v->n > 0 ? v->b : NULL;
}

static EVP_PKEY *ec2_key(const struct cbor_v *m)
{
	const struct cbor_v *crv = cbor_map_int(m, CRV);
	const unsigned char *x = bytes_of(cbor_map_int(m, X), 32), *y = bytes_of(cbor_map_int(m, Y), 32);
	if (!crv || crv->kind != CB_INT || crv->i != CRV_P256 || !x || !y)
		return NULL;
	unsigned char pt[65];
	pt[0] = 0x04;
	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0),
	    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt),
	    OSSL_PARAM_construct_end(),
	};
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	if (k) { /* on the curve, not infinity */
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
		bool ok = c && EVP_PKEY_public_check(c) == 1;
		EVP_PKEY_CTX_free(c);
		if (!ok) {
			EVP_PKEY_free(k);
			k = NULL;
		}
	}
	return k;
}

static EVP_PKEY *okp_key(const struct cbor_v *m)
{
	const struct cbor_v *crv = cbor_map_int(m, CRV);
	const unsigned char *x = bytes_of(cbor_map_int(m, X), 32);
	if (!crv || crv->kind != CB_INT || crv->i != CRV_ED25519 || !x)
		return NULL;
	return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, 32);
}

static EVP_PKEY *rsa_key(const struct cbor_v *m)
{
	const unsigned char *n = bytes_of(cbor_map_int(m, RSA_N), 0), *e = bytes_of(cbor_map_int(m, RSA_E), 0);
	size_t nl = n ? cbor_map_int(m, RSA_N)->n : 0, el = e ? cbor_map_int(m, RSA_E)->n : 0;
	if (!n || !e || nl < 256 || nl > 1024 || el > 8)
		return NULL;
	EVP_PKEY *k = NULL;
	BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!bn || !be || !bld || !ctx || BN_num_bits(bn) < 2048 || BN_num_bits(bn) > 8192 || !BN_is_odd(be) ||
	    BN_is_one(be))
		goto out;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) || !(params = OSSL_PARAM_BLD_to_param(bld)))
		goto out;
	if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(bn);
	BN_free(be);
	return k;
}

enum wa_err cose_key_import(struct arena *a, const unsigned char *cbor, size_t n, size_t *used, struct cose_key *out)
{
	memset(out, 0, sizeof *out);
	const struct cbor_v *m = cbor_decode(a, cbor, n, used);
	if (!m || m->kind != CB_MAP)
		return WA_MALFORMED;
	const struct cbor_v *kty = cbor_map_int(m, KTY), *alg = cbor_map_int(m, ALG);
	if (!kty || kty->kind != CB_INT || !alg || alg->kind != CB_INT || alg->neg_overflow)
		return WA_MALFORMED;
	EVP_PKEY *k = NULL;
	if (kty->i == KTY_EC2 && alg->i == COSE_ES256)
		k = ec2_key(m);
	else if (kty->i == KTY_OKP && alg->i == COSE_EDDSA)
		k = okp_key(m);
	else if (kty->i == KTY_RSA && alg->i == COSE_RS256)
		k = rsa_key(m);
	else
		return WA_ALG;
	if (!k)
		return WA_MALFORMED;
	int len = i2d_PUBKEY(k, NULL);
	if (len <= 0) {
		EVP_PKEY_free(k);
		return WA_MALFORMED;
	}
	unsigned char *der = arena_alloc(a, (size_t)len), *p = der;
	i2d_PUBKEY(k, &p);
	EVP_PKEY_free(k);
	out->alg = (int)alg->i;
	out->spki = der;
	out->spki_len = (size_t)len;
	return WA_OK;
}

/* The digest OpenSSL wants for a COSE algorithm; EdDSA hashes inside (NULL). */
static bool md_for(int alg, const EVP_MD **md)
{
	switch (alg) {
	case COSE_ES256:
	case COSE_RS256: *md = EVP_sha256(); return true;
	case COSE_EDDSA: *md = NULL; return true;
	default: return false;
	}
}

/* Does the key's type fit the algorithm? (An RSA key must not verify "ES256".) */
static bool key_fits(int alg, EVP_PKEY *k)
{
	switch (alg) {
	case COSE_ES256: return EVP_PKEY_is_a(k, "EC");
	case COSE_RS256: return EVP_PKEY_is_a(k, "RSA");
	case COSE_EDDSA: return EVP_PKEY_is_a(k, "ED25519");
	default: return false;
	}
}

static bool pkey_verify(int alg, EVP_PKEY *k, const void *msg, size_t n, const unsigned char *sig, size_t siglen)
{
	const EVP_MD *md = NULL;
	if (!k || !md_for(alg, &md) || !key_fits(alg, k) || siglen == 0 || siglen > 1024)
		return false;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok =
	    ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, k) == 1 && EVP_DigestVerify(ctx, sig, siglen, msg, n) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

bool cose_verify(int alg, const unsigned char *spki, size_t spki_len, const void *msg, size_t n,
                 const unsigned char *sig, size_t siglen)
{
	const unsigned char *p = spki;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)spki_len);
	bool ok = k && p == spki + spki_len && pkey_verify(alg, k, msg, n, sig, siglen);
	EVP_PKEY_free(k);
	return ok;
}

/* The OID of FIDO's id-fido-gen-ce-aaguid certificate extension. */
#define OID_FIDO_AAGUID "1.3.6.1.4.1.45724.1.1.4"

/* One subject field's text (the first of its kind), NULL when absent or empty. */
static const char *subject_text(X509_NAME *sub, int nid, char *buf, size_t n)
{
	int len = X509_NAME_get_text_by_NID(sub, nid, buf, (int)n);
	return len > 0 && (size_t)len < n ? buf : NULL;
}

/* WebAuthn §8.2.1, the attestation certificate of a packed statement:
 *  - version 3;
 *  - subject C (an ISO 3166 code: two letters), O and CN present, OU exactly
 *    "Authenticator Attestation";
 *  - not a CA (basic constraints CA false or absent), no malformed extension;
 *  - id-fido-gen-ce-aaguid, when present: not critical, an OCTET STRING of 16 bytes equal
 *    to the AAGUID in authenticator data. (It MUST be present when the vendor's root
 *    serves several models; without the FIDO Metadata Service that cannot be known.) */
static bool packed_cert_ok(X509 *x, const unsigned char aaguid[16])
{
	uint32_t flags = X509_get_extension_flags(x);
	if (X509_get_version(x) != 2 || (flags & (EXFLAG_CA | EXFLAG_INVALID)))
		return false;
	X509_NAME *sub = X509_get_subject_name(x);
	char c[8], o[256], ou[64], cn[256];
	const char *country = sub ? subject_text(sub, NID_countryName, c, sizeof c) : NULL;
	if (!country || strlen(country) != 2 || !((country[0] | 0x20) >= 'a' && (country[0] | 0x20) <= 'z') ||
	    !((country[1] | 0x20) >= 'a' && (country[1] | 0x20) <= 'z') ||
	    !subject_text(sub, NID_organizationName, o, sizeof o) ||
	    !subject_text(sub, NID_commonName, cn, sizeof cn) ||
	    !subject_text(sub, NID_organizationalUnitName, ou, sizeof ou) ||
	    strcmp(ou, "Authenticator Attestation") != 0)
		return false;
	ASN1_OBJECT *oid = OBJ_txt2obj(OID_FIDO_AAGUID, 1);
	int idx = oid ? X509_get_ext_by_OBJ(x, oid, -1) : -1;
	ASN1_OBJECT_free(oid);
	if (idx < 0)
		return true;
	X509_EXTENSION *ext = X509_get_ext(x, idx);
	ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(ext);
	const unsigned char *q = ASN1_STRING_get0_data(v);
	ASN1_OCTET_STRING *inner = d2i_ASN1_OCTET_STRING(NULL, &q, ASN1_STRING_length(v));
	bool ok = inner && q == ASN1_STRING_get0_data(v) + ASN1_STRING_length(v) && !X509_EXTENSION_get_critical(ext) &&
	          ASN1_STRING_length(inner) == 16 && memcmp(ASN1_STRING_get0_data(inner), aaguid, 16) == 0;
	ASN1_OCTET_STRING_free(inner);
	return ok;
}

/* A PEM bundle as an X509_STORE (NULL when a certificate does not parse). *n: how many. */
static X509_STORE *roots_store(const char *pem, int *n)
{
	*n = 0;
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509_STORE *st = X509_STORE_new();
	X509 *c;
	while (bio && st && (c = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		bool ok = X509_STORE_add_cert(st, c) == 1;
		X509_free(c);
		if (!ok)
			goto fail;
		(*n)++;
	}
	/* the loop must have ended at the end of the text, not at a broken certificate */
	unsigned long err = ERR_peek_last_error();
	if (!bio || !st || *n == 0 || ERR_GET_REASON(err) != PEM_R_NO_START_LINE)
		goto fail;
	ERR_clear_error();
	BIO_free(bio);
	return st;
fail:
	ERR_clear_error();
	X509_STORE_free(st);
	BIO_free(bio);
	return NULL;
}

const char *x5c_roots_problem(const char *pem)
{
	if (!pem || !*pem || strlen(pem) > X5C_ROOTS_PEM_MAX)
		return "a root is one PEM certificate (-----BEGIN CERTIFICATE-----), at most 64 KiB";
	int n = 0;
	X509_STORE *st = roots_store(pem, &n);
	X509_STORE_free(st);
	return st && n == 1 ? NULL : "each root must be exactly one PEM certificate that parses";
}

/* Is the attestation certificate one of the roots as a trust anchor is one (RFC 5280
 * §6.1.1: a name and a public key), valid at now_s? A self-signed attestation
 * certificate re-issued with the same key and name (a new validity, a new signature, as
 * Chromium's virtual authenticator does per registration) is the same anchor; OpenSSL
 * matches a self-signed leaf only byte for byte. */
static bool is_anchor(X509 *leaf, X509_STORE *st, int64_t now_s)
{
	time_t t = (time_t)now_s;
	if (X509_cmp_time(X509_get0_notBefore(leaf), &t) > 0 || X509_cmp_time(X509_get0_notAfter(leaf), &t) < 0)
		return false;
	STACK_OF(X509) *roots = X509_STORE_get1_all_certs(st);
	bool found = false;
	for (int i = 0; roots && !found && i < sk_X509_num(roots); i++) {
		X509 *r = sk_X509_value(roots, i);
		found = X509_NAME_cmp(X509_get_subject_name(r), X509_get_subject_name(leaf)) == 0 &&
		        EVP_PKEY_eq(X509_get0_pubkey(r), X509_get0_pubkey(leaf)) == 1;
	}
	sk_X509_pop_free(roots, X509_free);
	return found;
}

/* Does the chain (leaf first, then what the statement carried) lead to one of the roots
 * at time now_s? A root may be an intermediate, or the attestation certificate itself
 * (§7.1 step 23: "chains up to an acceptable root certificate, or is itself an
 * acceptable certificate"): partial chains count. */
static bool chained_to(X509 *leaf, STACK_OF(X509) * rest, const char *roots_pem, int64_t now_s)
{
	int n;
	X509_STORE *st = roots_store(roots_pem, &n);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	bool ok = st && is_anchor(leaf, st, now_s);
	if (!ok && st && ctx && X509_STORE_CTX_init(ctx, st, leaf, rest) == 1) {
		X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
		X509_VERIFY_PARAM_set_time(vp, (time_t)now_s);
		X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
		ok = X509_verify_cert(ctx) == 1;
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	ERR_clear_error();
	return ok;
}

enum wa_err x5c_verify(int alg, const struct x5c *chain, const unsigned char aaguid[16], const void *msg, size_t mlen,
                       const unsigned char *sig, size_t siglen, const struct wa_trust *trust, bool *trusted)
{
	*trusted = false;
	if (chain->n < 1 || chain->n > X5C_MAX)
		return WA_ATTESTATION;
	X509 *certs[X5C_MAX] = {0};
	STACK_OF(X509) *rest = sk_X509_new_null();
	enum wa_err e = WA_ATTESTATION;
	for (int i = 0; i < chain->n; i++) {
		const unsigned char *p = chain->der[i];
		certs[i] = d2i_X509(NULL, &p, (long)chain->len[i]);
		if (!certs[i] || p != chain->der[i] + chain->len[i])
			goto out;
		if (i > 0 && (!rest || !sk_X509_push(rest, certs[i])))
			goto out;
	}
	if (!packed_cert_ok(certs[0], aaguid))
		goto out;
	/* the chain the statement carries must be one: each certificate issued and signed
	 * by the next (checked whether or not any root is trusted) */
	for (int i = 0; i + 1 < chain->n; i++)
		if (X509_check_issued(certs[i + 1], certs[i]) != X509_V_OK ||
		    X509_verify(certs[i], X509_get0_pubkey(certs[i + 1])) != 1)
			goto out;
	if (!pkey_verify(alg, X509_get0_pubkey(certs[0]), msg, mlen, sig, siglen))
		goto out;
	if (trust && trust->roots_pem) {
		if (!(*trusted = chained_to(certs[0], rest, trust->roots_pem, trust->now_s))) {
			e = WA_UNTRUSTED;
			goto out;
		}
	}
	e = WA_OK;
out:
	sk_X509_free(rest); /* the certificates themselves are freed below */
	for (int i = 0; i < chain->n; i++)
		X509_free(certs[i]);
	ERR_clear_error();
	return e;
}
