/* admin_providers.c — GET /admin/api/projects/{app_id}/providers: the dashboard's
 * Providers page in one answer (seed 001's "your project's Providers settings"): every
 * sign-in method the project can switch, whether it is on, and for each OAuth provider
 * its settings (never a secret: "client_secret_set"), the fields it takes and the
 * redirect URI to register with it. Switches are changed with PATCH
 * /admin/api/projects/{app_id} {providers}; OAuth settings with PUT .../oauth/{provider}. */
#include <string.h>

#include "api/api.h"
#include "auth/oauth.h"
#include "auth/projects.h"
#include "core/str.h"

/* The first-party methods, in the order the page shows them. */
static const struct {
	const char *name, *label, *about;
} builtin[] = {
	{"email", "Email + password", "POST /api/proxy/email/signup and /signin (seed 001)"},
	{"magic-link", "Magic link", "a link mailed to sign in (seed 001)"},
	{"email-code", "Email codes", "a 6-digit code mailed as a second factor"},
	{"push", "Push approval", "approve on a phone with number matching (seed 000)"},
	{"passkey", "Passkeys", "WebAuthn: sign in with a passkey, or use one as a second factor"},
	{"totp", "Authenticator app (TOTP)", "a second factor from any authenticator app"},
	{"sms", "SMS codes", "a 6-digit code texted as a second factor"},
};

/* What an OAuth provider's form asks for. */
static cJSON *oauth_fields(struct arena *a, const struct oauth_provider_def *d)
{
	cJSON *f = json_arr(a);
	if (d->needs_issuer)
		cJSON_AddItemToArray(f, cJSON_CreateString("issuer"));
	cJSON_AddItemToArray(f, cJSON_CreateString("client_id"));
	if (d->secret_is_es256_jwt) {
		cJSON_AddItemToArray(f, cJSON_CreateString("team_id"));
		cJSON_AddItemToArray(f, cJSON_CreateString("key_id"));
		cJSON_AddItemToArray(f, cJSON_CreateString("private_key"));
	} else {
		cJSON_AddItemToArray(f, cJSON_CreateString("client_secret"));
	}
	if (d->issuer && strstr(d->issuer, "{tenant}"))
		cJSON_AddItemToArray(f, cJSON_CreateString("tenant"));
	cJSON_AddItemToArray(f, cJSON_CreateString("scopes"));
	return f;
}

void h_admin_providers(struct req *r)
{
	struct project *p;
	if (!api_path_project(r, &p))
		return;
	cJSON *list = json_arr(r->a);
	for (size_t i = 0; i < ARRAY_LEN(builtin); i++) {
		if (!project_provider_known(builtin[i].name))
			continue;
		cJSON *o = json_obj(r->a);
		cJSON_AddStringToObject(o, "name", builtin[i].name);
		cJSON_AddStringToObject(o, "label", builtin[i].label);
		cJSON_AddStringToObject(o, "kind", "builtin");
		cJSON_AddStringToObject(o, "about", builtin[i].about);
		cJSON_AddBoolToObject(o, "enabled", project_provider_on(p, builtin[i].name));
		cJSON_AddItemReferenceToArray(list, o);
	}
	for (const struct oauth_provider_def *d = oauth_providers; d->name; d++) {
		cJSON *o = json_obj(r->a);
		cJSON_AddStringToObject(o, "name", d->name);
		cJSON_AddStringToObject(o, "label", d->label);
		cJSON_AddStringToObject(o, "kind", "oauth");
		cJSON_AddBoolToObject(o, "enabled", project_provider_on(p, d->name));
		cJSON_AddStringToObject(o, "redirect_uri", oauth_redirect_uri(r->a, d->name));
		cJSON_AddItemReferenceToObject(o, "fields", oauth_fields(r->a, d));
		struct oauth_client *c;
		enum ag_err e = oauth_client_get(r->a, p->app_id, d->name, &c);
		if (e == AG_OK)
			cJSON_AddItemReferenceToObject(o, "settings", oauth_client_json(r->a, c, project_provider_on(p, d->name)));
		else if (!ag_err_is(e, AG_ENOTFOUND)) {
			api_fail(r, e, NULL);
			return;
		}
		cJSON_AddBoolToObject(o, "configured", e == AG_OK);
		cJSON_AddItemReferenceToArray(list, o);
	}
	cJSON *out = json_obj(r->a);
	cJSON_AddStringToObject(out, "mfa", p->mfa_policy);
	cJSON_AddItemReferenceToObject(out, "providers", list);
	resp_json(r, 200, out);
}
