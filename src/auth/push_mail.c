/* push_mail.c — the device-enrollment mail. English text for now, behind this one
 * function: when the localized `device_enroll` template (variables {code}, {link},
 * {app_name}) lands with the email work, only this file changes. */
#include "auth/push.h"
#include "core/str.h"
#include "mail/mail.h"

enum ag_err push_mail_enroll(struct arena *a, const char *to, const char *code, const char *link,
			     const char *app_name, const char *locale)
{
	(void)locale;
	const char *text = arena_printf(a,
					"Your code to add this device to %s push sign-in is: %s\n\n"
					"Or open this link on the device you are adding:\n%s\n\n"
					"The code and the link work once and expire in 5 minutes.\n"
					"If you did not ask for this, ignore this message: nothing changes.\n",
					app_name, code, link);
	/* The HTML part escapes what came from elsewhere (the app name). */
	struct buf esc = BUF_INIT(4096);
	for (const char *p = app_name; *p; p++) {
		switch (*p) {
		case '<': buf_puts(&esc, "&lt;"); break;
		case '>': buf_puts(&esc, "&gt;"); break;
		case '&': buf_puts(&esc, "&amp;"); break;
		case '"': buf_puts(&esc, "&quot;"); break;
		default: buf_append(&esc, p, 1);
		}
	}
	const char *name = arena_strdup(a, esc.p ? esc.p : "");
	buf_free(&esc);
	const char *html = arena_printf(
		a,
		"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Your device code</title></head>"
		"<body style=\"font-family:sans-serif\"><p>Your code to add this device to %s push sign-in is:</p>"
		"<p style=\"font-size:28px;font-family:monospace;letter-spacing:6px\"><b>%s</b></p>"
		"<p>Or <a href=\"%s\">open this link on the device you are adding</a>.</p>"
		"<p>The code and the link work once and expire in 5 minutes. If you did not ask for this, ignore "
		"this message: nothing changes.</p></body></html>",
		name, code, link);
	struct mail_msg m = {
		.to = to,
		.subject = arena_printf(a, "%s is your %s device code", code, app_name),
		.text = text,
		.html = html,
		.from_name = app_name,
		.lang = "en",
	};
	return mail_enqueue(a, &m);
}
