/* push.c — seed 000's push-to-approve endpoints for apps and browsers: POST
 * /auth/start, GET /auth/check/{session_id} (plain, ?wait=N long-poll, or SSE),
 * GET /auth/verify, GET /widget.js; and the publishing of session events to the
 * waiters of http/wait.h. The device side is device.c. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/push.h"
#include "auth/tokens.h"
#include "config/config.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/wait.h"
#include "sec/jwt.h"
#include "sec/sec.h"

#define EXPIRY_WAKE_SLACK_MS 20

#define CHECK_WAIT_MAX_S 30
#define SESSION_ID_LEN 43 /* base64url of 32 bytes */

static struct rate_policy start_ip = {"push:start:ip", 30, 60, false};
static struct rate_policy start_email = {"push:start:email", 5, 600, false};
static const struct rate_policy verify_ip = {"push:verify:ip", 1000, 5, false};

void api_push_configure(void)
{
	start_ip.limit = (int)g_cfg.push_start_ip_per_min;
	start_email.limit = (int)g_cfg.push_start_email_per_10min;
}

/* ---- publishing -------------------------------------------------------------------- */

void api_push_publish_request(struct req *r, const struct push_session *s, const struct project *p)
{
	if (!s->email)
		return;
	const char *data = json_print(r->a, push_request_json(r->a, s, p));
	api_push_publish(r->a, push_email_key(r->a, s->email), "request", data, data);
}

void api_push_publish_decision(struct req *r, const struct push_decided *d)
{
	const struct push_session *s = d->s;
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "status", d->status);
	if (d->token)
		cJSON_AddStringToObject(o, "token", d->token);
	const cJSON *m;
	cJSON_ArrayForEach(m, d->mfa) cJSON_AddItemReferenceToObject(o, m->string, (cJSON *)m);
	if (s->reason)
		cJSON_AddStringToObject(o, "reason", s->reason);
	const char *key = push_session_key(r->a, s->id_hash);
	struct wait_event ev = {"status", json_print(r->a, o), NULL};
	if (wait_publish(key, &ev) > 0 && (d->token || d->mfa))
		push_mark_claimed(s->id_hash); /* the token went out to every waiter here at once */
	/* Then other nodes, without the token: a node with waiters re-reads the session and
	 * claims it, which fails if it went out here. */
	api_push_relay(r->a, key, "status", NULL);
	if (s->email) {
		cJSON *res = json_obj(r->a);
		cJSON_AddStringToObject(res, "request_id", s->request_id);
		cJSON_AddStringToObject(res, "status", d->status);
		const char *data = json_print(r->a, res);
		api_push_publish(r->a, push_email_key(r->a, s->email), "resolved", data, data);
	}
}

/* ---- POST /auth/start ---------------------------------------------------------------- */

/* The project named by app_id, with CORS decided against its own origins. False
 * having answered. */
static bool push_project(struct req *r, const char *app_id, struct project **p)
{
	enum ag_err e = project_get(r->a, app_id, p);
	if (ag_err_is(e, AG_ENOTFOUND)) {
		resp_error(r, AG_ENOTFOUND, "unknown app_id");
		return false;
	}
	if (e) {
		api_fail(r, e, NULL);
		return false;
	}
	if (r->origin) {
		if (!project_allows_origin(*p, r->origin)) {
			log_security("cors_refused", r->ip, "origin not allowed for app %s", app_id);
			resp_error(r, AG_EFORBIDDEN, "this origin is not allowed for this app_id");
			return false;
		}
		r->cors_ok = true;
	}
	if ((*p)->disabled) {
		resp_error(r, AG_EFORBIDDEN, "this app is disabled");
		return false;
	}
	if (!project_provider_on(*p, "push")) {
		api_fail(r, AG_PUSH_DISABLED, NULL);
		return false;
	}
	return true;
}

bool api_push_begin(struct req *r, struct project *p, const char *email, struct push_started *st)
{
	if (!api_rate_limit(r, &start_ip, r->ip))
		return false;
	if (email) {
		/* Push bombing: a person gets a few prompts, then a pause. */
		if (!api_rate_limit(r, &start_email, email))
			return false;
		/* After "this wasn't me", the address that started it may not prompt that
		 * person again for a while. */
		int64_t retry_s = 0;
		enum ag_err e = push_not_me_block(email, r->ip, &retry_s);
		if (e) {
			api_fail(r, e, NULL);
			return false;
		}
		if (retry_s > 0) {
			resp_header(r, "Retry-After", arena_printf(r->a, "%lld", (long long)retry_s));
			resp_error(r, AG_ERATE, "this person reported a sign-in from this address as not theirs; retry later");
			log_security("push_blocked_not_me", r->ip, "start refused after a not-me report");
			return false;
		}
	}
	const char *ua = req_header(r, "User-Agent");
	if (ua && strlen(ua) > 256)
		ua = arena_strndup(r->a, ua, 256);
	if (ua && !str_is_utf8(ua, strlen(ua)))
		ua = NULL;
	enum ag_err e = push_start(r->a, p, email, r->ip, ua, st);
	if (e) {
		api_fail(r, e, NULL);
		return false;
	}
	struct push_session s = {.request_id = st->request_id, .app_id = p->app_id, .email = email, .status = "pending",
				 .ip = r->ip, .user_agent = ua, .created_at = st->expires_at - g_cfg.push_ttl_s * 1000,
				 .expires_at = st->expires_at};
	api_push_publish_request(r, &s, p);
	return true;
}

void h_push_start(struct req *r)
{
	struct project *p;
	if (!push_project(r, req_str(r, "app_id"), &p))
		return;
	const char *raw = req_str(r, "email"), *email = NULL;
	if (!str_eq(raw, PUSH_CODE_ONLY_EMAIL) && !(email = user_normalize_email(r->a, raw))) {
		if (!api_rate_limit(r, &start_ip, r->ip))
			return;
		resp_error(r, AG_EINVAL, "email must be an email address");
		return;
	}
	struct push_started st;
	if (!api_push_begin(r, p, email, &st))
		return;
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "session_id", st.session_id);
	cJSON_AddStringToObject(o, "code", st.code);
	cJSON_AddNumberToObject(o, "expires_in", (double)g_cfg.push_ttl_s);
	resp_json(r, 200, o);
}

/* ---- GET /auth/check/{session_id} ---------------------------------------------------- */

struct check_ctx {
	int64_t expires_at;
	struct waiter *w;
};

static void answer_check(struct req *r, const struct wait_event *ev, void *ud)
{
	struct check_ctx *c = ud;
	if (ev) {
		/* The event belongs to the publisher's request: copy it into ours. */
		resp_raw(r, 200, "application/json", arena_strdup(r->a, ev->data), strlen(ev->data));
		return;
	}
	int64_t now = time_now_ms();
	const char *body = now >= c->expires_at
				   ? "{\"status\":\"expired\"}"
				   : arena_printf(r->a, "{\"status\":\"pending\",\"expires_in\":%lld}",
						  (long long)((c->expires_at - now + 999) / 1000));
	resp_raw(r, 200, "application/json", body, strlen(body));
}

static bool sse_push(struct stream *s, const char *event, const char *data)
{
	char head[64];
	int n = snprintf(head, sizeof head, "event: %s\ndata: ", event);
	return stream_push(s, head, (size_t)n) && stream_push(s, data, strlen(data)) && stream_push(s, "\n\n", 2);
}

static bool deliver_status(struct stream *s, const struct wait_event *ev, void *ud)
{
	(void)ud;
	sse_push(s, "status", ev ? ev->data : "{\"status\":\"expired\"}");
	return false; /* every published session event is final */
}

static void check_stream_done(struct stream *s, void *ud)
{
	(void)s;
	struct check_ctx *c = ud;
	wait_detach(c->w);
	c->w = NULL;
}

static bool terminal(const char *status)
{
	return !str_eq(status, "pending");
}

static void check_sse(struct req *r, struct push_session *s, struct check_ctx *c)
{
	int64_t now = time_now_ms();
	struct stream *st = req_stream(r, 200, "text/event-stream", check_stream_done, c);
	stream_push(st, "retry: 2000\n\n", 13);
	sse_push(st, "status", push_status_json(r->a, s));
	if (terminal(push_status(s, now))) {
		wait_cancel(c->w);
		c->w = NULL;
		stream_close(st);
		return;
	}
	if (wait_attach(c->w, st, s->expires_at - now + 500, deliver_status, c))
		return;
	/* Something happened while we read: say where things stand now. */
	struct push_session *again;
	if (push_session_by_request(r->a, s->request_id, &again, NULL) == AG_OK && terminal(push_status(again, now))) {
		sse_push(st, "status", push_status_json(r->a, again));
		stream_close(st);
	}
}

void h_push_check(struct req *r)
{
	const char *sid = req_param(r, 0);
	const char *wait_s = req_query(r, "wait");
	const char *accept = req_header(r, "Accept");
	bool sse = accept && strstr(accept, "text/event-stream");
	int64_t wait = 0;
	if (wait_s && str_to_i64(wait_s, 0, CHECK_WAIT_MAX_S, &wait)) {
		resp_error(r, AG_EINVAL, "wait must be a whole number of seconds from 0 to 30");
		return;
	}
	if (!sid || strlen(sid) != SESSION_ID_LEN) {
		resp_error(r, AG_ENOTFOUND, "no such session");
		return;
	}
	char h[65];
	sha256_hex(h, sid);
	struct check_ctx *c = arena_calloc(r->a, sizeof(*c));
	/* Note events from now on, so a decision between our read and our wait is seen. */
	if (sse || wait > 0)
		c->w = wait_begin(push_session_key(r->a, h));
	struct push_session *s;
	struct project *p;
	enum ag_err e = push_session_by_sid(r->a, sid, &s);
	if (e == AG_OK)
		e = project_get(r->a, s->app_id, &p);
	if (e) {
		if (c->w)
			wait_cancel(c->w);
		if (ag_err_is(e, AG_ENOTFOUND))
			resp_error(r, AG_ENOTFOUND, "no such session");
		else
			api_fail(r, e, NULL);
		return;
	}
	if (r->origin) {
		if (!project_allows_origin(p, r->origin)) {
			if (c->w)
				wait_cancel(c->w);
			log_security("cors_refused", r->ip, "origin not allowed for app %s", p->app_id);
			resp_error(r, AG_EFORBIDDEN, "this origin is not allowed for this app_id");
			return;
		}
		r->cors_ok = true;
	}
	c->expires_at = s->expires_at;
	if (sse) {
		check_sse(r, s, c);
		return;
	}
	int64_t now = time_now_ms();
	if (c->w && !terminal(push_status(s, now))) {
		/* Parked until the session expires: the waiter's deadline runs on the monotonic
		 * clock, so wake a little after the wall-clock expiry, never a moment before
		 * it (that answered "pending, expires_in 1" at the end of a session). */
		int64_t timeout = wait * 1000;
		if (s->expires_at - now + EXPIRY_WAKE_SLACK_MS < timeout)
			timeout = s->expires_at - now + EXPIRY_WAKE_SLACK_MS;
		if (wait_park(c->w, r, timeout, answer_check, c))
			return;
		/* Missed an event (or stopping): answer from a fresh read. */
		if (push_session_by_sid(r->a, sid, &s)) {
			api_fail(r, AG_EUNAVAIL, NULL);
			return;
		}
	} else if (c->w) {
		wait_cancel(c->w);
	}
	const char *body = push_status_json(r->a, s);
	resp_raw(r, 200, "application/json", body, strlen(body));
}

/* ---- GET /auth/verify?token= ----------------------------------------------------------- */

static void verify_fail(struct req *r, int status, const char *msg)
{
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "valid", 0);
	cJSON_AddStringToObject(o, "error", msg);
	resp_json(r, status, o);
}

void h_push_verify(struct req *r)
{
	if (!api_rate_limit(r, &verify_ip, r->ip))
		return;
	const char *token = req_query(r, "token");
	if (!token || !*token) {
		verify_fail(r, 400, "Missing token");
		return;
	}
	/* The token names its project; the project's secret decides. */
	const char *app_id = jwt_peek_str(r->a, token, "app");
	const struct jobj *claims = NULL;
	struct project *p = NULL;
	struct jw w;
	if (!app_id || project_get(r->a, app_id, &p) != AG_OK || p->disabled ||
	    !api_token_check(r->a, p, token, &w, &claims)) {
		verify_fail(r, 401, "Invalid or expired token");
		return;
	}
	if (r->origin && project_allows_origin(p, r->origin))
		r->cors_ok = true;
	w.len--; /* reopen the answer's object: '}' */
	const struct jval *device = jobj_get(claims, "device_id");
	if (device && device->kind == JK_STR) {
		jw_lit(&w, ",\"device_id\":");
		jw_jstr(&w, device);
	}
	jw_lit(&w, ",\"app_id\":");
	jw_str(&w, app_id);
	jw_lit(&w, "}");
	resp_raw(r, 200, "application/json", jw_text(&w), w.len);
}

/* ---- GET /widget.js ------------------------------------------------------------------- */

void h_push_widget(struct req *r)
{
	if (!assets_serve(r, "widget.js"))
		resp_error(r, AG_ENOTFOUND, "no widget in this build");
}
