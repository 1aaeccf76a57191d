/* plans.h — users' plans and features, and the access decision of forward-auth (seed
 * 004). A user has one plan of the project's ladder (auth/user_config.h) and may hold
 * features of their own besides their plan's. A user's plan, own features and email
 * are served from memory per process: a plan change stamps the user's row with the
 * users cache epoch it bumps, so every process drops just that user (core/epcache.h,
 * deltas) and the change counts on every node within milliseconds. */
#ifndef AG_PLANS_H
#define AG_PLANS_H

#include "auth/user_config.h"

struct user_state {
	const char *email; /* NULL: a user without an address (auth/users.h) */
	const char *plan; /* may be outside the ladder (then below every plan) */
	const char *features; /* the user's own, a JSON array text */
	bool disabled; /* an admin disabled (or deleted) the user */
};

/* AG_ENOTFOUND when the project has no such user. Arena copies. */
enum ag_err user_state_get(struct arena *a, const char *app_id, const char *user_id, struct user_state *out) MUST_CHECK;

/* Set the user's plan (a plan of the ladder) and, when features is not NULL, their own
 * features (a list of names; [] clears). AG_EINVAL or AG_USERS_UNKNOWN_PLAN with a
 * message, AG_USERS_BAD_FEATURE; AG_USER_NOT_FOUND for no user. */
struct ag_error user_plan_set(struct arena *a, const char *app_id, const char *user_id, const char *plan,
                              const cJSON *features) MUST_CHECK;

/* The user's row changed in a way the state above shows (disabled, deleted): stamp it
 * with the users cache epoch, in the caller's transaction, so every process reloads it. */
enum ag_err user_state_touch(const char *app_id, const char *user_id) MUST_CHECK;

/* Every feature the user has (the plan's, then their own), a JSON array. */
cJSON *user_features_json(struct arena *a, const struct user_config *c, const struct user_state *st);
/* The same, comma-separated (a response header). */
const char *user_features_csv(struct arena *a, const struct user_config *c, const struct user_state *st);

enum access_verdict {
	ACCESS_ALLOWED,
	ACCESS_UPGRADE_REQUIRED, /* the plan is below the required one */
	ACCESS_FEATURE_MISSING, /* the plan (and the user) lack the feature */
};
/* Does a user with st satisfy need_plan (NULL: any) and need_feature (NULL: none)? */
enum access_verdict access_decide(const struct user_config *c, const struct user_state *st, const char *need_plan,
                                  const char *need_feature);

void plans_cache_clear(void);

#endif
