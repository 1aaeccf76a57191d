/* sec.h — primitives on OpenSSL 3 and libsodium (the only module that includes them):
 * randomness, SHA-256, HMAC-SHA256, HKDF, constant-time compare, zeroing, AES-256-GCM
 * sealing of secrets at rest under the master key, and argon2id password hashing. */
#ifndef AG_SEC_H
#define AG_SEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

#define SHA256_LEN 32
#define MASTER_KEY_LEN 32

int sec_init(void); /* once, before threads: libsodium init; 0 on success */

/* Randomness from the OS CSPRNG; aborts if it is unavailable. */
void rand_bytes(void *out, size_t n);
/* n random bytes as base64url without padding into out (size >= 4*n/3+2). */
void rand_token(char *out, size_t n);
/* A public identifier: prefix + nbytes random bytes as base64url ("wh_3kT9...") in the
 * arena. Prefixes name the kind of object (user_, key_, wh_, msg_, ...); 12 bytes for
 * stored objects, 16 where ids are many or long-lived (jobs, deliveries, requests). */
#define RAND_ID_BYTES 12
char *rand_id(struct arena *a, const char *prefix, size_t nbytes);
/* Uniform integer in [0, n). */
uint32_t rand_uniform(uint32_t n);

void sha256(unsigned char out[SHA256_LEN], const void *data, size_t n);
/* Lower-case hex SHA-256 of a string: out >= 65 bytes. Used to store tokens/keys. */
void sha256_hex(char out[65], const char *s);
void hmac_sha256(unsigned char out[SHA256_LEN], const void *key, size_t keylen, const void *data, size_t n);
/* A key that signs or checks many messages (a project's token secret), made ready once:
 * each HMAC with it then skips hashing the padded key. Never NULL (out of memory
 * aborts); hmac_key_free cleanses it. Read-only once made: any thread may use it. */
struct hmac_key;
struct hmac_key *hmac_key_new(const void *key, size_t keylen);
void hmac_key_free(struct hmac_key *k);
void hmac_sha256_key(unsigned char out[SHA256_LEN], const struct hmac_key *k, const void *data, size_t n);
/* HKDF-SHA256 expand from a master key with an info label. */
int hkdf_sha256(unsigned char *out, size_t outlen, const unsigned char *ikm, size_t ikmlen, const char *info);

/* Constant-time equality; different lengths compare unequal (length is not secret). */
bool ct_eq(const void *a, size_t alen, const void *b, size_t blen) MUST_CHECK;
bool ct_streq(const char *a, const char *b) MUST_CHECK;
void sec_zero(void *p, size_t n);

/* Seal a secret under the master key: returns malloc'd "v1.<base64url(nonce|ct|tag)>".
 * `label` is bound as associated data (e.g. "project-signing-secret:my-app"). */
char *aead_seal(const unsigned char key[MASTER_KEY_LEN], const char *label, const void *pt, size_t n);
/* Open what aead_seal made; returns malloc'd plaintext (NUL-terminated) or NULL. */
unsigned char *aead_open(const unsigned char key[MASTER_KEY_LEN], const char *label, const char *sealed,
			 size_t *n) MUST_CHECK;

/* The master key (AUTHGATE_MASTER_KEY or DATA_DIR/master.key): set once at start-up,
 * before any thread starts; it never leaves sec/master.c. */
void master_key_set(const unsigned char key[MASTER_KEY_LEN]);
void master_key_clear(void);
/* Secrets at rest: seal/open under the master key, bound to what the secret is for and
 * whose it is (associated data "purpose:id", e.g. "project-secret:my-app"), so a sealed
 * value copied to another row does not open. Results are malloc'd (caller frees; open
 * returns NULL when it does not authenticate). */
char *master_seal(const char *purpose, const char *id, const void *pt, size_t n);
unsigned char *master_open(const char *purpose, const char *id, const char *sealed, size_t *n) MUST_CHECK;
/* A subkey of the master key for one use (HKDF-SHA256 with the label); aborts if
 * OpenSSL cannot derive it. */
void master_derive(unsigned char *out, size_t n, const char *label);
/* A keyed hash of a short secret (a code) bound to what it belongs to: HMAC-SHA256 of
 * "subject:value" under the subkey for label. Stored instead of codes, so a copy of the
 * database alone gives nothing away even for 10^6-value codes. */
void master_mac(unsigned char out[SHA256_LEN], const char *label, const char *subject, const char *value);
void master_mac_hex(char out[2 * SHA256_LEN + 1], const char *label, const char *subject, const char *value);

/* argon2id (libsodium crypto_pwhash_str, parameters inside the string). */
#define PWHASH_MAX 128
struct pwhash_params {
	unsigned long long opslimit; /* t */
	size_t memlimit;             /* bytes */
};
void pwhash_set_params(struct pwhash_params p); /* default: t=2, m=19 MiB, p=1 (OWASP) */
int pwhash_hash(char out[PWHASH_MAX], const char *pw, size_t n);
bool pwhash_verify(const char *hash, const char *pw, size_t n) MUST_CHECK;
bool pwhash_needs_rehash(const char *hash);

#endif
