/* signing_secret.c — the project's HS256 signing secret (base64url), for owners who
 * verify AuthGate's JWTs themselves with a JWT library instead of calling
 * /api/v1/token/verify: read it (GET), or replace it (POST .../rotate; tokens signed
 * with the old one stop verifying at once). Admin only; every read and rotation is a
 * security log line and an audit entry. */
#include "api/api.h"
#include "auth/projects.h"
#include "core/log.h"
#include "core/str.h"
#include "sec/sec.h"

static void answer(struct req *r, const char *app_id, const char *b64, int status)
{
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "app_id", app_id);
	cJSON_AddStringToObject(o, "alg", "HS256");
	cJSON_AddStringToObject(o, "encoding", "base64url");
	cJSON_AddStringToObject(o, "signing_secret", b64);
	resp_json(r, status, o);
}

void h_admin_signing_secret(struct req *r)
{
	struct project *p;
	if (!api_path_project(r, &p))
		return;
	api_audit(r, NULL);
	char b64[64];
	str_b64url(b64, p->secret, sizeof p->secret);
	log_security("signing_secret_read", r->ip, "project %s by %s", p->app_id, r->auth_subject ? r->auth_subject : "-");
	answer(r, p->app_id, b64, 200);
	sec_zero(b64, sizeof b64);
}

void h_admin_signing_secret_rotate(struct req *r)
{
	struct project *p;
	const char *b64;
	if (!api_path_project(r, &p))
		return;
	enum ag_err e = project_rotate_secret(r->a, p->app_id, &b64);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	log_security("signing_secret_rotated", r->ip, "project %s by %s", p->app_id, r->auth_subject);
	answer(r, p->app_id, b64, 200);
}
