/* apikeys.h — project API keys ("agk_" + 43 base64url chars, 256 random bits) and
 * admin tokens ("aga_" + 43). Shown once at creation; only their SHA-256 is stored
 * (they are high-entropy, so a fast hash is enough and lookups are by hash). The
 * key -> project resolution is served from memory and dropped on any revocation,
 * in every process, through the store's cache epoch. */
#ifndef AG_APIKEYS_H
#define AG_APIKEYS_H

#include "auth/projects.h"

#define API_KEY_PREFIX "agk_"
#define ADMIN_TOKEN_PREFIX "aga_"
#define SECRET_TOKEN_LEN 47 /* prefix + 43 */

struct apikey_created {
	const char *id;
	const char *key; /* plaintext: show once */
	const char *prefix;
};

enum ag_err apikey_create(struct arena *a, const char *app_id, const char *name, struct apikey_created *out) MUST_CHECK;
/* JSON array of {id, name, prefix, created_at, revoked_at}. */
enum ag_err apikey_list(struct arena *a, const char *app_id, cJSON **out) MUST_CHECK;
enum ag_err apikey_revoke(const char *app_id, const char *key_id) MUST_CHECK;
/* Resolve a presented key: AG_OK with the project (and key id), AG_EUNAUTH otherwise. */
enum ag_err apikey_authenticate(struct arena *a, const char *key, struct project **project,
				const char **key_id) MUST_CHECK;

enum ag_err admin_token_create(struct arena *a, const char *name, struct apikey_created *out) MUST_CHECK;
enum ag_err admin_token_check(struct arena *a, const char *token, const char **token_id) MUST_CHECK;
enum ag_err admin_token_revoke(const char *id) MUST_CHECK;
enum ag_err admin_token_count(int64_t *n) MUST_CHECK;

#endif
