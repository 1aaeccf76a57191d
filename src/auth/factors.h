/* factors.h — the factor engine: TOTP, SMS and email codes, recovery codes and passkeys
 * for the users of a project, and the MFA step that sign-in paths run through
 * (auth/mfa.h). One engine, no HTTP types: AuthGate's own API (api/factors.c, api/mfa.c,
 * api/passkeys.c) and any other surface (an Authsignal-compatible one) call the same
 * functions. Every enrollment, removal, rename, reset and failed attempt goes to the
 * security log; secrets are sealed at rest; failed attempts lock the user's second
 * factor step (5 failures in 15 minutes -> 15 minutes, Retry-After).
 *
 * Errors: functions return the family's codes of the error table (core/err.h,
 * AG_FACTOR_*, AG_MFA_*, AG_PASSKEY_*, AG_WA_*; docs/MFA.md lists them); a struct
 * factor_err carries what an answer needs besides the code. */
#ifndef AG_FACTORS_H
#define AG_FACTORS_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/projects.h"
#include "auth/users.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define FACTOR_NAME_MAX 64
#define FACTOR_MAX_PER_USER 20
#define FACTOR_LOCK_FAILURES 5
#define FACTOR_LOCK_WINDOW_S 900
#define FACTOR_LOCK_S 900
#define TOTP_WINDOW 1 /* steps either side of now */
#define TOTP_ENROLL_TTL_S 900 /* an unconfirmed TOTP enrollment lives this long */
#define RECOVERY_CODES 10
#define MFA_TOKEN_TTL_S 300

/* Besides the error code: when a refused attempt may be tried again. */
struct factor_err {
	int retry_after_s; /* > 0 with AG_MFA_LOCKED and AG_FACTOR_SEND_LIMIT: the Retry-After */
};

/* Who acts: the project, the user, the client address (for limits and the log). */
struct factor_actor {
	const struct project *p;
	const struct user *u;
	const char *ip;
};

/* ---- listing and management (factors.c) ----------------------------------------- */

/* The user's factors, oldest first: [{id, type, name, status, created_at, last_used_at,
 * ...kind-specific public fields}]. Pending enrollments are left out unless asked. */
enum ag_err factor_list(struct arena *a, const char *app_id, const char *user_id, bool with_pending,
                        cJSON **out) MUST_CHECK;
/* One factor (any status) as factor_list shows it; AG_ENOTFOUND if not the user's. */
enum ag_err factor_get(struct arena *a, const char *app_id, const char *user_id, const char *id,
                       cJSON **out) MUST_CHECK;
enum ag_err factor_rename(struct arena *a, const struct factor_actor *who, const char *id, const char *name,
                          struct factor_err *fe) MUST_CHECK;
enum ag_err factor_remove(struct arena *a, const struct factor_actor *who, const char *id,
                          struct factor_err *fe) MUST_CHECK;
/* Admin reset: every factor and recovery code of the user goes. */
enum ag_err factor_reset_user(struct arena *a, const char *app_id, const char *user_id, const char *ip) MUST_CHECK;
/* The user's active methods ("passkey", "totp", "sms", "email"), in that order. */
enum ag_err factor_methods(struct arena *a, const char *app_id, const char *user_id, cJSON **methods) MUST_CHECK;
/* The security log of a user, newest first (limit 1..200). */
enum ag_err factor_security_log(struct arena *a, const char *app_id, const char *user_id, int limit,
                                cJSON **out) MUST_CHECK;

/* ---- TOTP (factor_totp.c) ------------------------------------------------------- */

/* Start an enrollment: {id, type, secret, otpauth_uri, qr_svg, ...}. The factor is
 * pending until totp_confirm sees a first code. */
enum ag_err totp_enroll(struct arena *a, const struct factor_actor *who, const char *name, cJSON **out,
                        struct factor_err *fe) MUST_CHECK;
enum ag_err totp_confirm(struct arena *a, const struct factor_actor *who, const char *id, const char *code,
                         struct factor_err *fe) MUST_CHECK;
/* Check a code against the user's active TOTP factors; each code works once. */
enum ag_err totp_verify(struct arena *a, const struct factor_actor *who, const char *code, const char **factor_id,
                        struct factor_err *fe) MUST_CHECK;

/* ---- SMS and email codes (factor_codes.c) -------------------------------------- */

/* Is s an E.164 number (+ and 8..15 digits, no leading 0)? */
bool phone_is_e164(const char *s);
/* Start an SMS factor for phone (E.164) and text it a code; {id, type, phone, ...}. */
enum ag_err sms_enroll(struct arena *a, const struct factor_actor *who, const char *phone, const char *name,
                       cJSON **out, struct factor_err *fe) MUST_CHECK;
/* Start an email-code factor for the user's own address and mail it a code. */
enum ag_err email_factor_enroll(struct arena *a, const struct factor_actor *who, const char *name, cJSON **out,
                                struct factor_err *fe) MUST_CHECK;
/* The same for an address of the factor's own (an app's user may have none, or name
 * another); address NULL: the user's own. */
enum ag_err email_factor_enroll_to(struct arena *a, const struct factor_actor *who, const char *address,
                                   const char *name, cJSON **out, struct factor_err *fe) MUST_CHECK;
/* Confirm a pending SMS or email factor with the code it was sent. */
enum ag_err code_factor_confirm(struct arena *a, const struct factor_actor *who, const char *id, const char *code,
                                struct factor_err *fe) MUST_CHECK;
/* Send a sign-in code to the user's active factor of kind ("sms" | "email"). A new
 * code supersedes the previous one. Limits per number/address and per client IP. */
enum ag_err code_factor_send(struct arena *a, const struct factor_actor *who, const char *kind,
                             struct factor_err *fe) MUST_CHECK;
/* A new code for a pending SMS or email enrollment (the first one was lost or expired). */
enum ag_err code_factor_resend(struct arena *a, const struct factor_actor *who, const char *id,
                               struct factor_err *fe) MUST_CHECK;
/* A code sent to a number or address that is no factor of the user (yet): an SMS or
 * email challenge an app starts itself (the Authsignal-compatible /v1/challenge). who->u
 * may be a user without an id (not known yet: only its locale counts). The code follows the same rules (6 digits, 5
 * minutes, 3 attempts, single use, the same sending limits); data (JSON) stays with the
 * challenge. */
enum ag_err code_challenge_start(struct arena *a, const struct factor_actor *who, const char *kind, const char *dest,
                                 const char *data, const char **challenge_id, struct factor_err *fe) MUST_CHECK;
/* Check it: AG_OK with the challenge's data (now used), AG_FACTOR_BAD_CODE for a wrong,
 * expired, spent or unknown one. */
enum ag_err code_challenge_check(struct arena *a, const struct project *p, const char *challenge_id, const char *code,
                                 const char *ip, const char **data) MUST_CHECK;
/* Check the live code of kind; single use, 3 attempts, 5 minutes. */
enum ag_err code_factor_verify(struct arena *a, const struct factor_actor *who, const char *kind, const char *code,
                               const char **factor_id, struct factor_err *fe) MUST_CHECK;

/* ---- recovery codes (factor_recovery.c) --------------------------------------- */

/* A fresh set of RECOVERY_CODES codes ("xxxxx-xxxxx"), shown once; the old set dies. */
enum ag_err recovery_generate(struct arena *a, const struct factor_actor *who, cJSON **codes) MUST_CHECK;
enum ag_err recovery_verify(struct arena *a, const struct factor_actor *who, const char *code,
                            struct factor_err *fe) MUST_CHECK;
/* Unused codes left. */
enum ag_err recovery_remaining(const char *app_id, const char *user_id, int64_t *n) MUST_CHECK;

/* ---- shared by the factor files (factors.c) ------------------------------------ */

/* Log a security event (inside or outside a transaction). */
void factor_log(const char *app_id, const char *user_id, const char *event, const char *factor_id, const char *kind,
                const char *ip, const char *detail);
/* Recompute users.mfa_methods after a factor became active or went away (inside the
 * caller's transaction; bumps the cache epoch so token verification sees it). */
enum ag_err factor_methods_changed(struct arena *a, const char *app_id, const char *user_id) MUST_CHECK;
/* Lockout: AG_ERATE with retry_after when the user's second factor step is locked. */
enum ag_err factor_lock_check(const char *app_id, const char *user_id, struct factor_err *fe) MUST_CHECK;
/* Count a failure (may lock) / clear after a success. */
void factor_lock_fail(const char *app_id, const char *user_id);
void factor_lock_clear(const char *app_id, const char *user_id);
/* A factor id / challenge id: prefix + 128 random bits. */
const char *factor_new_id(struct arena *a, const char *prefix);
/* May the user enroll another factor? The project's switch `toggle` is on
 * (AG_FACTOR_DISABLED), stale pending enrollments are dropped, and the user has fewer
 * than FACTOR_MAX_PER_USER (AG_FACTOR_TOO_MANY). */
enum ag_err factor_room(const struct factor_actor *who, const char *toggle) MUST_CHECK;
/* Now and then, delete expired challenges and lapsed lockouts (cheap to call often). */
void factor_sweep(void);

#endif
