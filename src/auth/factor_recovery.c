/* factor_recovery.c — recovery codes: RECOVERY_CODES per user, 50 random bits each
 * written "xxxxx-xxxxx" (a-z, 2-7: nothing to confuse), shown once, stored as an HMAC
 * under a master-derived key bound to the user (so equal codes of two users differ and a
 * copied database gives nothing away), each usable once; a new set replaces the old. */
#include <ctype.h>
#include <string.h>

#include "core/ctx.h"
#include "sec/sec.h"
#include "store/store.h"
#include "auth/factors.h"
#include "core/timeutil.h"

#define REC_LABEL "authgate recovery-code v1"
#define REC_LEN 10

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* Lower-case, without separators; false unless exactly REC_LEN code characters. */
static bool normalise(const char *in, char out[REC_LEN + 1])
{
	size_t n = 0;
	for (const char *p = in ? in : ""; *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		char c = (char)tolower((unsigned char)*p);
		if (n >= REC_LEN || !strchr(alphabet, c) || c == 0)
			return false;
		out[n++] = c;
	}
	out[n] = 0;
	return n == REC_LEN;
}

enum ag_err recovery_generate(struct arena *a, const struct factor_actor *who, cJSON **codes)
{
	const char *app = who->p->app_id, *uid = who->u->id;
	int64_t now = time_now_ms();
	enum ag_err e = db_begin(g_app.store);
	if (e == AG_OK)
		e = db_exec(g_app.store, "DELETE FROM recovery_codes WHERE app_id = $1 AND user_id = $2",
		            P(SV_TEXT(app), SV_TEXT(uid)));
	cJSON *arr = json_arr(a);
	for (int i = 0; e == AG_OK && i < RECOVERY_CODES; i++) {
		char raw[REC_LEN + 1], shown[REC_LEN + 2], h[65];
		for (int j = 0; j < REC_LEN; j++)
			raw[j] = alphabet[rand_uniform(32)];
		raw[REC_LEN] = 0;
		memcpy(shown, raw, 5);
		shown[5] = '-';
		memcpy(shown + 6, raw + 5, 6);
		master_mac_hex(h, REC_LABEL, uid, raw);
		e = db_exec(g_app.store,
		            "INSERT INTO recovery_codes (id, app_id, user_id, code_hash, created_at) VALUES ($1, $2, "
		            "$3, $4, $5)",
		            P(SV_TEXT(factor_new_id(a, "rec")), SV_TEXT(app), SV_TEXT(uid), SV_TEXT(h), SV_INT(now)));
		cJSON_AddItemToArray(arr, cJSON_CreateString(shown));
		sec_zero(raw, sizeof raw);
		sec_zero(shown, sizeof shown);
	}
	e = db_end(g_app.store, e);
	if (e)
		return e;
	factor_log(app, uid, "recovery.generated", NULL, "recovery", who->ip, NULL);
	*codes = arr;
	return AG_OK;
}

enum ag_err recovery_verify(struct arena *a, const struct factor_actor *who, const char *code, struct factor_err *fe)
{
	const char *app = who->p->app_id, *uid = who->u->id;
	enum ag_err e = factor_lock_check(app, uid, fe);
	if (e)
		return e;
	char norm[REC_LEN + 1], h[65];
	int64_t n = 0;
	if (normalise(code, norm)) {
		master_mac_hex(h, REC_LABEL, uid, norm);
		e = db_exec_n(
		    g_app.store,
		    "UPDATE recovery_codes SET used_at = $4 WHERE app_id = $1 AND user_id = $2 AND code_hash = $3 "
		    "AND used_at IS NULL",
		    P(SV_TEXT(app), SV_TEXT(uid), SV_TEXT(h), SV_INT(time_now_ms())), &n);
		if (e)
			return e;
	}
	sec_zero(norm, sizeof norm);
	if (n != 1) {
		factor_lock_fail(app, uid);
		factor_log(app, uid, "mfa.failed", NULL, "recovery", who->ip, "wrong or used recovery code");
		return AG_FACTOR_BAD_CODE;
	}
	factor_lock_clear(app, uid);
	factor_log(app, uid, "recovery.used", NULL, "recovery", who->ip, NULL);
	return AG_OK;
}

enum ag_err recovery_remaining(const char *app_id, const char *user_id, int64_t *n)
{
	return db_int(g_app.store, n,
	              "SELECT COUNT(*) FROM recovery_codes WHERE app_id = $1 AND user_id = $2 AND used_at IS NULL",
	              P(SV_TEXT(app_id), SV_TEXT(user_id)));
}
