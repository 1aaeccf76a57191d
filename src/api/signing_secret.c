/* signing_secret.c — GET /admin/api/projects/{app_id}/signing-secret: the project's
 * HS256 signing secret (base64url), for owners who verify AuthGate's JWTs themselves
 * with a JWT library instead of calling /api/v1/token/verify. Admin only; every read
 * is a security log line. */
#include "api/api.h"
#include "auth/projects.h"
#include "core/log.h"
#include "core/str.h"
#include "sec/sec.h"

void h_admin_signing_secret(struct req *r)
{
	struct project *p;
	if (!api_path_project(r, &p))
		return;
	char b64[64];
	str_b64url(b64, p->secret, sizeof p->secret);
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "app_id", p->app_id);
	cJSON_AddStringToObject(o, "alg", "HS256");
	cJSON_AddStringToObject(o, "encoding", "base64url");
	cJSON_AddStringToObject(o, "signing_secret", b64);
	sec_zero(b64, sizeof b64);
	log_security("signing_secret_read", r->ip, "project %s by %s", p->app_id, r->auth_subject ? r->auth_subject : "-");
	resp_json(r, 200, o);
}
