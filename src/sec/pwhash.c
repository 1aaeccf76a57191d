/* argon2id password hashing via libsodium. */
#include <sodium.h>
#include <string.h>

#include "sec/sec.h"

static struct pwhash_params params = {2, 19u * 1024 * 1024};

int sec_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void pwhash_set_params(struct pwhash_params p)
{
	params = p;
}

int pwhash_hash(char out[PWHASH_MAX], const char *pw, size_t n)
{
	_Static_assert(PWHASH_MAX >= crypto_pwhash_STRBYTES, "PWHASH_MAX too small");
	return crypto_pwhash_str_alg(out, pw, n, params.opslimit, params.memlimit, crypto_pwhash_ALG_ARGON2ID13);
}

bool pwhash_verify(const char *hash, const char *pw, size_t n)
{
	if (!hash || strlen(hash) >= crypto_pwhash_STRBYTES)
		return false;
	return crypto_pwhash_str_verify(hash, pw, n) == 0;
}

bool pwhash_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, params.opslimit, params.memlimit) != 0;
}
