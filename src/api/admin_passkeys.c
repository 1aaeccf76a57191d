/* admin_passkeys.c — passkeys for the dashboard's own sign-in, on the factor engine
 * (auth/passkeys.h): each admin token is a user of AuthGate's own project
 * (PROJECT_DASHBOARD, created on first use, disabled for every public surface, its only
 * allowed origin AuthGate's public one), so a signed-in administrator can add passkeys
 * and later sign in with one instead of pasting the token. A passkey signs in as the
 * token it was added under: revoking the token ends its passkeys too.
 *
 * WebAuthn needs a domain: with an IP-address public URL (http://127.0.0.1:8080) there is
 * no RP ID and the page says to reach AuthGate by a name (http://localhost:8080 works). */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/admin.h"
#include "auth/passkeys.h"
#include "config/config.h"
#include "core/log.h"
#include "core/str.h"
#include "net/net.h"

#define ADMIN_USER_DOMAIN "@admin.authgate.invalid"

static const struct rate_policy passkey_ip = {"admin:passkey:ip", 20, 60, false};

/* The project, its single origin kept at the public URL's (which may change). */
static enum ag_err dashboard_project(struct req *r, struct project **p)
{
	/* As a browser sends it (https://Auth.Example:443 -> https://auth.example): an
	 * allowed origin must be, and the ceremony compares the browser's with it. */
	const char *origin = url_origin_of(r->a, g_cfg.public_url);
	if (!origin)
		return AG_EINTERNAL; /* config.c checked the public URL with the same parser */
	cJSON *origins = json_arr(r->a);
	cJSON_AddItemToArray(origins, cJSON_CreateString(origin));
	enum ag_err e = project_get(r->a, PROJECT_DASHBOARD, p);
	if (ag_err_is(e, AG_ENOTFOUND)) {
		e = project_dashboard_create(r->a, origins, p).code;
		if (ag_err_is(e, AG_ECONFLICT)) /* made concurrently */
			e = project_get(r->a, PROJECT_DASHBOARD, p);
	} else if (e == AG_OK && ((*p)->norigins != 1 || !str_eq((*p)->origins[0], origin))) {
		cJSON *patch = json_obj(r->a);
		cJSON_AddItemReferenceToObject(patch, "allowed_origins", origins);
		e = project_update(r->a, PROJECT_DASHBOARD, patch).code;
		if (e == AG_OK)
			e = project_get(r->a, PROJECT_DASHBOARD, p);
	}
	return e;
}

/* The user standing for an admin token: the email encodes the id (which has capitals),
 * the name is the id. */
static enum ag_err token_user(struct req *r, const struct project *p, const char *token_id, bool create, struct user **u)
{
	char hex[2 * 64 + 1];
	size_t n = strlen(token_id);
	if (n > 64)
		return AG_EINVAL;
	str_hex(hex, (const unsigned char *)token_id, n);
	const char *email = arena_printf(r->a, "%s" ADMIN_USER_DOMAIN, hex);
	enum ag_err e = user_by_email(r->a, p->app_id, email, u);
	if (ag_err_is(e, AG_ENOTFOUND) && create) {
		e = user_create(r->a, p->app_id, email, token_id, NULL, true, "en", u);
		if (ag_err_is(e, AG_ECONFLICT))
			e = user_by_email(r->a, p->app_id, email, u);
	}
	return e;
}

/* The signed-in administrator as a user of the project; false having answered. */
static bool me(struct req *r, struct factor_actor *who, bool create)
{
	struct project *p;
	struct user *u = NULL;
	enum ag_err e = dashboard_project(r, &p);
	if (e == AG_OK)
		e = token_user(r, p, r->auth_subject, create, &u);
	if (e && !(ag_err_is(e, AG_ENOTFOUND) && !create)) {
		api_fail(r, e, NULL);
		return false;
	}
	*who = (struct factor_actor){p, u, r->ip};
	return true;
}

/* {ceremony_id, options}: what the page hands to navigator.credentials. */
static void ceremony_answer(struct req *r, const char *cid, cJSON *opts)
{
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "ceremony_id", cid);
	cJSON_AddItemReferenceToObject(o, "options", opts);
	resp_json(r, 200, o);
}

void h_admin_passkeys_list(struct req *r)
{
	struct factor_actor who;
	if (!me(r, &who, false))
		return;
	cJSON *list = json_arr(r->a), *o = json_obj(r->a);
	if (who.u && factor_list(r->a, who.p->app_id, who.u->id, false, &list)) {
		api_fail(r, AG_EUNAVAIL, NULL);
		return;
	}
	const char *rp = passkey_rp_id(r->a, who.p);
	cJSON_AddBoolToObject(o, "available", rp != NULL);
	json_add_str(o, "rp_id", rp);
	if (!rp)
		cJSON_AddStringToObject(o, "reason", "passkeys need AuthGate reached by a domain name (AUTHGATE_PUBLIC_URL), "
						     "not an IP address: for example http://localhost:8080");
	cJSON_AddItemReferenceToObject(o, "passkeys", list);
	resp_json(r, 200, o);
}

void h_admin_passkeys_options(struct req *r)
{
	struct factor_actor who;
	if (!api_rate_limit(r, &passkey_ip, r->ip) || !me(r, &who, true))
		return;
	cJSON *opts;
	const char *cid;
	struct factor_err fe = {0};
	const char *label = arena_printf(r->a, "admin %s", r->auth_subject);
	enum ag_err e = passkey_register_options_named(r->a, &who, label, "AuthGate dashboard", &opts, &cid, &fe);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	ceremony_answer(r, cid, opts);
}

void h_admin_passkeys_add(struct req *r)
{
	struct factor_actor who;
	if (!api_rate_limit(r, &passkey_ip, r->ip) || !me(r, &who, true))
		return;
	cJSON *f;
	struct factor_err fe = {0};
	const char *name = req_str(r, "name");
	enum ag_err e = passkey_register_verify(r->a, &who, req_str(r, "ceremony_id"), req_field(r, "credential"),
						name && *name ? name : "Dashboard passkey", &f, &fe);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	log_security("admin_passkey_added", r->ip, "by %s", r->auth_subject);
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "passkey", f);
	resp_json(r, 201, o);
}

void h_admin_passkeys_remove(struct req *r)
{
	struct factor_actor who;
	if (!me(r, &who, false))
		return;
	struct factor_err fe = {0};
	enum ag_err e = who.u ? factor_remove(r->a, &who, req_param(r, 0), &fe) : AG_ENOTFOUND;
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	log_security("admin_passkey_removed", r->ip, "by %s", r->auth_subject);
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "removed", 1);
	resp_json(r, 200, o);
}

/* ---- signing in with one (no session yet) ------------------------------------------ */

static bool same_origin_or_refuse(struct req *r)
{
	if (!r->origin || api_same_origin(r, r->origin))
		return true;
	api_audit(r, NULL);
	log_security("csrf_refused", r->ip, "dashboard passkey sign-in from another origin");
	api_fail(r, AG_ADMIN_CSRF_REFUSED, "refused: the sign-in comes from another origin");
	return false;
}

void h_admin_session_passkey_options(struct req *r)
{
	struct project *p;
	if (!same_origin_or_refuse(r) || api_auth_throttled(r) || !api_rate_limit(r, &passkey_ip, r->ip))
		return;
	enum ag_err e = dashboard_project(r, &p);
	cJSON *opts;
	const char *cid;
	struct factor_err fe = {0};
	if (e == AG_OK)
		e = passkey_auth_options(r->a, p, NULL, &opts, &cid, &fe);
	if (e) {
		api_factor_fail(r, e, &fe);
		return;
	}
	ceremony_answer(r, cid, opts);
}

void h_admin_session_passkey(struct req *r)
{
	struct project *p;
	if (!same_origin_or_refuse(r) || api_auth_throttled(r) || !api_rate_limit(r, &passkey_ip, r->ip))
		return;
	const char *uid = NULL;
	bool uv = false;
	struct factor_err fe = {0};
	struct user *u = NULL;
	enum ag_err e = dashboard_project(r, &p);
	if (e == AG_OK)
		e = passkey_auth_verify(r->a, p, req_str(r, "ceremony_id"), req_field(r, "credential"), r->ip, &uid, NULL,
					&uv, &fe);
	if (e == AG_OK)
		e = user_by_id(r->a, p->app_id, uid, &u);
	struct admin_session s;
	if (e == AG_OK) {
		const char *ua = req_header(r, "User-Agent");
		if (ua && (strlen(ua) > 256 || !str_is_utf8(ua, strlen(ua))))
			ua = NULL;
		/* the passkey signs in as the token it was added under, while that token lives */
		e = admin_session_open_id(r->a, u->name, r->ip, ua, &s);
		r->auth_subject = u->name;
	}
	api_audit(r, "{\"via\":\"passkey\"}");
	if (e) {
		if (ag_err_is(e, AG_EUNAUTH) || ag_err_is(e, AG_ENOTFOUND))
			api_auth_failed(r, "the passkey does not sign in to this dashboard (or its admin token was revoked)");
		else
			api_factor_fail(r, e, &fe);
		return;
	}
	log_info("admin", "dashboard sign-in with a passkey of %s from %s", s.token_id, r->ip);
	api_admin_session_answer(r, &s);
}
