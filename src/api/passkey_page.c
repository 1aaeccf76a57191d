/* passkey_page.c — AuthGate's hosted sign-in pages. GET /passkey?app_id=…&callback_url=…: AuthGate's hosted "sign in
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

/* GET /mfa?mfa_token=…: AuthGate's page for the MFA step of a browser sign-in (the app
 * may send the browser here instead of finishing the step itself). The page
 * (web/mfa.html, web/assets/mfa.js) asks /api/mfa/step for the methods, answers with a
 * code, a recovery code or a passkey, and goes back to the flow's callback_url with
 * ?token=. The token rides in the query like the callback's own; the access log never
 * writes query strings. */
void h_mfa_page(struct req *r)
{
	if (!assets_serve(r, "mfa.html"))
		api_fail(r, AG_ENOTFOUND, "the MFA page is not in this build");
}
