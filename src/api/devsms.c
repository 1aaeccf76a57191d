/* devsms.c — the development SMS viewer: when SMS are captured (dev mode without a
 * provider, or AUTHGATE_SMS_PROVIDER=capture) they are shown here in dev mode, to
 * loopback peers without proxy headers only (ROUTE_DEV); 404 otherwise. Also
 * `authgate sms list`. */
#include "api/api.h"
#include "auth/projects.h"
#include "core/str.h"
#include "sms/sms.h"

#define DEVSMS_LIST_MAX 50

static bool available(struct req *r)
{
	if (str_eq(sms_provider(), "capture"))
		return true;
	resp_error(r, AG_ENOTFOUND, "no such endpoint");
	return false;
}

void h_devsms_page(struct req *r)
{
	if (available(r) && !assets_serve(r, "devsms.html"))
		resp_error(r, AG_ENOTFOUND, "the SMS viewer is not in this build");
}

void h_devsms_messages(struct req *r)
{
	if (!available(r))
		return;
	cJSON *arr;
	enum ag_err e = sms_captured_list(r->a, DEVSMS_LIST_MAX, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "messages", arr);
	resp_json(r, 200, o);
}
