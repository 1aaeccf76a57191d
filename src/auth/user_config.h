/* user_config.h — a project's settings for its end users' API (seed 004): the plan
 * ladder and the features of each plan, the forward-auth rules (path prefix -> required
 * plan or feature), the prefix of users' API keys, the session cookie's name, Google
 * search keys, and the host names the project claims (a request to one of them belongs
 * to it: docs/USERS.md, "Which project"). Stored as one JSON document per project,
 * validated on the way in, served from memory under the projects' cache epoch. */
#ifndef AG_USER_CONFIG_H
#define AG_USER_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define UCFG_MAX_PLANS 16
#define UCFG_MAX_FEATURES 64 /* per plan, and per user */
#define UCFG_MAX_RULES 128
#define UCFG_MAX_HOSTS 16
#define UCFG_NAME_MAX 64 /* a plan's or a feature's name */
#define UCFG_DEFAULT_KEY_PREFIX "agnt_sk_"
#define UCFG_DEFAULT_COOKIE "token"
/* A user session family (a sign-in and every refresh after it) ends this many days
 * after the sign-in, however often it is refreshed (docs/USERS.md). */
#define UCFG_DEFAULT_SESSION_MAX_DAYS 90
#define UCFG_SESSION_MAX_DAYS_LIMIT 3650

struct plan_def {
	const char *name;
	const char **features; /* its own and those of every plan below it */
	int nfeatures;
	const char *features_csv; /* the same, comma-separated (forward-auth's header) */
};

/* A forward-auth rule: requests whose path is `prefix` or below it (prefix + "/" ...,
 * or a query) and whose method is in `methods` (NULL: any) need the plan (or higher) or
 * the feature. The longest matching prefix wins. */
struct access_rule {
	const char *prefix;
	const char *plan; /* NULL or a plan of the ladder */
	const char *feature; /* NULL or a feature name */
	const char *methods; /* NULL or ",GET,POST," */
	bool public_path; /* "public": true: no credential needed */
};

struct user_config {
	const char *app_id;
	struct plan_def *plans; /* the ladder, lowest first; plans[0] is a new user's */
	int nplans;
	struct access_rule *rules; /* longest prefix first */
	int nrules;
	const char *api_key_prefix;
	const char *cookie_name;
	int session_max_days; /* the absolute cap of a refreshed session, from its sign-in */
	const char *google_api_key, *google_engine_id; /* NULL when unset */
	const char **hosts;
	int nhosts;
	cJSON *json; /* the stored document (public view: every field above) */
};

/* The project's settings (defaults when it has none: free < personal < business <
 * enterprise without features, no rules, agnt_sk_, cookie "token", sessions capped at
 * 90 days). Arena-owned view of a cached value: valid while the arena lives. */
enum ag_err user_config_get(struct arena *a, const char *app_id, const struct user_config **out) MUST_CHECK;

/* Merge a patch of top-level fields (plans, rules, api_key_prefix, session_cookie,
 * google_search, hosts, session_max_days; null resets one) into the stored settings.
 * AG_EINVAL with a message naming the setting and its rule; AG_USERS_HOST_CLAIMED
 * (naming the host) when a host is claimed by another project. */
struct ag_error user_config_patch(struct arena *a, const char *app_id, const cJSON *patch) MUST_CHECK;

/* The project that claims host (lower-cased, port kept), or NULL. From memory. */
const char *user_config_host_project(struct arena *a, const char *host);

/* Rank of a plan in the ladder (0 = lowest), -1 when unknown. */
int user_config_plan_rank(const struct user_config *c, const char *plan);
/* Does the plan (with the user's own extra features, a JSON array text or NULL) have
 * the feature? */
bool user_config_has_feature(const struct user_config *c, const char *plan, const char *user_features,
                             const char *feature);
/* The rule for method + path (the path may carry a query), or NULL. */
const struct access_rule *user_config_rule(const struct user_config *c, const char *method, const char *path);

void user_config_cache_clear(void);

#endif
