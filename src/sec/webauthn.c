/* webauthn.c — client data, authenticator data and attestation checks (webauthn.h).
 * Step numbers refer to WebAuthn Level 3 §7.1 (registration) and §7.2 (assertion). */
#include "sec/webauthn.h"

#include <string.h>

#include "core/json.h"
#include "core/str.h"
#include "sec/cbor.h"
#include "sec/sec.h"

enum wa_err authdata_parse(struct arena *a, const unsigned char *p, size_t n, struct authdata *out)
{
	memset(out, 0, sizeof *out);
	if (!p || n < 37)
		return WA_MALFORMED;
	memcpy(out->rp_id_hash, p, 32);
	out->flags = p[32];
	out->sign_count = (uint32_t)p[33] << 24 | (uint32_t)p[34] << 16 | (uint32_t)p[35] << 8 | p[36];
	size_t off = 37;
	if (out->flags & AD_AT) {
		if (n - off < WA_AAGUID_LEN + 2)
			return WA_MALFORMED;
		memcpy(out->aaguid, p + off, WA_AAGUID_LEN);
		off += WA_AAGUID_LEN;
		size_t idlen = (size_t)p[off] << 8 | p[off + 1];
		off += 2;
		if (idlen == 0 || idlen > WA_CRED_ID_MAX || n - off < idlen)
			return WA_MALFORMED;
		out->cred_id = p + off;
		out->cred_id_len = idlen;
		off += idlen;
		size_t used = 0;
		enum wa_err e = cose_key_import(a, p + off, n - off, &used, &out->key);
		if (e)
			return e;
		off += used;
		out->has_cred = true;
	}
	if (out->flags & AD_ED) {
		size_t used = 0;
		const struct cbor_v *ext = cbor_decode(a, p + off, n - off, &used);
		if (!ext || ext->kind != CB_MAP)
			return WA_MALFORMED;
		off += used;
	}
	/* Every byte accounted for; BS without BE is not a state an authenticator can be in. */
	if (off != n || ((out->flags & AD_BS) && !(out->flags & AD_BE)))
		return WA_MALFORMED;
	return WA_OK;
}

enum wa_err client_data_check(struct arena *a, const char *json, size_t n, const char *type, const char *challenge,
                              const char *const *origins, int norigins, const char **origin_out)
{
	if (origin_out)
		*origin_out = NULL;
	cJSON *c = NULL;
	const char *detail = NULL;
	if (!json || n == 0 || n > 8192 || json_parse_strict(a, json, n, &c, &detail) != JSON_OK || !cJSON_IsObject(c))
		return WA_MALFORMED;
	if (!str_eq(json_get_str(c, "type"), type)) /* step 7 / 11 */
		return WA_TYPE;
	const char *ch = json_get_str(c, "challenge");
	if (!ch || !ct_streq(ch, challenge)) /* step 8 / 12 */
		return WA_CHALLENGE;
	const char *origin = json_get_str(c, "origin");
	bool ok = false;
	for (int i = 0; origin && i < norigins; i++)
		ok |= str_eq(origin, origins[i]);
	/* step 9 / 13: we never ask to be embedded cross-origin, so crossOrigin must not be true */
	if (!ok || json_get_bool(c, "crossOrigin", false))
		return WA_ORIGIN;
	if (origin_out)
		*origin_out = origin;
	return WA_OK;
}

static enum wa_err flags_check(const struct authdata *ad, const char *rp_id, bool require_uv)
{
	unsigned char h[SHA256_LEN];
	sha256(h, rp_id, strlen(rp_id));
	if (!ct_eq(h, sizeof h, ad->rp_id_hash, sizeof ad->rp_id_hash))
		return WA_RP_ID;
	if (!(ad->flags & AD_UP))
		return WA_UP;
	if (require_uv && !(ad->flags & AD_UV))
		return WA_UV;
	return WA_OK;
}

/* authData || clientDataHash: what attestation and assertion signatures cover. */
static unsigned char *signed_bytes(struct arena *a, const unsigned char *ad, size_t n, const unsigned char cdh[32],
                                   size_t *len)
{
	unsigned char *m = arena_alloc(a, n + 32);
	memcpy(m, ad, n);
	memcpy(m + n, cdh, 32);
	*len = n + 32;
	return m;
}

static enum wa_err packed_check(struct arena *a, const struct cbor_v *st, struct registration *r,
                                const unsigned char *ad, size_t adn, const unsigned char cdh[32],
                                const struct wa_trust *trust, const char **type)
{
	const struct cbor_v *alg = cbor_map_str(st, "alg"), *sig = cbor_map_str(st, "sig"),
	                    *x5c = cbor_map_str(st, "x5c");
	if (!alg || alg->kind != CB_INT || !sig || sig->kind != CB_BYTES)
		return WA_ATTESTATION;
	size_t mlen;
	unsigned char *msg = signed_bytes(a, ad, adn, cdh, &mlen);
	if (x5c) {
		if (x5c->kind != CB_ARRAY || x5c->n == 0 || x5c->n > X5C_MAX)
			return WA_ATTESTATION;
		struct x5c chain = {.n = (int)x5c->n};
		for (size_t i = 0; i < x5c->n; i++) {
			if (x5c->items[i].kind != CB_BYTES)
				return WA_ATTESTATION;
			chain.der[i] = x5c->items[i].b;
			chain.len[i] = x5c->items[i].n;
		}
		if (alg->i != COSE_ES256 && alg->i != COSE_RS256 && alg->i != COSE_EDDSA)
			return WA_ALG;
		*type = "basic";
		return x5c_verify((int)alg->i, &chain, r->ad.aaguid, msg, mlen, sig->b, sig->n, trust,
		                  &r->attestation_trusted);
	}
	/* self attestation: signed by the credential key itself, with its algorithm */
	if (alg->i != r->ad.key.alg)
		return WA_ATTESTATION;
	*type = "self";
	return cose_verify(r->ad.key.alg, r->ad.key.spki, r->ad.key.spki_len, msg, mlen, sig->b, sig->n)
	           ? WA_OK
	           : WA_ATTESTATION;
}

enum wa_err registration_check(struct arena *a, const unsigned char *att, size_t n, const unsigned char cdh[32],
                               const char *rp_id, bool require_uv, const int *algs, int nalgs,
                               const struct wa_trust *trust, struct registration *out)
{
	memset(out, 0, sizeof *out);
	const struct cbor_v *m = cbor_decode(a, att, n, NULL); /* step 12 */
	if (!m || m->kind != CB_MAP)
		return WA_MALFORMED;
	const struct cbor_v *fmt = cbor_map_str(m, "fmt"), *st = cbor_map_str(m, "attStmt"),
	                    *adv = cbor_map_str(m, "authData");
	if (!fmt || fmt->kind != CB_TEXT || !st || st->kind != CB_MAP || !adv || adv->kind != CB_BYTES)
		return WA_MALFORMED;
	enum wa_err e = authdata_parse(a, adv->b, adv->n, &out->ad);
	if (e)
		return e;
	if ((e = flags_check(&out->ad, rp_id, require_uv))) /* steps 13-16 */
		return e;
	if (!out->ad.has_cred)
		return WA_MALFORMED;
	bool alg_ok = false; /* step 17: one of pubKeyCredParams */
	for (int i = 0; i < nalgs; i++)
		alg_ok |= algs[i] == out->ad.key.alg;
	if (!alg_ok)
		return WA_ALG;
	const char *type = "none";
	if (cbor_text_is(fmt, "none")) { /* §8.7: empty statement */
		if (st->n != 0)
			return WA_ATTESTATION;
		out->fmt = "none";
	} else if (cbor_text_is(fmt, "packed")) {
		if ((e = packed_check(a, st, out, adv->b, adv->n, cdh, trust, &type)))
			return e;
		out->fmt = "packed";
	} else {
		return WA_FORMAT;
	}
	out->attestation_type = type;
	/* step 23: with roots to trust, none and self attestation are not acceptable */
	if (trust && trust->roots_pem && !out->attestation_trusted)
		return WA_UNTRUSTED;
	return WA_OK;
}

enum wa_err assertion_check(struct arena *a, const unsigned char *ad, size_t adn, const unsigned char cdh[32],
                            const unsigned char *sig, size_t siglen, const char *rp_id, bool require_uv,
                            const struct cose_key *key, struct authdata *out)
{
	enum wa_err e = authdata_parse(a, ad, adn, out);
	if (e)
		return e;
	if ((e = flags_check(out, rp_id, require_uv)))
		return e;
	size_t mlen;
	unsigned char *msg = signed_bytes(a, ad, adn, cdh, &mlen);
	return cose_verify(key->alg, key->spki, key->spki_len, msg, mlen, sig, siglen) ? WA_OK : WA_SIGNATURE;
}
