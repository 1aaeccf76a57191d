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
	X(AG_PUSH_BAD_DECISION, AG_EINVAL, "bad_decision", "decision must be approve, deny or not_me")

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
