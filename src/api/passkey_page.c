/* passkey_page.c — GET /passkey?app_id=…&callback_url=…: AuthGate's hosted "sign in
 * with a passkey" page. The page (web/passkey.html, web/assets/passkey.js) offers the
 * passkey through autofill (conditional UI) and a button, runs the ceremony against
 * /api/passkey/options and /verify, and sends the browser to callback_url?token=<JWT>.
 * Refused here before anything runs: an unknown project, passkeys switched off, a
 * callback URL the project did not register. */
#include "api/api.h"
#include "auth/projects.h"

void h_passkey_page(struct req *r)
{
	struct project *p;
	const char *app = req_query(r, "app_id"), *cb = req_query(r, "callback_url");
	if (!app || project_get(r->a, app, &p) != AG_OK || p->disabled) {
		resp_error(r, AG_ENOTFOUND, "unknown app_id");
		return;
	}
	if (!project_provider_on(p, "passkey")) {
		api_fail(r, AG_PASSKEY_OFF, NULL);
		return;
	}
	if (!cb || !project_allows_callback(r->a, p, cb)) {
		api_fail(r, AG_CALLBACK_URL, NULL);
		return;
	}
	if (!assets_serve(r, "passkey.html"))
		resp_error(r, AG_ENOTFOUND, "the passkey page is not in this build");
}
