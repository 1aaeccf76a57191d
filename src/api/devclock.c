/* devclock.c — POST /_dev/clock {"offset_ms": N}: shift the server's wall clock (codes,
 * links, tokens expire by it) so black-box tests can check expiry without waiting.
 * Only in dev mode (AUTHGATE_DEV), only from loopback, only with an admin token;
 * anywhere else it does not exist (404). */
#include "api/api.h"
#include "config/config.h"
#include "core/log.h"
#include "core/timeutil.h"

void h_dev_clock(struct req *r)
{
	if (!g_cfg.dev) {
		resp_error(r, AG_ENOTFOUND, "no such endpoint");
		return;
	}
	int64_t off = req_int(r, "offset_ms", 0);
	if (off < -86400000LL * 365 || off > 86400000LL * 365) {
		resp_error(r, AG_EINVAL, "offset_ms must be within a year");
		return;
	}
	time_set_offset_ms(off);
	log_warn("dev_clock", "wall clock shifted by %lld ms", (long long)off);
	cJSON *o = json_obj(r->a);
	cJSON_AddNumberToObject(o, "offset_ms", (double)off);
	resp_json(r, 200, o);
}
