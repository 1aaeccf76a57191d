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

#endif
