/* sms.h — outgoing text messages. sms_enqueue writes a message into the outbox (inside
 * the caller's transaction); a worker delivers it through the configured provider: a
 * Twilio-compatible HTTP API (AUTHGATE_SMS_PROVIDER=twilio, base URL configurable), or
 * captures it (sealed at rest) for /_dev/sms and `authgate sms list`. The third
 * provider, a signed webhook to the app, is the domain's (it goes through hook/). */
#ifndef AG_SMS_H
#define AG_SMS_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define SMS_BODY_MAX 320

/* Which way messages leave, from the configuration: "capture", "twilio", "webhook", or
 * NULL when SMS is not available (no provider outside dev mode). */
const char *sms_provider(void);

/* Queue a text to an E.164 number (inside the caller's transaction; outbox_kick()
 * after the commit). */
enum ag_err sms_enqueue(struct arena *a, const char *app_id, const char *to, const char *body) MUST_CHECK;

/* Register the "sms" outbox handler (once, before outbox_start). */
void sms_init(void);

/* Captured messages, newest first: [{id, app_id, to, body, created_at}]. */
enum ag_err sms_captured_list(struct arena *a, int limit, cJSON **out) MUST_CHECK;

#endif
