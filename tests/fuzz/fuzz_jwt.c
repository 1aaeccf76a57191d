/* libFuzzer target: JWT verification of untrusted tokens (sec/jwt.c). Two ways: the input
 * as a whole token (which never passes the MAC), and the input as the payload of a token
 * signed with the key, so the claims are read in place (jwt_check_hs256) and compared
 * with cJSON's reading of the same payload (tests/fuzz/jscan_diff.h). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "jscan_diff.h"
#include "sec/jwt.h"
#include "sec/sec.h"

static const unsigned char key[32] = "fuzz-key-fuzz-key-fuzz-key-fuzz";
static struct hmac_key *k; /* key, made ready once */
static struct jwt_cache *cache; /* across inputs, as a server keeps it */

static void signed_payload(struct arena *a, const uint8_t *data, size_t size)
{
	static const char hdr[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.";
	if (size > JWT_MAX_LEN / 2)
		return;
	char *tok = arena_alloc(a, sizeof hdr + size * 2 + 64);
	memcpy(tok, hdr, sizeof hdr - 1);
	size_t n = sizeof hdr - 1 + str_b64url(tok + sizeof hdr - 1, data, size);
	unsigned char mac[SHA256_LEN];
	hmac_sha256(mac, key, sizeof key, tok, n);
	tok[n] = '.';
	str_b64url(tok + n + 1, mac, SHA256_LEN);
	struct jobj *c = arena_alloc(a, sizeof *c);
	enum jwt_err e = jwt_check_hs256(a, tok, k, NULL, NULL, 0, 0, c);
	/* exp is required; otherwise the verdict is the scanner's */
	if (e == JWT_OK && (c->n < 0 || !jobj_get(c, "exp")))
		abort();
	if (jscan_diff((const char *)data, size)) {
		fprintf(stderr, "jscan and cJSON differ on a payload\n");
		abort();
	}
	cJSON *tree;
	enum jwt_err e2 = jwt_verify_hs256(a, tok, k, NULL, NULL, 0, 0, &tree);
	if (e != e2)
		abort(); /* the tree and the in-place readings agree on the verdict */
	/* and the cache of checked tokens, asked twice (a miss, then a hit when kept) */
	for (int i = 0; i < 2; i++) {
		struct jobj *cc = arena_alloc(a, sizeof *cc);
		if (jwt_check_hs256_cached(a, tok, k, cache, NULL, NULL, 0, 0, cc) != e || cc->n != c->n)
			abort();
		for (int m = 0; m < cc->n; m++)
			if (cc->m[m].val.n != c->m[m].val.n || memcmp(cc->m[m].val.p, c->m[m].val.p, c->m[m].val.n) ||
			    cc->m[m].key.n != c->m[m].key.n || memcmp(cc->m[m].key.p, c->m[m].key.p, c->m[m].key.n))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!k) {
		k = hmac_key_new(key, sizeof key);
		cache = jwt_cache_new();
	}
	struct arena *a = arena_new();
	char *tok = arena_strndup(a, (const char *)data, size);
	cJSON *c;
	struct jobj *o = arena_alloc(a, sizeof *o);
	(void)jwt_verify_hs256(a, tok, k, "authgate", "session", 1700000000, 5, &c);
	(void)jwt_check_hs256(a, tok, k, "authgate", "session", 1700000000, 5, o);
	(void)jwt_check_hs256_cached(a, tok, k, cache, "authgate", "session", 1700000000, 5, o);
	(void)jwt_peek_claims(a, tok);
	(void)jwt_peek_str(a, tok, "app");
	signed_payload(a, data, size);
	arena_free(a);
	return 0;
}
