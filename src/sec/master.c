/* master.c — the master key and the secrets sealed or derived from it (see sec.h).
 * The key is set once at start-up (cli/boot.c) before any thread starts and never
 * leaves this file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sec/sec.h"

static unsigned char master_key[MASTER_KEY_LEN];

void master_key_set(const unsigned char key[MASTER_KEY_LEN])
{
	memcpy(master_key, key, MASTER_KEY_LEN);
}

void master_key_clear(void)
{
	sec_zero(master_key, sizeof master_key);
}

static void label_of(char *out, size_t size, const char *purpose, const char *id)
{
	snprintf(out, size, "%s:%s", purpose, id);
}

char *master_seal(const char *purpose, const char *id, const void *pt, size_t n)
{
	char label[160];
	label_of(label, sizeof label, purpose, id);
	return aead_seal(master_key, label, pt, n);
}

unsigned char *master_open(const char *purpose, const char *id, const char *sealed, size_t *n)
{
	char label[160];
	label_of(label, sizeof label, purpose, id);
	return aead_open(master_key, label, sealed, n);
}

void master_derive(unsigned char *out, size_t n, const char *label)
{
	if (hkdf_sha256(out, n, master_key, MASTER_KEY_LEN, label))
		abort();
}
