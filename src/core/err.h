/* err.h — the one error value. An error is a code of the table below, which gives it
 * three things: a kind (one of the eleven generic codes at its top; the kind alone
 * decides the HTTP status, mapped once in http/response.c and answered through
 * api_fail), a stable machine-readable name (the "error" of a JSON answer; clients
 * match on it, so never rename one) and the message people see unless the caller has
 * a more precise one (struct ag_error).
 *
 * Every layer returns enum ag_err. Lower layers (store, sec, net, ...) use the kinds;
 * the domain returns the specific codes of its families, so a handler answers any
 * error with one call and no ladder. Compare kinds with ag_err_is(e, AG_ENOTFOUND),
 * never with ==, since a specific code is not equal to its kind.
 *
 * A new feature family adds its codes as one block at the end of AG_ERRORS, nowhere
 * else: X(C name, kind, "stable_name", "message"). */
#ifndef AG_ERR_H
#define AG_ERR_H

#define AG_ERRORS(X)                                                                                          \
	/* ---- kinds: the generic error of each (and its HTTP status, http/response.c) ---- */                  \
	X(AG_EINVAL, AG_EINVAL, "invalid_request", "the request is not valid")          /* 400 */               \
	X(AG_EUNAUTH, AG_EUNAUTH, "unauthorized", "missing or invalid credentials")     /* 401 */               \
	X(AG_EFORBIDDEN, AG_EFORBIDDEN, "forbidden", "not allowed")                     /* 403 */               \
	X(AG_ENOTFOUND, AG_ENOTFOUND, "not_found", "no such object")                    /* 404 */               \
	X(AG_ECONFLICT, AG_ECONFLICT, "conflict", "conflicts with the current state")   /* 409 */               \
	X(AG_EGONE, AG_EGONE, "gone", "expired or used up")                             /* 410 */               \
	X(AG_ETOOBIG, AG_ETOOBIG, "payload_too_large", "input over a limit")            /* 413 */               \
	X(AG_ERATE, AG_ERATE, "rate_limited", "too many requests")                      /* 429 */               \
	X(AG_EUNAVAIL, AG_EUNAVAIL, "unavailable", "a dependency is unavailable; retry shortly") /* 503 */      \
	X(AG_EINTERNAL, AG_EINTERNAL, "internal_error", "internal error")               /* 500 */               \
	/* ---- projects, API keys, webhooks (admin API, API-key API) ---- */                                     \
	X(AG_PROJECT_NOT_FOUND, AG_ENOTFOUND, "not_found", "no such project")                                   \
	X(AG_PROJECT_EXISTS, AG_ECONFLICT, "conflict", "a project with this app_id exists")                     \
	X(AG_APIKEY_NOT_FOUND, AG_ENOTFOUND, "not_found", "no such active key in this project")                 \
	X(AG_HOOK_NOT_FOUND, AG_ENOTFOUND, "not_found", "no such webhook endpoint or delivery")                 \
	/* ---- the dashboard's admin session (docs/DASHBOARD.md) ---- */                                        \
	X(AG_ADMIN_SESSION_EXPIRED, AG_EUNAUTH, "session_expired", "your dashboard session ended: sign in again") \
	X(AG_ADMIN_CSRF_REFUSED, AG_EFORBIDDEN, "csrf_refused",                                                 \
	  "refused: changes need the dashboard's X-CSRF-Token and its own origin")                              \
	X(AG_USER_NOT_FOUND, AG_ENOTFOUND, "not_found", "no such user in this project")                         \
	X(AG_USER_DISABLED, AG_EFORBIDDEN, "user_disabled", "this account is disabled; ask the app's operator")  \
	/* ---- every sign-in flow ---- */                                                                       \
	X(AG_CALLBACK_URL, AG_EINVAL, "invalid_callback_url",                                                   \
	  "callback_url is not one of the project's registered callback URLs")                                  \
	X(AG_PASSKEY_OFF, AG_EFORBIDDEN, "provider_disabled", "passkey sign-in is disabled for this project")   \
	X(AG_MFA_SESSION_REQUIRED, AG_EFORBIDDEN, "session_required", "this needs a session token, not an mfa_token") \
	/* ---- email, password and magic-link sign-in (seed 001) ---- */                                         \
	X(AG_EMAIL_PASSWORD_OFF, AG_EFORBIDDEN, "provider_disabled",                                            \
	  "email + password sign-in is disabled for this project")                                              \
	X(AG_EMAIL_MAGIC_OFF, AG_EFORBIDDEN, "provider_disabled", "magic-link sign-in is disabled for this project") \
	X(AG_EMAIL_WEAK_PASSWORD, AG_EINVAL, "weak_password", "the password does not meet the rules")           \
	X(AG_EMAIL_UNAVAILABLE, AG_ECONFLICT, "email_unavailable",                                              \
	  "this email address cannot be used to sign up; sign in or reset the password instead")                \
	X(AG_EMAIL_BAD_CREDENTIALS, AG_EUNAUTH, "invalid_credentials", "Invalid email or password")             \
	X(AG_EMAIL_BAD_CODE, AG_EINVAL, "invalid_code", "The code is invalid or has expired; request a new one") \
	X(AG_EMAIL_BAD_TOKEN, AG_EINVAL, "invalid_token", "The reset link is invalid, has expired or was already used") \
	/* ---- push sign-in and the device app (seed 000) ---- */                                                \
	X(AG_PUSH_DISABLED, AG_EFORBIDDEN, "push_disabled", "push sign-in is disabled for this app")            \
	X(AG_PUSH_UNKNOWN_CODE, AG_ENOTFOUND, "unknown_code", "no pending sign-in shows this code")             \
	X(AG_PUSH_UNKNOWN_REQUEST, AG_ENOTFOUND, "unknown_request", "no such request")                          \
	X(AG_PUSH_UNKNOWN_DEVICE, AG_ENOTFOUND, "unknown_device", "unknown or removed device")                  \
	X(AG_PUSH_LOGIN_UNKNOWN_DEVICE, AG_EUNAUTH, "unknown_device", "unknown or removed device")              \
	X(AG_PUSH_ENROLL_BAD_CODE, AG_EUNAUTH, "invalid_code", "the code is not right")                         \
	X(AG_PUSH_ENROLL_BAD_LINK, AG_EUNAUTH, "invalid_link", "the link is not valid")                         \
	X(AG_PUSH_EXPIRED, AG_EGONE, "expired", "expired or used up: start again")                              \
	X(AG_PUSH_DEVICE_NAME, AG_EINVAL, "invalid_name",                                                       \
	  "name the device: 1-64 characters, no control characters")                                            \
	X(AG_PUSH_PUBLIC_KEY, AG_EINVAL, "invalid_public_key", "public_key must be the JWK of a P-256 public key") \
	X(AG_PUSH_TOO_MANY_DEVICES, AG_ECONFLICT, "too_many_devices",                                           \
	  "this email has the maximum number of devices; remove one first")                                     \
	X(AG_PUSH_STALE_SIGNATURE, AG_EUNAUTH, "stale_signature",                                               \
	  "the signed timestamp is too old or in the future: check the device's clock")                         \
	X(AG_PUSH_BAD_SIGNATURE, AG_EUNAUTH, "bad_signature", "the signature does not verify with this device's key") \
	X(AG_PUSH_REPLAYED, AG_ECONFLICT, "replayed", "this signed request was used before")                    \
	X(AG_PUSH_ALREADY_DECIDED, AG_ECONFLICT, "already_decided", "this request was decided already")         \
	X(AG_PUSH_WRONG_DEVICE, AG_EFORBIDDEN, "wrong_device", "this device belongs to another email")         \
	X(AG_PUSH_WRONG_CODE, AG_EFORBIDDEN, "wrong_code", "the code does not match the one on the login screen") \
	X(AG_PUSH_BAD_DECISION, AG_EINVAL, "bad_decision", "decision must be approve, deny or not_me") \
	/* ---- second factors, the MFA step and passkeys (docs/MFA.md, docs/PASSKEYS.md) ---- */                  \
	X(AG_FACTOR_DISABLED, AG_EFORBIDDEN, "factor_disabled", "this factor is disabled for this project")     \
	X(AG_FACTOR_TOO_MANY, AG_ECONFLICT, "too_many_factors", "this user has the most factors allowed (20)")  \
	X(AG_FACTOR_NOT_FOUND, AG_ENOTFOUND, "factor_not_found", "no such factor for this user")                \
	X(AG_FACTOR_NO_ENROLLMENT, AG_ENOTFOUND, "enrollment_not_found",                                        \
	  "no pending enrollment with this id (it may have expired: start again)")                              \
	X(AG_FACTOR_NAME, AG_EINVAL, "invalid_name",                                                            \
	  "name must be 1 to 64 bytes of printable UTF-8 (no control characters)")                              \
	X(AG_FACTOR_PHONE, AG_EINVAL, "invalid_phone",                                                          \
	  "phone must be an E.164 number: + then the country code and number, e.g. +14155550123")               \
	X(AG_FACTOR_NOTHING_TO_CONFIRM, AG_EINVAL, "nothing_to_confirm", "this factor needs no confirmation")   \
	X(AG_FACTOR_BAD_CODE, AG_EUNAUTH, "invalid_code", "the code is wrong, expired or was used already")     \
	X(AG_FACTOR_SEND_LIMIT, AG_ERATE, "rate_limited", "too many codes sent; wait before asking for another") \
	X(AG_MFA_LOCKED, AG_ERATE, "mfa_locked",                                                                \
	  "too many failed attempts: second-factor verification is locked for a while")                         \
	X(AG_SMS_UNAVAILABLE, AG_EUNAVAIL, "sms_unavailable", "no SMS provider is configured on this server")  \
	X(AG_SMS_NO_ENDPOINT, AG_EUNAVAIL, "sms_unavailable",                                                   \
	  "the SMS could not be queued: no webhook endpoint of this project takes sms.send")                    \
	X(AG_MFA_BAD_TOKEN, AG_EUNAUTH, "invalid_mfa_token", "the mfa_token is unknown, expired or was used")  \
	X(AG_MFA_ENROLL_REQUIRED, AG_EFORBIDDEN, "enrollment_required",                                         \
	  "this project requires a second factor: enroll one with this mfa_token first")                        \
	X(AG_MFA_METHOD, AG_EINVAL, "invalid_method", "method must be totp, sms, email, passkey or recovery")    \
	X(AG_MFA_NOT_ENROLLED, AG_EINVAL, "method_not_enrolled", "the user has no factor of this method")       \
	X(AG_PASSKEYS_UNAVAILABLE, AG_ECONFLICT, "passkeys_unavailable",                                        \
	  "passkeys need the project's allowed_origins: the RP ID is taken from them")                          \
	X(AG_PASSKEY_CEREMONY, AG_EGONE, "ceremony_expired",                                                    \
	  "this passkey ceremony is unknown, expired or was used: ask for new options")                         \
	X(AG_PASSKEY_EXISTS, AG_ECONFLICT, "credential_exists", "this passkey is registered already")           \
	X(AG_PASSKEY_UNKNOWN, AG_EUNAUTH, "unknown_credential", "this passkey is not registered for this user or project") \
	X(AG_PASSKEY_USER_HANDLE, AG_EUNAUTH, "user_handle_mismatch", "the passkey's user handle does not match") \
	X(AG_PASSKEY_CLONED, AG_EUNAUTH, "sign_count_regressed",                                                \
	  "this passkey's signature counter went back: the authenticator may have been cloned")                 \
	X(AG_PASSKEY_BACKUP, AG_EUNAUTH, "invalid_credential", "the passkey's backup eligibility changed")       \
	X(AG_WA_MALFORMED, AG_EINVAL, "invalid_credential", "the credential's data is malformed")              \
	X(AG_WA_TYPE, AG_EUNAUTH, "invalid_client_data", "clientDataJSON.type is not this ceremony's")         \
	X(AG_WA_CHALLENGE, AG_EUNAUTH, "challenge_mismatch", "the credential answers another challenge")        \
	X(AG_WA_ORIGIN, AG_EUNAUTH, "origin_not_allowed", "the ceremony ran on an origin this project does not allow") \
	X(AG_WA_RP_ID, AG_EUNAUTH, "rp_id_mismatch", "the credential belongs to another relying party (RP ID)") \
	X(AG_WA_UP, AG_EUNAUTH, "user_presence_required", "the authenticator did not confirm user presence")   \
	X(AG_WA_UV, AG_EUNAUTH, "user_verification_required", "the authenticator did not verify the user")     \
	X(AG_WA_ALG, AG_EUNAUTH, "unsupported_algorithm",                                                       \
	  "the key type or algorithm is not accepted (ES256, EdDSA, RS256)")                                    \
	X(AG_WA_FORMAT, AG_EUNAUTH, "unsupported_attestation", "attestation formats accepted: none, packed")    \
	X(AG_WA_ATTESTATION, AG_EUNAUTH, "invalid_attestation", "the attestation statement does not verify")    \
	X(AG_WA_SIGNATURE, AG_EUNAUTH, "invalid_signature", "the assertion signature does not verify")         \
	X(AG_WA_UNTRUSTED, AG_EUNAUTH, "attestation_untrusted",                                                \
	  "this project accepts passkeys only from authenticators whose attestation leads to one of its roots") \
	/* ---- actions and challenges, the Authsignal-compatible API (docs/ACTIONS.md) ---- */                 \
	X(AG_FACTOR_EMAIL, AG_EINVAL, "invalid_email", "email must be an email address (this user has none)")   \
	X(AG_AS_TOKEN_EXPIRED, AG_EUNAUTH, "expired_token", "the token expired: track the action again")        \
	X(AG_AS_BAD_TOKEN, AG_EUNAUTH, "unauthorized", "the token is not valid")                                \
	X(AG_AS_TOKEN_REQUIRED, AG_EUNAUTH, "unauthorized",                                                     \
	  "this call needs Authorization: Bearer <token> (from track)")                                         \
	X(AG_AS_TENANT, AG_EUNAUTH, "unauthorized", "unknown tenant")                                           \
	X(AG_AS_ORIGIN, AG_EFORBIDDEN, "forbidden", "this origin is not one of the project's allowed origins")  \
	X(AG_AS_ACTION_CODE, AG_EINVAL, "invalid_request", "action must match ^[a-zA-Z0-9_-]{1,64}$")           \
	X(AG_AS_USER_ID, AG_EINVAL, "invalid_request", "userId must be 1 to 255 bytes of printable text without '/'") \
	X(AG_AS_IKEY, AG_EINVAL, "invalid_request",                                                             \
	  "idempotencyKey must be 1 to 128 visible ASCII characters without '/'")                               \
	X(AG_AS_REDIRECT, AG_EINVAL, "invalid_redirect_url",                                                    \
	  "redirectUrl must be one of the project's registered callback URLs")                                  \
	X(AG_AS_SCOPE, AG_EINVAL, "invalid_request",                                                            \
	  "scope is a space-separated list of read:authenticators, add:authenticators, remove:authenticators, "  \
	  "update:authenticators")                                                                              \
	X(AG_AS_DEVICE_ID, AG_EINVAL, "invalid_request", "deviceId must be at most 128 bytes of UTF-8")          \
	X(AG_AS_STATE, AG_EINVAL, "invalid_request",                                                            \
	  "state must be one of ALLOW, BLOCK, CHALLENGE_REQUIRED, CHALLENGE_SUCCEEDED, CHALLENGE_FAILED, "       \
	  "REVIEW_REQUIRED, REVIEW_SUCCEEDED, REVIEW_FAILED")                                                   \
	X(AG_AS_METHOD, AG_EINVAL, "invalid_request",                                                           \
	  "verificationMethod must be SMS or EMAIL_OTP (the others need the user's own device)")                \
	X(AG_AS_INVALID, AG_EINVAL, "invalid_request", "the request is not valid")                             \
	X(AG_AS_CUSTOM, AG_EINVAL, "invalid_request",                                                           \
	  "custom must be an object of at most 50 keys whose values are strings, numbers or booleans")          \
	X(AG_AS_IKEY_CONFLICT, AG_ECONFLICT, "conflict",                                                        \
	  "this idempotencyKey names an action of another user or action code")                                 \
	X(AG_AS_USER_NOT_FOUND, AG_ENOTFOUND, "not_found", "no user with this userId")                          \
	X(AG_AS_ACTION_NOT_FOUND, AG_ENOTFOUND, "not_found", "no such action for this user")                    \
	X(AG_AS_RULES_NOT_FOUND, AG_ENOTFOUND, "not_found", "this action has no rules")                         \
	X(AG_AS_CHALLENGE_GONE, AG_EGONE, "challenge_expired", "the challenge is unknown or expired: start again") \
	X(AG_AS_BLOCKED, AG_EFORBIDDEN, "action_blocked", "this action was blocked")                            \
	X(AG_AS_IN_REVIEW, AG_EFORBIDDEN, "action_in_review", "this action is waiting for a review")            \
	X(AG_AS_VALIDATED, AG_EFORBIDDEN, "action_validated", "this action was completed and validated")        \
	X(AG_AS_NOT_COMPLETABLE, AG_EFORBIDDEN, "forbidden", "this action can no longer be completed")          \
	X(AG_AS_SCOPE_REQUIRED, AG_EFORBIDDEN, "forbidden",                                                     \
	  "the user has an authenticator: adding another needs the add:authenticators scope on track")          \
	X(AG_AS_VERIFY_FIRST, AG_EFORBIDDEN, "forbidden",                                                       \
	  "the user has an authenticator: verify with it before adding another")                                \
	X(AG_AS_CLIENT_ID, AG_EINVAL, "invalid_request", "clientId must be 1 to 128 bytes")                     \
	X(AG_AS_NOT_VERIFIED, AG_EFORBIDDEN, "challenge_not_verified",                                          \
	  "the challenge was not verified, was claimed already, was started for another user, or its claim "    \
	  "window passed")                                                                        \
	/* ---- end users: sessions, keys, plans, connections (seed 004, docs/USERS.md) ---- */                   \
	X(AG_USERS_NO_PROJECT, AG_ENOTFOUND, "unknown_project",                                                 \
	  "no project serves this address: use the base URL /p/{app_id}, a host name the project claims, or "   \
	  "set AUTHGATE_DEFAULT_PROJECT (docs/USERS.md)")                                                      \
	X(AG_USERS_PROJECT_DISABLED, AG_EFORBIDDEN, "project_disabled", "this project is disabled")              \
	X(AG_USERS_NO_CREDENTIAL, AG_EUNAUTH, "unauthorized",                                                   \
	  "No token provided: send Authorization: Bearer <token> or X-API-Key: <key>")                          \
	X(AG_USERS_BAD_TOKEN, AG_EUNAUTH, "invalid_token", "The token is malformed, expired or was signed out") \
	X(AG_USERS_BAD_API_KEY, AG_EUNAUTH, "invalid_api_key", "The API key is invalid or was revoked")         \
	X(AG_USERS_SESSION_REQUIRED, AG_EFORBIDDEN, "session_required",                                         \
	  "this needs the user's session token (Authorization: Bearer), not an API key")                        \
	X(AG_USERS_COOKIE_CSRF, AG_EFORBIDDEN, "csrf_refused",                                                  \
	  "a change with the session cookie must come from the app's own origin")                               \
	X(AG_USERS_TOO_MANY_KEYS, AG_ECONFLICT, "too_many_keys",                                                \
	  "this user has the maximum number of API keys; revoke one first")                                     \
	X(AG_USERS_KEY_NOT_FOUND, AG_ENOTFOUND, "not_found", "this user has no such active API key")             \
	X(AG_USERS_SESSION_NOT_FOUND, AG_ENOTFOUND, "not_found", "this user has no such active session")         \
	X(AG_USERS_SESSION_MAX_AGE, AG_EUNAUTH, "session_expired",                                              \
	  "this session reached the project's maximum session lifetime (session_max_days): sign in again")     \
	X(AG_USERS_BAD_STATE, AG_EINVAL, "invalid_state",                                                       \
	  "This sign-in response is invalid or was already used. Start again from the application.")            \
	X(AG_USERS_UNKNOWN_PLAN, AG_EINVAL, "unknown_plan", "the plan is not one of this project's plans")       \
	X(AG_USERS_BAD_FEATURE, AG_EINVAL, "invalid_feature", "a feature is 1-64 letters, digits, '_', '-', '.' or ':'") \
	X(AG_USERS_BAD_URI, AG_EFORBIDDEN, "invalid_uri",                                                      \
	  "the original URI is malformed, or two headers name different originals")                            \
	X(AG_USERS_HOST_CLAIMED, AG_ECONFLICT, "host_claimed", "a host name is claimed by another project")      \
	X(AG_USERS_NOT_YOURS, AG_EFORBIDDEN, "forbidden", "userId must be the caller's own id")                 \
	X(AG_USERS_USER_ID_REQUIRED, AG_EINVAL, "invalid_request", "userId is required with the project's API key") \
	X(AG_PROVIDERS_ADMIN_REQUIRED, AG_EFORBIDDEN, "admin_required",                                          \
	  "changing the provider registry needs the project's API key or an admin token")                      \
	X(AG_PROVIDERS_BUILTIN, AG_EFORBIDDEN, "builtin_provider",                                              \
	  "built-in providers are configured with /admin/api/projects/{app_id}/oauth/{provider}")              \
	X(AG_PROVIDERS_EXISTS, AG_ECONFLICT, "conflict", "a provider with this id exists (built-in ids included)") \
	X(AG_PROVIDERS_NOT_FOUND, AG_ENOTFOUND, "not_found", "no such provider")                                \
	X(AG_CONNECT_REDIRECT, AG_EINVAL, "invalid_redirect_uri",                                               \
	  "redirect_uri is not one of the project's registered callback URLs")                                  \
	X(AG_CONNECT_NOT_FOUND, AG_ENOTFOUND, "not_connected", "this user has no connection to this provider")  \
	X(AG_PROVIDER_KEY_NOT_FOUND, AG_ENOTFOUND, "not_found", "this user stored no key for this provider")   \
	/* ---- OAuth sign-in and connections to providers (docs/OAUTH.md, docs/USERS.md): the  */               \
	/* stable names are also the ?error= of a redirect back to the app                       */               \
	X(AG_OAUTH_UNKNOWN_PROVIDER, AG_ENOTFOUND, "unknown_provider", "AuthGate has no such sign-in provider") \
	X(AG_OAUTH_PROVIDER_DISABLED, AG_EFORBIDDEN, "provider_disabled",                                     \
	  "this sign-in provider is disabled for this project")                                                 \
	X(AG_OAUTH_NOT_CONFIGURED, AG_EFORBIDDEN, "provider_not_configured",                                    \
	  "this provider is enabled but has no client id and secret yet")                                       \
	X(AG_OAUTH_APP_ID_REQUIRED, AG_EINVAL, "app_id_required",                                               \
	  "several projects registered this callback_url: add app_id=<your project>")                           \
	X(AG_OAUTH_UNKNOWN_APP, AG_EINVAL, "unknown_app", "no such project")                                    \
	X(AG_OAUTH_SESSION_TOKEN, AG_EUNAUTH, "invalid_token",                                                  \
	  "token must be a valid, unexpired session token of this project")                                     \
	X(AG_OAUTH_STATE, AG_EFORBIDDEN, "invalid_state", "this sign-in was started in another browser; start again here") \
	X(AG_OAUTH_FLOW_EXPIRED, AG_EGONE, "flow_expired", "the sign-in took too long; start again")            \
	X(AG_OAUTH_ISSUER, AG_EFORBIDDEN, "invalid_issuer", "the response came from another issuer")            \
	X(AG_OAUTH_ACCESS_DENIED, AG_EFORBIDDEN, "access_denied", "the user declined")                          \
	X(AG_OAUTH_PROVIDER_ERROR, AG_EFORBIDDEN, "provider_error", "the provider reported an error")           \
	X(AG_OAUTH_INVALID_GRANT, AG_EFORBIDDEN, "invalid_grant", "the provider refused the code")              \
	X(AG_OAUTH_PROVIDER_UNAVAILABLE, AG_EUNAVAIL, "provider_unavailable", "the provider is unavailable; retry shortly") \
	X(AG_OAUTH_ID_TOKEN, AG_EFORBIDDEN, "invalid_id_token", "the provider's ID token was refused")          \
	X(AG_OAUTH_EMAIL_REQUIRED, AG_EFORBIDDEN, "email_required",                                             \
	  "the provider shared no email address; allow AuthGate to read it and try again")                      \
	X(AG_OAUTH_ACCOUNT_EXISTS, AG_ECONFLICT, "account_exists",                                              \
	  "an account with this email exists; sign in to it and link this provider (POST /api/proxy/{provider}/link)") \
	X(AG_OAUTH_IDENTITY_IN_USE, AG_ECONFLICT, "identity_in_use", "this provider account is linked to another user") \
	X(AG_OAUTH_USER_GONE, AG_EGONE, "invalid_token", "the signed-in user no longer exists")                 \
	X(AG_OAUTH_ALREADY_LINKED, AG_ECONFLICT, "provider_already_linked",                                     \
	  "this user has another account of this provider linked; unlink it first")                             \
	X(AG_OAUTH_NOT_LINKED, AG_ENOTFOUND, "not_linked", "no identity of this provider is linked to the user") \
	X(AG_OAUTH_LAST_METHOD, AG_ECONFLICT, "last_sign_in_method",                                            \
	  "this is the user's only way to sign in; add another before unlinking it")                            \
	X(AG_OAUTH_SETTINGS, AG_EINVAL, "invalid_request", "these provider settings are not valid")             \
	X(AG_OAUTH_SERVER, AG_EINTERNAL, "server_error", "the sign-in cannot be completed: internal error")     \
	X(AG_OAUTH_SERVER_BUSY, AG_EUNAVAIL, "server_error", "the sign-in cannot be completed right now; retry shortly") \
	X(AG_CONNECT_PROVIDER_NOT_CONFIGURED, AG_ENOTFOUND, "provider_not_configured",                          \
	  "this provider has no client id and secret in this project")                                          \
	X(AG_CONNECT_STATE, AG_EINVAL, "invalid_state", "this state is unknown or was already used: connect again") \
	X(AG_CONNECT_ACCOUNT_GONE, AG_EGONE, "invalid_state",                                                   \
	  "the account this connection was started for no longer exists")                                       \
	X(AG_CONNECT_NOT_OAUTH, AG_EINVAL, "not_oauth", "this provider takes an API key, not an OAuth connection") \
	X(AG_CONNECT_SCOPE, AG_EINVAL, "invalid_scope", "scope is a space-separated list of scope names")       \
	X(AG_CONNECT_RECONNECT, AG_ECONFLICT, "reconnect_required",                                             \
	  "the provider no longer accepts this connection: connect again")

enum ag_err {
	AG_OK = 0,
#define AG_ERR_ENUM(name, kind, code, message) name,
	AG_ERRORS(AG_ERR_ENUM)
#undef AG_ERR_ENUM
	AG_ERR_COUNT
};

/* The generic code (AG_EINVAL ... AG_EINTERNAL) of e; AG_OK for AG_OK. */
enum ag_err ag_err_kind(enum ag_err e);
/* Is e of this kind? (e may be specific: AG_PROJECT_NOT_FOUND is AG_ENOTFOUND.) */
static inline int ag_err_is(enum ag_err e, enum ag_err kind)
{
	return ag_err_kind(e) == kind;
}
/* Stable machine-readable name ("invalid_request", "unknown_device", ...). */
const char *ag_err_code(enum ag_err e);
/* The table's message for people. */
const char *ag_err_message(enum ag_err e);

/* An error with a message more precise than the table's (a field named, a rule
 * quoted): what a validating domain function returns. message NULL: the table's. */
struct ag_error {
	enum ag_err code;
	const char *message;
};
#define AG_ERROR(code) ((struct ag_error){(code), NULL})
#define AG_ERROR_MSG(code, message) ((struct ag_error){(code), (message)})

#if defined(__GNUC__)
#define MUST_CHECK __attribute__((warn_unused_result))
#else
#define MUST_CHECK
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
