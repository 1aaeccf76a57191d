/* admin_activity.c — the dashboard's Activity page: the stored security log (failed
 * credentials, rate limits, "this wasn't me", refused origins and CSRF, secret reads)
 * with filters, and counts per event. */
#include "api/api.h"
#include "auth/seclog.h"
#include "core/timeutil.h"

void h_admin_security_events(struct req *r)
{
	struct seclog_filter f = {.event = req_query(r, "event"), .ip = req_query(r, "ip"), .q = req_query(r, "q")};
	if (f.event && !*f.event)
		f.event = NULL;
	if (f.ip && !*f.ip)
		f.ip = NULL;
	if (!api_time_query(r, "since", &f.since_ms) || !api_time_query(r, "until", &f.until_ms) ||
	    !api_limit_query(r, 100, 500, &f.limit))
		return;
	cJSON *list, *counts;
	enum ag_err e = seclog_list(r->a, &f, &list);
	if (e == AG_OK)
		e = seclog_counts(r->a, f.since_ms ? f.since_ms : time_now_ms() - 86400000LL, &counts);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "events", list);
	cJSON_AddItemReferenceToObject(o, "counts", counts);
	resp_json(r, 200, o);
}
