/* jws.h — asymmetric JWS as identity providers use it (RFC 7515/7517/7518/8037):
 * JWK sets parsed into public keys (RSA >= 2048 bits, EC P-256, Ed25519), signature
 * checks on an allowlist of exactly RS256, ES256 and EdDSA (never "none", never HS*:
 * a public key is not a MAC secret), and ES256 signing with a PEM private key (Apple's
 * client secret). A key set is immutable after parsing and reference-counted, so a
 * cache can replace it while requests still verify with the old one. */
#ifndef AG_JWS_H
#define AG_JWS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define JWKS_MAX_KEYS 32

struct jwk_set;

/* Parse {"keys": [...]}: keys of other types, curves, uses ("enc") or algorithms are
 * skipped, not fatal. NULL when the document is not a JWK set; a set with 0 keys is
 * returned (a provider may publish none for a moment). Reference count 1. */
struct jwk_set *jwks_parse(const char *json, size_t n);
void jwks_ref(struct jwk_set *s);
void jwks_unref(struct jwk_set *s);
int jwks_count(const struct jwk_set *s);

enum jws_err {
	JWS_OK = 0,
	JWS_MALFORMED, /* not three base64url parts, bad JSON, "crit" present */
	JWS_BAD_ALG, /* alg not RS256/ES256/EdDSA */
	JWS_NO_KEY, /* no key with this kid (or, without kid, no single key) fits the alg */
	JWS_BAD_SIG, /* signature does not verify */
};

/* The protected header of a compact JWS (arena-owned), or NULL. Not verified. */
cJSON *jws_header(struct arena *a, const char *token);

/* Verify a compact JWS with a key of the set: alg from the allowlist, key chosen by
 * kid (a key without kid only when the header has none and one key fits), key type
 * and the key's own "alg" (when published) must agree with the header's alg. On
 * JWS_OK *payload is the parsed claims (arena-owned). */
enum jws_err jws_verify(struct arena *a, const char *token, const struct jwk_set *keys, cJSON **payload) MUST_CHECK;

/* Sign claims as ES256 with a PKCS#8 PEM P-256 private key; header gets alg, typ and
 * kid (when non-NULL). NULL when the key is not a P-256 private key. */
char *jws_sign_es256(struct arena *a, const char *pem, size_t pem_len, const char *kid, const cJSON *claims);

/* Is this PEM a P-256 private key jws_sign_es256 can use? */
bool jws_es256_key_valid(const char *pem, size_t pem_len) MUST_CHECK;

#endif
