/* push_sessions.c — push auth sessions: start (with its number-matching code),
 * lookups, the one-time hand-out of the session token, what waiters and devices see
 * of a session. The signed decision is push_decide.c. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "auth/mfa.h"
#include "auth/push.h"
#include "auth/tokens.h"
#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "hook/hook.h"
#include "jobs/outbox.h"
#include "sec/sec.h"
#include "store/store.h"

#define SESS_COLS                                                                                          \
	"id_hash, request_id, app_id, email, status, reason, ip, user_agent, device_id, user_id, code_attempts, " \
	"created_at, expires_at, decided_at, token_claimed_at, code_hash"

static struct push_session *from_row(struct arena *a, const struct store_row *r, const char **code_hash)
{
	struct push_session *s = arena_calloc(a, sizeof(*s));
	s->id_hash = row_str(r, 0);
	s->request_id = row_str(r, 1);
	s->app_id = row_str(r, 2);
	s->email = row_str(r, 3);
	s->status = row_str(r, 4);
	s->reason = row_str(r, 5);
	s->ip = row_str(r, 6);
	s->user_agent = row_str(r, 7);
	s->device_id = row_str(r, 8);
	s->user_id = row_str(r, 9);
	s->code_attempts = row_int(r, 10);
	s->created_at = row_int(r, 11);
	s->expires_at = row_int(r, 12);
	s->decided_at = row_int(r, 13);
	s->token_claimed_at = row_int(r, 14);
	if (code_hash)
		*code_hash = row_str(r, 15);
	return s;
}

static enum ag_err load(struct arena *a, const char *where, const char *value, struct push_session **out,
			const char **code_hash)
{
	struct store_row r;
	*out = NULL;
	enum ag_err e = db_row(g_app.store, a, &r, arena_printf(a, "SELECT " SESS_COLS " FROM push_sessions WHERE %s = $1", where),
			       P(SV_TEXT(value)));
	if (e == AG_OK)
		*out = from_row(a, &r, code_hash);
	return e;
}

enum ag_err push_session_by_sid(struct arena *a, const char *session_id, struct push_session **out)
{
	char h[65];
	sha256_hex(h, session_id);
	return load(a, "id_hash", h, out, NULL);
}

enum ag_err push_session_by_hash(struct arena *a, const char *id_hash, struct push_session **out)
{
	return load(a, "id_hash", id_hash, out, NULL);
}

enum ag_err push_session_by_request(struct arena *a, const char *request_id, struct push_session **out,
				    const char **code_hash)
{
	return load(a, "request_id", request_id, out, code_hash);
}

const char *push_status(const struct push_session *s, int64_t now)
{
	if (str_eq(s->status, "pending") && now >= s->expires_at)
		return "expired";
	return s->status;
}

const char *push_session_key(struct arena *a, const char *id_hash)
{
	return arena_printf(a, "s:%s", id_hash);
}

const char *push_email_key(struct arena *a, const char *email)
{
	char h[65];
	sha256_hex(h, email);
	return arena_printf(a, "e:%s", h);
}

/* ---- start ---------------------------------------------------------------------- */

static void new_code(char out[PUSH_CODE_DIGITS + 1])
{
	snprintf(out, PUSH_CODE_DIGITS + 1, "%06u", rand_uniform(1000000));
}

enum ag_err push_start(struct arena *a, const struct project *p, const char *email, const char *ip,
		       const char *user_agent, struct push_started *out)
{
	char code[PUSH_CODE_DIGITS + 1], code_hash[65], id_hash[65];
	const char *request_id = rand_id(a, "pr_", 16);
	const char *sid = push_session_id(a, request_id);
	sha256_hex(id_hash, sid);
	int64_t now = time_now_ms(), expires = now + g_cfg.push_ttl_s * 1000;
	push_maybe_sweep();
	enum ag_err e = db_begin(g_app.store);
	if (e)
		return e;
	new_code(code);
	push_code_hash(code_hash, code);
	if (!email) {
		/* A code-only session is found by its code: keep codes unique while they live. */
		int64_t changes = 0;
		for (int i = 0; i < 8 && e == AG_OK && changes == 0; i++) {
			if (i) {
				new_code(code);
				push_code_hash(code_hash, code);
			}
			e = db_exec_n(g_app.store,
				      "INSERT INTO push_codes (code_hash, id_hash, expires_at) VALUES ($1, $2, $3) "
				      "ON CONFLICT (code_hash) DO UPDATE SET id_hash = excluded.id_hash, "
				      "expires_at = excluded.expires_at WHERE push_codes.expires_at < $4",
				      P(SV_TEXT(code_hash), SV_TEXT(id_hash), SV_INT(expires), SV_INT(now)), &changes);
		}
		if (e == AG_OK && changes == 0)
			e = AG_EUNAVAIL; /* a million live codes: shed load */
	}
	if (e == AG_OK)
		e = db_exec(g_app.store,
			    "INSERT INTO push_sessions (id_hash, request_id, app_id, email, code_hash, ip, user_agent, "
			    "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
			    P(SV_TEXT(id_hash), SV_TEXT(request_id), SV_TEXT(p->app_id), SV_TEXT(email), SV_TEXT(code_hash),
			      SV_TEXT(ip), SV_TEXT(user_agent), SV_INT(now), SV_INT(expires)));
	if (e) {
		db_rollback(g_app.store);
		return e;
	}
	if ((e = db_commit(g_app.store)))
		return e;
	out->session_id = sid;
	out->request_id = request_id;
	out->code = arena_strdup(a, code);
	out->expires_at = expires;
	return AG_OK;
}

/* ---- token hand-out --------------------------------------------------------------- */

void push_mfa_json(cJSON *o, const struct mfa_begin *mfa)
{
	cJSON_AddBoolToObject(o, "mfa_required", true);
	cJSON_AddStringToObject(o, "mfa_token", mfa->mfa_token);
	cJSON_AddItemReferenceToObject(o, "methods", mfa->methods);
	if (mfa->enroll)
		cJSON_AddBoolToObject(o, "enroll_required", true);
}

char *push_session_token(struct arena *a, const struct push_session *s, const struct project *p,
			 const struct user *u, struct mfa_begin *mfa)
{
	cJSON *extra = json_obj(a);
	json_add_str(extra, "device_id", s->device_id);
	if (mfa_begin(a, p, u, "push", "push", extra, NULL, mfa) != AG_OK)
		return NULL;
	return mfa->required ? NULL : (char *)mfa_session(a, p, u, "push", "push", extra);
}

enum ag_err push_claim_token(struct arena *a, const struct push_session *s, char **token, struct mfa_begin *mfa)
{
	*token = NULL;
	memset(mfa, 0, sizeof *mfa);
	int64_t now = time_now_ms(), changes = 0;
	if (!str_eq(s->status, "approved") || s->token_claimed_at || now - s->decided_at > PUSH_CLAIM_WINDOW_S * 1000LL)
		return AG_EGONE;
	struct project *p;
	struct user *u;
	enum ag_err e = project_get(a, s->app_id, &p);
	if (e == AG_OK && p->disabled)
		return AG_EGONE;
	if (e == AG_OK)
		e = user_by_id(a, s->app_id, s->user_id, &u);
	if (e == AG_OK)
		e = db_exec_n(g_app.store,
			      "UPDATE push_sessions SET token_claimed_at = $2 WHERE id_hash = $1 AND token_claimed_at IS NULL",
			      P(SV_TEXT(s->id_hash), SV_INT(now)), &changes);
	if (e)
		return e;
	if (changes == 0)
		return AG_EGONE; /* another check won the race */
	*token = push_session_token(a, s, p, u, mfa);
	return *token || mfa->required ? AG_OK : AG_EINTERNAL;
}

void push_mark_claimed(const char *id_hash)
{
	if (db_exec(g_app.store, "UPDATE push_sessions SET token_claimed_at = $2 WHERE id_hash = $1 AND token_claimed_at IS NULL",
		    P(SV_TEXT(id_hash), SV_INT(time_now_ms()))))
		log_warn("push", "cannot record the token hand-out of a session");
}

/* What a waiter is told of a session: {status, expires_in | token | token_claimed |
 * reason}. The first answer after approval claims the token. */
char *push_status_json(struct arena *a, const struct push_session *s)
{
	int64_t now = time_now_ms();
	const char *st = push_status(s, now);
	cJSON *o = json_obj(a);
	cJSON_AddStringToObject(o, "status", st);
	if (str_eq(st, "pending")) {
		cJSON_AddNumberToObject(o, "expires_in", (double)((s->expires_at - now + 999) / 1000));
	} else if (str_eq(st, "approved")) {
		char *token = NULL;
		struct mfa_begin mfa;
		enum ag_err e = push_claim_token(a, s, &token, &mfa);
		if (e == AG_OK && mfa.required) /* the second factor is still due: docs/MFA.md */
			push_mfa_json(o, &mfa);
		else if (e == AG_OK)
			cJSON_AddStringToObject(o, "token", token);
		else
			cJSON_AddBoolToObject(o, "token_claimed", 1);
	} else if (str_eq(st, "denied")) {
		json_add_str(o, "reason", s->reason);
	}
	return json_print(a, o);
}

enum ag_err push_not_me_block(const char *email, const char *ip, int64_t *retry_s)
{
	int64_t now = time_now_ms(), last = 0;
	*retry_s = 0;
	enum ag_err e = db_int(g_app.store, &last,
			       "SELECT COALESCE(MAX(decided_at), 0) FROM push_sessions WHERE email = $1 AND status = 'denied' "
			       "AND reason = 'not_me' AND ip = $2 AND decided_at > $3",
			       P(SV_TEXT(email), SV_TEXT(ip), SV_INT(now - PUSH_NOT_ME_BLOCK_S * 1000LL)));
	if (e == AG_OK && last)
		*retry_s = (last + PUSH_NOT_ME_BLOCK_S * 1000LL - now + 999) / 1000;
	return e;
}

/* ---- housekeeping ------------------------------------------------------------------ */

void push_maybe_sweep(void)
{
	static _Atomic int64_t last;
	int64_t now = time_now_ms(), prev = atomic_load(&last);
	if (now - prev < 60000 || !atomic_compare_exchange_strong(&last, &prev, now))
		return;
	int64_t day = 24 * 3600 * 1000LL;
	if (db_exec(g_app.store, "DELETE FROM push_nonces WHERE expires_at < $1", P(SV_INT(now))) ||
	    db_exec(g_app.store, "DELETE FROM push_codes WHERE expires_at < $1", P(SV_INT(now))) ||
	    db_exec(g_app.store, "DELETE FROM push_sessions WHERE expires_at < $1", P(SV_INT(now - day))) ||
	    db_exec(g_app.store, "DELETE FROM push_enrollments WHERE expires_at < $1", P(SV_INT(now - day))))
		log_warn("push", "sweeping expired rows failed");
}

/* ---- what devices look up ------------------------------------------------------------ */

cJSON *push_request_json(struct arena *a, const struct push_session *s, const struct project *p)
{
	cJSON *o = json_obj(a);
	char ts[32];
	int64_t now = time_now_ms();
	cJSON_AddStringToObject(o, "request_id", s->request_id);
	cJSON_AddStringToObject(o, "app_id", s->app_id);
	const char *bname = p ? json_get_str(p->branding, "name") : NULL;
	cJSON_AddStringToObject(o, "app_name", bname ? bname : p ? p->name : s->app_id);
	cJSON_AddStringToObject(o, "status", push_status(s, now));
	cJSON_AddStringToObject(o, "ip", s->ip);
	json_add_str(o, "user_agent", s->user_agent);
	cJSON_AddBoolToObject(o, "code_only", s->email == NULL);
	time_iso8601(ts, s->created_at, false);
	cJSON_AddStringToObject(o, "created_at", ts);
	time_iso8601(ts, s->expires_at, false);
	cJSON_AddStringToObject(o, "expires_at", ts);
	int64_t left = (s->expires_at - now) / 1000;
	cJSON_AddNumberToObject(o, "expires_in", (double)(left > 0 ? left : 0));
	return o;
}

struct pending_ctx {
	struct arena *a;
	cJSON *arr;
};

static int add_pending(void *ud, const struct store_row *r)
{
	struct pending_ctx *c = ud;
	struct push_session *s = from_row(c->a, r, NULL);
	struct project *p;
	if (project_get(c->a, s->app_id, &p) != AG_OK || p->disabled || !project_provider_on(p, "push"))
		return 0;
	cJSON_AddItemReferenceToArray(c->arr, push_request_json(c->a, s, p));
	return 0;
}

enum ag_err push_pending(struct arena *a, const char *email, cJSON **out)
{
	struct pending_ctx c = {a, json_arr(a)};
	*out = c.arr;
	return db_query(g_app.store,
			"SELECT " SESS_COLS " FROM push_sessions WHERE email = $1 AND status = 'pending' AND expires_at > $2 "
			"ORDER BY created_at DESC LIMIT 50",
			P(SV_TEXT(email), SV_INT(time_now_ms())), add_pending, &c);
}

enum ag_err push_find_by_code(struct arena *a, const char *code, const char *email, struct push_session **out)
{
	char h[65];
	struct store_row r;
	*out = NULL;
	push_code_hash(h, code);
	int64_t now = time_now_ms();
	/* The device's own pending requests first, then code-only sessions. */
	enum ag_err e = db_row(g_app.store, a, &r,
			       "SELECT " SESS_COLS " FROM push_sessions WHERE email = $1 AND code_hash = $2 "
			       "AND status = 'pending' AND expires_at > $3 ORDER BY created_at DESC",
			       P(SV_TEXT(email), SV_TEXT(h), SV_INT(now)));
	if (ag_err_is(e, AG_ENOTFOUND))
		e = db_row(g_app.store, a, &r,
			   "SELECT s.id_hash, s.request_id, s.app_id, s.email, s.status, s.reason, s.ip, s.user_agent, "
			   "s.device_id, s.user_id, s.code_attempts, s.created_at, s.expires_at, s.decided_at, "
			   "s.token_claimed_at, s.code_hash FROM push_codes c JOIN push_sessions s ON s.id_hash = c.id_hash "
			   "WHERE c.code_hash = $1 AND c.expires_at > $2 AND s.email IS NULL AND s.status = 'pending'",
			   P(SV_TEXT(h), SV_INT(now)));
	if (e == AG_OK)
		*out = from_row(a, &r, NULL);
	return e;
}
