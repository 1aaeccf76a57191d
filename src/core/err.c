#include "core/err.h"

const char *ag_err_code(enum ag_err e)
{
	switch (e) {
	case AG_OK: return "ok";
	case AG_EINVAL: return "invalid_request";
	case AG_EUNAUTH: return "unauthorized";
	case AG_EFORBIDDEN: return "forbidden";
	case AG_ENOTFOUND: return "not_found";
	case AG_ECONFLICT: return "conflict";
	case AG_EGONE: return "gone";
	case AG_ETOOBIG: return "payload_too_large";
	case AG_ERATE: return "rate_limited";
	case AG_EUNAVAIL: return "unavailable";
	case AG_EINTERNAL: break;
	}
	return "internal_error";
}
