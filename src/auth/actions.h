/* actions.h — the action-and-challenge model (Authsignal's, seed 003) in the domain.
 *
 * An app's backend tracks an action ("signIn", "transfer") for one of its users; the
 * project's rules decide the outcome (ALLOW, CHALLENGE_REQUIRED, REVIEW_REQUIRED,
 * BLOCK); the user meets the challenge with one of their authenticators (the factor
 * engine's factors: auth/factors.h, auth/passkeys.h) through the hosted page or a
 * client SDK; the backend validates the result with the token it got back. The HTTP
 * surfaces are api/actions*.c; this file knows no HTTP.
 *
 * Users. An app names users by its own ids (external ids). Each maps to one AuthGate
 * user of the project (action_users): created on first use, or the AuthGate user whose
 * id it is. The attributes the app sets (email, phone, username, displayName, custom)
 * are its assertions and are kept apart from users.email.
 *
 * Tokens carry no state of their own: "ast.<action id>.<mac>" (the track token: the
 * client API and the hosted page act for the action with it) and "asa.<action id>.<mac>"
 * (the access token, answered once a challenge is met), the MAC an HMAC-SHA256 of kind,
 * id and project under a master-derived key. A retried track answers the same token; a
 * token of another project, kind or forged id fails the MAC; lifetimes and states are
 * the row's.
 *
 * Errors: codes of the AG_AS_* block of core/err.h (and the factor engine's); the
 * functions that check input naming a field answer a struct ag_error with the precise
 * message. The API maps them to Authsignal's error shape in one place. */
#ifndef AG_ACTIONS_H
#define AG_ACTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/factors.h"

#define ACTION_CODE_MAX 64
#define ACTION_USER_ID_MAX 255
#define ACTION_IKEY_MAX 128
#define ACTION_TOKEN_TTL_S 600 /* the track token, for the client API and the hosted page */
#define ACTION_ACCESS_TTL_S 600 /* the access token after a met challenge; also validate's window */

/* The user's side: who the app says the user is. */
struct auser {
	struct user *u;
	const char *external_id;
	const char *email, *phone, *username, *display_name, *locale;
	bool email_verified, phone_verified;
	cJSON *custom; /* object */
};

struct action {
	const char *id, *app_id, *user_id, *external_id, *code, *idempotency_key, *state;
	int64_t state_updated_at, created_at, updated_at, token_expires_at, verified_at, validated_at;
	const char *rule_ids, *rules; /* JSON text */
	const char *verification_method, *authenticator_id, *pending_factor_id;
	const char *redirect_url, *scope, *ip, *user_agent, *device_id, *attrs;
	bool user_disabled; /* an administrator disabled the user (now, not when tracked) */
};

enum action_token_kind { ACTION_TOKEN_TRACK, ACTION_TOKEN_ACCESS };

/* ---- names ---------------------------------------------------------------------- */

bool action_code_ok(const char *code); /* ^[A-Za-z0-9_-]{1,64}$ */
bool action_user_id_ok(const char *user_id); /* 1..255 bytes of UTF-8, no control characters, no '/' */
bool action_state_known(const char *state);
/* Authsignal's verification method <-> the factor engine's kind ("PASSKEY" <-> "passkey",
 * "AUTHENTICATOR_APP" <-> "totp", "SMS", "EMAIL_OTP" <-> "email", "EMAIL_MAGIC_LINK" <->
 * "email-link"); NULL when there is none. */
const char *action_method_kind(const char *method);
const char *action_kind_method(const char *kind);

/* ---- users (action_users.c) ------------------------------------------------------- */

/* The user an app's id names: AG_ENOTFOUND unless create. */
enum ag_err auser_get(struct arena *a, const struct project *p, const char *external_id, bool create,
                      struct auser **out) MUST_CHECK;
/* The profile of an AuthGate user (usernameless passkey sign-in names the user by its
 * credential); created with external_id = the user's id when there is none. */
enum ag_err auser_of_user(struct arena *a, const struct project *p, const char *user_id, struct auser **out) MUST_CHECK;
/* Apply attributes (email, emailVerified, phoneNumber, phoneNumberVerified, username,
 * displayName, custom, locale), creating the user; AG_EINVAL naming the field. */
struct ag_error auser_update(struct arena *a, const struct project *p, const char *external_id, const cJSON *attrs,
                             struct auser **out) MUST_CHECK;
/* custom: an object of at most 50 keys (1-64 bytes) whose values are strings (<= 1024
 * bytes), numbers or booleans. */
struct ag_error auser_custom_check(const cJSON *custom) MUST_CHECK;
/* Remove the user's authenticators, actions, sessions and profile; a user created for
 * the app's id goes entirely (an AuthGate user keeps its account). */
enum ag_err auser_delete(struct arena *a, const struct project *p, const char *external_id, const char *ip) MUST_CHECK;
/* {users: [{userId, email, emailVerified, phoneNumber, phoneNumberVerified, username}],
 * lastEvaluatedUserId?} by exact email / phone / username, paged by userId. */
struct auser_query {
	const char *email, *phone, *username, *after;
	int limit;
};
enum ag_err auser_query(struct arena *a, const struct project *p, const struct auser_query *q, cJSON **out) MUST_CHECK;
/* Methods: enrolled (the user's active authenticators, passkey first), allowed (what
 * the project lets users enroll), the default (the first enrolled). Arrays of names. */
enum ag_err auser_methods(struct arena *a, const struct project *p, const struct auser *au, cJSON **enrolled,
                          cJSON **allowed, const char **dflt) MUST_CHECK;
/* GET /v1/users/{id}: {isEnrolled, email, emailVerified, ..., enrolledVerificationMethods,
 * allowedVerificationMethods}. */
enum ag_err auser_json(struct arena *a, const struct project *p, const struct auser *au, cJSON **out) MUST_CHECK;
/* The user's authenticators in Authsignal's UserAuthenticator shape. */
enum ag_err auser_authenticators(struct arena *a, const struct project *p, const struct auser *au,
                                 cJSON **out) MUST_CHECK;
/* One authenticator (a factor of the user) in that shape. */
enum ag_err auser_authenticator(struct arena *a, const struct project *p, const struct auser *au, const char *factor_id,
                                cJSON **out) MUST_CHECK;
/* Enroll an SMS or EMAIL_OTP authenticator whose number or address the app verified
 * itself: active at once, nothing is sent. */
enum ag_err auser_enroll_verified(struct arena *a, const struct project *p, const struct auser *au, const char *method,
                                  const char *phone, const char *email, const char *ip,
                                  cJSON **authenticator) MUST_CHECK;

/* ---- actions (actions.c) ---------------------------------------------------------- */

struct track_in {
	const char *external_id, *code, *idempotency_key, *redirect_url, *scope;
	const char *ip, *user_agent, *device_id, *email, *phone, *username, *locale;
	const cJSON *custom;
	bool redirect_to_settings;
};

struct track_out {
	struct action *act;
	struct auser *user;
	const char *token;
	bool replayed; /* the idempotency key named an existing action */
	cJSON *enrolled, *allowed; /* the user's methods (auser_methods) */
	const char *dflt;
};

struct ag_error action_track(struct arena *a, const struct project *p, const struct track_in *in,
                             struct track_out *out) MUST_CHECK;
enum ag_err action_get(struct arena *a, const struct project *p, const char *external_id, const char *code,
                       const char *ikey, struct action **out) MUST_CHECK;
/* Set the state by hand (updateAction): any of the eight states. */
enum ag_err action_set_state(struct arena *a, const struct project *p, struct action *act,
                             const char *state) MUST_CHECK;
/* The user's actions, newest first (at most 100): optional from (ms), codes
 * (comma-separated), state. */
enum ag_err action_list(struct arena *a, const struct project *p, const char *external_id, int64_t from_ms,
                        const char *codes, const char *state, cJSON **out) MUST_CHECK;
/* {state, stateUpdatedAt, createdAt, verificationMethod?, ruleIds, rules, output} */
cJSON *action_json(struct arena *a, const struct action *act);

/* The token of an action. */
const char *action_token(struct arena *a, const struct action *act, enum action_token_kind kind);
/* The action a token names (any project): AG_EUNAUTH for a malformed or forged token,
 * AG_EGONE when its lifetime is over. */
enum ag_err action_from_token(struct arena *a, const char *token, struct action **out,
                              enum action_token_kind *kind) MUST_CHECK;
/* POST /v1/validate: the answer object. A refused token answers {isValid: false, error}
 * and no state (apps that only read state must not see CHALLENGE_SUCCEEDED then). */
enum ag_err action_validate(struct arena *a, const struct project *p, const char *token, const char *external_id,
                            const char *code, cJSON **out) MUST_CHECK;
/* The challenge of act was met with method (factor_id may be NULL): CHALLENGE_SUCCEEDED,
 * the device and address become known, *access gets the access token. */
enum ag_err action_met(struct arena *a, const struct project *p, struct action *act, const char *method,
                       const char *factor_id, const char **access) MUST_CHECK;
/* A failed attempt that locked the user's factors: CHALLENGE_FAILED. */
enum ag_err action_failed(struct arena *a, struct action *act) MUST_CHECK;
/* Remember an enrollment started with act's token (verify confirms it). */
enum ag_err action_set_pending_factor(struct action *act, const char *factor_id) MUST_CHECK;
/* A new action for a user found by a credential (usernameless passkey sign-in): met at
 * once with method. */
enum ag_err action_create_met(struct arena *a, const struct project *p, const struct auser *au, const char *code,
                              const char *method, const char *factor_id, const char *ip, const char *user_agent,
                              const char *device_id, struct action **out, const char **access) MUST_CHECK;
/* May act's token enroll another authenticator? The first one always (unless BLOCK); a
 * further one needs the add:authenticators scope and a met challenge. */
enum ag_err action_may_enroll(struct arena *a, const struct project *p, const struct action *act) MUST_CHECK;
/* May act's token run a challenge (not a disabled user's, not BLOCK, REVIEW_*, nor an
 * action validated)? AG_USER_DISABLED first: every client API call with a token asks. */
enum ag_err action_may_challenge(const struct action *act) MUST_CHECK;

/* ---- app-started SMS and email challenges (action_challenges.c) ------------------------ */

struct as_challenge_in {
	const char *method; /* SMS | EMAIL_OTP */
	const char *external_id, *email, *phone, *code, *ip, *locale;
};
/* Send a code to the phone number or address (else the user's); *expires_at in ms. */
struct ag_error as_challenge_start(struct arena *a, const struct project *p, const struct as_challenge_in *in,
                                   const char **challenge_id, int64_t *expires_at, struct factor_err *fe) MUST_CHECK;
/* {isVerified, phoneNumber | email, verificationMethod} or {isVerified: false, failureReason}. */
enum ag_err as_challenge_verify(struct arena *a, const struct project *p, const char *challenge_id, const char *code,
                                const char *ip, cJSON **out) MUST_CHECK;
/* A verified challenge for a user (once, within 10 minutes): the destination becomes
 * their authenticator, a met action of the challenge's code answers {token,
 * verificationMethod} (a token validate accepts). */
enum ag_err as_challenge_claim(struct arena *a, const struct project *p, const char *challenge_id,
                               const char *external_id, const char *ip, cJSON **out) MUST_CHECK;
/* An open challenge by id, or the latest of a user (and action, method). */
struct as_challenge_query {
	const char *challenge_id, *external_id, *code, *method;
};
enum ag_err as_challenge_get(struct arena *a, const struct project *p, const struct as_challenge_query *q,
                             cJSON **out) MUST_CHECK;

/* ---- email magic links (action_links.c) --------------------------------------------------- */

/* Mail a link for act: to a new email-link factor for address (enrollment), or (address
 * NULL) to the user's active one. *factor_id: the factor. */
enum ag_err as_link_send(struct arena *a, const struct project *p, const struct action *act, const struct auser *au,
                         const char *address, const char *ip, const char **factor_id, struct factor_err *fe) MUST_CHECK;
/* The page at the link: is it live (not spending it)? Its project and address. */
enum ag_err as_link_peek(struct arena *a, const char *secret, struct project **p, const char **email) MUST_CHECK;
/* The click: the link is confirmed (once). */
enum ag_err as_link_confirm(struct arena *a, const char *secret, const char *ip) MUST_CHECK;
/* Was a link of act clicked? *factor_id then names its factor (made active if it was an
 * enrollment), else NULL. */
enum ag_err as_link_status(struct arena *a, const struct project *p, const struct action *act,
                           const char **factor_id) MUST_CHECK;

/* ---- push approval by AuthGate's device app (action_push.c) -------------------------------- */

/* The address a push for the user goes to (its devices): an AuthGate user's own, else the
 * app's address for the user if the app said it verified it; NULL: no push. */
const char *as_push_email(const struct auser *au);
/* The push session session_id answers act's challenge. */
enum ag_err as_push_bind(struct arena *a, const struct action *act, const char *session_id,
                         int64_t expires_at) MUST_CHECK;
/* pending | approved | denied | expired: the state of act's push session_id
 * (AG_AS_CHALLENGE_GONE: not one of act's), and the device that decided. */
enum ag_err as_push_state(struct arena *a, const struct action *act, const char *session_id, const char **status,
                          const char **device_id) MUST_CHECK;

/* ---- sessions from a met challenge (action_sessions.c) --------------------------------- */

/* {accessToken, refreshToken} for a token whose challenge was met (spent like validate). */
enum ag_err as_session_create(struct arena *a, const struct project *p, const char *client_id, const char *token,
                              const char *code, cJSON **out) MUST_CHECK;
/* {user, expiresAt (s), verificationMethod, clientId} for a live access token (client_ids:
 * an array the session's client must be in, or NULL). */
enum ag_err as_session_validate(struct arena *a, const struct project *p, const char *access, const cJSON *client_ids,
                                cJSON **out) MUST_CHECK;
/* A new pair; the presented refresh token and the older access tokens end. */
enum ag_err as_session_refresh(struct arena *a, const struct project *p, const char *refresh, cJSON **out) MUST_CHECK;
enum ag_err as_session_revoke(struct arena *a, const struct project *p, const char *access) MUST_CHECK;
enum ag_err as_session_revoke_user(struct arena *a, const struct project *p, const char *external_id) MUST_CHECK;
/* End every live session of AuthGate user user_id (session_end_all: disable, password
 * reset, an admin's "end all sessions"). */
enum ag_err as_sessions_end_user(const char *app_id, const char *user_id) MUST_CHECK;

/* ---- rules (action_rules.c) -------------------------------------------------------- */

/* What track knows when the rules run. */
struct rule_input {
	const struct project *p;
	const struct auser *user;
	const char *code, *ip, *device_id;
	const cJSON *custom;
	bool enrolled;
	int64_t now;
};
/* Decide: the outcome (ALLOW | CHALLENGE | REVIEW | BLOCK), whether a rule (rather
 * than the default) decided it, the matching rule ids and their snapshot (JSON text).
 * A disabled user's outcome is BLOCK by the built-in rule RULE_USER_DISABLED alone (the
 * project's rules are not evaluated). */
struct rule_result {
	const char *outcome;
	bool by_rule;
	const char *rule_ids, *rules;
};
enum ag_err rules_evaluate(struct arena *a, const struct rule_input *in, struct rule_result *out) MUST_CHECK;
/* Record a device and an address the user completed an action from. */
enum ag_err rules_seen(const char *user_id, const char *ip, const char *device_id) MUST_CHECK;

/* Admin: every configured action of a project [{action, defaultOutcome, rules}] /
 * one / replace one (defaultOutcome + the ordered rules; a bad one is refused naming
 * its field, e.g. "rules[1].conditions[0].ranges[2]") / remove one. */
enum ag_err rules_list(struct arena *a, const char *app_id, cJSON **out) MUST_CHECK;
enum ag_err rules_get(struct arena *a, const char *app_id, const char *code, cJSON **out) MUST_CHECK;
struct ag_error rules_put(struct arena *a, const char *app_id, const char *code, const cJSON *body,
                          cJSON **out) MUST_CHECK;
enum ag_err rules_delete(const char *app_id, const char *code) MUST_CHECK;
#define RULES_MAX 50
#define RULE_CONDITIONS_MAX 10
#define DEFAULT_OUTCOME "CHALLENGE"
#define RULE_USER_DISABLED "user_disabled" /* the built-in rule id of a disabled user's BLOCK */

#endif
