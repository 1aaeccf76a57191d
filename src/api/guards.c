/* guards.c — authentication of routes and the rate-limit helper every handler uses. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/apikeys.h"
#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "core/timeutil.h"
#include "http/cors.h"
#include "sec/sec.h"

/* Failed credentials per client address: slows down anyone guessing keys. */
static const struct rate_policy auth_fail_policy = {"authfail:ip", 30, 0.5};

bool api_rate_limit(struct req *r, const struct rate_policy *p, const char *key)
{
	int retry = 1;
	if (ratelimit_take(g_app.rl, p, key, 1, time_now_ms(), &retry))
		return true;
	char *ra = arena_printf(r->a, "%d", retry);
	resp_header(r, "Retry-After", ra);
	resp_error(r, AG_ERATE, arena_printf(r->a, "too many requests; retry in %d s", retry));
	log_security("rate_limited", r->ip, "policy %s", p->name);
	return false;
}

void api_fail(struct req *r, enum ag_err e, const char *message)
{
	if (e == AG_EINTERNAL)
		message = "internal error";
	else if (e == AG_EUNAVAIL)
		message = "a dependency is unavailable; retry shortly";
	resp_error(r, e, message);
}

static bool auth_failed(struct req *r, const char *what)
{
	int retry;
	ratelimit_take(g_app.rl, &auth_fail_policy, r->ip, 1, time_now_ms(), &retry);
	log_security("auth_failed", r->ip, "%s", what);
	resp_error(r, AG_EUNAUTH, what);
	return false;
}

static bool auth_throttled(struct req *r)
{
	int retry;
	/* Only failures spend from this bucket; an empty one means too many failures. */
	if (ratelimit_peek(g_app.rl, &auth_fail_policy, r->ip, time_now_ms(), &retry))
		return false;
	resp_header(r, "Retry-After", arena_printf(r->a, "%d", retry));
	resp_error(r, AG_ERATE, "too many failed authentications; retry later");
	return true;
}

bool guard_api_key(struct req *r)
{
	if (auth_throttled(r))
		return false;
	const char *key = req_bearer(r);
	if (!key)
		return auth_failed(r, "Missing or invalid API key");
	const char *key_id = NULL;
	enum ag_err e = apikey_authenticate(r->a, key, &r->project, &key_id);
	if (e == AG_EUNAUTH)
		return auth_failed(r, "Missing or invalid API key");
	if (e == AG_EFORBIDDEN) {
		resp_error(r, AG_EFORBIDDEN, "this project is disabled");
		return false;
	}
	if (e) {
		api_fail(r, e, NULL);
		return false;
	}
	r->auth_subject = key_id;
	return true;
}

bool guard_admin(struct req *r)
{
	if (auth_throttled(r))
		return false;
	const char *tok = req_bearer(r);
	const char *id = NULL;
	enum ag_err e = tok ? admin_token_check(r->a, tok, &id) : AG_EUNAUTH;
	if (e == AG_EUNAUTH)
		return auth_failed(r, "admin credential required (Authorization: Bearer <admin token>)");
	if (e) {
		api_fail(r, e, NULL);
		return false;
	}
	r->auth_subject = id;
	return true;
}

bool guard_metrics(struct req *r)
{
	if (!g_cfg.metrics_token[0])
		return true;
	const char *tok = req_bearer(r);
	if (tok && ct_streq(tok, g_cfg.metrics_token))
		return true;
	return auth_failed(r, "metrics token required");
}

bool api_path_project(struct req *r, struct project **p)
{
	enum ag_err e = project_get(r->a, req_param(r, 0), p);
	if (e)
		api_fail(r, e, "no such project");
	return e == AG_OK;
}

void api_install_hooks(void)
{
	cors_set_origin_check(project_any_allows_origin);
}
