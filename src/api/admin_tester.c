/* admin_tester.c — seed 000's Live Webhook Tester, on the dashboard's /wh1: start a
 * push sign-in for an email from the page; its approved/denied webhook goes to an
 * endpoint bound to that sign-in only (AuthGate's own receiver at /wh1/receiver/{id},
 * or a receiver URL the operator gives); the page follows the sign-in on
 * /auth/check/{session_id} (SSE) and the deliveries on .../tester/{id}/events (SSE),
 * and shows each attempt with AuthGate's own check of both signatures and what the
 * receiver answered. So it works with nothing but AuthGate and a phone. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/push.h"
#include "config/config.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "hook/hook.h"
#include "http/wait.h"
#include "sec/sec.h"

#define TESTER_STREAM_AFTER_MS (15 * 60 * 1000) /* a stream outlives its sign-in (retries) */
#define RECEIVER_BODY_MAX (64 * 1024)

/* A person's phone gets a few test prompts, not a stream of them. */
static const struct rate_policy tester_app = {"tester:app", 10, 600, false};
/* The receiver is public: whoever posts to it spends from this. */
static const struct rate_policy receiver_ip = {"wh1:receiver:ip", 60, 60, false};

static const char *tester_key(struct arena *a, const char *id)
{
	return arena_printf(a, "t:%s", id);
}

/* Waiters of a tester hear of each delivery attempt (hook_on_attempt, on an outbox
 * worker), here and on other nodes. */
static void on_attempt(const char *endpoint_id, const char *delivery_id)
{
	if (!str_starts(endpoint_id, "wht_"))
		return;
	struct arena *a = arena_new();
	const char *data = arena_printf(a, "{\"delivery_id\":\"%s\"}", delivery_id);
	api_push_publish(a, tester_key(a, endpoint_id), "delivery", data, data);
	arena_free(a);
}

void api_tester_init(void)
{
	hook_on_attempt(on_attempt);
}

void h_admin_tester_start(struct req *r)
{
	struct project *p;
	if (!api_path_project(r, &p))
		return;
	if (p->disabled) {
		resp_error(r, AG_EFORBIDDEN, "this project is disabled: enable it first");
		return;
	}
	if (!project_provider_on(p, "push")) {
		api_fail(r, AG_PUSH_DISABLED, "push sign-in is off for this project: turn it on under Providers");
		return;
	}
	const char *email = user_normalize_email(r->a, req_str(r, "email"));
	const char *url = req_str(r, "receiver_url");
	if (!email) {
		resp_error(r, AG_EINVAL, "email must be an email address");
		return;
	}
	const char *why = url && *url ? hook_check_url(r->a, url) : NULL;
	if (why) {
		resp_error(r, AG_EINVAL, why);
		return;
	}
	if (!api_rate_limit(r, &tester_app, p->app_id))
		return;
	struct push_started st;
	enum ag_err e = push_start(r->a, p, email, r->ip, "AuthGate dashboard (Live Webhook Tester)", &st);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	char hash[65];
	sha256_hex(hash, st.session_id);
	struct hook_tester t;
	struct hook_tester_opts o = {p->app_id, hash, url && *url ? url : NULL, st.expires_at};
	e = hook_tester_create(r->a, &o, &t);
	if (e) {
		api_fail(r, e, t.why);
		return;
	}
	struct push_session s = {.request_id = st.request_id, .app_id = p->app_id, .email = email, .status = "pending",
				 .ip = r->ip, .user_agent = "AuthGate dashboard (Live Webhook Tester)",
				 .created_at = time_now_ms(), .expires_at = st.expires_at};
	api_push_publish_request(r, &s, p);
	log_info("tester", "push sign-in started for %s by %s (tester %s)", p->app_id, r->auth_subject, t.id);
	cJSON *out = json_obj(r->a), *tj = json_obj(r->a);
	cJSON_AddStringToObject(out, "session_id", st.session_id);
	cJSON_AddStringToObject(out, "code", st.code);
	cJSON_AddNumberToObject(out, "expires_in", (double)g_cfg.push_ttl_s);
	cJSON_AddStringToObject(out, "app_url", arena_printf(r->a, "%s/app", g_cfg.public_url));
	cJSON_AddStringToObject(tj, "id", t.id);
	cJSON_AddStringToObject(tj, "url", t.url);
	cJSON_AddStringToObject(tj, "target", t.target);
	cJSON_AddStringToObject(tj, "secret", t.secret);
	cJSON_AddItemReferenceToObject(out, "tester", tj);
	resp_json(r, 201, out);
}

/* The run: the sign-in's state, each delivery with its attempts (headers, answer,
 * AuthGate's check of both signatures), and what AuthGate's own receiver got. */
void h_admin_tester_get(struct req *r)
{
	struct project *p;
	if (!api_path_project(r, &p))
		return;
	struct hook_tester t;
	enum ag_err e = hook_tester_get(r->a, p->app_id, req_param(r, 1), &t);
	cJSON *list = NULL, *receipts = NULL, *out = json_obj(r->a), *deliveries = json_arr(r->a);
	if (e == AG_OK)
		e = hook_delivery_list(r->a, p->app_id, t.id, 20, &list);
	const cJSON *d;
	cJSON_ArrayForEach(d, list)
	{
		cJSON *full;
		if ((e = hook_delivery_get(r->a, p->app_id, t.id, json_get_str(d, "id"), &full)))
			break;
		cJSON_AddItemReferenceToArray(deliveries, full);
	}
	if (e == AG_OK)
		e = hook_receipts_list(r->a, t.id, &receipts);
	struct push_session *s = NULL;
	if (e == AG_OK && push_session_by_hash(r->a, t.session_hash, &s) == AG_OK)
		cJSON_AddStringToObject(out, "session_status", push_status(s, time_now_ms()));
	if (e) {
		api_fail(r, e, "no such tester run");
		return;
	}
	cJSON_AddStringToObject(out, "id", t.id);
	cJSON_AddStringToObject(out, "url", t.url);
	cJSON_AddStringToObject(out, "target", t.target);
	json_add_time(out, "expires_at", t.expires_at);
	cJSON_AddItemReferenceToObject(out, "deliveries", deliveries);
	cJSON_AddItemReferenceToObject(out, "receipts", receipts);
	resp_json(r, 200, out);
}

struct events_ctx {
	struct waiter *w;
};

static bool push_event(struct stream *s, const struct wait_event *ev, void *ud)
{
	(void)ud;
	if (!ev)
		return false;
	char head[64];
	int n = snprintf(head, sizeof head, "event: %s\ndata: ", ev->name);
	return stream_push(s, head, (size_t)n) && stream_push(s, ev->data, strlen(ev->data)) &&
	       stream_push(s, "\n\n", 2);
}

static void events_done(struct stream *s, void *ud)
{
	(void)s;
	struct events_ctx *c = ud;
	wait_detach(c->w);
	c->w = NULL;
}

/* SSE: "delivery" after each attempt, "receipt" when AuthGate's receiver got one. */
void h_admin_tester_events(struct req *r)
{
	struct project *p;
	if (!api_path_project(r, &p))
		return;
	struct hook_tester t;
	enum ag_err e = hook_tester_get(r->a, p->app_id, req_param(r, 1), &t);
	if (e) {
		api_fail(r, e, "no such tester run");
		return;
	}
	struct events_ctx *c = arena_calloc(r->a, sizeof *c);
	c->w = wait_begin(tester_key(r->a, t.id));
	struct stream *st = req_stream(r, 200, "text/event-stream", events_done, c);
	const char *hello = "retry: 2000\n\nevent: hello\ndata: {}\n\n";
	stream_push(st, hello, strlen(hello));
	int64_t life = t.expires_at - time_now_ms() + TESTER_STREAM_AFTER_MS;
	if (life < 1000)
		life = 1000;
	if (!wait_attach(c->w, st, life, push_event, c))
		push_event(st, &(struct wait_event){"delivery", "{}", NULL}, c); /* something happened meanwhile */
}

/* POST /wh1/receiver/{id}: AuthGate's own receiver for a tester run. It does what the
 * seed's Express and FastAPI handlers do (401 {"error": "Invalid signature"} when
 * X-AuthGate-Signature does not verify, else {"received": true}), checks the Standard
 * Webhooks signature too, and keeps what it got for the page. */
void h_wh1_receiver(struct req *r)
{
	if (!api_rate_limit(r, &receiver_ip, r->ip))
		return;
	struct hook_tester t;
	enum ag_err e = hook_tester_get(r->a, NULL, req_param(r, 0), &t);
	if (e == AG_OK && !str_eq(t.target, "self"))
		e = AG_ENOTFOUND;
	if (e == AG_OK && time_now_ms() > t.expires_at + HOOK_TESTER_KEEP_MS)
		e = AG_ENOTFOUND;
	if (e) {
		api_fail(r, e, "no such receiver");
		return;
	}
	const char *names[] = {"Content-Type",         "User-Agent", "X-AuthGate-Event",  "X-AuthGate-Delivery",
			       "X-AuthGate-Signature", "webhook-id", "webhook-timestamp", "webhook-signature"};
	cJSON *h = json_obj(r->a);
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		const char *v = req_header(r, names[i]);
		if (v && strlen(v) < 512 && str_is_utf8(v, strlen(v)))
			cJSON_AddStringToObject(h, names[i], v);
	}
	struct hook_check k;
	hook_verify(t.secret, r->body, r->body_len, req_header(r, "X-AuthGate-Signature"), req_header(r, "webhook-id"),
		    req_header(r, "webhook-timestamp"), req_header(r, "webhook-signature"), &k);
	sec_zero((void *)t.secret, strlen(t.secret));
	struct hook_receipt rc = {t.id, json_get_str(h, "X-AuthGate-Delivery"), json_print(r->a, h), r->body, r->body_len,
				  k.seed_ok, k.standard_ok, k.seed_ok ? 200 : 401};
	const char *id;
	if (!str_is_utf8(r->body, r->body_len) || (e = hook_receipt_add(r->a, &rc, &id))) {
		api_fail(r, e ? e : AG_EINVAL, "the body is not UTF-8 text");
		return;
	}
	const char *data = arena_printf(r->a, "{\"receipt_id\":\"%s\"}", id);
	api_push_publish(r->a, tester_key(r->a, t.id), "receipt", data, data);
	cJSON *o = json_obj(r->a);
	if (!k.seed_ok) {
		cJSON_AddStringToObject(o, "error", "Invalid signature");
		resp_json(r, 401, o);
		return;
	}
	cJSON_AddBoolToObject(o, "received", 1);
	cJSON *v = cJSON_AddObjectToObject(o, "verified");
	cJSON_AddBoolToObject(v, "x_authgate_signature", k.seed_ok);
	cJSON_AddBoolToObject(v, "webhook_signature", k.standard_ok);
	resp_json(r, 200, o);
}
