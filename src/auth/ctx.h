/* ctx.h — the process-wide objects the domain uses: the store, the rate limiter,
 * the master key. Set once by main before any thread starts; read-only after. */
#ifndef AG_CTX_H
#define AG_CTX_H

#include <stdbool.h>

#include "core/ratelimit.h"
#include "sec/sec.h"
#include "store/store.h"

struct app_ctx {
	struct store *store;
	struct ratelimit *rl;
	unsigned char master_key[MASTER_KEY_LEN];
	bool dev;
};

extern struct app_ctx g_app;

/* Secrets at rest: seal/open under the master key, bound to what the secret is for and
 * whose it is (associated data "purpose:id", e.g. "project-secret:my-app"), so a sealed
 * value copied to another row does not open. Results are malloc'd (caller frees; open
 * returns NULL when it does not authenticate). */
char *master_seal(const char *purpose, const char *id, const void *pt, size_t n);
/* A subkey of the master key for one use (HKDF-SHA256 with the label); aborts if
 * OpenSSL cannot derive it. */
void master_derive(unsigned char *out, size_t n, const char *label);
unsigned char *master_open(const char *purpose, const char *id, const char *sealed, size_t *n) MUST_CHECK;

#endif
