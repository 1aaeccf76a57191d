/* connections.c — users' OAuth connections to the registry's providers: connect, the
 * callback and its confirmation, reading and forgetting them, and valid-token's single
 * refresh (see connections.h; the registry is providers.c). */
#include "auth/connections.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ctx.h"
#include "core/hmap.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

/* ---- connect ------------------------------------------------------------------------------- */

static bool scope_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 1024)
		return false;
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return false;
	return true;
}

struct ag_error connect_start(struct arena *a, const struct project *p, const char *user_id, const char *provider,
                              const char *redirect_uri, const char *scope, const char **auth_url)
{
	struct oauth_client *c;
	struct ag_error e = provider_client(a, p->app_id, provider, &c);
	if (e.code)
		return e;
	if (scope && !scope_ok(scope))
		return AG_ERROR(AG_CONNECT_SCOPE);
	struct oauth_client *cc = arena_alloc(a, sizeof *cc);
	*cc = *c;
	if (scope)
		cc->scopes = scope;
	struct oauth_flow_req q = {.app_id = p->app_id,
	                           .provider = c->def->name,
	                           .callback_url = redirect_uri,
	                           .purpose = "connect",
	                           .user_id = user_id,
	                           .redirect_uri = redirect_uri};
	/* A connection is for later, offline use: ask for a refresh token. Google wants
	 * access_type=offline (and consent, or it sends one only the first time); other
	 * OpenID providers the offline_access scope, which needs consent too. */
	if (str_eq(c->def->name, "google")) {
		q.extra_params = "access_type=offline&prompt=consent";
	} else if (c->def->kind == OAUTH_KIND_OIDC) {
		struct oauth_endpoints ep;
		if ((e = oauth_endpoints_get(a, cc, &ep)).code)
			return e;
		if (ep.offline_access && !strstr(cc->scopes, "offline_access")) {
			cc->scopes = arena_printf(a, "%s offline_access", cc->scopes);
			q.extra_params = "prompt=consent";
		}
	}
	const char *binding;
	return oauth_flow_start(a, cc, &q, NULL, &binding, auth_url);
}

static char *seal_token(struct arena *a, const char *app_id, const char *user_id, const char *provider,
                        const char *which, const char *tok)
{
	if (!tok)
		return NULL;
	return master_seal("connection", arena_printf(a, "%s:%s:%s:%s", app_id, user_id, provider, which), tok,
	                   strlen(tok));
}

static const char *open_token(struct arena *a, const char *app_id, const char *user_id, const char *provider,
                              const char *which, const char *sealed)
{
	if (!sealed)
		return NULL;
	size_t n = 0;
	unsigned char *pt =
	    master_open("connection", arena_printf(a, "%s:%s:%s:%s", app_id, user_id, provider, which), sealed, &n);
	if (!pt)
		return NULL;
	char *s = arena_strndup(a, (const char *)pt, n);
	sec_zero(pt, n);
	free(pt);
	return s;
}

static int64_t expiry_of(const struct oauth_tokens *t, int64_t now)
{
	return t->expires_in > 0 ? now + t->expires_in * 1000 : 0;
}

/* Insert or replace the user's connection to provider with fresh tokens. */
static enum ag_err save_connection(struct arena *a, const char *app_id, const char *user_id, const char *provider,
                                   const struct oauth_tokens *t, const struct oauth_profile *pr)
{
	char *acc = seal_token(a, app_id, user_id, provider, "access", t->access_token);
	char *ref = seal_token(a, app_id, user_id, provider, "refresh", t->refresh_token);
	int64_t now = time_now_ms(), exp = expiry_of(t, now);
	char id[24];
	rand_token(id, 12);
	enum ag_err e =
	    !acc ? AG_EINTERNAL
	         : db_exec(g_app.store,
	                   "INSERT INTO connections (id, app_id, user_id, provider, account_email, account_subject, "
	                   "scope, access_sealed, refresh_sealed, expires_at, status, connected_at, updated_at) "
	                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', $11, $11) "
	                   "ON CONFLICT (app_id, user_id, provider) DO UPDATE SET account_email = $5, "
	                   "account_subject = $6, scope = $7, access_sealed = $8, "
	                   "refresh_sealed = COALESCE($9, connections.refresh_sealed), expires_at = $10, "
	                   "status = 'active', version = connections.version + 1, refresh_owner = NULL, "
	                   "refresh_until = 0, connected_at = $11, updated_at = $11",
	                   P(SV_TEXT(arena_printf(a, "con_%s", id)), SV_TEXT(app_id), SV_TEXT(user_id),
	                     SV_TEXT(provider), SV_TEXT(pr->email), SV_TEXT(pr->subject), SV_TEXT(t->scope),
	                     SV_TEXT(acc), SV_TEXT(ref), exp ? SV_INT(exp) : SV_NULL, SV_INT(now)));
	free(acc);
	free(ref);
	return e;
}

/* ---- the browser's callback asks first ------------------------------------------------------- */

/* A flow of this project's connect purpose for provider (NULL: any), else why not. */
static struct ag_error connect_flow_ok(const struct project *p, const struct oauth_flow *fl, const char *provider)
{
	if (!str_eq(fl->q.purpose, "connect") || !str_eq(fl->q.app_id, p->app_id))
		return AG_ERROR(AG_CONNECT_STATE);
	if (provider && !str_eq(provider, fl->q.provider))
		return AG_ERROR_MSG(AG_OAUTH_STATE, "the response came back to another provider's callback");
	if (fl->expired)
		return AG_ERROR_MSG(AG_OAUTH_FLOW_EXPIRED, "the connection took too long; connect again");
	return AG_ERROR(AG_OK);
}

struct ag_error connect_pending(struct arena *a, const struct project *p, const char *state, const char *provider,
                                struct connect_pending *out)
{
	memset(out, 0, sizeof *out);
	struct oauth_flow *fl;
	enum ag_err e = oauth_flow_peek(a, state, &fl);
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_ERROR(AG_CONNECT_STATE);
	if (e)
		return AG_ERROR_MSG(oauth_server_error(e), "the connection cannot be completed right now");
	struct ag_error err = connect_flow_ok(p, fl, provider);
	if (err.code)
		return err;
	struct user *u;
	if ((e = user_by_id(a, p->app_id, fl->q.user_id, &u)))
		return AG_ERROR(ag_err_is(e, AG_ENOTFOUND) ? AG_CONNECT_ACCOUNT_GONE : oauth_server_error(e));
	struct oauth_client *c;
	out->provider = fl->q.provider;
	out->provider_name = provider_client(a, p->app_id, fl->q.provider, &c).code == AG_OK && c->def->label
	                         ? c->def->label
	                         : fl->q.provider;
	out->user_id = u->id;
	out->user_email = u->email;
	return AG_ERROR(AG_OK);
}

/* Take (spend) state's flow: a connection of this project and provider, or why not. */
static struct ag_error connect_flow_take(struct arena *a, const struct project *p, const char *state,
                                         const char *provider, const char *unavailable, struct oauth_flow **fl)
{
	enum ag_err e = oauth_flow_take(a, state, NULL, fl);
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_ERROR(AG_CONNECT_STATE);
	if (e)
		return AG_ERROR_MSG(oauth_server_error(e), unavailable);
	return connect_flow_ok(p, *fl, provider);
}

struct ag_error connect_cancel(struct arena *a, const struct project *p, const char *state, const char *provider)
{
	struct oauth_flow *fl;
	struct ag_error err =
	    connect_flow_take(a, p, state, provider, "the connection cannot be cancelled right now", &fl);
	if (err.code)
		return err;
	log_security("connect_declined", NULL, "project %s provider %s: a connection to user %s was declined",
	             p->app_id, fl->q.provider, fl->q.user_id);
	return AG_ERROR(AG_OK);
}

/* The confirmation's CSRF token: a keyed hash of the flow's state and the browser's
 * nonce (its cookie), so only the page AuthGate showed to that browser has it. */
const char *connect_confirm_token(struct arena *a, const char *state, const char *nonce)
{
	char *out = arena_alloc(a, 2 * SHA256_LEN + 1);
	master_mac_hex(out, "authgate connect-confirm v1", nonce, state);
	return out;
}

bool connect_confirm_ok(struct arena *a, const char *state, const char *nonce, const char *token)
{
	if (!state || !nonce || !token || strlen(nonce) < 32 || strlen(nonce) > 64 || strlen(state) > 128)
		return false;
	return ct_streq(connect_confirm_token(a, state, nonce), token);
}

struct ag_error connect_finish(struct arena *a, const struct project *p, const char *state, const char *code,
                               const char *iss, const char *user_id, const char *provider, struct connect_result *out)
{
	memset(out, 0, sizeof *out);
	struct oauth_flow *fl;
	struct ag_error err =
	    connect_flow_take(a, p, state, provider, "the connection cannot be completed right now", &fl);
	if (err.code)
		return err;
	if (user_id && !str_eq(user_id, fl->q.user_id)) {
		log_security("connect_state_foreign", NULL, "project %s provider %s: a callback for another user",
		             p->app_id, fl->q.provider);
		return AG_ERROR_MSG(AG_OAUTH_STATE, "this connection was started by another user");
	}
	if (!code || !*code || strlen(code) > 2048)
		return AG_ERROR_MSG(AG_EINVAL, "code is required");
	struct oauth_client *c;
	struct oauth_endpoints ep;
	if ((err = provider_client(a, p->app_id, fl->q.provider, &c)).code || (err = oauth_endpoints_get(a, c, &ep)).code)
		return err;
	/* RFC 9207 and the mix-up defence of sign-in apply here too (docs/OAUTH.md). */
	if (!str_eq(ep.issuer, fl->issuer) || (iss && !str_eq(iss, fl->issuer)) ||
	    (!iss && ep.iss_param && user_id == NULL))
		return AG_ERROR(AG_OAUTH_ISSUER);
	ep.redirect_uri = fl->q.callback_url;
	struct oauth_tokens t;
	struct oauth_profile pr = {0};
	if ((err = oauth_token_request(a, c, &ep, "authorization_code", code, fl->code_verifier, &t)).code)
		return err;
	if (c->def->kind != OAUTH_KIND_PLAIN || c->userinfo_url)
		if ((err = oauth_profile_get(a, c, &ep, fl, &t, &pr)).code)
			return err;
	enum ag_err e = save_connection(a, p->app_id, fl->q.user_id, fl->q.provider, &t, &pr);
	if (e)
		return AG_ERROR_MSG(oauth_server_error(e), "the connection cannot be stored");
	log_info("connection", "project %s user %s: %s connected", p->app_id, fl->q.user_id, fl->q.provider);
	out->provider = fl->q.provider;
	out->user_id = fl->q.user_id;
	out->email = pr.email;
	return AG_ERROR(AG_OK);
}

/* ---- reading connections ------------------------------------------------------------------ */

struct conn_row {
	const char *id, *email, *scope, *access_sealed, *refresh_sealed, *status, *refresh_owner;
	int64_t expires_at, version, refresh_until, connected_at;
};

static enum ag_err conn_get(struct arena *a, const char *app_id, const char *user_id, const char *provider,
                            struct conn_row *c)
{
	struct store_row row;
	enum ag_err e = db_row(g_app.store, a, &row,
	                       "SELECT id, account_email, scope, access_sealed, refresh_sealed, status, refresh_owner, "
	                       "expires_at, version, refresh_until, connected_at FROM connections "
	                       "WHERE app_id = $1 AND user_id = $2 AND provider = $3",
	                       P(SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(provider)));
	if (e)
		return e;
	*c = (struct conn_row){row_str(&row, 0), row_str(&row, 1), row_str(&row, 2), row_str(&row, 3),
	                       row_str(&row, 4), row_str(&row, 5), row_str(&row, 6), row_int(&row, 7),
	                       row_int(&row, 8), row_int(&row, 9), row_int(&row, 10)};
	return AG_OK;
}

enum ag_err connections_list(struct arena *a, const char *app_id, const char *user_id, cJSON **out)
{
	static const struct db_col cols[] = {{"provider", DB_COL_STR},    {"email", DB_COL_STR},
	                                     {"connectedAt", DB_COL_TIME}, {"status", DB_COL_STR},
	                                     {"scope", DB_COL_STR},        {"expiresAt", DB_COL_TIME},
	                                     {NULL, 0}};
	return db_json_rows(g_app.store, a, out, cols,
	                    "SELECT provider, account_email, connected_at, status, scope, expires_at FROM connections "
	                    "WHERE app_id = $1 AND user_id = $2 ORDER BY provider",
	                    P(SV_TEXT(app_id), SV_TEXT(user_id)));
}

enum ag_err connection_disconnect(struct arena *a, const struct project *p, const char *user_id, const char *provider,
                                  bool *revoked)
{
	*revoked = false;
	struct conn_row c;
	enum ag_err e = conn_get(a, p->app_id, user_id, provider, &c);
	if (e)
		return ag_err_is(e, AG_ENOTFOUND) ? AG_CONNECT_NOT_FOUND : e;
	/* Revoke first (the refresh token, which takes its access tokens with it at most
	 * providers), then forget: a provider that cannot be reached does not keep the
	 * user connected against their will; the failure is logged. */
	struct oauth_client *cl;
	struct oauth_endpoints ep;
	const char *rt = open_token(a, p->app_id, user_id, provider, "refresh", c.refresh_sealed);
	const char *at = open_token(a, p->app_id, user_id, provider, "access", c.access_sealed);
	if (provider_client(a, p->app_id, provider, &cl).code == AG_OK &&
	    oauth_endpoints_get(a, cl, &ep).code == AG_OK && (rt || at)) {
		if (oauth_token_revoke(a, cl, &ep, rt ? rt : at, rt ? "refresh_token" : "access_token", revoked))
			log_warn("connection", "project %s user %s: %s did not answer the revocation", p->app_id,
			         user_id, provider);
	}
	e = db_exec(g_app.store, "DELETE FROM connections WHERE id = $1", P(SV_TEXT(c.id)));
	if (e == AG_OK)
		log_info("connection", "project %s user %s: %s disconnected (revoked at the provider: %s)", p->app_id,
		         user_id, provider, *revoked ? "yes" : "no");
	return e;
}

/* ---- valid-token: one refresh however many ask ---------------------------------------------- */

/* Threads of this process waiting on one connection's refresh: the first leads, the
 * others wait for it and read the row again. */
struct flight {
	int waiters;
	bool done;
	enum ag_err result; /* the leader's: waiters share a failure instead of retrying it */
};

static pthread_mutex_t flights_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flights_cv = PTHREAD_COND_INITIALIZER;
static struct hmap *flights; /* connection id -> struct flight* */

/* true: the caller leads (call flight_end); false: another thread led and finished,
 * with *result. */
static bool flight_begin(const char *id, enum ag_err *result)
{
	pthread_mutex_lock(&flights_mu);
	if (!flights && !(flights = hmap_new(NULL)))
		abort();
	struct flight *fl = hmap_get(flights, id);
	if (!fl) {
		fl = calloc(1, sizeof *fl);
		if (!fl || hmap_put(flights, id, fl))
			abort();
		pthread_mutex_unlock(&flights_mu);
		return true;
	}
	fl->waiters++;
	while (!fl->done)
		pthread_cond_wait(&flights_cv, &flights_mu);
	*result = fl->result;
	if (--fl->waiters == 0)
		free(fl);
	pthread_mutex_unlock(&flights_mu);
	return false;
}

static void flight_end(const char *id, enum ag_err result)
{
	pthread_mutex_lock(&flights_mu);
	struct flight *fl = hmap_get(flights, id);
	hmap_del(flights, id); /* later askers start a new flight (with the row refreshed) */
	if (fl) {
		fl->done = true;
		fl->result = result;
		if (fl->waiters == 0)
			free(fl);
	}
	pthread_cond_broadcast(&flights_cv);
	pthread_mutex_unlock(&flights_mu);
}

static bool fresh_enough(const struct conn_row *c, int64_t now)
{
	return !c->expires_at || c->expires_at - now > CONNECT_REFRESH_AHEAD_S * 1000LL;
}

/* Holding the row's lease: refresh at the provider and store the result. */
static struct ag_error refresh_locked(struct arena *a, const struct project *p, const char *user_id,
                                      const char *provider, const struct conn_row *c, const char *owner)
{
	const char *rt = open_token(a, p->app_id, user_id, provider, "refresh", c->refresh_sealed);
	struct oauth_client *cl;
	struct oauth_endpoints ep;
	struct oauth_tokens t;
	struct ag_error err = !rt ? AG_ERROR_MSG(AG_OAUTH_SERVER, "the stored refresh token cannot be opened")
	                          : provider_client(a, p->app_id, provider, &cl);
	if (err.code == AG_OK)
		err = oauth_endpoints_get(a, cl, &ep);
	if (err.code == AG_OK)
		err = oauth_token_request(a, cl, &ep, "refresh_token", rt, NULL, &t);
	int64_t now = time_now_ms();
	if (err.code == AG_OK) {
		/* The rotated refresh token is stored before anyone is answered: the old one may
		 * be dead at the provider already. */
		char *acc = seal_token(a, p->app_id, user_id, provider, "access", t.access_token);
		char *ref = seal_token(a, p->app_id, user_id, provider, "refresh", t.refresh_token);
		int64_t exp = expiry_of(&t, now);
		enum ag_err e = !acc ? AG_EINTERNAL
		                     : db_exec(g_app.store,
		                   "UPDATE connections SET access_sealed = $3, refresh_sealed = COALESCE($4, "
		                   "refresh_sealed), "
		                   "expires_at = $5, scope = COALESCE($6, scope), version = version + 1, refresh_owner "
		                   "= NULL, "
		                   "refresh_until = 0, refreshed_at = $7, updated_at = $7 WHERE id = $1 AND "
		                   "refresh_owner = $2",
		                   P(SV_TEXT(c->id), SV_TEXT(owner), SV_TEXT(acc), SV_TEXT(ref),
		                     exp ? SV_INT(exp) : SV_NULL, SV_TEXT(t.scope), SV_INT(now)));
		free(acc);
		free(ref);
		if (e)
			return AG_ERROR_MSG(oauth_server_error(e), "the refreshed token cannot be stored");
		log_info("connection", "project %s user %s: %s token refreshed", p->app_id, user_id, provider);
		return AG_ERROR(AG_OK);
	}
	bool dead = err.code == AG_OAUTH_INVALID_GRANT;
	if (db_exec(g_app.store,
	            "UPDATE connections SET status = CASE WHEN $3 = 1 THEN 'reconnect_required' ELSE status END, "
	            "refresh_owner = NULL, refresh_until = 0, updated_at = $4 WHERE id = $1 AND refresh_owner = $2",
	            P(SV_TEXT(c->id), SV_TEXT(owner), SV_BOOL(dead), SV_INT(now))))
		log_warn("connection", "cannot release the refresh lease of %s", c->id);
	if (dead) {
		log_info("connection", "project %s user %s: %s refused the refresh token; reconnect required",
		         p->app_id, user_id, provider);
		return AG_ERROR_MSG(AG_CONNECT_RECONNECT,
		                    "the provider no longer accepts this connection's refresh token: connect again");
	}
	return err;
}

struct ag_error connection_valid_token(struct arena *a, const struct project *p, const char *user_id,
                                       const char *provider, const char **access_token, int64_t *expires_at)
{
	*access_token = NULL;
	char owner[24];
	rand_token(owner, 12);
	int64_t deadline = time_now_ms() + (CONNECT_LEASE_S + 10) * 1000LL;
	for (;;) {
		struct conn_row c;
		enum ag_err e = conn_get(a, p->app_id, user_id, provider, &c);
		if (ag_err_is(e, AG_ENOTFOUND))
			return AG_ERROR(AG_CONNECT_NOT_FOUND);
		if (e)
			return AG_ERROR_MSG(oauth_server_error(e), "the connection cannot be read");
		if (str_eq(c.status, "reconnect_required"))
			return AG_ERROR(AG_CONNECT_RECONNECT);
		int64_t now = time_now_ms();
		if (fresh_enough(&c, now) || (!c.refresh_sealed && c.expires_at > now)) {
			*access_token = open_token(a, p->app_id, user_id, provider, "access", c.access_sealed);
			*expires_at = c.expires_at;
			return *access_token ? AG_ERROR(AG_OK) : AG_ERROR_MSG(AG_OAUTH_SERVER, "the token cannot be opened");
		}
		if (!c.refresh_sealed)
			return AG_ERROR_MSG(AG_CONNECT_RECONNECT,
			                    "the access token expired and the provider gave no refresh token: connect again");
		if (now > deadline)
			return AG_ERROR_MSG(AG_OAUTH_PROVIDER_UNAVAILABLE, "the token refresh did not finish; retry shortly");
		enum ag_err led;
		if (!flight_begin(c.id, &led)) {
			/* another thread of ours refreshed: read the row again (a refusal shows there) */
			if (led == AG_OK || led == AG_CONNECT_RECONNECT)
				continue;
			return AG_ERROR_MSG(led, "the token cannot be refreshed right now; retry shortly");
		}
		/* Leading in this process: take the row's lease, or wait for the node holding it. */
		int64_t n = 0;
		e = db_exec_n(
		    g_app.store,
		    "UPDATE connections SET refresh_owner = $2, refresh_until = $3 WHERE id = $1 AND version = $4 "
		    "AND status = 'active' AND refresh_until < $5",
		    P(SV_TEXT(c.id), SV_TEXT(owner), SV_INT(now + CONNECT_LEASE_S * 1000LL), SV_INT(c.version),
		      SV_INT(now)),
		    &n);
		if (e == AG_OK && n == 1) {
			struct ag_error err = refresh_locked(a, p, user_id, provider, &c, owner);
			flight_end(c.id, err.code);
			if (err.code)
				return err;
			continue; /* answer from the row as stored */
		}
		/* Another node refreshes (or the row changed under us): wait for its version. */
		struct conn_row d = c;
		while (e == AG_OK && d.version == c.version && str_eq(d.status, "active") &&
		       d.refresh_until >= time_now_ms() && time_now_ms() < deadline) {
			usleep(25 * 1000);
			e = conn_get(a, p->app_id, user_id, provider, &d);
		}
		flight_end(c.id, AG_OK);
		if (e && !ag_err_is(e, AG_ENOTFOUND))
			return AG_ERROR_MSG(oauth_server_error(e), "the connection cannot be read");
	}
}
