/* push_decide.c — a device's signed answer to a push sign-in request (seed 000): the
 * checks, then the decision in one transaction with its webhook outbox rows. A wrong
 * number-matching code is counted; the last allowed one denies the request. */
#include <string.h>

#include "auth/mfa.h"
#include "auth/push.h"
#include "auth/users.h"
#include "core/buf.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "hook/hook.h"
#include "jobs/outbox.h"
#include "sec/sec.h"
#include "store/store.h"

/* The webhook body: compact JSON in the seed's field order, byte-identical to what
 * JSON.stringify(JSON.parse(body)) gives, so receivers that re-serialize verify it. */
static char *webhook_body(struct arena *a, const char *event, const struct push_session *s, const char *email,
			  const struct push_device *d, bool new_device, const char *reason)
{
	char ts[32];
	time_iso8601(ts, s->decided_at, false);
	struct buf b = BUF_INIT(8192);
	buf_puts(&b, "{\"event\":");
	json_buf_str(&b, event);
	buf_puts(&b, ",\"session_id\":");
	json_buf_str(&b, push_session_id(a, s->request_id));
	buf_puts(&b, ",\"timestamp\":");
	json_buf_str(&b, ts);
	buf_puts(&b, ",\"app_id\":");
	json_buf_str(&b, s->app_id);
	buf_puts(&b, ",\"email\":");
	if (email)
		json_buf_str(&b, email);
	else
		buf_puts(&b, "null");
	buf_puts(&b, ",\"ip\":");
	json_buf_str(&b, s->ip);
	buf_puts(&b, ",\"device_id\":");
	json_buf_str(&b, d->id);
	if (str_eq(event, "approved")) {
		buf_puts(&b, ",\"device_name\":");
		json_buf_str(&b, d->name);
		buf_puts(&b, new_device ? ",\"new_device\":true" : ",\"new_device\":false");
	} else {
		buf_puts(&b, ",\"reason\":");
		json_buf_str(&b, reason);
	}
	buf_puts(&b, "}");
	char *out = arena_strdup(a, b.p ? b.p : "{}");
	buf_free(&b);
	return out;
}

static bool valid_decision(const char *d)
{
	return str_eq(d, "approve") || str_eq(d, "deny") || str_eq(d, "not_me");
}

/* Inside the transaction: the session becomes approved/denied (once), the user exists,
 * the device's first approval for the app is noted, the webhooks are queued. */
static enum ag_err decide_tx(struct arena *a, struct push_decided *out, const char *status, const char *reason,
			     int64_t now)
{
	struct push_session *s = out->s;
	struct push_device *d = out->d;
	const char *email = s->email ? s->email : (str_eq(reason, "wrong_code") ? NULL : d->email);
	bool new_device = false;
	int64_t changes = 0;
	enum ag_err e = AG_OK;
	if (str_eq(status, "approved")) {
		e = user_upsert(a, s->app_id, email, true, NULL, &out->u);
		if (e == AG_OK && out->u->disabled_at)
			e = AG_USER_DISABLED; /* the phone is told; the sign-in stays pending, then expires */
		if (e == AG_OK)
			e = user_touch_login(out->u->id);
		if (e == AG_OK)
			e = db_exec_n(g_app.store,
				      "INSERT INTO push_device_apps (device_id, app_id, first_approved_at) VALUES ($1, $2, $3) "
				      "ON CONFLICT (device_id, app_id) DO NOTHING",
				      P(SV_TEXT(d->id), SV_TEXT(s->app_id), SV_INT(now)), &changes);
		new_device = changes == 1;
	}
	if (e == AG_OK)
		e = db_exec_n(g_app.store,
			      "UPDATE push_sessions SET status = $2, reason = $3, decided_at = $4, device_id = $5, "
			      "email = $6, user_id = $7 WHERE id_hash = $1 AND status = 'pending'",
			      P(SV_TEXT(s->id_hash), SV_TEXT(status), SV_TEXT(reason), SV_INT(now), SV_TEXT(d->id),
				SV_TEXT(email), SV_TEXT(out->u ? out->u->id : NULL)),
			      &changes);
	if (e == AG_OK && changes == 0)
		e = AG_PUSH_ALREADY_DECIDED; /* decided concurrently */
	if (e == AG_OK)
		e = db_exec(g_app.store, "UPDATE push_devices SET last_seen_at = $2 WHERE id = $1",
			    P(SV_TEXT(d->id), SV_INT(now)));
	if (e)
		return e;
	s->status = status;
	s->reason = reason;
	s->decided_at = now;
	s->device_id = d->id;
	s->email = email;
	s->user_id = out->u ? out->u->id : NULL;
	const char *event = str_eq(status, "approved") ? "approved" : "denied";
	return hook_emit_scoped(a, s->app_id, event, webhook_body(a, event, s, email, d, new_device, reason), s->id_hash,
				NULL);
}

/* Before anything is written: a known device and its fresh signature, then a pending,
 * unexpired request of an enabled project, for this device's email. *canon gets the
 * signed message, *code_hash the request's code. */
static enum ag_err check(struct arena *a, const struct push_decision *dd, int64_t now, struct push_decided *out,
			 const char **canon, const char **code_hash)
{
	if (!valid_decision(dd->decision))
		return AG_PUSH_BAD_DECISION;
	enum ag_err e = push_device_get(a, dd->device_id, &out->d);
	if (e)
		return ag_err_is(e, AG_ENOTFOUND) ? AG_PUSH_UNKNOWN_DEVICE : e;
	*canon = push_canon_decision(a, dd->request_id, dd->decision, dd->code, dd->ts, dd->device_id);
	if ((e = push_sig_check(out->d, *canon, dd->ts, dd->sig)))
		return e;
	e = push_session_by_request(a, dd->request_id, &out->s, code_hash);
	if (e == AG_OK)
		e = project_get(a, out->s->app_id, &out->p);
	if (e)
		return ag_err_is(e, AG_ENOTFOUND) ? AG_PUSH_UNKNOWN_REQUEST : e;
	const struct push_session *s = out->s;
	if (out->p->disabled || !project_provider_on(out->p, "push"))
		return AG_PUSH_DISABLED;
	if (!str_eq(s->status, "pending"))
		return AG_PUSH_ALREADY_DECIDED;
	if (now >= s->expires_at)
		return AG_PUSH_EXPIRED;
	if (s->email && !str_eq(s->email, out->d->email))
		return AG_PUSH_WRONG_DEVICE;
	return AG_OK;
}

/* Inside the transaction: count a wrong code; the last allowed one denies. */
static enum ag_err wrong_code_tx(struct arena *a, struct push_decided *out, int64_t now)
{
	struct push_session *s = out->s;
	int64_t changes = 0;
	enum ag_err e = db_exec_n(g_app.store,
				  "UPDATE push_sessions SET code_attempts = code_attempts + 1 WHERE id_hash = $1 AND status = 'pending'",
				  P(SV_TEXT(s->id_hash)), &changes);
	if (e)
		return e;
	s->code_attempts++;
	out->attempts_left = (int)(PUSH_CODE_ATTEMPTS - s->code_attempts);
	if (out->attempts_left > 0)
		return AG_OK;
	out->attempts_left = 0;
	if ((e = decide_tx(a, out, "denied", "wrong_code", now)))
		return e;
	out->status = "denied";
	return AG_OK;
}

static bool code_matches(const char *code, const char *code_hash)
{
	if (!code || !*code)
		return false;
	char h[65];
	push_code_hash(h, code);
	return ct_streq(h, code_hash);
}

enum ag_err push_decide(struct arena *a, const struct push_decision *dd, struct push_decided *out)
{
	memset(out, 0, sizeof(*out));
	int64_t now = time_now_ms();
	const char *canon = NULL, *code_hash = NULL;
	enum ag_err e = check(a, dd, now, out, &canon, &code_hash);
	if (e)
		return e;
	struct push_session *s = out->s;
	bool approve = str_eq(dd->decision, "approve");
	/* Number matching: approving needs the code; so does any answer to a code-only
	 * session, whose code is how the device claimed it. */
	bool wrong_code = (approve || !s->email) && !code_matches(dd->code, code_hash);
	const char *status = approve ? "approved" : "denied";
	const char *reason = approve ? NULL : str_eq(dd->decision, "not_me") ? "not_me" : "denied";
	if ((e = db_begin(g_app.store)))
		return e;
	e = push_nonce_spend(canon);
	if (e == AG_OK)
		e = wrong_code ? wrong_code_tx(a, out, now) : decide_tx(a, out, status, reason, now);
	if ((e = db_end(g_app.store, e)))
		return e;
	if (wrong_code) {
		if (out->status)
			outbox_kick();
		log_security("push_wrong_code", s->ip, "request %s, device %s", s->request_id, out->d->id);
		return AG_PUSH_WRONG_CODE;
	}
	outbox_kick();
	out->status = status;
	if (out->u) {
		struct mfa_begin mfa;
		out->token = push_session_token(a, s, out->p, out->u, &mfa);
		if (mfa.required)
			push_mfa_json(out->mfa = json_obj(a), &mfa);
	}
	if (str_eq(reason, "not_me"))
		log_security("push_not_me", s->ip, "request %s for app %s reported by device %s", s->request_id, s->app_id,
			     out->d->id);
	return AG_OK;
}
