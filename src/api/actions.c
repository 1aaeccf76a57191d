/* actions.c — the Authsignal-compatible server API under /v1 (docs/ACTIONS.md): what
 * @authsignal/node 2.x calls, with the shapes it reads. The caller is the app's backend:
 * HTTP Basic with a project API key as the user name and an empty password (the SDK's
 * apiSecretKey); the project is the tenant. Errors are {error, errorCode,
 * errorDescription} (as_error_body, every /v1 route's error writer). The model is the
 * domain's (auth/actions.h); this file maps HTTP to it. */
#include <string.h>

#include "api/api.h"
#include "auth/actions.h"
#include "auth/apikeys.h"
#include "config/config.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"

/* ---- errors and guard ------------------------------------------------------------------ */

void as_error_body(struct req *r, int status, const char *code, const char *message)
{
	/* Authsignal's names where they differ from ours. */
	if (str_eq(code, "rate_limited"))
		code = "too_many_requests";
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "error", code);
	cJSON_AddStringToObject(o, "errorCode", code);
	cJSON_AddStringToObject(o, "errorDescription", message ? message : code);
	resp_json(r, status, o);
}

/* "Basic base64(user:password)" -> the user name (up to a colon), or NULL. */
const char *as_basic_user(struct req *r)
{
	const char *h = req_header(r, "Authorization");
	if (!h || strlen(h) < 7 || !str_ieq(arena_strndup(r->a, h, 6), "Basic "))
		return NULL;
	h += 6;
	while (*h == ' ')
		h++;
	size_t n = strlen(h);
	if (n == 0 || n > 512)
		return NULL;
	unsigned char *out = arena_alloc(r->a, n);
	long m = str_unb64(out, n, h, n);
	if (m <= 0)
		return NULL;
	const char *u = arena_strndup(r->a, (const char *)out, (size_t)m);
	return arena_strndup(r->a, u, strcspn(u, ":"));
}

bool guard_as_secret(struct req *r)
{
	if (api_auth_throttled(r))
		return false;
	const char *key = as_basic_user(r);
	if (!key)
		key = req_bearer(r);
	if (!key)
		return api_auth_failed(r, "HTTP Basic authentication with the project's secret key is required");
	const char *key_id = NULL;
	enum ag_err e = apikey_authenticate(r->a, key, &r->project, &key_id);
	if (ag_err_is(e, AG_EUNAUTH))
		return api_auth_failed(r, "the secret key is not valid");
	if (e) {
		api_fail(r, e, NULL);
		return false;
	}
	r->auth_subject = key_id;
	return api_name_client(r, req_header(r, CLIENT_IP_HEADER), CLIENT_IP_HEADER);
}

/* The user of the path's first parameter; false having answered. */
static bool path_user(struct req *r, bool create, struct auser **au)
{
	enum ag_err e = auser_get(r->a, r->project, req_param(r, 0), create, au);
	if (e)
		api_fail(r, e, NULL);
	return e == AG_OK;
}

/* ---- track and validate --------------------------------------------------------------- */

const char *as_challenge_url(struct req *r, const char *token)
{
	return arena_printf(r->a, "%s/challenge?token=%s", g_cfg.public_url, token);
}

void h_as_track(struct req *r)
{
	/* The track's ipAddress is the end user's address, as X-AuthGate-Client-IP says it
	 * elsewhere: one validator, one spelling for the rules (new_ip, ip_in), and the
	 * request's per-address limits. Neither named: the track has no address (the
	 * backend's own is not the user's). */
	if (!api_name_client(r, req_str(r, "ipAddress"), "ipAddress"))
		return;
	const cJSON *custom = req_field(r, "custom");
	struct track_in in = {
	    .external_id = req_param(r, 0),
	    .code = req_param(r, 1),
	    .idempotency_key = req_str(r, "idempotencyKey"),
	    .redirect_url = req_str(r, "redirectUrl"),
	    .scope = req_str(r, "scope"),
	    .ip = r->ip_named ? r->ip : NULL,
	    .user_agent = req_str(r, "userAgent"),
	    .device_id = req_str(r, "deviceId"),
	    .email = req_str(r, "email"),
	    .phone = req_str(r, "phoneNumber"),
	    .username = req_str(r, "username"),
	    .locale = req_str(r, "locale"),
	    .custom = custom,
	    .redirect_to_settings = req_bool(r, "redirectToSettings", false),
	};
	struct track_out out;
	struct ag_error err = action_track(r->a, r->project, &in, &out);
	if (err.code) {
		api_fail(r, err.code, err.message);
		return;
	}
	cJSON *o = json_obj(r->a), *enrolled = out.enrolled;
	const char *dflt = out.dflt;
	cJSON_AddStringToObject(o, "idempotencyKey", out.act->idempotency_key);
	cJSON_AddStringToObject(o, "state", out.act->state);
	cJSON_AddStringToObject(o, "url", as_challenge_url(r, out.token));
	cJSON_AddStringToObject(o, "token", out.token);
	cJSON_AddBoolToObject(o, "isEnrolled", cJSON_GetArraySize(enrolled) > 0);
	cJSON_AddItemReferenceToObject(o, "enrolledVerificationMethods", enrolled);
	cJSON_AddItemReferenceToObject(o, "allowedVerificationMethods", out.allowed);
	if (dflt)
		cJSON_AddStringToObject(o, "defaultVerificationMethod", dflt);
	cJSON *ids = NULL;
	const char *detail;
	if (json_parse_strict(r->a, out.act->rule_ids, strlen(out.act->rule_ids), &ids, &detail) == JSON_OK)
		cJSON_AddItemReferenceToObject(o, "ruleIds", ids);
	resp_json(r, 200, o);
}

void h_as_validate(struct req *r)
{
	cJSON *o;
	enum ag_err e =
	    action_validate(r->a, r->project, req_str(r, "token"), req_str(r, "userId"), req_str(r, "action"), &o);
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, o);
}

/* ---- actions ----------------------------------------------------------------------------- */

static bool path_action(struct req *r, struct action **act)
{
	enum ag_err e = action_get(r->a, r->project, req_param(r, 0), req_param(r, 1), req_param(r, 2), act);
	if (e)
		api_fail(r, e, NULL);
	return e == AG_OK;
}

void h_as_action_get(struct req *r)
{
	struct action *act;
	if (path_action(r, &act))
		resp_json(r, 200, action_json(r->a, act));
}

void h_as_action_update(struct req *r)
{
	struct action *act;
	if (!path_action(r, &act))
		return;
	enum ag_err e = action_set_state(r->a, r->project, act, req_str(r, "state"));
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, action_json(r->a, act));
}

void h_as_actions_list(struct req *r)
{
	int64_t from = 0;
	if (!api_time_query(r, "fromDate", &from))
		return;
	cJSON *out;
	enum ag_err e =
	    action_list(r->a, r->project, req_param(r, 0), from, req_query(r, "codes"), req_query(r, "state"), &out);
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, out);
}

/* ---- users ------------------------------------------------------------------------------ */

void h_as_user_get(struct req *r)
{
	struct auser *au;
	cJSON *o;
	if (!path_user(r, false, &au))
		return;
	enum ag_err e = auser_json(r->a, r->project, au, &o);
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, o);
}

void h_as_user_update(struct req *r)
{
	struct auser *au;
	cJSON *o;
	struct ag_error err = auser_update(r->a, r->project, req_param(r, 0), req_json(r), &au);
	if (err.code == AG_OK)
		err = AG_ERROR(auser_json(r->a, r->project, au, &o));
	if (err.code)
		api_fail(r, err.code, err.message);
	else
		resp_json(r, 200, o);
}

void h_as_user_delete(struct req *r)
{
	enum ag_err e = auser_delete(r->a, r->project, req_param(r, 0), r->ip);
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, json_obj(r->a));
}

void h_as_users_query(struct req *r)
{
	struct auser_query q = {req_query(r, "email"), req_query(r, "phoneNumber"), req_query(r, "username"),
	                        req_query(r, "lastEvaluatedUserId"), 100};
	int64_t limit = 100;
	const char *l = req_query(r, "limit");
	if (l && str_to_i64(l, 1, 100, &limit)) {
		api_fail(r, AG_EINVAL, "limit must be an integer from 1 to 100");
		return;
	}
	q.limit = (int)limit;
	cJSON *o;
	enum ag_err e = auser_query(r->a, r->project, &q, &o);
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, o);
}

void h_as_authenticators(struct req *r)
{
	struct auser *au;
	cJSON *o;
	if (!path_user(r, false, &au))
		return;
	enum ag_err e = auser_authenticators(r->a, r->project, au, &o);
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, o);
}

void h_as_authenticator_enroll(struct req *r)
{
	struct auser *au;
	cJSON *auth;
	if (!path_user(r, true, &au))
		return;
	enum ag_err e = auser_enroll_verified(r->a, r->project, au, req_str(r, "verificationMethod"),
	                                      req_str(r, "phoneNumber"), req_str(r, "email"), r->ip, &auth);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "authenticator", auth);
	resp_json(r, 200, o);
}

void h_as_authenticator_delete(struct req *r)
{
	struct auser *au;
	struct factor_err fe = {0};
	if (!path_user(r, false, &au))
		return;
	struct factor_actor who = {r->project, au->u, r->ip};
	enum ag_err e = factor_remove(r->a, &who, req_param(r, 1), &fe);
	if (e)
		api_factor_fail(r, e, &fe);
	else
		resp_json(r, 200, json_obj(r->a));
}

/* ---- app-started SMS and email challenges ------------------------------------------------ */

void h_as_challenge(struct req *r)
{
	if (!api_name_client(r, req_str(r, "ipAddress"), "ipAddress"))
		return;
	/* the sending limits per address: the end user's when named, else the backend's */
	struct as_challenge_in in = {req_str(r, "verificationMethod"),
	                             req_str(r, "userId"),
	                             req_str(r, "email"),
	                             req_str(r, "phoneNumber"),
	                             req_str(r, "action"),
	                             r->ip,
	                             req_str(r, "locale")};
	struct factor_err fe = {0};
	const char *id = NULL;
	int64_t expires = 0;
	struct ag_error err = as_challenge_start(r->a, r->project, &in, &id, &expires, &fe);
	if (err.code) {
		if (fe.retry_after_s > 0)
			resp_header(r, "Retry-After", arena_printf(r->a, "%d", fe.retry_after_s));
		api_fail(r, err.code, err.message);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "challengeId", id);
	json_add_str(o, "idempotencyKey", req_str(r, "idempotencyKey"));
	cJSON_AddNumberToObject(o, "expiresAt", (double)(expires / 1000));
	resp_json(r, 200, o);
}

void h_as_verify(struct req *r)
{
	cJSON *o;
	enum ag_err e =
	    as_challenge_verify(r->a, r->project, req_str(r, "challengeId"), req_str(r, "verificationCode"), r->ip, &o);
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, o);
}

void h_as_claim(struct req *r)
{
	if (req_bool(r, "skipVerificationCheck", false)) {
		api_fail(r, AG_AS_INVALID,
		         "skipVerificationCheck is not supported: verify the code with /v1/verify, then claim");
		return;
	}
	cJSON *o;
	enum ag_err e =
	    as_challenge_claim(r->a, r->project, req_str(r, "challengeId"), req_str(r, "userId"), r->ip, &o);
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, o);
}

void h_as_challenges(struct req *r)
{
	struct as_challenge_query q = {req_query(r, "challengeId"), req_query(r, "userId"), req_query(r, "action"),
	                               req_query(r, "verificationMethod")};
	if (!q.challenge_id && !q.external_id) {
		api_fail(r, AG_AS_INVALID, "challengeId or userId is required");
		return;
	}
	cJSON *o;
	enum ag_err e = as_challenge_get(r->a, r->project, &q, &o);
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, o);
}

/* ---- sessions ---------------------------------------------------------------------------- */

static void answer(struct req *r, enum ag_err e, const cJSON *o)
{
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, o ? o : json_obj(r->a));
}

void h_as_session_create(struct req *r)
{
	cJSON *o = NULL;
	enum ag_err e =
	    as_session_create(r->a, r->project, req_str(r, "clientId"), req_str(r, "token"), req_str(r, "action"), &o);
	answer(r, e, o);
}

void h_as_session_validate(struct req *r)
{
	cJSON *o = NULL;
	enum ag_err e = as_session_validate(r->a, r->project, req_str(r, "accessToken"), req_field(r, "clientIds"), &o);
	answer(r, e, o);
}

void h_as_session_refresh(struct req *r)
{
	cJSON *o = NULL;
	enum ag_err e = as_session_refresh(r->a, r->project, req_str(r, "refreshToken"), &o);
	answer(r, e, o);
}

void h_as_session_revoke(struct req *r)
{
	answer(r, as_session_revoke(r->a, r->project, req_str(r, "accessToken")), NULL);
}

void h_as_session_revoke_user(struct req *r)
{
	answer(r, as_session_revoke_user(r->a, r->project, req_str(r, "userId")), NULL);
}
