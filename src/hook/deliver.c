/* deliver.c — the "webhook" outbox handler: one attempt to send one delivery, signed
 * both ways, logged, and the next step on the Standard Webhooks schedule (a 410 from
 * the receiver disables the endpoint; Retry-After is honoured). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "hook/hook.h"
#include "jobs/outbox.h"
#include "net/net.h"
#include "sec/sec.h"
#include "store/store.h"

/* Standard Webhooks: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after
 * the failures before; HOOK_MAX_ATTEMPTS in all. */
static const int64_t schedule_ms[HOOK_MAX_ATTEMPTS - 1] = {
	5000, 5 * 60000, 30 * 60000, 2 * 3600000LL, 5 * 3600000LL, 10 * 3600000LL, 10 * 3600000LL,
};
static const struct retry_schedule schedule = {schedule_ms, ARRAY_LEN(schedule_ms), false};

static struct metric_counter m_ok = {"authgate_webhook_attempts_total{result=\"delivered\"}",
				     "Webhook delivery attempts by result", 0, NULL};
static struct metric_counter m_fail = {"authgate_webhook_attempts_total{result=\"failed\"}", "Webhook delivery attempts by result", 0, NULL};
static struct metric_counter m_gone = {"authgate_webhook_attempts_total{result=\"gone\"}", "Webhook delivery attempts by result", 0, NULL};

static void (*attempt_listener)(const char *endpoint_id, const char *delivery_id);
static char self_url[128];

void hook_on_attempt(void (*fn)(const char *endpoint_id, const char *delivery_id))
{
	attempt_listener = fn;
}

void hook_set_self_url(const char *base)
{
	str_copy(self_url, base, sizeof self_url);
}

int64_t hook_retry_delay_ms(int attempt)
{
	return attempt >= 1 ? retry_delay_ms(&schedule, attempt) : -1;
}

struct delivery {
	const char *id, *endpoint_id, *app_id, *event, *body_sealed, *status;
	const char *url, *secret_sealed, *disabled_at, *target;
	int64_t attempts;
};

static enum ag_err load(struct arena *a, const char *id, struct delivery *d)
{
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
			       "SELECT d.id, d.endpoint_id, d.app_id, d.event, d.body_sealed, d.status, e.url, "
			       "e.secret_sealed, e.disabled_at, e.target, d.attempts FROM webhook_deliveries d "
			       "JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1",
			       P(SV_TEXT(id)));
	if (e)
		return e;
	*d = (struct delivery){row_str(&r, 0), row_str(&r, 1), row_str(&r, 2), row_str(&r, 3),  row_str(&r, 4),
			       row_str(&r, 5), row_str(&r, 6), row_str(&r, 7), row_str(&r, 8),  row_str(&r, 9),
			       row_int(&r, 10)};
	return AG_OK;
}

/* What one attempt sent and got, for the delivery log. */
struct attempt {
	int64_t n, at, latency_ms;
	int status;             /* 0: no answer */
	const char *error;
	const char *headers;    /* JSON object of the request headers (no secret among them) */
	const char *response;   /* the answer's body, may be NULL */
	size_t response_len;
};

/* Log the attempt and the delivery's new state in one transaction. The receiver's
 * answer is kept (its first HOOK_RESPONSE_KEPT bytes) sealed: it may echo the body,
 * which names a session. */
static void record(struct arena *a, const struct delivery *d, const struct attempt *t, const char *new_status,
		   int64_t next_at)
{
	char *sealed = NULL;
	if (t->response && t->response_len) {
		size_t n = t->response_len < HOOK_RESPONSE_KEPT ? t->response_len : HOOK_RESPONSE_KEPT;
		sealed = master_seal("webhook-response", hook_attempt_label(a, d->id, t->n), t->response, n);
	}
	enum ag_err e = db_begin(g_app.store);
	if (e == AG_OK)
		e = db_exec(g_app.store,
			    "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, latency_ms, error, "
			    "request_headers, response_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			    P(SV_TEXT(d->id), SV_INT(t->n), SV_INT(t->at), t->status ? SV_INT(t->status) : SV_NULL,
			      SV_INT(t->latency_ms), SV_TEXT(t->error), SV_TEXT(t->headers), SV_TEXT(sealed)));
	if (e == AG_OK)
		e = db_exec(g_app.store,
			    "UPDATE webhook_deliveries SET attempts = $2, status = $3, last_status = $4, last_error = $5, "
			    "delivered_at = CASE WHEN $3 = 'delivered' THEN $6 ELSE delivered_at END, next_attempt_at = $7 "
			    "WHERE id = $1",
			    P(SV_TEXT(d->id), SV_INT(t->n), SV_TEXT(new_status), t->status ? SV_INT(t->status) : SV_NULL,
			      SV_TEXT(t->error), SV_INT(t->at), next_at ? SV_INT(next_at) : SV_NULL));
	e = db_end(g_app.store, e);
	free(sealed);
	if (e)
		log_error("webhook", "cannot record attempt %lld of %s", (long long)t->n, d->id);
	else if (attempt_listener)
		attempt_listener(d->endpoint_id, d->id);
}

/* The headers as a JSON object, for the log. */
static const char *headers_json(struct arena *a, const char *const *headers)
{
	cJSON *o = json_obj(a);
	for (int i = 0; headers[i]; i++) {
		const char *colon = strchr(headers[i], ':');
		if (!colon)
			continue;
		const char *v = colon + 1;
		while (*v == ' ')
			v++;
		cJSON_AddStringToObject(o, arena_strndup(a, headers[i], (size_t)(colon - headers[i])), v);
	}
	return json_print(a, o);
}

static void fail_delivery(const struct delivery *d, const char *why)
{
	if (db_exec(g_app.store,
		    "UPDATE webhook_deliveries SET status = 'failed', last_error = $2, next_attempt_at = NULL WHERE id = $1",
		    P(SV_TEXT(d->id), SV_TEXT(why))))
		log_error("webhook", "cannot mark delivery %s failed", d->id);
}

static enum outbox_result deliver(const struct outbox_job *job, char *err, size_t errsz, int64_t *retry_after_ms)
{
	struct arena *a = arena_new();
	enum outbox_result res = OUTBOX_GIVE_UP;
	char *body = NULL, *secret = NULL;
	size_t body_len = 0, secret_len = 0;
	cJSON *p = cJSON_Parse(job->payload);
	const char *id = json_get_str(p, "delivery");
	struct delivery d;
	enum ag_err e = id ? load(a, id, &d) : AG_ENOTFOUND;
	if (ag_err_is(e, AG_ENOTFOUND)) {
		snprintf(err, errsz, "delivery or endpoint deleted");
		goto out;
	}
	if (e) {
		snprintf(err, errsz, "store: %s", ag_err_code(e));
		res = OUTBOX_RETRY;
		goto out;
	}
	if (d.disabled_at) {
		fail_delivery(&d, "endpoint disabled");
		snprintf(err, errsz, "endpoint disabled");
		goto out;
	}
	body = (char *)master_open("webhook-body", d.id, d.body_sealed, &body_len);
	secret = (char *)master_open("webhook-secret", d.endpoint_id, d.secret_sealed, &secret_len);
	if (!body || !secret) {
		fail_delivery(&d, "cannot unseal (master key changed?)");
		snprintf(err, errsz, "cannot unseal");
		goto out;
	}
	int64_t attempt = d.attempts + 1, now = time_now_ms(), ts = now / 1000;
	char sig_seed[80], sig_std[128];
	hook_sign_seed(sig_seed, secret, body, body_len);
	if (hook_sign_standard(sig_std, sizeof sig_std, secret, d.id, ts, body, body_len)) {
		fail_delivery(&d, "malformed secret");
		goto out;
	}
	const char *headers[] = {
		"Content-Type: application/json",
		"User-Agent: " HOOK_USER_AGENT,
		arena_printf(a, "X-AuthGate-Event: %s", d.event),
		arena_printf(a, "X-AuthGate-Delivery: %s", d.id),
		arena_printf(a, "X-AuthGate-Signature: %s", sig_seed),
		arena_printf(a, "webhook-id: %s", d.id),
		arena_printf(a, "webhook-timestamp: %lld", (long long)ts),
		arena_printf(a, "webhook-signature: %s", sig_std),
		NULL,
	};
	struct http_out o = {"POST", d.url, headers, body, body_len, HOOK_TIMEOUT_MS, g_cfg.allow_private_network};
	/* AuthGate's own receiver (the Live Webhook Tester) is reached over loopback, the one
	 * private address allowed, whatever the public URL resolves to from here. */
	if (str_eq(d.target, "self")) {
		if (!self_url[0]) {
			fail_delivery(&d, "AuthGate's own receiver is not reachable from this process");
			goto out;
		}
		o.url = arena_printf(a, "%s/wh1/receiver/%s", self_url, d.endpoint_id);
		o.allow_private = true;
	}
	struct http_in in;
	e = http_send(&o, &in);
	const char *error = e ? in.error : NULL;
	struct attempt t = {attempt, now, in.latency_ms, e == AG_OK ? in.status : 0, NULL, headers_json(a, headers),
			    in.body, in.body_len};
	if (e == AG_OK && in.status >= 200 && in.status < 300) {
		record(a, &d, &t, "delivered", 0);
		metric_inc(&m_ok);
		res = OUTBOX_DONE;
	} else if (e == AG_OK && in.status == 410) {
		/* The receiver says the endpoint is gone for good: stop sending to it. */
		t.error = "410 Gone: endpoint disabled";
		record(a, &d, &t, "failed", 0);
		if (db_exec(g_app.store,
			    "UPDATE webhook_endpoints SET disabled_at = $2, disabled_reason = $3 WHERE id = $1 "
			    "AND disabled_at IS NULL",
			    P(SV_TEXT(d.endpoint_id), SV_INT(now), SV_TEXT("the receiver answered 410 Gone"))))
			log_error("webhook", "cannot disable endpoint %s", d.endpoint_id);
		log_warn("webhook", "endpoint %s answered 410: disabled", d.endpoint_id);
		metric_inc(&m_gone);
		snprintf(err, errsz, "410 Gone");
	} else {
		if (!error)
			error = arena_printf(a, "HTTP %d", in.status);
		int64_t delay = ag_err_is(e, AG_EFORBIDDEN) ? -1 : hook_retry_delay_ms(job->attempt);
		if (delay >= 0 && in.retry_after_s >= 0) {
			int64_t ra = (in.retry_after_s < HOOK_RETRY_AFTER_MAX_S ? in.retry_after_s : HOOK_RETRY_AFTER_MAX_S) *
				     1000;
			if (ra > delay)
				delay = ra;
		}
		metric_inc(&m_fail);
		snprintf(err, errsz, "%s", error);
		t.error = error;
		if (delay < 0) {
			record(a, &d, &t, "failed", 0);
		} else {
			record(a, &d, &t, "pending", now + delay);
			*retry_after_ms = delay > 0 ? delay : 1;
			res = OUTBOX_RETRY;
		}
	}
	http_in_free(&in);
out:
	if (secret) {
		sec_zero(secret, secret_len);
		free(secret);
	}
	free(body);
	cJSON_Delete(p);
	arena_free(a);
	return res;
}

void hook_init(void)
{
	metrics_register_counter(&m_ok);
	metrics_register_counter(&m_fail);
	metrics_register_counter(&m_gone);
	outbox_register("webhook", deliver);
}

const char *hook_attempt_label(struct arena *a, const char *delivery_id, int64_t attempt)
{
	return arena_printf(a, "%s:%lld", delivery_id, (long long)attempt);
}
