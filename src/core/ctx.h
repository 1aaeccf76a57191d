/* ctx.h — the process context: the long-lived services every layer borrows, the store
 * handle and the rate limiter. cli/boot.c sets it once before any thread starts;
 * read-only after. Only the types' names are known here: each service lives in its
 * own module (store/store.h, core/ratelimit.h), which its users include. The master
 * key is sec/'s (master_seal, master_open, master_derive). */
#ifndef AG_CTX_H
#define AG_CTX_H

struct store;
struct ratelimit;

struct app_ctx {
	struct store *store;
	struct ratelimit *rl;
};

extern struct app_ctx g_app;

#endif
