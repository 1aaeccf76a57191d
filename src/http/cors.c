#include "http/cors.h"

#include <microhttpd.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "http/route.h"

static bool (*origin_check)(const char *origin);

void cors_set_origin_check(bool (*fn)(const char *origin))
{
	origin_check = fn;
}

bool cors_preflight(struct req *r)
{
	const char *want = req_header(r, "Access-Control-Request-Method");
	int status;
	const char *allow;
	int idx = router_match(r, want ? want : "", r->path, &status, &allow);
	if (idx < 0 || !(router_route(idx)->flags & ROUTE_CORS)) {
		if (idx < 0 && status == 404)
			return false;
		resp_error(r, AG_EFORBIDDEN, "cross-origin requests are not allowed here");
		return true;
	}
	r->route_index = idx;
	r->route = router_route(idx);
	if (!r->origin || !origin_check || !origin_check(r->origin)) {
		log_security("cors_refused", r->ip, "preflight from an origin no project allows");
		resp_error(r, AG_EFORBIDDEN, "origin not allowed");
		return true;
	}
	r->cors_ok = true;
	resp_header(r, "Access-Control-Allow-Methods", r->route->method);
	resp_header(r, "Access-Control-Allow-Headers", "Content-Type, Authorization, X-API-Key");
	resp_header(r, "Access-Control-Max-Age", "600");
	resp_raw(r, 204, NULL, "", 0);
	return true;
}

void cors_add_headers(struct req *r, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Access-Control-Allow-Origin", r->origin);
	MHD_add_response_header(resp, "Vary", "Origin");
}
