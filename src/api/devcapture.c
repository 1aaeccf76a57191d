/* devcapture.c — the development viewers of captured mail and captured SMS. In dev mode
 * without an SMTP server mail is captured, and without an SMS provider (or with
 * AUTHGATE_SMS_PROVIDER=capture) text messages are; each is shown on a static page
 * (web/devmail.html, web/devsms.html, both listed by web/assets/devcapture.js) polling
 * its JSON list, to loopback peers without proxy headers only (ROUTE_DEV); 404 otherwise,
 * and once real delivery is configured. Also `authgate mail list`, `authgate sms list`.
 * A mail's HTML body is served on its own with a CSP that forbids scripts and sandboxes
 * it. */
#include <string.h>

#include "api/api.h"
#include "core/str.h"
#include "mail/mail.h"
#include "sms/sms.h"

#define DEV_LIST_MAX 50

/* A captured HTML body is untrusted markup: no scripts, no fetches, no forms, an
 * opaque origin; inline styles and remote images only, so it looks as mailed. */
#define DEVMAIL_BODY_CSP                                                                                               \
	"default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"

struct viewer {
	bool (*capturing)(void);
	const char *page;   /* under web/ */
	const char *absent; /* the page missing from the build */
	enum ag_err (*list)(struct arena *a, int limit, cJSON **out);
};

static bool sms_capturing(void)
{
	return str_eq(sms_provider(), "capture");
}

static const struct viewer mail = {mail_capture_mode, "devmail.html", "the mail viewer is not in this build",
				   mail_captured_list};
static const struct viewer sms = {sms_capturing, "devsms.html", "the SMS viewer is not in this build",
				  sms_captured_list};

static bool available(struct req *r, const struct viewer *v)
{
	if (v->capturing())
		return true;
	resp_error(r, AG_ENOTFOUND, "no such endpoint");
	return false;
}

static void page(struct req *r, const struct viewer *v)
{
	if (available(r, v) && !assets_serve(r, v->page))
		resp_error(r, AG_ENOTFOUND, v->absent);
}

static void messages(struct req *r, const struct viewer *v)
{
	if (!available(r, v))
		return;
	cJSON *arr;
	enum ag_err e = v->list(r->a, DEV_LIST_MAX, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "messages", arr);
	resp_json(r, 200, o);
}

void h_devmail_page(struct req *r)
{
	page(r, &mail);
}

void h_devmail_messages(struct req *r)
{
	messages(r, &mail);
}

void h_devsms_page(struct req *r)
{
	page(r, &sms);
}

void h_devsms_messages(struct req *r)
{
	messages(r, &sms);
}

void h_devmail_html(struct req *r)
{
	if (!available(r, &mail))
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
