/* devmail.c — the development mail viewer: in dev mode without an SMTP server, mail is
 * captured and shown here (ROUTE_DEV: dev mode, a loopback socket peer, no proxy
 * headers; 404 otherwise, and once SMTP is configured). The
 * page is static (web/devmail.html + assets); HTML bodies are served on their own with
 * a CSP that forbids scripts and sandboxes them. */
#include <string.h>

#include "api/api.h"
#include "mail/mail.h"

#define DEVMAIL_LIST_MAX 50

/* A captured HTML body is untrusted markup: no scripts, no fetches, no forms, an
 * opaque origin; inline styles and remote images only, so it looks as mailed. */
#define DEVMAIL_BODY_CSP                                                                                               \
	"default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"

static bool available(struct req *r)
{
	if (mail_capture_mode())
		return true;
	resp_error(r, AG_ENOTFOUND, "no such endpoint");
	return false;
}

void h_devmail_page(struct req *r)
{
	if (!available(r))
		return;
	if (!assets_serve(r, "devmail.html"))
		resp_error(r, AG_ENOTFOUND, "the mail viewer is not in this build");
}

void h_devmail_messages(struct req *r)
{
	if (!available(r))
		return;
	cJSON *arr;
	enum ag_err e = mail_captured_list(r->a, DEVMAIL_LIST_MAX, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "messages", arr);
	resp_json(r, 200, o);
}

void h_devmail_html(struct req *r)
{
	if (!available(r))
		return;
	const char *html;
	enum ag_err e = mail_captured_html(r->a, req_param(r, 0), &html);
	if (ag_err_is(e, AG_ENOTFOUND)) {
		resp_error(r, e, "no such captured mail with an HTML body");
		return;
	}
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	resp_header(r, "Content-Security-Policy", DEVMAIL_BODY_CSP);
	resp_raw(r, 200, "text/html; charset=utf-8", html, strlen(html));
}
