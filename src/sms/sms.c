/* sms.c — the "sms" outbox handler: capture, or a Twilio-compatible Messages API call
 * (form-encoded POST, HTTP Basic with the account SID and auth token). Twilio answers
 * 201 with the message; 429 and 5xx are worth retrying (Retry-After honoured); other
 * 4xx (bad number, unverified sender, no funds) are permanent for this message. */
#include "sms/sms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "sec/sec.h"
#include "store/store.h"
#include "config/config.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "jobs/outbox.h"
#include "net/net.h"

const char *sms_provider(void)
{
	if (*g_cfg.sms_provider)
		return g_cfg.sms_provider;
	return g_cfg.dev ? "capture" : NULL;
}

enum ag_err sms_enqueue(struct arena *a, const char *app_id, const char *to, const char *body)
{
	cJSON *p = json_obj(a);
	cJSON_AddStringToObject(p, "to", to);
	cJSON_AddStringToObject(p, "body", body);
	return outbox_enqueue("sms", app_id, NULL, json_print(a, p), 0, NULL);
}

static enum outbox_result capture(const struct outbox_job *job, const char *to, const char *body, char *err,
                                  size_t errsz)
{
	char *sealed = master_seal("sms-captured", job->id, body, strlen(body));
	if (!sealed) {
		snprintf(err, errsz, "cannot seal the captured message");
		return OUTBOX_RETRY;
	}
	/* The job id is the row id: a second attempt of the same job captures nothing new. */
	enum ag_err e =
	    db_exec(g_app.store,
	            "INSERT INTO sms_captured (id, app_id, to_number, body, created_at) VALUES ($1, $2, $3, $4, $5) "
	            "ON CONFLICT (id) DO NOTHING",
	            P(SV_TEXT(job->id), SV_TEXT(job->app_id), SV_TEXT(to), SV_TEXT(sealed), SV_INT(time_now_ms())));
	free(sealed);
	/* Keep a day of captured messages. */
	(void)!db_exec(g_app.store, "DELETE FROM sms_captured WHERE created_at < $1",
	               P(SV_INT(time_now_ms() - 86400000LL)));
	if (e) {
		snprintf(err, errsz, "cannot store the captured message: %s", ag_err_code(e));
		return OUTBOX_RETRY;
	}
	return OUTBOX_DONE;
}

/* application/x-www-form-urlencoded value */
static char *form(struct arena *a, const char *s)
{
	char *out = arena_alloc(a, strlen(s) * 3 + 1);
	str_pct_encode(out, s);
	return out;
}

static enum outbox_result twilio(struct arena *a, const struct outbox_job *job, const char *to, const char *body,
                                 char *err, size_t errsz, int64_t *retry_after_ms)
{
	if (!*g_cfg.sms_twilio_sid || !*g_cfg.sms_twilio_token || !*g_cfg.sms_from) {
		snprintf(err, errsz,
		         "AUTHGATE_SMS_TWILIO_ACCOUNT_SID, AUTHGATE_SMS_TWILIO_AUTH_TOKEN and AUTHGATE_SMS_FROM must "
		         "be set");
		return OUTBOX_GIVE_UP;
	}
	const char *base = g_cfg.sms_twilio_url;
	size_t bl = strlen(base);
	const char *url =
	    arena_printf(a, "%.*s/2010-04-01/Accounts/%s/Messages.json", (int)(bl && base[bl - 1] == '/' ? bl - 1 : bl),
	                 base, form(a, g_cfg.sms_twilio_sid));
	bool service = str_starts(g_cfg.sms_from, "MG");
	const char *payload =
	    arena_printf(a, "To=%s&%s=%s&Body=%s", form(a, to), service ? "MessagingServiceSid" : "From",
	                 form(a, g_cfg.sms_from), form(a, body));
	const char *cred = arena_printf(a, "%s:%s", g_cfg.sms_twilio_sid, g_cfg.sms_twilio_token);
	char *b64 = arena_alloc(a, strlen(cred) * 4 / 3 + 8);
	str_b64(b64, (const unsigned char *)cred, strlen(cred));
	const char *headers[] = {arena_printf(a, "Authorization: Basic %s", b64),
	                         "Content-Type: application/x-www-form-urlencoded", "Accept: application/json",
	                         arena_printf(a, "I-Twilio-Idempotency-Token: %s", job->id), NULL};
	struct http_out o = {
	    "POST", url, headers, payload, strlen(payload), 10000, g_cfg.allow_private_network || g_cfg.dev};
	struct http_in in = {0};
	enum ag_err e = http_send(&o, &in);
	sec_zero(b64, strlen(b64));
	enum outbox_result res;
	if (e != AG_OK) {
		snprintf(err, errsz, "SMS provider unreachable: %s", in.error[0] ? in.error : ag_err_code(e));
		res = ag_err_is(e, AG_EUNAVAIL) ? OUTBOX_RETRY : OUTBOX_GIVE_UP;
	} else if (in.status >= 200 && in.status < 300) {
		res = OUTBOX_DONE;
	} else {
		/* Twilio's error body: {"code": 21211, "message": "..."}; keep the code only. */
		cJSON *b = NULL;
		const char *detail;
		double code = 0;
		if (in.body && json_parse_strict(a, in.body, in.body_len, &b, &detail) == JSON_OK)
			code = json_get_num(b, "code", 0);
		snprintf(err, errsz, "SMS provider answered %d (code %.0f)", in.status, code);
		res = in.status == 429 || in.status >= 500 ? OUTBOX_RETRY : OUTBOX_GIVE_UP;
		if (in.retry_after_s > 0)
			*retry_after_ms = in.retry_after_s * 1000;
	}
	http_in_free(&in);
	return res;
}

static enum outbox_result handle_sms(const struct outbox_job *job, char *err, size_t errsz, int64_t *retry_after_ms)
{
	struct arena *a = arena_new();
	enum outbox_result res = OUTBOX_GIVE_UP;
	cJSON *p = NULL;
	const char *detail;
	if (json_parse_strict(a, job->payload, strlen(job->payload), &p, &detail) != JSON_OK ||
	    !json_get_str(p, "to") || !json_get_str(p, "body")) {
		snprintf(err, errsz, "sms payload is malformed");
		goto out;
	}
	const char *prov = sms_provider(), *to = json_get_str(p, "to"), *body = json_get_str(p, "body");
	if (str_eq(prov, "twilio"))
		res = twilio(a, job, to, body, err, errsz, retry_after_ms);
	else if (str_eq(prov, "capture"))
		res = capture(job, to, body, err, errsz);
	else
		snprintf(err, errsz, "no SMS provider configured (AUTHGATE_SMS_PROVIDER)");
out:
	arena_free(a);
	return res;
}

void sms_init(void)
{
	outbox_register("sms", handle_sms);
}

struct list_ctx {
	struct arena *a;
	cJSON *arr;
};

static int list_row(void *ud, const struct store_row *row)
{
	struct list_ctx *c = ud;
	size_t n = 0;
	unsigned char *body = master_open("sms-captured", row_str(row, 0), row_str(row, 3), &n);
	cJSON *o = json_obj(c->a);
	cJSON_AddStringToObject(o, "id", row_str(row, 0));
	json_add_str(o, "app_id", row_str(row, 1));
	cJSON_AddStringToObject(o, "to", row_str(row, 2));
	json_add_str(o, "body", body ? (const char *)body : NULL);
	json_add_time(o, "created_at", row_int(row, 4));
	cJSON_AddItemReferenceToArray(c->arr, o);
	if (body) {
		sec_zero(body, n);
		free(body);
	}
	return 0;
}

enum ag_err sms_captured_list(struct arena *a, int limit, cJSON **out)
{
	struct list_ctx c = {a, json_arr(a)};
	*out = c.arr;
	return db_query(g_app.store,
	                "SELECT id, app_id, to_number, body, created_at FROM sms_captured "
	                "ORDER BY created_at DESC, id DESC LIMIT $1",
	                P(SV_INT(limit)), list_row, &c);
}
