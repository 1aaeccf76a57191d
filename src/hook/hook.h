/* hook.h — outgoing webhooks. A project registers endpoints (URL + a signing secret
 * shown once, sealed at rest); events are written to the durable outbox in the same
 * transaction as the change they announce; a worker delivers each with the seed's
 * X-AuthGate-* headers and the Standard Webhooks headers, on the Standard Webhooks
 * retry schedule, and keeps a log of every attempt per endpoint. */
#ifndef AG_HOOK_H
#define AG_HOOK_H

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

/* ---- endpoints (endpoints.c) ----------------------------------------------------- */

/* Why a URL cannot be an endpoint, or NULL. */
const char *hook_check_url(const char *url);
/* events: NULL (approved + denied) or an array of event names. *out carries the secret
 * (the only time it is shown). */
enum ag_err hook_endpoint_create(struct arena *a, const char *app_id, const char *url, const cJSON *events,
				 const char *description, cJSON **out, const char **why) MUST_CHECK;
enum ag_err hook_endpoint_list(struct arena *a, const char *app_id, cJSON **out) MUST_CHECK;
enum ag_err hook_endpoint_get(struct arena *a, const char *app_id, const char *id, cJSON **out) MUST_CHECK;
/* patch: url, events, description, disabled (false re-enables an endpoint a 410 disabled). */
enum ag_err hook_endpoint_update(struct arena *a, const char *app_id, const char *id, const cJSON *patch,
				 const char **why) MUST_CHECK;
enum ag_err hook_endpoint_delete(const char *app_id, const char *id) MUST_CHECK;
/* New secret, effective at once; returned once. */
enum ag_err hook_endpoint_rotate(struct arena *a, const char *app_id, const char *id, const char **secret) MUST_CHECK;

/* ---- events and deliveries (endpoints.c) ---------------------------------------- */

/* Queue `body` (compact JSON, the exact bytes to send) for every enabled endpoint of
 * app_id subscribed to event. Inside the caller's transaction; *n (may be NULL) gets
 * how many deliveries were queued. Call outbox_kick() after commit. */
enum ag_err hook_emit(struct arena *a, const char *app_id, const char *event, const char *body, int *n) MUST_CHECK;
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

#endif
