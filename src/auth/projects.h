/* projects.h — the tenant. A project owns its users, API keys, signing secret
 * (sealed with the master key at rest, kept decrypted only in the in-memory cache),
 * allowed origins, callback URLs, provider switches, default locale and branding.
 * Reads go through a cache invalidated by the store's cache epoch. */
#ifndef AG_PROJECTS_H
#define AG_PROJECTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "mail/templates.h"

struct hmac_key;
struct jwt_cache;

#define PROJECT_SECRET_LEN 32
#define PROJECT_MAX_URLS 64
#define APP_ID_MAX 63

struct project {
	const char *app_id;
	const char *name;
	const char *default_locale;
	const char **origins;
	int norigins;
	const char **callbacks;
	int ncallbacks;
	cJSON *providers; /* {"email":true,...}; arena-owned */
	cJSON *branding;  /* {"name":..,"color":..,"logo_url":..}; arena-owned */
	bool disabled;
	const char *mfa_policy; /* "off" | "optional" | "required" (docs/MFA.md) */
	cJSON *attestation_roots; /* passkey attestation roots: PEM strings, or NULL (PASSKEYS.md) */
	const char *attestation_roots_pem; /* the same as one bundle, or NULL */
	int64_t created_at;
	unsigned char secret[PROJECT_SECRET_LEN];
	struct hmac_key *token_key; /* the secret made ready for signing and checking tokens */
	struct jwt_cache *token_cache; /* session tokens checked already (sec/jwt.h); dies with the key */
};

/* Providers a project can switch, with their defaults for a new project. */
struct provider_def {
	const char *name;
	bool default_on;
};
extern const struct provider_def project_providers[];
bool project_provider_known(const char *name);
bool project_mfa_policy_known(const char *s);

/* Create: app_id is a slug; name non-empty. Origins/callbacks may be NULL. AG_EINVAL
 * saying which rule an argument breaks, AG_PROJECT_EXISTS. */
/* AuthGate's own project: the dashboard's administrators are its users, so the factor
 * engine's passkeys sign them in (api/admin_passkeys.c). Never listed, never created
 * through project_create, kept disabled (no public surface serves it). */
#define PROJECT_DASHBOARD "authgate-admin"
struct ag_error project_dashboard_create(struct arena *a, const cJSON *origins, struct project **out);
struct ag_error project_create(struct arena *a, const char *app_id, const char *name, const cJSON *origins,
			       const cJSON *callbacks, struct project **out) MUST_CHECK;
/* Cached lookup, copied into the arena. AG_PROJECT_NOT_FOUND if absent. */
enum ag_err project_get(struct arena *a, const char *app_id, struct project **out) MUST_CHECK;
/* Apply a patch object (fields: name, allowed_origins, callback_urls, providers,
 * default_locale, branding, mfa, passkey_attestation_roots, disabled); bumps the cache
 * epoch. AG_PROJECT_NOT_FOUND, or AG_EINVAL with a message naming the field and its
 * rule. */
struct ag_error project_update(struct arena *a, const char *app_id, const cJSON *patch) MUST_CHECK;
enum ag_err project_delete(const char *app_id) MUST_CHECK; /* AG_PROJECT_NOT_FOUND if absent */
/* A new signing secret, effective at once in every process (tokens signed with the old
 * one stop verifying); *secret_b64url gets it, the only time it is shown. */
enum ag_err project_rotate_secret(struct arena *a, const char *app_id, const char **secret_b64url) MUST_CHECK;
/* JSON array of every project (public view). */
enum ag_err project_list(struct arena *a, cJSON **out) MUST_CHECK;
/* Public view (no secret). */
cJSON *project_json(struct arena *a, const struct project *p);
/* The project's branding as the mail templates take it (mail/templates.h): the
 * brand's name or else the project's, its colour and logo. Points into p. */
struct mail_brand project_mail_brand(const struct project *p);
/* What people see the project called: branding.name, else its name. */
const char *project_display_name(const struct project *p);
/* mail_send_template under p's branding (inside the caller's transaction). */
enum ag_err project_send_mail(struct arena *a, const struct project *p, const char *to, const char *locale,
			      const char *template_id, const struct tmpl_var *vars) MUST_CHECK;

bool project_allows_origin(const struct project *p, const char *origin);
/* Callback URLs: a registered one exactly, optionally with the app's own query — which
 * must not carry a parameter AuthGate adds (token, mfa_token, reset_token, error, ...:
 * see docs/PROJECTS.md). NULL when allowed, else the reason (for a 400). */
const char *project_callback_problem(struct arena *a, const struct project *p, const char *url);
bool project_allows_callback(struct arena *a, const struct project *p, const char *url);
bool project_provider_on(const struct project *p, const char *provider);
/* The one enabled project that registered this callback URL: AG_ENOTFOUND when none,
 * AG_ECONFLICT when several did (the caller must name the project). */
enum ag_err project_by_callback(struct arena *a, const char *url, struct project **out) MUST_CHECK;
/* Does any enabled project list this origin? (CORS preflight) */
bool project_any_allows_origin(const char *origin);

/* Validate and normalise lists (shared with the admin API). */
const char *project_check_origins(struct arena *a, const cJSON *v);
const char *project_check_callbacks(struct arena *a, const cJSON *v);

/* Drop everything cached (tests, shutdown). */
void project_cache_clear(void);

#endif
