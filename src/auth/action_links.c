/* action_links.c — email magic links as an authenticator (EMAIL_MAGIC_LINK, the browser
 * SDK's emailML): a factor of kind "email-link" with its own address; enrolling or
 * challenging mails a link (256 random bits, stored as SHA-256, 15 minutes, single use)
 * to PUBLIC_URL/challenge/link?t=…; the page there asks for a click (mail scanners that
 * fetch links must not spend them) and the click confirms it; the SDK's finalize poll
 * then finds the action's link confirmed and the challenge met. */
#include <string.h>

#include "auth/actions.h"
#include "auth/throttle.h"
#include "config/config.h"
#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "jobs/outbox.h"
#include "sec/sec.h"
#include "store/store.h"

#define LINK_TTL_S 900

static const struct rate_policy p_link_user = {"email-link:user", 5, 900, true}, p_link_ip = {"email-link:ip", 20, 60, true};

static enum ag_err limited(const struct rate_policy *pol, const char *subject, struct factor_err *fe)
{
	int retry = 0;
	enum ag_err e = throttle_hit(pol, subject, &retry);
	if (ag_err_is(e, AG_ERATE)) {
		fe->retry_after_s = retry;
		return AG_FACTOR_SEND_LIMIT;
	}
	return e;
}

/* The factor the link is for: a new pending one for address, or the user's active one. */
static enum ag_err link_factor(struct arena *a, const struct project *p, const struct auser *au, const char *address,
                               const char **id, const char **to)
{
	if (!address) {
		struct store_row r;
		enum ag_err e = db_row(g_app.store, a, &r,
		                       "SELECT id, email FROM factors WHERE app_id = $1 AND user_id = $2 AND kind = 'email-link' "
		                       "AND status = 'active' ORDER BY COALESCE(last_used_at, 0) DESC, created_at LIMIT 1",
		                       P(SV_TEXT(p->app_id), SV_TEXT(au->u->id)));
		if (ag_err_is(e, AG_ENOTFOUND))
			return AG_MFA_NOT_ENROLLED;
		if (e == AG_OK) {
			*id = row_str(&r, 0);
			*to = row_str(&r, 1);
		}
		return e;
	}
	if (!(*to = user_normalize_email(a, address)))
		return AG_FACTOR_EMAIL;
	if (!project_provider_on(p, "magic-link"))
		return AG_FACTOR_DISABLED;
	int64_t n = 0, now = time_now_ms();
	enum ag_err e = db_int(g_app.store, &n, "SELECT COUNT(*) FROM factors WHERE app_id = $1 AND user_id = $2",
	                       P(SV_TEXT(p->app_id), SV_TEXT(au->u->id)));
	if (e)
		return e;
	if (n >= FACTOR_MAX_PER_USER)
		return AG_FACTOR_TOO_MANY;
	*id = factor_new_id(a, "fac");
	return db_exec(g_app.store,
	               "INSERT INTO factors (id, app_id, user_id, kind, name, status, email, created_at, updated_at) "
	               "VALUES ($1, $2, $3, 'email-link', 'Email link', 'pending', $4, $5, $5)",
	               P(SV_TEXT(*id), SV_TEXT(p->app_id), SV_TEXT(au->u->id), SV_TEXT(*to), SV_INT(now)));
}

enum ag_err as_link_send(struct arena *a, const struct project *p, const struct action *act, const struct auser *au,
                         const char *address, const char *ip, const char **factor_id, struct factor_err *fe)
{
	const char *fid = NULL, *to = NULL;
	enum ag_err e;
	if ((e = limited(&p_link_ip, ip, fe)) ||
	    (e = limited(&p_link_user, arena_printf(a, "%s:%s", p->app_id, au->u->id), fe)))
		return e;
	if ((e = db_begin(g_app.store)))
		return e;
	e = link_factor(a, p, au, address, &fid, &to);
	char secret[48], hash[65];
	rand_token(secret, 32);
	sha256_hex(hash, secret);
	int64_t now = time_now_ms();
	cJSON *d = json_obj(a);
	cJSON_AddStringToObject(d, "action", act->id);
	if (e == AG_OK) /* one live link per action: a new one ends the last (it expires, unclicked) */
		e = db_exec(g_app.store,
		            "UPDATE factor_challenges SET expires_at = $2 WHERE kind = 'link' AND app_id = $1 AND data = $3 "
		            "AND used_at IS NULL AND expires_at > $2",
		            P(SV_TEXT(p->app_id), SV_INT(now), SV_TEXT(json_print(a, d))));
	if (e == AG_OK)
		e = db_exec(g_app.store,
		            "INSERT INTO factor_challenges (id, token_hash, kind, app_id, user_id, factor_id, data, expires_at, "
		            "created_at) VALUES ($1, $2, 'link', $3, $4, $5, $6, $7, $8)",
		            P(SV_TEXT(factor_new_id(a, "lnk")), SV_TEXT(hash), SV_TEXT(p->app_id), SV_TEXT(au->u->id),
		              SV_TEXT(fid), SV_TEXT(json_print(a, d)), SV_INT(now + LINK_TTL_S * 1000LL), SV_INT(now)));
	if (e == AG_OK) {
		const struct tmpl_var v[] = {{"link", arena_printf(a, "%s/challenge/link?t=%s", g_cfg.public_url, secret)},
		                             {"email", to},
		                             {"minutes", "15"},
		                             {NULL, NULL}};
		e = project_send_mail(a, p, to, au->locale ? au->locale : p->default_locale, "magic_link", v);
	}
	sec_zero(secret, sizeof secret);
	if ((e = db_end(g_app.store, e)))
		return e;
	outbox_kick();
	factor_log(p->app_id, au->u->id, address ? "factor.enroll_started" : "mfa.link_sent", fid, "email-link", ip, NULL);
	*factor_id = fid;
	return AG_OK;
}

/* The stored form of a link's secret; false: not a secret we could have made. */
static bool link_hash(const char *secret, char hash[65])
{
	if (!secret || strlen(secret) > 64)
		return false;
	sha256_hex(hash, secret);
	return true;
}

enum ag_err as_link_peek(struct arena *a, const char *secret, struct project **p, const char **email)
{
	char hash[65];
	if (!link_hash(secret, hash))
		return AG_AS_CHALLENGE_GONE;
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "SELECT c.app_id, f.email FROM factor_challenges c JOIN factors f ON f.id = c.factor_id "
	                       "WHERE c.token_hash = $1 AND c.kind = 'link' AND c.used_at IS NULL AND c.expires_at > $2",
	                       P(SV_TEXT(hash), SV_INT(time_now_ms())));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_AS_CHALLENGE_GONE;
	if (e || (e = project_get(a, row_str(&r, 0), p)))
		return e;
	*email = row_str(&r, 1);
	return AG_OK;
}

enum ag_err as_link_confirm(struct arena *a, const char *secret, const char *ip)
{
	char hash[65];
	if (!link_hash(secret, hash))
		return AG_AS_CHALLENGE_GONE;
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "UPDATE factor_challenges SET used_at = $2 WHERE token_hash = $1 AND kind = 'link' "
	                       "AND used_at IS NULL AND expires_at > $2 RETURNING app_id, user_id, factor_id",
	                       P(SV_TEXT(hash), SV_INT(time_now_ms())));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_AS_CHALLENGE_GONE;
	if (e == AG_OK)
		factor_log(row_str(&r, 0), row_str(&r, 1), "mfa.link_confirmed", row_str(&r, 2), "email-link", ip, NULL);
	return e;
}

enum ag_err as_link_status(struct arena *a, const struct project *p, const struct action *act, const char **factor_id)
{
	cJSON *d = json_obj(a);
	cJSON_AddStringToObject(d, "action", act->id);
	struct store_row r;
	/* the action's confirmed link: used_at is set by the click only */
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "SELECT c.factor_id, f.status FROM factor_challenges c JOIN factors f ON f.id = c.factor_id "
	                       "WHERE c.kind = 'link' AND c.app_id = $1 AND c.data = $2 AND c.used_at IS NOT NULL "
	                       "ORDER BY c.created_at DESC LIMIT 1",
	                       P(SV_TEXT(p->app_id), SV_TEXT(json_print(a, d))));
	*factor_id = NULL;
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_OK;
	if (e)
		return e;
	*factor_id = row_str(&r, 0);
	if (!str_eq(row_str(&r, 1), "pending"))
		return AG_OK;
	/* a link to a new address also proves it: the factor becomes active */
	if ((e = db_begin(g_app.store)))
		return e;
	e = db_exec(g_app.store, "UPDATE factors SET status = 'active', updated_at = $2 WHERE id = $1 AND status = 'pending'",
	            P(SV_TEXT(*factor_id), SV_INT(time_now_ms())));
	if (e == AG_OK)
		e = factor_methods_changed(a, p->app_id, act->user_id);
	return db_end(g_app.store, e);
}
