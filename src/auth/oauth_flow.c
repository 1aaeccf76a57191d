/* oauth_flow.c — authorization flows: tickets for starts asked over the API, the
 * authorization URL (state, PKCE S256, nonce, fixed redirect URI), and taking a flow
 * back at the callback exactly once. The state is 256 random bits; the store keeps
 * only its SHA-256. The PKCE verifier and the nonce are HMACs of the state under a key
 * derived from the master key, so a copy of the database yields neither. */
#include <pthread.h>
#include <string.h>

#include "auth/oauth.h"
#include "core/buf.h"
#include "core/ctx.h"
#include "core/form.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

#define RANDOM_LEN 32 /* bytes of state, ticket and browser binding */
#define TOKEN_CHARS 43 /* their base64url length */

static unsigned char flow_key[32];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void derive_key(void)
{
	master_derive(flow_key, sizeof flow_key, "oauth-flow-v1");
}

/* base64url(HMAC(flow key, label ":" state)): 43 characters, fit for a PKCE verifier. */
static const char *derived(struct arena *a, const char *label, const char *state)
{
	pthread_once(&key_once, derive_key);
	const char *msg = arena_printf(a, "%s:%s", label, state);
	unsigned char mac[SHA256_LEN];
	hmac_sha256(mac, flow_key, sizeof flow_key, msg, strlen(msg));
	char *out = arena_alloc(a, TOKEN_CHARS + 2);
	str_b64url(out, mac, sizeof mac);
	return out;
}

static bool token_shape(const char *s)
{
	if (!s || strlen(s) != TOKEN_CHARS)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return false;
	return true;
}

static const char *random_token(struct arena *a)
{
	char *t = arena_alloc(a, TOKEN_CHARS + 2);
	rand_token(t, RANDOM_LEN);
	return t;
}

static const char *hash_of(struct arena *a, const char *s)
{
	char *h = arena_alloc(a, 65);
	sha256_hex(h, s);
	return h;
}

/* Rows past their life are of no use to anyone: drop them as new ones come. */
static enum ag_err prune(void)
{
	return db_exec(g_app.store, "DELETE FROM oauth_flows WHERE expires_at < $1",
	               P(SV_INT(time_now_ms() - OAUTH_FLOW_TTL_S * 1000LL)));
}

static enum ag_err insert(struct arena *a, const char *id, const char *stage, const struct oauth_flow_req *q,
                          const char *issuer, const char *binding)
{
	int64_t now = time_now_ms();
	enum ag_err e = prune();
	if (e == AG_OK)
		e = db_exec(g_app.store,
		            "INSERT INTO oauth_flows (id_hash, stage, app_id, provider, issuer, callback_url, locale, "
		            "locale_explicit, purpose, user_id, binding_hash, created_at, expires_at) "
		            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
		            P(SV_TEXT(hash_of(a, id)), SV_TEXT(stage), SV_TEXT(q->app_id), SV_TEXT(q->provider),
		              SV_TEXT(issuer), SV_TEXT(q->callback_url), SV_TEXT(q->locale),
		              SV_BOOL(q->locale_explicit), SV_TEXT(q->purpose), SV_TEXT(q->user_id),
		              SV_TEXT(binding ? hash_of(a, binding) : NULL), SV_INT(now),
		              SV_INT(now + OAUTH_FLOW_TTL_S * 1000LL)));
	return e;
}

#define TAKE_COLS                                                                                                      \
	"app_id, provider, issuer, callback_url, locale, locale_explicit, purpose, user_id, binding_hash, expires_at"

/* Mark the row used and read it, in one statement: two callbacks racing with the same
 * state cannot both get it. */
static enum ag_err take(struct arena *a, const char *id, const char *stage, struct store_row *row)
{
	return db_row(g_app.store, a, row,
	              "UPDATE oauth_flows SET used_at = $3 WHERE id_hash = $1 AND stage = $2 AND used_at IS NULL "
	              "RETURNING " TAKE_COLS,
	              P(SV_TEXT(hash_of(a, id)), SV_TEXT(stage), SV_INT(time_now_ms())));
}

static void req_of_row(const struct store_row *row, struct oauth_flow_req *q)
{
	q->app_id = row_str(row, 0);
	q->provider = row_str(row, 1);
	q->callback_url = row_str(row, 3);
	q->locale = row_str(row, 4);
	q->locale_explicit = row_bool(row, 5);
	q->purpose = row_str(row, 6);
	q->user_id = row_str(row, 7);
}

enum ag_err oauth_ticket_create(struct arena *a, const struct oauth_flow_req *q, const char **ticket)
{
	*ticket = random_token(a);
	return insert(a, *ticket, "ticket", q, NULL, NULL);
}

enum ag_err oauth_ticket_take(struct arena *a, const char *ticket, const char *provider, struct oauth_flow_req **out)
{
	*out = NULL;
	struct store_row row;
	if (!token_shape(ticket))
		return AG_EGONE;
	enum ag_err e = take(a, ticket, "ticket", &row);
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_EGONE;
	if (e)
		return e;
	if (row_int(&row, 9) <= time_now_ms() || !str_eq(row_str(&row, 1), provider))
		return AG_EGONE;
	struct oauth_flow_req *q = arena_calloc(a, sizeof *q);
	req_of_row(&row, q);
	*out = q;
	return AG_OK;
}

static const char *authorize_url(struct arena *a, const struct oauth_client *c, const struct oauth_endpoints *ep,
                                 const char *state, const char *extra_params)
{
	struct buf b = BUF_INIT(8192);
	const char *scopes = c->scopes;
	if (c->def->kind == OAUTH_KIND_OIDC && !strstr(scopes, "openid"))
		scopes = arena_printf(a, "openid %s", scopes);
	unsigned char digest[SHA256_LEN];
	const char *verifier = derived(a, "pkce", state);
	sha256(digest, verifier, strlen(verifier));
	char challenge[TOKEN_CHARS + 2];
	str_b64url(challenge, digest, sizeof digest);
	const char *redirect = ep->redirect_uri ? ep->redirect_uri : oauth_redirect_uri(a, c->def->name);
	int rc = form_add(&b, "response_type", "code") | form_add(&b, "client_id", c->client_id) |
	         form_add(&b, "redirect_uri", redirect) | form_add(&b, "state", state);
	if (scopes && *scopes)
		rc |= form_add(&b, "scope", scopes);
	if (!c->no_pkce)
		rc |= form_add(&b, "code_challenge", challenge) | form_add(&b, "code_challenge_method", "S256");
	if (c->def->kind == OAUTH_KIND_OIDC)
		rc |= form_add(&b, "nonce", derived(a, "nonce", state));
	if (c->def->form_post)
		rc |= form_add(&b, "response_mode", "form_post");
	if (extra_params && *extra_params)
		buf_printf(&b, "&%s", extra_params);
	const char *url =
	    rc ? NULL : arena_printf(a, "%s%c%s", ep->authorize, strchr(ep->authorize, '?') ? '&' : '?', b.p);
	buf_free(&b);
	return url;
}

struct ag_error oauth_flow_start(struct arena *a, const struct oauth_client *c, const struct oauth_flow_req *q,
                                 const char *binding, const char **binding_out, const char **url)
{
	*url = NULL;
	*binding_out = token_shape(binding) ? binding : random_token(a);
	struct oauth_endpoints ep;
	struct ag_error err = oauth_endpoints_get(a, c, &ep);
	if (err.code)
		return err;
	ep.redirect_uri = q->redirect_uri;
	const char *state = random_token(a);
	if (!(*url = authorize_url(a, c, &ep, state, q->extra_params)))
		return AG_ERROR_MSG(AG_OAUTH_SERVER, "the authorization URL is too long");
	enum ag_err e = insert(a, state, "sent", q, ep.issuer, *binding_out);
	return e ? AG_ERROR_MSG(oauth_server_error(e), "the flow cannot be stored") : AG_ERROR(AG_OK);
}

/* A flow as TAKE_COLS read it. */
static struct oauth_flow *flow_of_row(struct arena *a, const char *state, const struct store_row *row)
{
	struct oauth_flow *fl = arena_calloc(a, sizeof *fl);
	req_of_row(row, &fl->q);
	fl->state = arena_strdup(a, state);
	fl->issuer = row_str(row, 2);
	fl->expired = row_int(row, 9) <= time_now_ms();
	return fl;
}

enum ag_err oauth_flow_take(struct arena *a, const char *state, const char *binding, struct oauth_flow **out)
{
	*out = NULL;
	if (!token_shape(state))
		return AG_ENOTFOUND;
	struct store_row row;
	enum ag_err e = take(a, state, "sent", &row);
	if (e)
		return e;
	struct oauth_flow *fl = flow_of_row(a, state, &row);
	fl->code_verifier = derived(a, "pkce", state);
	fl->nonce = derived(a, "nonce", state);
	/* The cookie this browser holds must be the one the flow was started with: a
	 * callback URL carried to another browser (login CSRF, a leaked code) stops here. */
	fl->binding_ok = token_shape(binding) && row_str(&row, 8) && ct_streq(hash_of(a, binding), row_str(&row, 8));
	*out = fl;
	return AG_OK;
}

enum ag_err oauth_flow_peek(struct arena *a, const char *state, struct oauth_flow **out)
{
	*out = NULL;
	if (!token_shape(state))
		return AG_ENOTFOUND;
	struct store_row row;
	enum ag_err e = db_row(g_app.store, a, &row,
	                       "SELECT " TAKE_COLS " FROM oauth_flows WHERE id_hash = $1 AND stage = 'sent' "
	                       "AND used_at IS NULL",
	                       P(SV_TEXT(hash_of(a, state))));
	if (e)
		return e;
	*out = flow_of_row(a, state, &row);
	return AG_OK;
}
