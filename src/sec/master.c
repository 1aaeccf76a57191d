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

void master_mac(unsigned char out[SHA256_LEN], const char *label, const char *subject, const char *value)
{
	unsigned char key[32];
	master_derive(key, sizeof key, label);
	size_t sl = strlen(subject), vl = strlen(value);
	unsigned char *msg = malloc(sl + vl + 2);
	if (!msg)
		abort();
	memcpy(msg, subject, sl);
	msg[sl] = ':';
	memcpy(msg + sl + 1, value, vl + 1);
	hmac_sha256(out, key, sizeof key, msg, sl + 1 + vl);
	sec_zero(msg, sl + vl + 2);
	free(msg);
	sec_zero(key, sizeof key);
}

void master_mac_hex(char out[2 * SHA256_LEN + 1], const char *label, const char *subject, const char *value)
{
	static const char hx[] = "0123456789abcdef";
	unsigned char mac[SHA256_LEN];
	master_mac(mac, label, subject, value);
	for (size_t i = 0; i < SHA256_LEN; i++) {
		out[2 * i] = hx[mac[i] >> 4];
		out[2 * i + 1] = hx[mac[i] & 15];
	}
	out[2 * SHA256_LEN] = 0;
}
