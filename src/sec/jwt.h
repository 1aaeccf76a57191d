/* jwt.h — compact JWS with HS256 only (RFC 7515/7519). The algorithm allowlist is a
 * single entry: any other "alg" (including "none") is refused before a MAC is
 * computed, so algorithm confusion cannot happen. */
#ifndef AG_JWT_H
#define AG_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

struct hmac_key; /* sec.h: a key made ready once (hmac_key_new) */

#define JWT_MAX_LEN 8192

enum jwt_err {
	JWT_OK = 0,
	JWT_MALFORMED,  /* not three base64url parts / bad JSON */
	JWT_BAD_ALG,    /* header alg is not HS256 */
	JWT_BAD_SIG,    /* MAC mismatch */
	JWT_EXPIRED,    /* exp <= now */
	JWT_NOT_YET,    /* nbf/iat in the future beyond leeway */
	JWT_BAD_CLAIMS, /* iss/aud mismatch or claim of the wrong type */
};

/* Sign claims (a JSON object) with HS256; result lives in the arena. */
char *jwt_sign_hs256(struct arena *a, const cJSON *claims, const struct hmac_key *key);

/* Verify signature and, when iss/aud are non-NULL, those claims, plus exp (required)
 * and nbf/iat against now_s with `leeway_s`. On JWT_OK *claims is arena-owned. */
enum jwt_err jwt_verify_hs256(struct arena *a, const char *token, const struct hmac_key *key, const char *iss,
			      const char *aud, int64_t now_s, int64_t leeway_s, cJSON **claims) MUST_CHECK;

/* One base64url part of a compact JWS decoded and parsed strictly as a JSON object
 * (arena-owned), or NULL. Shared with jws.c. */
cJSON *jwt_part_json(struct arena *a, const char *s, size_t n);

/* The same checks without a tree: the claims are read in place (jscan), so the token
 * verifier's hot path allocates no JSON. On JWT_OK *claims holds the payload's members
 * (their text lives in the arena); on anything else claims->n is -1. */
enum jwt_err jwt_check_hs256(struct arena *a, const char *token, const struct hmac_key *key, const char *iss,
			     const char *aud, int64_t now_s, int64_t leeway_s, struct jobj *claims) MUST_CHECK;

/* The same check for a key that checks the same tokens again and again (a project's
 * session tokens: an API verifies the caller's token on every request). A token whose
 * signature and payload checked out is kept, whole, with its scanned members, in a
 * small table of the key's (JWT_CACHE_SLOTS, one token per slot, the newest wins); a
 * later check of the same bytes skips the MAC and the scan and reads its claims again
 * (exp, nbf, iat against now; iss, aud). The first check of a token is the full one
 * above, so what is accepted is exactly what jwt_check_hs256 accepts. The cache must
 * live and die with its key (a new secret: a new cache). Thread-safe. */
#define JWT_CACHE_SLOTS 256
struct jwt_cache;
struct jwt_cache *jwt_cache_new(void);
void jwt_cache_free(struct jwt_cache *c);
enum jwt_err jwt_check_hs256_cached(struct arena *a, const char *token, const struct hmac_key *key,
                                    struct jwt_cache *cache, const char *iss, const char *aud, int64_t now_s,
                                    int64_t leeway_s, struct jobj *claims) MUST_CHECK;

/* Peek at the payload without verifying (to learn which project signed it, e.g. `app`).
 * Never trust the result before jwt_verify_hs256 succeeds. */
cJSON *jwt_peek_claims(struct arena *a, const char *token);
/* One string claim of an unverified payload (arena), or NULL. Same caveat. */
const char *jwt_peek_str(struct arena *a, const char *token, const char *claim);

#endif
