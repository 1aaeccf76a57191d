#include "sec/jwt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/str.h"
#include "sec/sec.h"

static const char HEADER_B64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"; /* {"alg":"HS256","typ":"JWT"} */

char *jwt_sign_hs256(struct arena *a, const cJSON *claims, const struct hmac_key *key)
{
	const char *payload = json_print(a, claims);
	size_t pl = strlen(payload), hl = sizeof(HEADER_B64) - 1;
	size_t cap = hl + 1 + (pl * 4 / 3 + 4) + 1 + 44 + 1;
	char *tok = arena_alloc(a, cap);
	memcpy(tok, HEADER_B64, hl);
	tok[hl] = '.';
	size_t n = hl + 1 + str_b64url(tok + hl + 1, (const unsigned char *)payload, pl);
	unsigned char mac[SHA256_LEN];
	hmac_sha256_key(mac, key, tok, n);
	tok[n] = '.';
	str_b64url(tok + n + 1, mac, SHA256_LEN);
	return tok;
}

/* base64url-decode one part into the arena (NUL-terminated); NULL when it is not. */
static char *unb64_part(struct arena *a, const char *s, size_t n, size_t *len)
{
	if (n == 0 || n > JWT_MAX_LEN)
		return NULL;
	char *raw = arena_alloc(a, n + 1);
	long l = str_unb64url((unsigned char *)raw, n, s, n);
	if (l <= 0)
		return NULL;
	raw[l] = 0;
	*len = (size_t)l;
	return raw;
}

/* A part that must be a JSON object, read in place (jscan: the general parser's rules). */
static bool scan_part(struct arena *a, const char *s, size_t n, struct jobj *o)
{
	size_t len;
	char *raw = unb64_part(a, s, n, &len);
	return raw && jscan(raw, len, o, NULL) == JSON_OK && o->n >= 0;
}

cJSON *jwt_part_json(struct arena *a, const char *s, size_t n)
{
	size_t len;
	char *raw = unb64_part(a, s, n, &len);
	cJSON *v = NULL;
	const char *detail;
	if (!raw || json_parse_strict(a, raw, len, &v, &detail) != JSON_OK || !cJSON_IsObject(v))
		return NULL;
	return v;
}

/* The three parts: d1, d2 point at the two dots. */
static bool split(const char *token, const char **d1, const char **d2)
{
	if (!token || strlen(token) > JWT_MAX_LEN)
		return false;
	*d1 = strchr(token, '.');
	*d2 = *d1 ? strchr(*d1 + 1, '.') : NULL;
	return *d2 && !strchr(*d2 + 1, '.');
}

cJSON *jwt_peek_claims(struct arena *a, const char *token)
{
	const char *d1, *d2;
	if (!split(token, &d1, &d2))
		return NULL;
	return jwt_part_json(a, d1 + 1, (size_t)(d2 - d1 - 1));
}

const char *jwt_peek_str(struct arena *a, const char *token, const char *claim)
{
	const char *d1, *d2;
	struct jobj *o = arena_alloc(a, sizeof *o);
	if (!split(token, &d1, &d2) || !scan_part(a, d1 + 1, (size_t)(d2 - d1 - 1), o))
		return NULL;
	const struct jval *v = jobj_get(o, claim);
	return v && v->kind == JK_STR ? jstr(a, v, NULL) : NULL;
}

static int num_claim(const struct jobj *c, const char *k, int64_t *out)
{
	const struct jval *v = jobj_get(c, k);
	double d;
	if (!v)
		return 0;
	if (!jnum(v, &d) || !(d >= 0) || d > 1e13)
		return -1;
	*out = (int64_t)d;
	return 1;
}

static bool aud_matches(const struct jobj *c, const char *aud)
{
	const struct jval *v = jobj_get(c, "aud");
	if (v && v->kind == JK_ARR) {
		struct jiter it;
		struct jval e;
		jiter_init(&it, v);
		while (jiter_next(&it, NULL, &e))
			if (jstr_eq(&e, aud))
				return true;
		return false;
	}
	return jstr_eq(v, aud);
}

/* Signature and shape: the header, the MAC, the payload scanned into c (JWT_OK), or why
 * not. *payload gets the decoded payload (c's slices point into it). */
static enum jwt_err check_signed(struct arena *a, const char *token, const struct hmac_key *key, struct jobj *c,
                                 const char **payload, size_t *payload_len)
{
	const char *d1, *d2;
	if (!split(token, &d1, &d2))
		return JWT_MALFORMED;
	/* The header we issue is checked by a compare; any other is read in full. */
	size_t hl = (size_t)(d1 - token);
	if (hl != sizeof HEADER_B64 - 1 || memcmp(token, HEADER_B64, hl) != 0) {
		struct jobj *hdr = arena_alloc(a, sizeof *hdr);
		if (!scan_part(a, token, hl, hdr))
			return JWT_MALFORMED;
		if (!jstr_eq(jobj_get(hdr, "alg"), "HS256"))
			return JWT_BAD_ALG;
		if (jobj_get(hdr, "crit"))
			return JWT_MALFORMED; /* we understand no extensions */
	}
	unsigned char sig[SHA256_LEN + 4], mac[SHA256_LEN];
	size_t sl = strlen(d2 + 1);
	if (sl != 43)
		return JWT_BAD_SIG;
	if (str_unb64url(sig, sizeof sig, d2 + 1, sl) != SHA256_LEN)
		return JWT_BAD_SIG;
	hmac_sha256_key(mac, key, token, (size_t)(d2 - token));
	if (!ct_eq(mac, SHA256_LEN, sig, SHA256_LEN))
		return JWT_BAD_SIG;
	char *raw = unb64_part(a, d1 + 1, (size_t)(d2 - d1 - 1), payload_len);
	if (!raw || jscan(raw, *payload_len, c, NULL) != JSON_OK || c->n < 0)
		return JWT_MALFORMED;
	*payload = raw;
	return JWT_OK;
}

/* The claims every check reads again, whether the signature was checked now or before:
 * time moves (exp), and the caller says which issuer and audience it wants. */
static enum jwt_err check_claims(const struct jobj *c, const char *iss, const char *aud, int64_t now_s,
                                 int64_t leeway_s)
{
	int64_t exp, nbf, iat;
	int r;
	if (num_claim(c, "exp", &exp) != 1)
		return JWT_BAD_CLAIMS;
	if (exp <= now_s - leeway_s)
		return JWT_EXPIRED;
	if ((r = num_claim(c, "nbf", &nbf)) < 0 || (r == 1 && nbf > now_s + leeway_s))
		return r < 0 ? JWT_BAD_CLAIMS : JWT_NOT_YET;
	if ((r = num_claim(c, "iat", &iat)) < 0 || (r == 1 && iat > now_s + leeway_s))
		return r < 0 ? JWT_BAD_CLAIMS : JWT_NOT_YET;
	if (iss && !jstr_eq(jobj_get(c, "iss"), iss))
		return JWT_BAD_CLAIMS;
	if (aud && !aud_matches(c, aud))
		return JWT_BAD_CLAIMS;
	return JWT_OK;
}

enum jwt_err jwt_check_hs256(struct arena *a, const char *token, const struct hmac_key *key, const char *iss,
			     const char *aud, int64_t now_s, int64_t leeway_s, struct jobj *c)
{
	const char *payload;
	size_t len;
	c->n = -1;
	enum jwt_err e = check_signed(a, token, key, c, &payload, &len);
	if (e == JWT_OK)
		e = check_claims(c, iss, aud, now_s, leeway_s);
	if (e)
		c->n = -1;
	return e;
}

/* ---- tokens whose signature was checked already ------------------------------------- */

struct slice {
	uint32_t off, n;
	unsigned char kind;
	bool esc;
};

struct cached_token {
	uint64_t h; /* 0: empty */
	char *token; /* the whole token: a hit is the same bytes, not a hash's word for it */
	size_t token_len;
	char *payload; /* decoded */
	size_t payload_len;
	int n;
	struct slice *k, *v; /* the members, as offsets into payload */
};

struct jwt_cache {
	pthread_mutex_t mu;
	struct cached_token slot[JWT_CACHE_SLOTS];
};

struct jwt_cache *jwt_cache_new(void)
{
	struct jwt_cache *c = calloc(1, sizeof *c);
	if (!c) {
		fputs("authgate: out of memory\n", stderr);
		abort();
	}
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

static void entry_clear(struct cached_token *t)
{
	if (t->token)
		sec_zero(t->token, t->token_len); /* a bearer credential */
	free(t->token);
	free(t->payload);
	free(t->k);
	memset(t, 0, sizeof *t);
}

void jwt_cache_free(struct jwt_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < JWT_CACHE_SLOTS; i++)
		entry_clear(&c->slot[i]);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static struct slice to_slice(const struct jval *v, const char *base)
{
	return (struct slice){(uint32_t)(v->p - base), v->n, v->kind, v->esc};
}

static struct jval from_slice(const struct slice *s, const char *base)
{
	return (struct jval){base + s->off, s->n, s->kind, s->esc};
}

/* Keep a token whose signature and payload checked out (the claims aside). Nothing is
 * kept when memory is short: the cache is only a shortcut. */
static void remember(struct jwt_cache *cache, uint64_t h, const char *token, size_t tl, const char *payload,
                     size_t pl, const struct jobj *c)
{
	struct cached_token t = {h,     malloc(tl), tl, malloc(pl + 1), pl, c->n,
	                         calloc((size_t)c->n * 2 + 1, sizeof(struct slice)), NULL};
	if (!t.token || !t.payload || !t.k) {
		free(t.token);
		free(t.payload);
		free(t.k);
		return;
	}
	t.v = t.k + c->n;
	memcpy(t.token, token, tl);
	memcpy(t.payload, payload, pl + 1);
	for (int i = 0; i < c->n; i++) {
		t.k[i] = to_slice(&c->m[i].key, payload);
		t.v[i] = to_slice(&c->m[i].val, payload);
	}
	pthread_mutex_lock(&cache->mu);
	struct cached_token *s = &cache->slot[h % JWT_CACHE_SLOTS];
	entry_clear(s);
	*s = t;
	pthread_mutex_unlock(&cache->mu);
}

/* The members of a token seen before, copied into the arena; false when it was not. */
static bool recall(struct arena *a, struct jwt_cache *cache, uint64_t h, const char *token, size_t tl,
                   struct jobj *c)
{
	bool hit = false;
	pthread_mutex_lock(&cache->mu);
	const struct cached_token *s = &cache->slot[h % JWT_CACHE_SLOTS];
	if (s->h == h && s->token_len == tl && memcmp(s->token, token, tl) == 0) {
		char *payload = arena_alloc(a, s->payload_len + 1);
		memcpy(payload, s->payload, s->payload_len + 1);
		for (int i = 0; i < s->n; i++) {
			c->m[i].key = from_slice(&s->k[i], payload);
			c->m[i].val = from_slice(&s->v[i], payload);
		}
		c->n = s->n;
		hit = true;
	}
	pthread_mutex_unlock(&cache->mu);
	return hit;
}

enum jwt_err jwt_check_hs256_cached(struct arena *a, const char *token, const struct hmac_key *key,
                                    struct jwt_cache *cache, const char *iss, const char *aud, int64_t now_s,
                                    int64_t leeway_s, struct jobj *c)
{
	c->n = -1;
	size_t tl = token ? strlen(token) : 0;
	if (!cache || !tl || tl > JWT_MAX_LEN)
		return jwt_check_hs256(a, token, key, iss, aud, now_s, leeway_s, c);
	uint64_t h = hash_bytes(token, tl) | 1; /* never 0, the empty slot's */
	enum jwt_err e = JWT_OK;
	if (!recall(a, cache, h, token, tl, c)) {
		const char *payload;
		size_t pl;
		if ((e = check_signed(a, token, key, c, &payload, &pl)) == JWT_OK)
			remember(cache, h, token, tl, payload, pl, c);
	}
	if (e == JWT_OK)
		e = check_claims(c, iss, aud, now_s, leeway_s);
	if (e)
		c->n = -1;
	return e;
}

enum jwt_err jwt_verify_hs256(struct arena *a, const char *token, const struct hmac_key *key, const char *iss,
			      const char *aud, int64_t now_s, int64_t leeway_s, cJSON **claims)
{
	*claims = NULL;
	struct jobj *c = arena_alloc(a, sizeof *c);
	enum jwt_err e = jwt_check_hs256(a, token, key, iss, aud, now_s, leeway_s, c);
	if (e)
		return e;
	const char *d1 = NULL, *d2 = NULL;
	if (!split(token, &d1, &d2)) /* checked already; says so to the optimizer too */
		return JWT_MALFORMED;
	*claims = jwt_part_json(a, d1 + 1, (size_t)(d2 - d1 - 1));
	return *claims ? JWT_OK : JWT_MALFORMED;
}
