/* codes.c — verification codes (see codes.h). */
#include "auth/codes.h"

#include <stdio.h>
#include <string.h>

#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

static void code_hash(char out[65], const char *user_id, const char *code)
{
	master_mac_hex(out, "authgate email-code v1", user_id, code);
}

enum ag_err code_void_user(const char *user_id)
{
	return db_exec(g_app.store, "UPDATE email_codes SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
		       P(SV_TEXT(user_id), SV_INT(time_now_ms())));
}

enum ag_err code_create(const char *app_id, const char *user_id, char code_out[CODE_DIGITS + 1])
{
	snprintf(code_out, CODE_DIGITS + 1, "%06u", rand_uniform(1000000));
	char h[65], id[32];
	code_hash(h, user_id, code_out);
	rand_token(id, 12);
	int64_t now = time_now_ms();
	enum ag_err e = code_void_user(user_id);
	if (e == AG_OK)
		e = db_exec(g_app.store,
			    "INSERT INTO email_codes (id, app_id, user_id, code_hash, attempts, expires_at, created_at) "
			    "VALUES ($1, $2, $3, $4, 0, $5, $6)",
			    P(SV_TEXT(id), SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(h), SV_INT(now + CODE_TTL_S * 1000),
			      SV_INT(now)));
	return e;
}

static bool code_shape_ok(const char *code)
{
	if (!code || strlen(code) != CODE_DIGITS)
		return false;
	for (int i = 0; i < CODE_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return true;
}

enum ag_err code_check(struct arena *a, const char *app_id, const char *user_id, const char *code)
{
	int64_t now = time_now_ms();
	struct store_row row;
	/* Reserve an attempt on the live code first: the compare happens only if we got one. */
	enum ag_err e = db_row(g_app.store, a, &row,
			       "UPDATE email_codes SET attempts = attempts + 1 WHERE id = ("
			       "SELECT id FROM email_codes WHERE app_id = $1 AND user_id = $2 AND used_at IS NULL "
			       "AND expires_at > $3 AND attempts < $4 ORDER BY created_at DESC LIMIT 1) "
			       "AND attempts < $4 RETURNING id, code_hash, attempts",
			       P(SV_TEXT(app_id), SV_TEXT(user_id), SV_INT(now), SV_INT(CODE_MAX_ATTEMPTS)));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_EINVAL;
	if (e)
		return e;
	const char *id = row_str(&row, 0);
	char h[65];
	code_hash(h, user_id, code_shape_ok(code) ? code : "-");
	bool match = code_shape_ok(code) && ct_streq(h, row_str(&row, 1));
	if (match) {
		int64_t n = 0;
		e = db_exec_n(g_app.store,
			      "UPDATE email_codes SET used_at = $2, attempts = attempts - 1 WHERE id = $1 AND used_at IS NULL",
			      P(SV_TEXT(id), SV_INT(now)), &n);
		return e ? e : n == 1 ? AG_OK : AG_EINVAL;
	}
	if (row_int(&row, 2) >= CODE_MAX_ATTEMPTS)
		(void)!db_exec(g_app.store, "UPDATE email_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
			      P(SV_TEXT(id), SV_INT(now)));
	return AG_EINVAL;
}
