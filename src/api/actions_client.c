/* actions_client.c — the Authsignal-compatible client API under /v1/client: what
 * @authsignal/browser calls from the app's pages (and AuthGate's hosted challenge page
 * calls the same way). Credentials: Authorization: Bearer <token> (the track token, or
 * the access token a met challenge answered), or Basic <tenant id> (the project's
 * app_id, with or without a trailing colon) for usernameless passkey sign-in. CORS: the
 * token's project's allowed origins. A wrong code is a 200 with isVerified: false (the
 * SDK reads the body, never the status); every error carries an "error" key.
 *
 * Enrollment follows Authsignal: a user without an authenticator may enroll the first
 * one with a track token; adding another needs the add:authenticators scope on track
 * and a challenge met with that token first (action_may_enroll). An enrollment with a
 * token is pending until its first code, which also meets the action's challenge. */
#include <string.h>

#include "api/api.h"
#include "auth/actions.h"
#include "auth/passkeys.h"
#include "auth/push.h"
#include "core/log.h"
#include "core/str.h"

#define USERNAMELESS_ACTION "signInWithPasskey"

/* What guard_as_client learned: the action of a token (NULL with the tenant id). */
struct as_client {
	struct action *act;
	struct auser *user;
};

/* Per client address: a challenge is a handful of calls; offices share addresses. */
static const struct rate_policy p_client_ip = {"asclient:ip", 300, 60, false};

/* The project, with CORS decided against its origins; false having answered. */
static bool client_project(struct req *r, const char *app_id)
{
	if (!app_id || project_get(r->a, app_id, &r->project) != AG_OK) {
		api_auth_failed(r, ag_err_message(AG_AS_TENANT));
		return false;
	}
	if (r->origin && (project_allows_origin(r->project, r->origin) || api_same_origin(r, r->origin)))
		r->cors_ok = true;
	if (r->project->disabled) {
		api_fail(r, AG_EFORBIDDEN, "this project is disabled");
		return false;
	}
	if (r->origin && !r->cors_ok) {
		log_security("cors_refused", r->ip, "client API call from an origin the project does not allow");
		api_fail(r, AG_AS_ORIGIN, NULL);
		return false;
	}
	return true;
}

bool guard_as_client(struct req *r)
{
	if (api_auth_throttled(r) || !api_rate_limit(r, &p_client_ip, r->ip))
		return false;
	struct as_client *c = arena_calloc(r->a, sizeof *c);
	r->auth_ctx = c;
	const char *tok = req_bearer(r);
	if (tok) {
		enum action_token_kind kind;
		enum ag_err e = action_from_token(r->a, tok, &c->act, &kind);
		if (e == AG_AS_TOKEN_EXPIRED) {
			if (client_project(r, c->act->app_id))
				api_fail(r, e, NULL);
			return false;
		}
		if (ag_err_is(e, AG_EUNAUTH))
			return api_auth_failed(r, ag_err_message(e));
		if (e) {
			api_fail(r, e, NULL);
			return false;
		}
		if (!client_project(r, c->act->app_id))
			return false;
		if ((e = auser_get(r->a, r->project, c->act->external_id, false, &c->user))) {
			api_fail(r, ag_err_is(e, AG_ENOTFOUND) ? AG_AS_BAD_TOKEN : e, NULL);
			return false;
		}
		r->auth_subject = c->act->id;
		return true;
	}
	const char *tenant = as_basic_user(r);
	if (!tenant)
		return api_auth_failed(r, "Authorization: Bearer <token> or Basic <tenant id> is required");
	if (!client_project(r, tenant))
		return false;
	r->auth_subject = r->project->app_id;
	return true;
}

static struct as_client *client(struct req *r)
{
	return r->auth_ctx;
}

/* The token's action; false having answered 401 for a tenant-only call. */
static bool need_token(struct req *r, struct factor_actor *who)
{
	struct as_client *c = client(r);
	if (!c->act) {
		api_fail(r, AG_AS_TOKEN_REQUIRED, NULL);
		return false;
	}
	*who = (struct factor_actor){r->project, c->user->u, r->ip};
	return true;
}

static bool may(struct req *r, enum ag_err e)
{
	if (e)
		api_fail(r, e, NULL);
	return e == AG_OK;
}

/* {isVerified: true, accessToken, userAuthenticator?, ...} for a met challenge. */
static cJSON *met(struct req *r, const char *method, const char *factor_id)
{
	struct as_client *c = client(r);
	const char *access = NULL;
	enum ag_err e = action_met(r->a, r->project, c->act, method, factor_id, &access);
	if (e) {
		api_fail(r, e, NULL);
		return NULL;
	}
	cJSON *o = json_obj(r->a), *auth;
	cJSON_AddTrueToObject(o, "isVerified");
	cJSON_AddStringToObject(o, "accessToken", access);
	cJSON_AddStringToObject(o, "userId", c->act->external_id);
	if (factor_id && auser_authenticator(r->a, r->project, c->user, factor_id, &auth) == AG_OK) {
		cJSON_AddStringToObject(o, "userAuthenticatorId", factor_id);
		cJSON_AddItemReferenceToObject(o, "userAuthenticator", auth);
	}
	return o;
}

/* A failed check of a code: 200 {isVerified: false} for a wrong code; a lockout is an
 * error (429) and fails the action's challenge. */
static void not_verified(struct req *r, enum ag_err e, const struct factor_err *fe)
{
	if (e == AG_MFA_LOCKED && client(r)->act)
		(void)!action_failed(r->a, client(r)->act);
	if (e != AG_FACTOR_BAD_CODE) {
		api_factor_fail(r, e, fe);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddFalseToObject(o, "isVerified");
	cJSON_AddStringToObject(o, "failureReason", "CODE_INVALID_OR_EXPIRED");
	resp_json(r, 200, o);
}

/* ---- passkeys --------------------------------------------------------------------------- */

/* {challengeId, options}: a ceremony's id and its options, for the browser. */
static void ceremony(struct req *r, const char *cid, cJSON *opts)
{
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "challengeId", cid);
	cJSON_AddItemReferenceToObject(o, "options", opts);
	resp_json(r, 200, o);
}

void h_asc_passkey_registration_options(struct req *r)
{
	struct factor_actor who;
	struct factor_err fe = {0};
	if (!need_token(r, &who) || !may(r, action_may_enroll(r->a, r->project, client(r)->act)))
		return;
	const struct auser *au = client(r)->user;
	const char *name = req_str(r, "username"), *display = req_str(r, "displayName");
	if (!name || !*name)
		name = au->username ? au->username : au->email ? au->email : au->external_id;
	cJSON *opts;
	const char *cid;
	enum ag_err e =
	    passkey_register_options_named(r->a, &who, name, display ? display : au->display_name, &opts, &cid, &fe);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	const char *att = req_str(r, "authenticatorAttachment");
	if (str_eq(att, "platform") || str_eq(att, "cross-platform"))
		cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(opts, "authenticatorSelection"),
		                        "authenticatorAttachment", att);
	ceremony(r, cid, opts);
}

void h_asc_passkey_add(struct req *r)
{
	struct factor_actor who;
	struct factor_err fe = {0};
	if (!need_token(r, &who) || !may(r, action_may_enroll(r->a, r->project, client(r)->act)))
		return;
	cJSON *factor;
	enum ag_err e = passkey_register_verify(r->a, &who, req_str(r, "challengeId"),
	                                        req_field(r, "registrationCredential"), NULL, &factor, &fe);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	cJSON *o = met(r, "PASSKEY", json_get_str(factor, "id"));
	if (o)
		resp_json(r, 200, o);
}

/* A usernameless ceremony for the action code (the note read back at verify). */
static bool usernameless(struct req *r, const char *code, cJSON **opts, const char **cid)
{
	struct factor_err fe = {0};
	enum ag_err e = passkey_auth_options(r->a, r->project, NULL, opts, cid, &fe);
	if (e == AG_OK)
		e = passkey_ceremony_note(r->a, r->project->app_id, *cid, code);
	if (e)
		api_factor_fail(r, e, &fe);
	return e == AG_OK;
}

static bool passkey_on(struct req *r)
{
	if (project_provider_on(r->project, "passkey"))
		return true;
	api_fail(r, AG_PASSKEY_OFF, NULL);
	return false;
}

void h_asc_challenge(struct req *r)
{
	const char *code = req_str(r, "action");
	if (!passkey_on(r))
		return;
	if (code && !action_code_ok(code)) {
		api_fail(r, AG_AS_ACTION_CODE, NULL);
		return;
	}
	cJSON *opts;
	const char *cid;
	if (!usernameless(r, code ? code : USERNAMELESS_ACTION, &opts, &cid))
		return;
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "challengeId", cid);
	resp_json(r, 200, o);
}

void h_asc_passkey_authentication_options(struct req *r)
{
	struct as_client *c = client(r);
	struct factor_err fe = {0};
	cJSON *opts;
	const char *cid;
	if (!passkey_on(r))
		return;
	if (c->act) {
		if (!may(r, action_may_challenge(c->act)))
			return;
		enum ag_err e = passkey_auth_options(r->a, r->project, c->user->u, &opts, &cid, &fe);
		if (e) {
			api_factor_fail(r, e, &fe);
			return;
		}
	} else {
		/* From /client/challenge (its action), or autofill without one. */
		const char *prev = req_str(r, "challengeId");
		const char *code =
		    prev ? passkey_ceremony_peek_note(r->a, r->project->app_id, prev) : USERNAMELESS_ACTION;
		if (!code) {
			api_fail(r, AG_AS_CHALLENGE_GONE, NULL);
			return;
		}
		if (!usernameless(r, code, &opts, &cid))
			return;
	}
	ceremony(r, cid, opts);
}

void h_asc_verify_passkey(struct req *r)
{
	struct as_client *c = client(r);
	struct factor_err fe = {0};
	const char *cid = req_str(r, "challengeId"), *uid = NULL, *fid = NULL;
	if (!passkey_on(r) || (c->act && !may(r, action_may_challenge(c->act))))
		return;
	const char *code = c->act ? NULL : passkey_ceremony_peek_note(r->a, r->project->app_id, cid);
	bool uv = false;
	enum ag_err e = passkey_auth_verify(r->a, r->project, cid, req_field(r, "authenticationCredential"), r->ip,
	                                    &uid, &fid, &uv, &fe);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	cJSON *o;
	if (c->act) {
		if (!(o = met(r, "PASSKEY", fid)))
			return;
	} else {
		/* Usernameless: the credential named the user; a new action, met at once. */
		struct action *act;
		const char *access = NULL;
		if ((e = auser_of_user(r->a, r->project, uid, &c->user)) ||
		    (e = action_create_met(r->a, r->project, c->user, code ? code : USERNAMELESS_ACTION, "PASSKEY", fid,
		                           r->ip, req_header(r, "User-Agent"), req_str(r, "deviceId"), &act,
		                           &access))) {
			api_fail(r, e, NULL);
			return;
		}
		c->act = act;
		o = json_obj(r->a);
		cJSON_AddBoolToObject(o, "isVerified", access != NULL);
		if (access)
			cJSON_AddStringToObject(o, "accessToken", access);
		else
			cJSON_AddStringToObject(o, "state", act->state);
		cJSON_AddStringToObject(o, "userId", act->external_id);
		cJSON_AddStringToObject(o, "userAuthenticatorId", fid);
	}
	if (c->user->username)
		cJSON_AddStringToObject(o, "username", c->user->username);
	if (c->user->display_name)
		cJSON_AddStringToObject(o, "userDisplayName", c->user->display_name);
	resp_json(r, 200, o);
}

struct cred_ctx {
	struct arena *a;
	cJSON *found;
};

void h_asc_passkey_lookup(struct req *r)
{
	const char *ids = req_query(r, "credentialIds");
	if (!ids || !*ids || strlen(ids) > 8192) {
		api_fail(r, AG_EINVAL, "credentialIds is required");
		return;
	}
	/* The first of the listed credentials this project knows (any user: the browser
	 * asks whether a passkey it remembers still exists). */
	char *list = arena_strdup(r->a, ids);
	for (char *save = NULL, *id = strtok_r(list, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
		cJSON *o;
		if (passkey_credential_json(r->a, r->project->app_id, id, &o) == AG_OK) {
			resp_json(r, 200, o);
			return;
		}
	}
	api_fail(r, AG_PASSKEY_UNKNOWN, NULL);
}

/* ---- TOTP, email and SMS codes ---------------------------------------------------------- */

void h_asc_totp_enroll(struct req *r)
{
	struct factor_actor who;
	struct factor_err fe = {0};
	if (!need_token(r, &who) || !may(r, action_may_enroll(r->a, r->project, client(r)->act)))
		return;
	cJSON *f;
	enum ag_err e = totp_enroll(r->a, &who, NULL, &f, &fe);
	if (e == AG_OK)
		e = action_set_pending_factor(client(r)->act, json_get_str(f, "id"));
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "userAuthenticatorId", json_get_str(f, "id"));
	cJSON_AddStringToObject(o, "userId", client(r)->act->external_id);
	cJSON_AddStringToObject(o, "uri", json_get_str(f, "otpauth_uri"));
	cJSON_AddStringToObject(o, "secret", json_get_str(f, "secret"));
	json_add_str(o, "qrSvg", json_get_str(f, "qr_svg")); /* AuthGate's: the hosted page shows it */
	resp_json(r, 200, o);
}

/* The action's pending enrollment of this kind, or NULL. */
static const char *pending_of(struct req *r, const char *kind)
{
	struct as_client *c = client(r);
	cJSON *f;
	if (!c->act->pending_factor_id ||
	    factor_get(r->a, r->project->app_id, c->user->u->id, c->act->pending_factor_id, &f) != AG_OK ||
	    !str_eq(json_get_str(f, "type"), kind) || !str_eq(json_get_str(f, "status"), "pending"))
		return NULL;
	return c->act->pending_factor_id;
}

/* Verify a code of kind ("totp" | "sms" | "email"): a pending enrollment of the action
 * is confirmed by it; otherwise the user's active factors of the kind check it. */
static void verify_code(struct req *r, const char *kind, const char *method)
{
	struct factor_actor who;
	struct factor_err fe = {0};
	if (!need_token(r, &who) || !may(r, action_may_challenge(client(r)->act)))
		return;
	const char *code = req_str(r, "verificationCode"), *pending = pending_of(r, kind), *fid = pending;
	enum ag_err e;
	if (pending)
		e = str_eq(kind, "totp") ? totp_confirm(r->a, &who, pending, code, &fe)
		                         : code_factor_confirm(r->a, &who, pending, code, &fe);
	else
		e = str_eq(kind, "totp") ? totp_verify(r->a, &who, code, &fid, &fe)
		                         : code_factor_verify(r->a, &who, kind, code, &fid, &fe);
	if (e) {
		not_verified(r, e, &fe);
		return;
	}
	cJSON *o = met(r, method, fid);
	if (o)
		resp_json(r, 200, o);
}

void h_asc_totp_verify(struct req *r)
{
	verify_code(r, "totp", "AUTHENTICATOR_APP");
}

void h_asc_email_verify(struct req *r)
{
	verify_code(r, "email", "EMAIL_OTP");
}

void h_asc_sms_verify(struct req *r)
{
	verify_code(r, "sms", "SMS");
}

static void enroll_code(struct req *r, bool sms)
{
	struct factor_actor who;
	struct factor_err fe = {0};
	if (!need_token(r, &who) || !may(r, action_may_enroll(r->a, r->project, client(r)->act)))
		return;
	cJSON *f;
	enum ag_err e = sms ? sms_enroll(r->a, &who, req_str(r, "phoneNumber"), NULL, &f, &fe)
	                    : email_factor_enroll_to(r->a, &who, req_str(r, "email"), NULL, &f, &fe);
	if (e == AG_OK)
		e = action_set_pending_factor(client(r)->act, json_get_str(f, "id"));
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "userAuthenticatorId", json_get_str(f, "id"));
	cJSON_AddStringToObject(o, "userId", client(r)->act->external_id);
	resp_json(r, 200, o);
}

void h_asc_email_enroll(struct req *r)
{
	enroll_code(r, false);
}

void h_asc_sms_enroll(struct req *r)
{
	enroll_code(r, true);
}

/* Send a code: to the action's pending enrollment (a new code), else to the user's
 * active factor of the kind. */
static void challenge_code(struct req *r, const char *kind)
{
	struct factor_actor who;
	struct factor_err fe = {0};
	if (!need_token(r, &who) || !may(r, action_may_challenge(client(r)->act)))
		return;
	const char *pending = pending_of(r, kind);
	enum ag_err e =
	    pending ? code_factor_resend(r->a, &who, pending, &fe) : code_factor_send(r->a, &who, kind, &fe);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "challengeId", client(r)->act->id);
	resp_json(r, 200, o);
}

void h_asc_email_challenge(struct req *r)
{
	challenge_code(r, "email");
}

void h_asc_sms_challenge(struct req *r)
{
	challenge_code(r, "sms");
}

/* ---- email magic links ------------------------------------------------------------------- */

static void link_send(struct req *r, const char *address)
{
	struct factor_actor who;
	struct factor_err fe = {0};
	struct as_client *c = client(r);
	if (!need_token(r, &who) ||
	    !may(r, address ? action_may_enroll(r->a, r->project, c->act) : action_may_challenge(c->act)))
		return;
	const char *fid = NULL;
	enum ag_err e = as_link_send(r->a, r->project, c->act, c->user, address, r->ip, &fid, &fe);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	cJSON *o = json_obj(r->a);
	if (address) {
		cJSON_AddStringToObject(o, "userAuthenticatorId", fid);
		cJSON_AddStringToObject(o, "userId", c->act->external_id);
	} else {
		cJSON_AddStringToObject(o, "challengeId", c->act->id);
	}
	resp_json(r, 200, o);
}

void h_asc_link_enroll(struct req *r)
{
	const char *email = req_str(r, "email");
	if (!email) {
		api_fail(r, AG_FACTOR_EMAIL, NULL);
		return;
	}
	link_send(r, email);
}

void h_asc_link_challenge(struct req *r)
{
	link_send(r, NULL);
}

/* The SDK polls this every second until isVerified. */
void h_asc_link_finalize(struct req *r)
{
	struct factor_actor who;
	if (!need_token(r, &who) || !may(r, action_may_challenge(client(r)->act)))
		return;
	const char *fid = NULL;
	enum ag_err e = as_link_status(r->a, r->project, client(r)->act, &fid);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	if (!fid) {
		cJSON *o = json_obj(r->a);
		cJSON_AddFalseToObject(o, "isVerified");
		resp_json(r, 200, o);
		return;
	}
	cJSON *o = met(r, "EMAIL_MAGIC_LINK", fid);
	if (o)
		resp_json(r, 200, o);
}

/* ---- push approval by AuthGate's device app ---------------------------------------------- */

void h_asc_push_challenge(struct req *r)
{
	struct factor_actor who;
	struct as_client *c = client(r);
	if (!need_token(r, &who) || !may(r, action_may_challenge(c->act)))
		return;
	if (!project_provider_on(r->project, "push")) {
		api_fail(r, AG_PUSH_DISABLED, NULL);
		return;
	}
	const char *email = as_push_email(c->user);
	int64_t devices = 0;
	enum ag_err e = push_device_count(email, &devices);
	if (e || devices == 0) {
		api_fail(r, e ? e : AG_MFA_NOT_ENROLLED, NULL);
		return;
	}
	struct push_started st;
	if (!api_push_begin(r, r->project, email, &st))
		return;
	if ((e = as_push_bind(r->a, c->act, st.session_id, st.expires_at))) {
		api_fail(r, e, NULL);
		return;
	}
	/* Number matching: the page shows code, the person types it into the device app. */
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "challengeId", st.session_id);
	cJSON_AddStringToObject(o, "code", st.code);
	json_add_time(o, "expiresAt", st.expires_at);
	resp_json(r, 200, o);
}

void h_asc_push_verify(struct req *r)
{
	struct factor_actor who;
	if (!need_token(r, &who) || !may(r, action_may_challenge(client(r)->act)))
		return;
	const char *status = NULL, *device = NULL;
	enum ag_err e = as_push_state(r->a, client(r)->act, req_str(r, "challengeId"), &status, &device);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	if (str_eq(status, "approved")) {
		cJSON *o = met(r, "PUSH", device);
		if (o) {
			cJSON_AddTrueToObject(o, "isConsumed");
			resp_json(r, 200, o);
		}
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddFalseToObject(o, "isVerified");
	cJSON_AddBoolToObject(o, "isConsumed", !str_eq(status, "pending")); /* denied or expired: start again */
	resp_json(r, 200, o);
}
