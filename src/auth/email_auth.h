/* email_auth.h — email + password sign-in and the mailed flows of seed 001, as domain
 * operations (no HTTP): sign-up with a verification code, sign-in, code verification,
 * password reset (request + confirm) and magic links (send + complete). The slow ones
 * (argon2id) must run on a worker. Mail is written to the outbox in the same
 * transaction as the state it announces.
 *
 * Requests that must not reveal whether an account exists (resend, reset, magic-link
 * send) are queued as outbox jobs ("email.resend", "email.reset", "email.magic"): the
 * request does the same work whoever the email belongs to, and the job (on a worker)
 * looks the account up, writes the code/token and the mail. */
#ifndef AG_EMAIL_AUTH_H
#define AG_EMAIL_AUTH_H

#include "auth/projects.h"
#include "auth/users.h"

#define MAGIC_LINK_PATH "/api/proxy/email/magic-link/verify"
#define RESET_TOKEN_PARAM "reset_token"

/* Where a request's locale comes from (seed 001's order is applied by locale_resolve). */
struct locale_hint {
	const char *explicit_locale; /* body "locale", may be NULL */
	const char *accept_language; /* header, may be NULL */
};

/* Register the outbox handlers, bound the hashing, load the catalogs. Once at start-up. */
int email_auth_init(int pwhash_concurrency);

/* Create an unverified user with a password and mail a verification code.
 * AG_ECONFLICT when the email has an account (after the same hashing work). */
enum ag_err email_signup(struct arena *a, const struct project *p, const char *email, const char *password,
			 const char *name, const struct locale_hint *lh, struct user **out) MUST_CHECK;

/* AG_OK with the user, or AG_EUNAUTH for an unknown email, a user without a password
 * and a wrong password alike (same work: a dummy hash is verified). Rehashes outdated
 * hashes, stores the resolved locale, records the login. */
enum ag_err email_signin(struct arena *a, const struct project *p, const char *email, const char *password,
			 const struct locale_hint *lh, struct user **out) MUST_CHECK;

/* Verify the code mailed to email. AG_OK with the (now verified) user; AG_EINVAL for an
 * unknown email, a wrong, expired, used or dead code alike. */
enum ag_err email_verify_code(struct arena *a, const struct project *p, const char *email, const char *code,
			      const struct locale_hint *lh, struct user **out) MUST_CHECK;

/* Queue the no-enumeration flows (inside their own transaction). callback_url is the
 * validated page the reset/magic link leads to. */
enum ag_err email_queue_resend(struct arena *a, const struct project *p, const char *email,
			       const struct locale_hint *lh) MUST_CHECK;
enum ag_err email_queue_reset(struct arena *a, const struct project *p, const char *email, const char *callback_url,
			      const struct locale_hint *lh) MUST_CHECK;
enum ag_err email_queue_magic(struct arena *a, const struct project *p, const char *email, const char *callback_url,
			      const struct locale_hint *lh) MUST_CHECK;

/* Is this reset token live for the project? (cheap; before hashing the new password) */
enum ag_err email_reset_token_live(struct arena *a, const struct project *p, const char *token) MUST_CHECK;

/* Set the new password with a live reset token (consumed), end the user's sessions,
 * mark the email verified (the mailbox was proven) and mail "password changed".
 * AG_EGONE for an unknown, used or expired token. */
enum ag_err email_reset_confirm(struct arena *a, const struct project *p, const char *token, const char *password,
				const struct locale_hint *lh, struct user **out) MUST_CHECK;

/* A verified magic-link JWT (aud "link"): is its id still unused? AG_OK or AG_EGONE. */
enum ag_err email_magic_live(struct arena *a, const struct project *p, const cJSON *link_claims) MUST_CHECK;

/* Consume the link (once), mark the email verified and return the user. An account
 * whose password was set before the mailbox was ever proven loses that password and
 * its sessions (account pre-hijacking defence, docs/EMAIL.md). AG_EGONE when used. */
enum ag_err email_magic_complete(struct arena *a, const struct project *p, const cJSON *link_claims,
				 struct user **out) MUST_CHECK;

/* Seed 004's magic link: a 6-digit sign-in code (codes.h: 5 minutes, 3 attempts, single
 * use) mailed to email; the user is created when new. Queued like the flows above, so
 * the request answers the same whoever the address belongs to. */
enum ag_err email_queue_signin_code(struct arena *a, const struct project *p, const char *email,
				    const struct locale_hint *lh) MUST_CHECK;
/* Check a sign-in code: AG_OK with the user (the mailbox is proven, as by a magic link),
 * AG_EINVAL for an unknown email and a wrong, expired, used or dead code alike. */
enum ag_err email_signin_code(struct arena *a, const struct project *p, const char *email, const char *code,
			      const struct locale_hint *lh, struct user **out) MUST_CHECK;

#endif
