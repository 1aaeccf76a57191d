/* device.c — the device app: its pages (/app, installable PWA) and its API under
 * /app/api: enrollment by proving an email, signed log-in, the person's pending
 * requests (JSON and SSE), finding a request by the code on a login screen, and the
 * signed approve / deny. Same-origin only: the app is served from here. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/push.h"
#include "config/config.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/wait.h"

static struct rate_policy enroll_ip = {"push:enroll:ip", 10, 60, false};
static const struct rate_policy enroll_email = {"push:enroll:email", 3, 600, false};
static struct rate_policy verify_ip = {"push:enrollverify:ip", 20, 60, false};
static const struct rate_policy login_ip = {"push:login:ip", 30, 60, false};
static const struct rate_policy lookup_dev = {"push:lookup:device", 10, 60, false};
static const struct rate_policy lookup_ip = {"push:lookup:ip", 30, 60, false};
/* Before the signature is checked nothing is known but the address (a device id in the
 * body is anyone's to write). */
static struct rate_policy decide_ip = {"push:decide:ip", 60, 60, false};

void api_device_configure(void)
{
	enroll_ip.limit = (int)g_cfg.push_device_ip_per_min;
	verify_ip.limit = 2 * (int)g_cfg.push_device_ip_per_min;
	decide_ip.limit = 6 * (int)g_cfg.push_device_ip_per_min;
}

/* ---- pages ------------------------------------------------------------------------ */

void h_device_page(struct req *r)
{
	if (!assets_serve(r, "app/index.html"))
		resp_error(r, AG_ENOTFOUND, "no device app in this build");
}

void h_device_file(struct req *r)
{
	const char *file = req_param(r, 0);
	if (!file || strstr(file, "..") || str_eq(file, "index.html") ||
	    !assets_serve(r, arena_printf(r->a, "app/%s", file))) {
		resp_error(r, AG_ENOTFOUND, "no such file");
		return;
	}
	if (str_eq(file, "sw.js")) {
		/* A worker obeys the CSP it was served with: it may fetch our own origin. */
		resp_header(r, "Content-Security-Policy", "default-src 'self'");
		/* Its scope is /app (the page itself), one level above the script's directory. */
		resp_header(r, "Service-Worker-Allowed", "/app");
		resp_header(r, "Cache-Control", "no-cache"); /* browsers check service workers for updates */
	}
}

/* ---- enrollment -------------------------------------------------------------------- */

void h_device_enroll(struct req *r)
{
	if (!api_rate_limit(r, &enroll_ip, r->ip))
		return;
	const char *email = user_normalize_email(r->a, req_str(r, "email"));
	if (!email) {
		resp_error(r, AG_EINVAL, "email must be an email address");
		return;
	}
	if (!api_rate_limit(r, &enroll_email, email))
		return;
	struct project *p = NULL;
	const char *app_id = req_str(r, "app_id");
	if (app_id && project_get(r->a, app_id, &p) != AG_OK)
		p = NULL; /* only branding: an unknown app_id falls back to AuthGate's */
	const char *id;
	enum ag_err e = push_enroll_start(r->a, email, p, r->ip, req_str(r, "locale"), &id);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	/* Same answer for every address: nothing tells whether it has devices. */
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "enrollment_id", id);
	cJSON_AddNumberToObject(o, "expires_in", PUSH_ENROLL_TTL_S);
	resp_json(r, 200, o);
}

void h_device_enroll_verify(struct req *r)
{
	if (!api_rate_limit(r, &verify_ip, r->ip))
		return;
	const char *enr = req_str(r, "enrollment_id"), *code = req_str(r, "code"), *link = req_str(r, "link");
	if (!link && (!enr || !code)) {
		resp_error(r, AG_EINVAL, "send enrollment_id and code, or link");
		return;
	}
	struct push_device *d;
	enum ag_err e = push_enroll_finish(r->a, enr, code, link, req_str(r, "name"), req_field(r, "public_key"), &d);
	if (e) {
		if (ag_err_is(e, AG_EUNAUTH) || ag_err_is(e, AG_EGONE))
			log_security("push_enroll_failed", r->ip, "%s", ag_err_code(e));
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = push_device_json(r->a, d);
	cJSON_AddStringToObject(o, "token", push_device_token(r->a, d));
	cJSON_AddNumberToObject(o, "token_expires_in", PUSH_DEVICE_TOKEN_TTL_S);
	resp_json(r, 201, o);
}

void h_device_login(struct req *r)
{
	if (!api_rate_limit(r, &login_ip, r->ip))
		return;
	struct push_device *d;
	char *token;
	enum ag_err e = push_device_login(r->a, req_str(r, "device_id"), req_int(r, "ts", 0), req_str(r, "sig"), &d,
					  &token);
	if (e) {
		if (ag_err_is(e, AG_EUNAUTH) || ag_err_is(e, AG_ECONFLICT))
			log_security("push_device_login_failed", r->ip, "%s", ag_err_code(e));
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "token", token);
	cJSON_AddNumberToObject(o, "expires_in", PUSH_DEVICE_TOKEN_TTL_S);
	cJSON_AddItemReferenceToObject(o, "device", push_device_json(r->a, d));
	resp_json(r, 200, o);
}

/* ---- the authenticated device ---------------------------------------------------------- */

static struct push_device *authed(struct req *r, const char *token)
{
	struct push_device *d = NULL;
	enum ag_err e = push_device_auth(r->a, token, &d);
	if (ag_err_is(e, AG_EUNAUTH)) {
		resp_error(r, AG_EUNAUTH, "device token missing, invalid or expired: sign in again");
		return NULL;
	}
	if (e) {
		api_fail(r, e, NULL);
		return NULL;
	}
	return d;
}

void h_device_requests(struct req *r)
{
	struct push_device *d = authed(r, req_bearer(r));
	if (!d)
		return;
	cJSON *list;
	enum ag_err e = push_pending(r->a, d->email, &list);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "device", push_device_json(r->a, d));
	cJSON_AddItemReferenceToObject(o, "requests", list);
	resp_json(r, 200, o);
}

struct events_ctx {
	struct waiter *w;
	char device_id[40];
};

static bool sse_event(struct stream *s, const char *event, const char *data)
{
	char head[64];
	int n = snprintf(head, sizeof head, "event: %s\ndata: ", event);
	return stream_push(s, head, (size_t)n) && stream_push(s, data, strlen(data)) && stream_push(s, "\n\n", 2);
}

static bool deliver_device(struct stream *s, const struct wait_event *ev, void *ud)
{
	struct events_ctx *c = ud;
	if (!ev) {
		sse_event(s, "reauth", "{}"); /* the token's life is over: sign in again */
		return false;
	}
	if (str_eq(ev->name, "removed")) {
		/* A device of this email was removed: if it is this one, its stream ends now. */
		if (!str_eq(ev->data, c->device_id))
			return true;
		sse_event(s, "reauth", "{}");
		return false;
	}
	return sse_event(s, ev->name, ev->data);
}

static void events_done(struct stream *s, void *ud)
{
	(void)s;
	struct events_ctx *c = ud;
	wait_detach(c->w);
	c->w = NULL;
}

static bool push_snapshot(struct req *r, struct stream *st, const char *email)
{
	cJSON *list;
	if (push_pending(r->a, email, &list) != AG_OK)
		return false;
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "requests", list);
	return sse_event(st, "requests", json_print(r->a, o));
}

/* GET /app/api/events?token=...: EventSource cannot send headers, so the device
 * token comes in the query string (never logged). */
void h_device_events(struct req *r)
{
	const char *tok = req_query(r, "token");
	struct push_device *d = authed(r, tok ? tok : req_bearer(r));
	if (!d)
		return;
	struct events_ctx *c = arena_calloc(r->a, sizeof(*c));
	str_copy(c->device_id, d->id, sizeof c->device_id);
	c->w = wait_begin(push_email_key(r->a, d->email));
	struct stream *st = req_stream(r, 200, "text/event-stream", events_done, c);
	stream_push(st, "retry: 3000\n\n", 13);
	if (!push_snapshot(r, st, d->email)) {
		wait_cancel(c->w);
		c->w = NULL;
		stream_close(st);
		return;
	}
	/* A stream lives no longer than the token that opened it. */
	int64_t life = d->token_exp * 1000 - time_now_ms();
	if (!wait_attach(c->w, st, life, deliver_device, c))
		push_snapshot(r, st, d->email); /* something changed while we read */
}

void h_device_lookup(struct req *r)
{
	struct push_device *d = authed(r, req_bearer(r));
	if (!d || !api_rate_limit(r, &lookup_dev, d->id) || !api_rate_limit(r, &lookup_ip, r->ip))
		return;
	const char *code = req_str(r, "code");
	struct push_session *s;
	struct project *p;
	enum ag_err e = code && strlen(code) == PUSH_CODE_DIGITS ? push_find_by_code(r->a, code, d->email, &s)
								 : AG_ENOTFOUND;
	if (e == AG_OK)
		e = project_get(r->a, s->app_id, &p);
	if (e == AG_OK && (p->disabled || !project_provider_on(p, "push")))
		e = AG_ENOTFOUND;
	if (e) {
		api_fail(r, ag_err_is(e, AG_ENOTFOUND) ? AG_PUSH_UNKNOWN_CODE : e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "request", push_request_json(r->a, s, p));
	resp_json(r, 200, o);
}

void h_device_decide(struct req *r)
{
	const char *device_id = req_str(r, "device_id");
	if (!api_rate_limit(r, &decide_ip, r->ip))
		return;
	struct push_decision dd = {
		.request_id = req_param(r, 0),
		.device_id = device_id,
		.decision = req_str(r, "decision"),
		.code = req_str(r, "code"),
		.ts = req_int(r, "ts", 0),
		.sig = req_str(r, "sig"),
	};
	struct push_decided out;
	enum ag_err e = push_decide(r->a, &dd, &out);
	if (out.status)
		api_push_publish_decision(r, &out); /* decided, possibly by the last wrong code */
	if (e) {
		if (ag_err_is(e, AG_EUNAUTH) || ag_err_is(e, AG_ECONFLICT) || e == AG_PUSH_WRONG_DEVICE)
			log_security("push_decision_refused", r->ip, "%s", ag_err_code(e));
		if (e == AG_PUSH_WRONG_CODE) {
			/* The error plus what the device app shows: tries left, denied at the last. */
			cJSON *o = json_obj(r->a);
			cJSON_AddStringToObject(o, "error", ag_err_code(e));
			cJSON_AddStringToObject(o, "message", ag_err_message(e));
			cJSON_AddNumberToObject(o, "attempts_left", out.attempts_left);
			if (out.status)
				cJSON_AddStringToObject(o, "status", out.status);
			resp_json(r, ag_err_status(e), o);
			return;
		}
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "request_id", out.s->request_id);
	cJSON_AddStringToObject(o, "status", out.status);
	json_add_str(o, "reason", out.s->reason);
	resp_json(r, 200, o);
}

void h_device_remove(struct req *r)
{
	struct push_device *d = authed(r, req_bearer(r));
	if (!d)
		return;
	enum ag_err e = push_device_revoke(d->id);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_info("push", "device %s removed by itself", d->id);
	api_push_publish(r->a, push_email_key(r->a, d->email), "removed", d->id, d->id);
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "removed", 1);
	resp_json(r, 200, o);
}
