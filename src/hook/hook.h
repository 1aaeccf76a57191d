/* hook.h — outgoing webhooks. A project registers endpoints (URL + a signing secret
 * shown once, sealed at rest); events are written to the durable outbox in the same
 * transaction as the change they announce; a worker delivers each with the seed's
 * X-AuthGate-* headers and the Standard Webhooks headers, on the Standard Webhooks
 * retry schedule, and keeps a log of every attempt per endpoint. */
#ifndef AG_HOOK_H
#define AG_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define HOOK_SECRET_PREFIX "whsec_"
#define HOOK_SECRET_BYTES 24        /* whsec_ + 32 base64 chars, as Svix issues them */
#define HOOK_MAX_ENDPOINTS 20       /* per project */
#define HOOK_URL_MAX 2048
#define HOOK_TIMEOUT_MS 10000       /* one attempt, connect included */
#define HOOK_MAX_ATTEMPTS 8         /* immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h */
#define HOOK_RETRY_AFTER_MAX_S (10 * 3600)
#define HOOK_USER_AGENT "AuthGate/1.0"
#define HOOK_RESPONSE_KEPT 2048     /* bytes of a receiver's answer kept in the delivery log */

/* ---- endpoints (endpoints.c) ----------------------------------------------------- */

/* Why a URL cannot be an endpoint, or NULL. */
const char *hook_check_url(struct arena *a, const char *url);
/* events: NULL (approved + denied) or an array of event names. *out carries the secret
 * (the only time it is shown). A bad URL or event list: AG_EINVAL saying why; at the
 * endpoint limit, AG_ECONFLICT. Lookups by id answer AG_HOOK_NOT_FOUND. */
struct ag_error hook_endpoint_create(struct arena *a, const char *app_id, const char *url, const cJSON *events,
				     const char *description, cJSON **out) MUST_CHECK;
enum ag_err hook_endpoint_list(struct arena *a, const char *app_id, cJSON **out) MUST_CHECK;
enum ag_err hook_endpoint_get(struct arena *a, const char *app_id, const char *id, cJSON **out) MUST_CHECK;
/* patch: url, events, description, disabled (false re-enables an endpoint a 410 disabled). */
struct ag_error hook_endpoint_update(struct arena *a, const char *app_id, const char *id,
				     const cJSON *patch) MUST_CHECK;
enum ag_err hook_endpoint_delete(const char *app_id, const char *id) MUST_CHECK;
/* New secret, effective at once; returned once. */
enum ag_err hook_endpoint_rotate(struct arena *a, const char *app_id, const char *id, const char **secret) MUST_CHECK;

/* A new "whsec_" secret (malloc'd; the caller zeroes and frees it). */
char *hook_new_secret(void);

/* ---- the Live Webhook Tester (tester.c) --------------------------------------------- */

#define HOOK_TESTER_KEEP_MS (24 * 3600 * 1000LL) /* a run's endpoint outlives its sign-in this long */

struct hook_tester_opts {
	const char *app_id;
	const char *session_hash; /* the push sign-in whose events it gets */
	const char *url;          /* the operator's receiver; NULL: AuthGate's own */
	int64_t expires_at;       /* the sign-in's end (ms) */
};

struct hook_tester {
	const char *id, *app_id, *url, *target, *secret, *session_hash;
	int64_t expires_at;
	const char *why; /* hook_tester_create: why the URL was refused */
};

/* A tester endpoint for one sign-in; out->secret is its signing secret. */
enum ag_err hook_tester_create(struct arena *a, const struct hook_tester_opts *o, struct hook_tester *out) MUST_CHECK;
/* A tester endpoint (of app_id, or any project when NULL), its secret opened. */
enum ag_err hook_tester_get(struct arena *a, const char *app_id, const char *id, struct hook_tester *out) MUST_CHECK;

/* What AuthGate's own receiver got. */
struct hook_receipt {
	const char *endpoint_id, *delivery_id;
	const char *headers; /* JSON object */
	const char *body;
	size_t body_len;
	bool seed_ok, standard_ok;
	int status;          /* what it answered */
};
enum ag_err hook_receipt_add(struct arena *a, const struct hook_receipt *rc, const char **id) MUST_CHECK;
/* [{id, delivery_id, headers, body, signature_check, status, received_at}], oldest first. */
enum ag_err hook_receipts_list(struct arena *a, const char *endpoint_id, cJSON **out) MUST_CHECK;

/* ---- events and deliveries (endpoints.c) ---------------------------------------- */

/* Queue `body` (compact JSON, the exact bytes to send) for every enabled endpoint of
 * app_id subscribed to event. Inside the caller's transaction; *n (may be NULL) gets
 * how many deliveries were queued. Call outbox_kick() after commit. */
enum ag_err hook_emit(struct arena *a, const char *app_id, const char *event, const char *body, int *n) MUST_CHECK;
/* The same for an event of one push sign-in (scope: its id hash): the endpoints of a
 * Live Webhook Tester run bound to that sign-in get it too. */
enum ag_err hook_emit_scoped(struct arena *a, const char *app_id, const char *event, const char *body,
			     const char *scope, int *n) MUST_CHECK;
/* A "test" event to one endpoint; returns the delivery id. */
enum ag_err hook_send_test(struct arena *a, const char *app_id, const char *id, const char **delivery_id) MUST_CHECK;
enum ag_err hook_delivery_list(struct arena *a, const char *app_id, const char *endpoint_id, int limit,
			       cJSON **out) MUST_CHECK;
/* One delivery with its attempts (status, latency, error). */
enum ag_err hook_delivery_get(struct arena *a, const char *app_id, const char *endpoint_id, const char *delivery_id,
			      cJSON **out) MUST_CHECK;
/* Send a delivery again (same webhook-id, so receivers can deduplicate). */
enum ag_err hook_redeliver(const char *app_id, const char *endpoint_id, const char *delivery_id) MUST_CHECK;

/* ---- delivery (deliver.c) ------------------------------------------------------- */

/* Register the "webhook" outbox handler. Once, before outbox_start. */
void hook_init(void);
/* Called after each recorded attempt, on the outbox worker's thread (the Live Webhook
 * Tester follows deliveries with it). Set once, before outbox_start. */
void hook_on_attempt(void (*fn)(const char *endpoint_id, const char *delivery_id));
/* Where this process itself answers HTTP ("http://127.0.0.1:8080"): endpoints whose
 * target is "self" (AuthGate's own receiver, /wh1/receiver/{id}) are delivered there. */
void hook_set_self_url(const char *base);
/* The label a receiver's answer is sealed under: "<delivery id>:<attempt>". */
const char *hook_attempt_label(struct arena *a, const char *delivery_id, int64_t attempt);
/* Delay after failed attempt `attempt` (1-based) on the Standard Webhooks schedule;
 * -1 when no attempt follows. */
int64_t hook_retry_delay_ms(int attempt);

/* ---- signatures (sign.c) -------------------------------------------------------- */

/* The seed's header: "sha256=" + hex HMAC-SHA256(secret as given, body). out >= 72. */
void hook_sign_seed(char *out, const char *secret, const char *body, size_t n);
/* Standard Webhooks: "v1," + base64 HMAC-SHA256(base64-decoded secret after "whsec_",
 * id "." ts "." body). out >= 128. -1 when the secret is malformed. */
int hook_sign_standard(char *out, size_t outsz, const char *secret, const char *id, int64_t ts, const char *body,
		       size_t n);

/* A receiver's check of both signatures of a webhook it got (constant-time compares):
 * X-AuthGate-Signature against the body, webhook-signature (any of its space-separated
 * entries) against id.ts.body. The expected values are kept for people to compare. */
struct hook_check {
	bool seed_ok, standard_ok;
	char seed_expected[80];
	char standard_expected[128];
};
void hook_verify(const char *secret, const char *body, size_t n, const char *seed_header, const char *id,
		 const char *ts, const char *standard_header, struct hook_check *out);

#endif
