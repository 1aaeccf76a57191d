/* ctx.c — the one definition of the process context (see ctx.h). */
#include "auth/ctx.h"

struct app_ctx g_app;

#include <stdio.h>
#include <stdlib.h>

static void label_of(char *out, size_t size, const char *purpose, const char *id)
{
	snprintf(out, size, "%s:%s", purpose, id);
}

char *master_seal(const char *purpose, const char *id, const void *pt, size_t n)
{
	char label[160];
	label_of(label, sizeof label, purpose, id);
	return aead_seal(g_app.master_key, label, pt, n);
}

unsigned char *master_open(const char *purpose, const char *id, const char *sealed, size_t *n)
{
	char label[160];
	label_of(label, sizeof label, purpose, id);
	return aead_open(g_app.master_key, label, sealed, n);
}

void master_derive(unsigned char *out, size_t n, const char *label)
{
	if (hkdf_sha256(out, n, g_app.master_key, MASTER_KEY_LEN, label))
		abort();
}
