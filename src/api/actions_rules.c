/* actions_rules.c — the admin API of actions' rules (docs/ACTIONS.md): per project and
 * action code, a default outcome and ordered rules. The dashboard edits them through
 * these routes; a bad rule is refused naming its field ("rules[1].conditions[0].ranges[2]").
 * The engine is auth/action_rules.c. */
#include "api/api.h"
#include "auth/actions.h"

void h_admin_action_rules_list(struct req *r)
{
	cJSON *o;
	enum ag_err e = rules_list(r->a, r->project->app_id, &o);
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, o);
}

void h_admin_action_rules_get(struct req *r)
{
	cJSON *o;
	if (!action_code_ok(req_param(r, 0))) {
		api_fail(r, AG_AS_ACTION_CODE, NULL);
		return;
	}
	enum ag_err e = rules_get(r->a, r->project->app_id, req_param(r, 0), &o);
	if (e)
		api_fail(r, e, NULL);
	else
		resp_json(r, 200, o);
}

void h_admin_action_rules_put(struct req *r)
{
	cJSON *o;
	struct ag_error err = rules_put(r->a, r->project->app_id, req_param(r, 0), req_json(r), &o);
	if (err.code)
		api_fail(r, err.code, err.message);
	else
		resp_json(r, 200, o);
}

void h_admin_action_rules_delete(struct req *r)
{
	enum ag_err e =
	    action_code_ok(req_param(r, 0)) ? rules_delete(r->project->app_id, req_param(r, 0)) : AG_AS_ACTION_CODE;
	if (e)
		api_fail(r, e, NULL);
	else
		resp_raw(r, 204, NULL, "", 0);
}
