/* users.h — seed 004's end-user API family (docs/USERS.md, docs/FORWARD_AUTH.md): the
 * handlers the route table names, and what they share: the project a request is for
 * (guard_users) and who its credential stands for (users_who). */
#ifndef AG_API_USERS_H
#define AG_API_USERS_H

#include "auth/user_sessions.h"
#include "http/request.h"

/* The request's project: /p/{app_id}/... (r->tenant), else a host name a project
 * claims, else AUTHGATE_DEFAULT_PROJECT (dev mode: my-app). CORS for its origins. */
bool guard_users(struct req *r);

/* The error writer of ROUTE_ENVELOPE routes: {success: false, error: <title>, message,
 * code, statusCode, timestamp} (the seed's shape, with the stable code added). */
void users_error_body(struct req *r, int status, const char *code, const char *message);

/* Credentials users_who accepts besides a user token in Authorization: Bearer. */
#define WHO_API_KEY 0x1 /* X-API-Key: a user's API key */
#define WHO_COOKIE 0x2 /* the project's session cookie (changes need our or the project's origin) */
/* The caller, or false having answered 401 (counted against the address) / 403. */
bool users_who(struct req *r, unsigned allow, struct user_principal *who);

/* The `extra` of a seed 004 sign-in: a user session of this auth_type, with the
 * request's address and user agent (auth/user_sessions.h). */
cJSON *users_signin_extra(struct req *r, const char *auth_type);

/* The base URL this request reached the project at: PUBLIC_URL/p/{app_id}, the claimed
 * host's origin, or PUBLIC_URL (redirect URIs are made from it). */
const char *users_base_url(struct req *r);

/* users.c */
void h_users_magic_request(struct req *r);
void h_users_magic_verify(struct req *r);
void h_users_mfa_challenge(struct req *r);
void h_users_mfa_verify(struct req *r);
void h_users_status(struct req *r);
void h_users_refresh(struct req *r);
void h_users_logout(struct req *r);
void h_users_key_create(struct req *r);
void h_users_keys_list(struct req *r);
void h_users_key_revoke(struct req *r);
void h_users_sessions_list(struct req *r);
void h_users_session_end(struct req *r);

/* users_oauth.c: GET /users/auth/{provider} and its callback */
void h_users_oauth_start(struct req *r);
void h_users_oauth_callback(struct req *r);

/* forward_auth.c */
void h_forward_auth(struct req *r);
void h_access_check(struct req *r);

/* users_admin.c: plans, settings, users' sessions and keys for admins and backends */
void h_admin_users_config_get(struct req *r);
void h_admin_users_config_patch(struct req *r);
void h_admin_user_plan(struct req *r);
void h_backend_user_plan(struct req *r);
void h_admin_user_sessions(struct req *r);
void h_admin_user_sessions_end(struct req *r);
void h_admin_user_session_end(struct req *r);
void h_admin_user_keys(struct req *r);
void h_admin_user_key_revoke(struct req *r);

/* connections.c: the provider registry, connections, provider keys (/auth/...) */
void h_providers_list(struct req *r);
void h_providers_get(struct req *r);
void h_providers_create(struct req *r);
void h_providers_update(struct req *r);
void h_providers_delete(struct req *r);
void h_connect_start(struct req *r);
void h_connect_callback_post(struct req *r);
void h_connect_callback_get(struct req *r);
void h_connect_confirm(struct req *r);
void h_connect_disconnect(struct req *r);
void h_connected_list(struct req *r);
void h_provider_key_put(struct req *r);
void h_provider_key_get(struct req *r);
void h_provider_key_delete(struct req *r);
void h_valid_token(struct req *r);
void h_google_search_keys(struct req *r);

#endif
