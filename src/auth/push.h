/* push.h — push-to-approve sign-in (seed 000), the domain without HTTP: auth sessions
 * with number matching, devices enrolled by proving an email, decisions signed by the
 * device's P-256 key, the one-time hand-out of the session token. src/api/push.c and
 * src/api/device.c call these and publish results to waiters (http/wait.h).
 *
 * Identifiers: a session has a secret `session_id` (what /auth/start returns; only its
 * SHA-256 is stored) and a public `request_id` (what devices see and sign). The
 * session_id is HMAC(k_sid, request_id) with a key derived from the master key, so the
 * server can put it into webhooks without storing it. */
#ifndef AG_PUSH_H
#define AG_PUSH_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/projects.h"
#include "auth/users.h"

#define PUSH_CODE_DIGITS 6            /* the number shown on the login screen */
#define PUSH_CODE_ATTEMPTS 3          /* wrong codes before the session is denied */
#define PUSH_SIG_SKEW_MS 60000        /* signed timestamps must be this fresh */
#define PUSH_DEVICE_TOKEN_TTL_S 900   /* device app bearer token */
#define PUSH_ENROLL_TTL_S 300         /* enrollment code / link */
#define PUSH_ENROLL_ATTEMPTS 3
#define PUSH_DEVICES_PER_EMAIL 20
#define PUSH_DEVICE_NAME_MAX 64
#define PUSH_CLAIM_WINDOW_S 300       /* the token can be claimed this long after approval */
/* The literal seed 000's inline widget sends as email: a code-only session that the
 * person claims on their device by typing the code (docs/PUSH.md). */
#define PUSH_CODE_ONLY_EMAIL "user"

struct push_session {
	const char *id_hash;
	const char *request_id;
	const char *app_id;
	const char *email;      /* NULL: code-only session not yet claimed by a device */
	const char *status;     /* stored: pending | approved | denied */
	const char *reason;     /* denied: denied | not_me | wrong_code */
	const char *ip;
	const char *user_agent;
	const char *device_id;
	const char *user_id;
	int64_t code_attempts;
	int64_t created_at, expires_at, decided_at, token_claimed_at;
};

struct push_device {
	const char *id;         /* ag-xxxxxxxxxxxx */
	const char *email;
	const char *name;
	const char *public_key; /* base64url of the 65-byte uncompressed point */
	int64_t created_at, last_seen_at;
	int64_t token_exp;      /* set by push_device_auth: when the presented token ends (Unix s) */
};

/* ---- sessions (push_sessions.c) ------------------------------------------------ */

struct push_started {
	const char *session_id;
	const char *request_id;
	const char *code;
	int64_t expires_at;
};

/* Start a session for email (normalised) or, with email NULL, a code-only session.
 * The caller has checked the project (enabled, push on) and the rate limits. */
enum ag_err push_start(struct arena *a, const struct project *p, const char *email, const char *ip,
		       const char *user_agent, struct push_started *out) MUST_CHECK;
enum ag_err push_session_by_sid(struct arena *a, const char *session_id, struct push_session **out) MUST_CHECK;
/* code_hash (may be NULL) gets the hash of the session's number-matching code. */
enum ag_err push_session_by_request(struct arena *a, const char *request_id, struct push_session **out,
				    const char **code_hash) MUST_CHECK;
enum ag_err push_session_by_hash(struct arena *a, const char *id_hash, struct push_session **out) MUST_CHECK;
/* pending | approved | denied | expired, as clients see it at `now` (ms). */
const char *push_status(const struct push_session *s, int64_t now);
/* The secret session_id of a session (for webhooks). */
const char *push_session_id(struct arena *a, const char *request_id);
/* Waiter keys: one per session, one per email (the device app's stream). */
const char *push_session_key(struct arena *a, const char *id_hash);
const char *push_email_key(struct arena *a, const char *email);

/* First hand-out of an approved session's token: AG_OK with a freshly signed token (or,
 * when the project's MFA step is due, *token NULL and mfa->required with an mfa_token),
 * or AG_EGONE when it was handed out before or the claim window is over. */
struct mfa_begin;
enum ag_err push_claim_token(struct arena *a, const struct push_session *s, char **token,
			     struct mfa_begin *mfa) MUST_CHECK;
/* The approved session's token for its user, or (MFA step due) NULL with an mfa_token
 * in *mfa. */
char *push_session_token(struct arena *a, const struct push_session *s, const struct project *p,
			 const struct user *u, struct mfa_begin *mfa);
/* {mfa_required, mfa_token, methods[, enroll_required]} into o. */
void push_mfa_json(cJSON *o, const struct mfa_begin *mfa);
/* Record that the token went out to waiters at approval (best effort). */
void push_mark_claimed(const char *id_hash);
/* {status, expires_in | token | token_claimed | reason} of a session, as /auth/check
 * answers it (claims the token when it is the first answer after approval). */
char *push_status_json(struct arena *a, const struct push_session *s);

struct push_decision {
	const char *request_id;
	const char *device_id;
	const char *decision;   /* approve | deny | not_me */
	const char *code;       /* required to approve, and for code-only sessions */
	int64_t ts;             /* ms, signed */
	const char *sig;        /* base64url P1363 signature */
};

struct push_decided {
	struct push_session *s; /* after the decision */
	struct project *p;
	struct user *u;         /* approved: the user signed in */
	struct push_device *d;
	const char *status;     /* approved | denied */
	char *token;            /* approved: the session token (handed to waiters) */
	cJSON *mfa;             /* approved, MFA step due: {mfa_required, mfa_token, methods} instead */
	int attempts_left;      /* wrong code: how many tries remain */
};

/* Verify the device signature, the freshness, the device's ownership of the session's
 * email, the code and the expiry, then decide in one transaction with the webhook
 * outbox rows (push_decide.c). Errors: AG_PUSH_BAD_DECISION, AG_PUSH_UNKNOWN_DEVICE,
 * AG_PUSH_STALE_SIGNATURE / AG_PUSH_BAD_SIGNATURE, AG_PUSH_UNKNOWN_REQUEST,
 * AG_PUSH_DISABLED, AG_PUSH_ALREADY_DECIDED, AG_PUSH_EXPIRED, AG_PUSH_WRONG_DEVICE,
 * AG_PUSH_REPLAYED, AG_PUSH_WRONG_CODE (out->attempts_left; out->status "denied" when
 * it was the last attempt), or a kind from the store. */
enum ag_err push_decide(struct arena *a, const struct push_decision *d, struct push_decided *out) MUST_CHECK;

/* Seconds until ip may prompt email again after the person answered "this wasn't me"
 * to a sign-in from ip (0: not blocked). */
#define PUSH_NOT_ME_BLOCK_S 900
enum ag_err push_not_me_block(const char *email, const char *ip, int64_t *retry_s) MUST_CHECK;

/* Delete expired rows now and then (cheap to call often). */
void push_maybe_sweep(void);

/* ---- devices (push_devices.c; what a device sees of sessions in push_sessions.c) ---- */

/* Mail a code and a link proving email; returns the enrollment id. p may be NULL. */
enum ag_err push_enroll_start(struct arena *a, const char *email, const struct project *p, const char *ip,
			      const char *locale, const char **enrollment_id) MUST_CHECK;
/* Register a device with a code (and enrollment id) or a link token. pub is the JWK
 * object of the P-256 public key. Errors: AG_PUSH_DEVICE_NAME, AG_PUSH_PUBLIC_KEY,
 * AG_PUSH_ENROLL_BAD_CODE / _BAD_LINK, AG_PUSH_EXPIRED, AG_PUSH_TOO_MANY_DEVICES. */
enum ag_err push_enroll_finish(struct arena *a, const char *enrollment_id, const char *code, const char *link,
			       const char *name, const cJSON *jwk, struct push_device **out) MUST_CHECK;
enum ag_err push_device_get(struct arena *a, const char *id, struct push_device **out) MUST_CHECK;
/* The devices enrolled for email, oldest first (none for NULL). */
enum ag_err push_devices_of(struct arena *a, const char *email, struct push_device ***out, int *n) MUST_CHECK;
/* Devices enrolled for email (0 for NULL). */
enum ag_err push_device_count(const char *email, int64_t *n) MUST_CHECK;
/* Device app session: a signature over (device_id, ts) buys a bearer token. Errors:
 * AG_PUSH_LOGIN_UNKNOWN_DEVICE, the signature's, AG_PUSH_REPLAYED. */
enum ag_err push_device_login(struct arena *a, const char *device_id, int64_t ts, const char *sig,
			      struct push_device **d, char **token) MUST_CHECK;
char *push_device_token(struct arena *a, const struct push_device *d);
/* Bearer token -> device (not revoked). AG_EUNAUTH otherwise. */
enum ag_err push_device_auth(struct arena *a, const char *token, struct push_device **out) MUST_CHECK;
enum ag_err push_device_revoke(const char *id) MUST_CHECK;
/* Pending, unexpired requests for email, newest first: array of push_request_json. */
enum ag_err push_pending(struct arena *a, const char *email, cJSON **out) MUST_CHECK;
/* A pending, unexpired session by its code: one of email's own, else a code-only one. */
enum ag_err push_find_by_code(struct arena *a, const char *code, const char *email,
			      struct push_session **out) MUST_CHECK;
/* What a device sees of a request: never the code. */
cJSON *push_request_json(struct arena *a, const struct push_session *s, const struct project *p);
cJSON *push_device_json(struct arena *a, const struct push_device *d);

/* ---- signatures (push_sig.c) -------------------------------------------------- */

/* "authgate-push-v1\n" request_id "\n" decision "\n" code "\n" ts "\n" device_id */
char *push_canon_decision(struct arena *a, const char *request_id, const char *decision, const char *code,
			  int64_t ts, const char *device_id);
/* "authgate-device-v1\n" device_id "\n" ts */
char *push_canon_login(struct arena *a, const char *device_id, int64_t ts);
/* Check freshness and the signature of canon by d's key: AG_PUSH_STALE_SIGNATURE or
 * AG_PUSH_BAD_SIGNATURE. */
enum ag_err push_sig_check(const struct push_device *d, const char *canon, int64_t ts, const char *sig) MUST_CHECK;
/* Spend a signed message once (inside the caller's transaction): AG_PUSH_REPLAYED if
 * it was seen before. */
enum ag_err push_nonce_spend(const char *canon) MUST_CHECK;
/* Keys derived from the master key. */
void push_code_hash(char out[65], const char *code);
void push_keys_init(void);
const struct hmac_key *push_device_token_key(void);

/* ---- mail (push_mail.c) -------------------------------------------------------- */

/* Enqueue the enrollment mail inside the caller's transaction; p (branding, default
 * locale) may be NULL; locale may be NULL. */
enum ag_err push_mail_enroll(struct arena *a, const struct project *p, const char *to, const char *code,
			     const char *link, const char *locale) MUST_CHECK;

#endif
