/* action_push.c — push approval as an authenticator (PUSH): AuthGate's device app (/app,
 * docs/PUSH.md) approves a challenge the way it approves seed 000's sign-ins, with
 * number matching. A user has PUSH when a device is enrolled for their address — an
 * AuthGate user's own, or the address the app set and said it verified — since a device
 * proved an address, never a user. The push session's secret id is the challengeId the
 * browser polls with; this file keeps which action it answers. */
#include <string.h>

#include "auth/actions.h"
#include "auth/push.h"
#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

const char *as_push_email(const struct auser *au)
{
	return au->u->email ? au->u->email : au->email_verified ? au->email : NULL;
}

enum ag_err as_push_bind(struct arena *a, const struct action *act, const char *session_id, int64_t expires_at)
{
	char hash[65];
	sha256_hex(hash, session_id);
	cJSON *d = json_obj(a);
	cJSON_AddStringToObject(d, "action", act->id);
	return db_exec(g_app.store,
	               "INSERT INTO factor_challenges (id, token_hash, kind, app_id, user_id, data, expires_at, created_at) "
	               "VALUES ($1, $2, 'push', $3, $4, $5, $6, $7)",
	               P(SV_TEXT(factor_new_id(a, "psh")), SV_TEXT(hash), SV_TEXT(act->app_id), SV_TEXT(act->user_id),
	                 SV_TEXT(json_print(a, d)), SV_INT(expires_at), SV_INT(time_now_ms())));
}

enum ag_err as_push_state(struct arena *a, const struct action *act, const char *session_id, const char **status,
                          const char **device_id)
{
	char hash[65];
	*status = NULL;
	if (!session_id || strlen(session_id) > 128)
		return AG_AS_CHALLENGE_GONE;
	sha256_hex(hash, session_id);
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "SELECT data FROM factor_challenges WHERE token_hash = $1 AND kind = 'push' AND app_id = $2",
	                       P(SV_TEXT(hash), SV_TEXT(act->app_id)));
	cJSON *d = NULL;
	const char *detail, *ds = e == AG_OK ? row_str(&r, 0) : NULL;
	if (ag_err_is(e, AG_ENOTFOUND) ||
	    (ds && (json_parse_strict(a, ds, strlen(ds), &d, &detail) != JSON_OK || !str_eq(json_get_str(d, "action"), act->id))))
		return AG_AS_CHALLENGE_GONE; /* another action's push, or none */
	if (e)
		return e;
	struct push_session *s;
	if ((e = push_session_by_sid(a, session_id, &s)))
		return ag_err_is(e, AG_ENOTFOUND) ? AG_AS_CHALLENGE_GONE : e;
	*status = push_status(s, time_now_ms());
	*device_id = s->device_id;
	return AG_OK;
}
