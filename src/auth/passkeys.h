/* passkeys.h — WebAuthn ceremonies for a project's users: registration (a passkey as
 * a factor, or as a way to sign in), authentication as a second factor (the user is
 * known) or as passwordless sign-in (usernameless: a discoverable credential names its
 * user through its user handle; conditional UI uses the same options). The byte-level
 * checks are sec/webauthn.h's; this file keeps the state: ceremony challenges (single
 * use, 5 minutes, stored in factor_challenges so any API surface can run them),
 * credentials, sign counts, backup flags.
 *
 * RP ID and origins come from the project's allowed origins (docs/PASSKEYS.md): the
 * RP ID is the longest domain suffix all of them share (a single origin: its host),
 * and a ceremony is accepted from any allowed origin under it, and from AuthGate's own
 * public origin when that is under it too (the hosted pages). */
#ifndef AG_PASSKEYS_H
#define AG_PASSKEYS_H

#include "auth/factors.h"

#define PASSKEY_CEREMONY_TTL_S 300
#define PASSKEY_CREDENTIAL_MAX 16384 /* bytes of a credential's JSON */

/* The project's RP ID (NULL when it has no allowed origin that could carry one). */
const char *passkey_rp_id(struct arena *a, const struct project *p);
/* Can AuthGate's own pages (its public origin) run the project's ceremonies, i.e. is
 * that origin under the RP ID? */
bool passkey_hosted_ok(struct arena *a, const struct project *p);

/* Registration options for the user (PublicKeyCredentialCreationOptionsJSON, what
 * PublicKeyCredential.parseCreationOptionsFromJSON and the usual browser libraries
 * take) and the ceremony id to send back with the result. */
enum ag_err passkey_register_options(struct arena *a, const struct factor_actor *who, cJSON **options,
                                     const char **ceremony_id, struct factor_err *fe) MUST_CHECK;
/* The same with the names the authenticator shows for the account (user.name, e.g. a
 * username; user.displayName): for users an app names itself (auth/actions.h), who may
 * have no email. name NULL: the user's id. */
enum ag_err passkey_register_options_named(struct arena *a, const struct factor_actor *who, const char *name,
                                           const char *display_name, cJSON **options, const char **ceremony_id,
                                           struct factor_err *fe) MUST_CHECK;
/* Verify a registration (the credential as PublicKeyCredential.toJSON() gives it) and
 * store the passkey, active at once. *out: the factor as factor_list shows it. */
enum ag_err passkey_register_verify(struct arena *a, const struct factor_actor *who, const char *ceremony_id,
                                    const cJSON *credential, const char *name, cJSON **out,
                                    struct factor_err *fe) MUST_CHECK;

/* Authentication options (PublicKeyCredentialRequestOptionsJSON). user NULL:
 * usernameless / conditional UI (no allowCredentials, user verification required). */
enum ag_err passkey_auth_options(struct arena *a, const struct project *p, const struct user *u, cJSON **options,
                                 const char **ceremony_id, struct factor_err *fe) MUST_CHECK;
/* Verify an assertion. For a ceremony started with a user, the credential must be
 * theirs; without, the credential's user is the answer (*user_id). */
enum ag_err passkey_auth_verify(struct arena *a, const struct project *p, const char *ceremony_id,
                                const cJSON *credential, const char *ip, const char **user_id, const char **factor_id,
                                bool *user_verified, struct factor_err *fe) MUST_CHECK;

/* A note another API keeps with an open ceremony (the action a usernameless sign-in is
 * for), and reading it back before the ceremony is taken (NULL: none, or the ceremony is
 * gone). */
enum ag_err passkey_ceremony_note(struct arena *a, const char *app_id, const char *ceremony_id,
                                  const char *note) MUST_CHECK;
const char *passkey_ceremony_peek_note(struct arena *a, const char *app_id, const char *ceremony_id);
/* {credentialId, verifiedAt} of an active passkey of the project; AG_ENOTFOUND if none. */
enum ag_err passkey_credential_json(struct arena *a, const char *app_id, const char *credential_id,
                                    cJSON **out) MUST_CHECK;

#endif
