/* oauth_accounts.c — provider identities and the users they sign in. The rules
 * (docs/OAUTH.md): an identity is found by (project, provider, subject), never by email;
 * a new identity joins an existing user with the same email only when the provider
 * vouches for the address AND the user proved it to AuthGate; otherwise the app is told
 * "account_exists" and the user links from a signed-in session. An address the provider
 * did not verify can start a new (unverified) user but never enter an existing one. */
#include <string.h>

#include "auth/oauth.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

/* A transaction answers its own refusals (AG_OAUTH_*); only the store's generic
 * AG_ECONFLICT, a concurrent insert of the same identity or email, is worth a retry. */
static bool store_conflict(enum ag_err e)
{
	return e == AG_ECONFLICT; /* the generic code itself, not a specific code of its kind */
}

static enum ag_err identity_user(struct arena *a, const char *app_id, const char *provider, const char *subject,
                                 const char **user_id)
{
	struct store_row row;
	enum ag_err e =
	    db_row(g_app.store, a, &row,
	           "SELECT user_id FROM oauth_identities WHERE app_id = $1 AND provider = $2 AND subject = $3",
	           P(SV_TEXT(app_id), SV_TEXT(provider), SV_TEXT(subject)));
	*user_id = e == AG_OK ? row_str(&row, 0) : NULL;
	return e;
}

static enum ag_err identity_insert(struct arena *a, const char *app_id, const char *user_id, const char *provider,
                                   const struct oauth_profile *pr)
{
	int64_t now = time_now_ms();
	return db_exec(g_app.store,
	               "INSERT INTO oauth_identities (id, app_id, user_id, provider, subject, email, email_verified, "
	               "created_at, last_login_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
	               P(SV_TEXT(rand_id(a, "oid_", RAND_ID_BYTES)), SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(provider),
	                 SV_TEXT(pr->subject), SV_TEXT(pr->email), SV_BOOL(pr->email_verified), SV_INT(now)));
}

static enum ag_err identity_touch(const char *app_id, const char *provider, const struct oauth_profile *pr)
{
	return db_exec(g_app.store,
	               "UPDATE oauth_identities SET email = $4, email_verified = $5, last_login_at = $6 "
	               "WHERE app_id = $1 AND provider = $2 AND subject = $3",
	               P(SV_TEXT(app_id), SV_TEXT(provider), SV_TEXT(pr->subject), SV_TEXT(pr->email),
	                 SV_BOOL(pr->email_verified), SV_INT(time_now_ms())));
}

/* The provider's picture replaces the stored one; its name fills an empty one; the
 * locale follows seed 001's order (an explicit parameter wins over the stored choice). */
static enum ag_err refresh_user(const struct user *u, const struct oauth_profile *pr, const struct oauth_flow_req *q)
{
	const char *loc = q && q->locale && (q->locale_explicit || !u->locale) ? q->locale : NULL;
	return db_exec(g_app.store,
	               "UPDATE users SET picture = COALESCE($2, picture), name = COALESCE(name, $3), "
	               "locale = COALESCE($4, locale), last_login_at = $5, updated_at = $5 WHERE id = $1",
	               P(SV_TEXT(u->id), SV_TEXT(pr->picture), SV_TEXT(pr->name), SV_TEXT(loc), SV_INT(time_now_ms())));
}

struct signin {
	struct arena *a;
	const struct project *p;
	const char *provider;
	const struct oauth_profile *pr;
	const struct oauth_flow_req *q;
	const char *user_id;
	bool linked, created;
};

static enum ag_err signin_tx(struct store *st, void *ud)
{
	struct signin *s = ud;
	const char *app = s->p->app_id;
	struct user *u = NULL;
	s->linked = s->created = false;
	enum ag_err e = identity_user(s->a, app, s->provider, s->pr->subject, &s->user_id);
	if (e == AG_OK) {
		e = identity_touch(app, s->provider, s->pr);
	} else if (ag_err_is(e, AG_ENOTFOUND)) {
		if (!s->pr->email)
			return AG_OAUTH_EMAIL_REQUIRED;
		e = user_by_email(s->a, app, s->pr->email, &u);
		if (e == AG_OK) {
			if (!s->pr->email_verified || !u->email_verified)
				return AG_OAUTH_ACCOUNT_EXISTS;
			s->linked = true;
		} else if (ag_err_is(e, AG_ENOTFOUND)) {
			e = user_create(s->a, app, s->pr->email, s->pr->name, NULL, s->pr->email_verified,
			                s->q ? s->q->locale : NULL, &u);
			s->created = true;
		}
		if (e == AG_OK) {
			s->user_id = u->id;
			e = identity_insert(s->a, app, u->id, s->provider, s->pr);
		}
	}
	if (e == AG_OK)
		e = user_by_id(s->a, app, s->user_id, &u);
	if (e == AG_OK)
		e = refresh_user(u, s->pr, s->q);
	return e;
}

enum ag_err oauth_account_signin(struct arena *a, const struct project *p, const char *provider,
                                 const struct oauth_profile *pr, const struct oauth_flow_req *q, struct user **out)
{
	*out = NULL;
	struct signin s = {a, p, provider, pr, q, NULL, false, false};
	enum ag_err e = db_tx(g_app.store, signin_tx, &s);
	if (store_conflict(e))
		e = db_tx(g_app.store, signin_tx, &s); /* the same identity or email arrived concurrently */
	if (e)
		return ag_err_kind(e) == e ? oauth_server_error(e) : e;
	if (s.linked)
		log_security("oauth_identity_linked", NULL, "project %s user %s: %s identity joined by verified email",
		             p->app_id, s.user_id, provider);
	return user_by_id(a, p->app_id, s.user_id, out);
}

struct link {
	struct arena *a;
	const struct project *p;
	const char *user_id, *provider;
	const struct oauth_profile *pr;
};

static enum ag_err link_tx(struct store *st, void *ud)
{
	struct link *l = ud;
	const char *owner;
	struct user *u;
	enum ag_err e = identity_user(l->a, l->p->app_id, l->provider, l->pr->subject, &owner);
	if (e == AG_OK)
		return str_eq(owner, l->user_id) ? identity_touch(l->p->app_id, l->provider, l->pr)
		                                 : AG_OAUTH_IDENTITY_IN_USE;
	if (!ag_err_is(e, AG_ENOTFOUND))
		return e;
	if ((e = user_by_id(l->a, l->p->app_id, l->user_id, &u)))
		return ag_err_is(e, AG_ENOTFOUND) ? AG_OAUTH_USER_GONE : e;
	int64_t n = 0;
	e = db_int(g_app.store, &n, "SELECT COUNT(*) FROM oauth_identities WHERE user_id = $1 AND provider = $2",
	           P(SV_TEXT(l->user_id), SV_TEXT(l->provider)));
	if (e == AG_OK && n > 0)
		return AG_OAUTH_ALREADY_LINKED;
	if (e == AG_OK)
		e = identity_insert(l->a, l->p->app_id, l->user_id, l->provider, l->pr);
	if (e == AG_OK)
		e = refresh_user(u, l->pr, NULL);
	return e;
}

enum ag_err oauth_account_link(struct arena *a, const struct project *p, const char *user_id, const char *provider,
                               const struct oauth_profile *pr, struct user **out)
{
	*out = NULL;
	struct link l = {a, p, user_id, provider, pr};
	enum ag_err e = db_tx(g_app.store, link_tx, &l);
	if (e)
		return ag_err_kind(e) == e ? oauth_server_error(e) : e;
	log_security("oauth_identity_linked", NULL, "project %s user %s: %s identity linked while signed in", p->app_id,
	             user_id, provider);
	return user_by_id(a, p->app_id, user_id, out);
}

enum ag_err oauth_identities_list(struct arena *a, const char *app_id, const char *user_id, cJSON **out)
{
	static const struct db_col cols[] = {{"provider", DB_COL_STR},       {"email", DB_COL_STR},
	                                     {"email_verified", DB_COL_BOOL}, {"created_at", DB_COL_TIME},
	                                     {"last_login_at", DB_COL_TIME},  {NULL, 0}};
	return db_json_rows(g_app.store, a, out, cols,
	                    "SELECT provider, email, email_verified, created_at, last_login_at FROM oauth_identities "
	                    "WHERE app_id = $1 AND user_id = $2 ORDER BY created_at",
	                    P(SV_TEXT(app_id), SV_TEXT(user_id)));
}

struct unlink {
	struct arena *a;
	const char *app_id, *user_id, *provider;
};

static enum ag_err unlink_tx(struct store *st, void *ud)
{
	struct unlink *u = ud;
	struct user *usr;
	int64_t others = 0, mine = 0;
	enum ag_err e = user_by_id(u->a, u->app_id, u->user_id, &usr);
	if (e == AG_OK)
		e = db_int(g_app.store, &mine,
		           "SELECT COUNT(*) FROM oauth_identities WHERE user_id = $1 AND provider = $2",
		           P(SV_TEXT(u->user_id), SV_TEXT(u->provider)));
	if (e == AG_OK)
		e = db_int(g_app.store, &others,
		           "SELECT COUNT(*) FROM oauth_identities WHERE user_id = $1 AND provider <> $2",
		           P(SV_TEXT(u->user_id), SV_TEXT(u->provider)));
	if (e)
		return e;
	if (mine == 0)
		return AG_OAUTH_NOT_LINKED;
	/* A proven mailbox (magic link, reset) or a password still signs the user in. */
	if (others == 0 && !usr->password_hash && !usr->email_verified)
		return AG_OAUTH_LAST_METHOD;
	return db_exec(g_app.store, "DELETE FROM oauth_identities WHERE user_id = $1 AND provider = $2",
	               P(SV_TEXT(u->user_id), SV_TEXT(u->provider)));
}

enum ag_err oauth_identity_unlink(struct arena *a, const char *app_id, const char *user_id, const char *provider)
{
	struct unlink u = {a, app_id, user_id, provider};
	enum ag_err e = db_tx(g_app.store, unlink_tx, &u);
	if (e)
		return ag_err_kind(e) == e ? oauth_server_error(e) : e;
	log_security("oauth_identity_unlinked", NULL, "project %s user %s: %s", app_id, user_id, provider);
	return AG_OK;
}

enum ag_err oauth_identities_drop_unproven(const char *user_id)
{
	return db_exec(g_app.store, "DELETE FROM oauth_identities WHERE user_id = $1 AND email_verified = 0",
	               P(SV_TEXT(user_id)));
}
