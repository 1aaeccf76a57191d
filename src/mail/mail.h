/* mail.h — outgoing mail. mail_enqueue writes a message into the outbox (inside the
 * caller's transaction); a worker later delivers it over SMTP (libcurl, STARTTLS,
 * auth) when AUTHGATE_SMTP_URL is set, or captures it for /_dev/mail and
 * `authgate mail list` otherwise. Messages are multipart/alternative (text + HTML). */
#ifndef AG_MAIL_H
#define AG_MAIL_H

#include "core/arena.h"
#include "core/err.h"

struct mail_msg {
	const char *app_id;   /* may be NULL */
	const char *to;       /* one address */
	const char *subject;  /* UTF-8 */
	const char *text;     /* UTF-8 plain text body */
	const char *html;     /* UTF-8 HTML body (a complete document) */
	const char *from_name; /* display name for From, e.g. the project's name; may be NULL */
	const char *lang;     /* Content-Language, e.g. "it"; may be NULL */
};

enum ag_err mail_enqueue(struct arena *a, const struct mail_msg *m) MUST_CHECK;

/* Register the "mail" outbox handler (called once at start-up). */
void mail_init(void);

#endif
