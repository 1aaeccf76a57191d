/* mfa.h — the MFA step of every sign-in path, and the session token it ends in.
 *
 * After a first factor (password, magic link, push approval, OAuth) a sign-in path
 * calls mfa_begin. By the project's policy (off | optional | required) and the user's
 * factors it answers either "done" (issue the session token now, with mfa_session) or
 * an mfa_token: short-lived (5 minutes), single use, bound to the project and user,
 * stored only as a hash. mfa_complete checks one factor against it and issues the
 * session token. A user a "required" policy finds without a factor gets an mfa_token
 * that lets them enroll one (enrolling confirms the step).
 *
 * Session tokens carry `amr` (RFC 8176 values: pwd, otp, sms, mfa, hwk, user, swk ...
 * plus AuthGate's method names) and `mfa` {enrolled, methods} as known at issue time.
 * Token verification answers mfa from the claim, unless the user's factors changed
 * after the token was issued: those users (changes within a token's life) are held in
 * memory, reloaded when the store's cache epoch moves, so the hot path makes no store
 * round trip and the answer is never stale (docs/MFA.md). */
#ifndef AG_MFA_H
#define AG_MFA_H

#include "auth/factors.h"

struct mfa_begin {
	bool required; /* false: issue the session now */
	const char *mfa_token; /* when required */
	cJSON *methods; /* when required: methods the user can answer with */
	bool enroll; /* required policy, no factor yet: enroll first */
};

/* Decide the step after a first factor. provider: the first factor's provider name
 * ("email", "magic-link", "push", "google", ...); amr: its amr value(s), e.g. "pwd";
 * extra: claims to carry into the session token (may be NULL); callback_url: where a
 * browser flow returns (may be NULL). */
enum ag_err mfa_begin(struct arena *a, const struct project *p, const struct user *u, const char *provider,
                      const char *amr, const cJSON *extra, const char *callback_url, struct mfa_begin *out) MUST_CHECK;

/* What an mfa_token stands for (peeked without consuming it). */
struct mfa_pending {
	const char *id;
	struct user *user;
	const char *provider, *amr, *callback_url;
	cJSON *extra;
	bool enroll;
};
/* The app_id an open mfa_token belongs to (NULL when none). */
const char *mfa_token_app(struct arena *a, const char *mfa_token);
/* AG_OK with the pending step; AG_MFA_BAD_TOKEN for an unknown, used or expired token. */
enum ag_err mfa_peek(struct arena *a, const struct project *p, const char *mfa_token,
                     struct mfa_pending *out) MUST_CHECK;

/* Complete the step with one factor: method "totp" | "sms" | "email" | "recovery"
 * (code) or "passkey" (ceremony_id + assertion). On success the token is spent and
 * *session gets the session JWT. */
struct mfa_answer {
	const char *method;
	const char *code;
	const char *ceremony_id;
	const cJSON *assertion;
};
enum ag_err mfa_complete(struct arena *a, const struct project *p, const char *mfa_token, const struct mfa_answer *ans,
                         const char *ip, const char **session, struct user **user, struct factor_err *fe) MUST_CHECK;
/* Spend an enrollment mfa_token after the user enrolled a factor with it. */
enum ag_err mfa_complete_enrolled(struct arena *a, const struct project *p, const struct mfa_pending *pend,
                                  const char *method, const char **session) MUST_CHECK;

/* The factor kinds a user the "required" policy found without a factor may enroll on
 * AuthGate's hosted step page (/mfa), in the page's order: the project's switches, and
 * only what works there (a passkey when AuthGate's public origin is under the RP ID,
 * SMS with a way to send texts, email codes for a user with an address). */
cJSON *mfa_enroll_methods(struct arena *a, const struct project *p, const struct user *u);

/* A session token with amr and mfa claims (every sign-in path issues through this). */
/* The authgate_signins_total counter (session tokens issued by mfa_session): register
 * once before serving; read for the dashboard's charts. */
void mfa_metrics_init(void);
uint64_t mfa_signins_total(void);
const char *mfa_session(struct arena *a, const struct project *p, const struct user *u, const char *provider,
                        const char *amr, const cJSON *extra);

/* The user's methods now (a JSON array as stored, e.g. ["passkey","totp"]) when their
 * factors changed after a token issued at iat_s, else NULL: the token's own "mfa" claim
 * is current. From memory (no store round trip unless the cache epoch moved). */
const char *mfa_methods_changed_since(struct arena *a, const char *app_id, const char *user_id, int64_t iat_s);
void mfa_cache_clear(void);

#endif
