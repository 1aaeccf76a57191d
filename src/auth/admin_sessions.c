/* admin_sessions.c — dashboard sessions opened with an admin token (see admin.h). */
#include <string.h>

#include "auth/admin.h"
#include "auth/apikeys.h"
#include "config/config.h"
#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

static bool well_formed(const char *cookie)
{
	if (!cookie || strlen(cookie) != ADMIN_SESSION_LEN || !str_starts(cookie, ADMIN_SESSION_PREFIX))
		return false;
	for (const char *p = cookie + strlen(ADMIN_SESSION_PREFIX); *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return false;
	return true;
}

/* HMAC(k_csrf, cookie) in base64url; k_csrf is derived from the master key. */
static void csrf_of(char out[48], const char *cookie)
{
	unsigned char key[32], mac[SHA256_LEN];
	master_derive(key, sizeof key, "admin-csrf");
	hmac_sha256(mac, key, sizeof key, cookie, strlen(cookie));
	str_b64url(out, mac, sizeof mac);
	sec_zero(key, sizeof key);
}

bool admin_csrf_ok(const char *cookie, const char *presented)
{
	if (!well_formed(cookie) || !presented)
		return false;
	char want[48];
	csrf_of(want, cookie);
	bool ok = ct_streq(want, presented);
	sec_zero(want, sizeof want);
	return ok;
}

enum ag_err admin_session_open(struct arena *a, const char *token, const char *ip, const char *user_agent,
			       struct admin_session *out)
{
	memset(out, 0, sizeof *out);
	const char *token_id = NULL;
	enum ag_err e = admin_token_check(a, token, &token_id);
	return e ? e : admin_session_open_id(a, token_id, ip, user_agent, out);
}

enum ag_err admin_session_open_id(struct arena *a, const char *token_id, const char *ip, const char *user_agent,
				  struct admin_session *out)
{
	memset(out, 0, sizeof *out);
	int64_t live = 0;
	enum ag_err e = db_int(g_app.store, &live, "SELECT COUNT(*) FROM admin_tokens WHERE id = $1 AND revoked_at IS NULL",
			       P(SV_TEXT(token_id)));
	if (e)
		return e;
	if (!live)
		return AG_EUNAUTH;
	char cookie[ADMIN_SESSION_LEN + 8], hash[65], csrf[48];
	memcpy(cookie, ADMIN_SESSION_PREFIX, strlen(ADMIN_SESSION_PREFIX));
	rand_token(cookie + strlen(ADMIN_SESSION_PREFIX), 32);
	sha256_hex(hash, cookie);
	csrf_of(csrf, cookie);
	int64_t now = time_now_ms();
	out->created_at = now;
	out->idle_until = now + g_cfg.admin_session_idle_s * 1000;
	out->expires_at = now + g_cfg.admin_session_max_s * 1000;
	if (out->idle_until > out->expires_at)
		out->idle_until = out->expires_at;
	e = db_exec(g_app.store,
		    "INSERT INTO admin_sessions (id_hash, token_id, ip, user_agent, created_at, last_seen_at, idle_until, "
		    "expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
		    P(SV_TEXT(hash), SV_TEXT(token_id), SV_TEXT(ip), SV_TEXT(user_agent), SV_INT(now),
		      SV_INT(out->idle_until), SV_INT(out->expires_at)));
	struct store_row row;
	if (e == AG_OK && db_row(g_app.store, a, &row, "SELECT name FROM admin_tokens WHERE id = $1", P(SV_TEXT(token_id))) == AG_OK)
		out->token_name = row_str(&row, 0);
	if (e == AG_OK) {
		out->cookie = arena_strdup(a, cookie);
		out->csrf = arena_strdup(a, csrf);
		out->token_id = token_id;
	}
	sec_zero(cookie, sizeof cookie);
	sec_zero(csrf, sizeof csrf);
	/* Now and then, forget sessions long over (they cannot be used anyway). */
	if (e == AG_OK && rand_uniform(50) == 0)
		(void)!db_exec(g_app.store, "DELETE FROM admin_sessions WHERE expires_at < $1 OR ended_at < $1",
			       P(SV_INT(now - 86400000LL)));
	return e;
}

enum ag_err admin_session_check(struct arena *a, const char *cookie, struct admin_session *out)
{
	memset(out, 0, sizeof *out);
	if (!well_formed(cookie))
		return AG_EUNAUTH;
	char hash[65];
	sha256_hex(hash, cookie);
	struct store_row row;
	int64_t now = time_now_ms();
	enum ag_err e = db_row(g_app.store, a, &row,
			       "SELECT s.token_id, t.name, s.created_at, s.idle_until, s.expires_at, s.last_seen_at "
			       "FROM admin_sessions s JOIN admin_tokens t ON t.id = s.token_id "
			       "WHERE s.id_hash = $1 AND s.ended_at IS NULL AND t.revoked_at IS NULL "
			       "AND s.idle_until > $2 AND s.expires_at > $2",
			       P(SV_TEXT(hash), SV_INT(now)));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_EUNAUTH;
	if (e)
		return e;
	out->token_id = row_str(&row, 0);
	out->token_name = row_str(&row, 1);
	out->created_at = row_int(&row, 2);
	out->idle_until = row_int(&row, 3);
	out->expires_at = row_int(&row, 4);
	char csrf[48];
	csrf_of(csrf, cookie);
	out->csrf = arena_strdup(a, csrf);
	/* Use moves the idle deadline, at most once a minute (no write per request). */
	if (now - row_int(&row, 5) >= ADMIN_SESSION_TOUCH_MS) {
		int64_t idle = now + g_cfg.admin_session_idle_s * 1000;
		out->idle_until = idle < out->expires_at ? idle : out->expires_at;
		/* Best effort: if it fails the session still works and may end a minute early. */
		(void)!db_exec(g_app.store, "UPDATE admin_sessions SET last_seen_at = $2, idle_until = $3 WHERE id_hash = $1",
			       P(SV_TEXT(hash), SV_INT(now), SV_INT(out->idle_until)));
	}
	return AG_OK;
}

enum ag_err admin_session_end(const char *cookie)
{
	if (!well_formed(cookie))
		return AG_EUNAUTH;
	char hash[65];
	sha256_hex(hash, cookie);
	int64_t n = 0;
	enum ag_err e = db_exec_n(g_app.store,
				  "UPDATE admin_sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL",
				  P(SV_TEXT(hash), SV_INT(time_now_ms())), &n);
	return e ? e : n ? AG_OK : AG_EUNAUTH;
}

struct list_ctx {
	struct arena *a;
	cJSON *arr;
};

static int add_session(void *ud, const struct store_row *r)
{
	struct list_ctx *c = ud;
	cJSON *o = json_obj(c->a);
	cJSON_AddStringToObject(o, "token_id", row_str(r, 0));
	json_add_time(o, "created_at", row_int(r, 1));
	json_add_time(o, "last_seen_at", row_int(r, 2));
	json_add_time(o, "expires_at", row_int(r, 3) < row_int(r, 4) ? row_int(r, 3) : row_int(r, 4));
	json_add_str(o, "ip", row_str(r, 5));
	json_add_str(o, "user_agent", row_str(r, 6));
	cJSON_AddItemReferenceToArray(c->arr, o);
	return 0;
}

enum ag_err admin_session_list(struct arena *a, cJSON **out)
{
	struct list_ctx c = {a, json_arr(a)};
	*out = c.arr;
	int64_t now = time_now_ms();
	return db_query(g_app.store,
			"SELECT s.token_id, s.created_at, s.last_seen_at, s.idle_until, s.expires_at, s.ip, s.user_agent "
			"FROM admin_sessions s JOIN admin_tokens t ON t.id = s.token_id "
			"WHERE s.ended_at IS NULL AND t.revoked_at IS NULL AND s.idle_until > $1 AND s.expires_at > $1 "
			"ORDER BY s.created_at DESC LIMIT 100",
			P(SV_INT(now)), add_session, &c);
}
