/* mail.h — outgoing mail. mail_enqueue writes a message into the outbox (inside the
 * caller's transaction); a worker later delivers it over SMTP (libcurl, STARTTLS,
 * auth) when AUTHGATE_SMTP_URL is set, or captures it for /_dev/mail and
 * `authgate mail list` otherwise. Messages are multipart/alternative (text + HTML). */
#ifndef AG_MAIL_H
#define AG_MAIL_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "jobs/outbox.h"

#define MAIL_SUBJECT_MAX 400       /* bytes of UTF-8 */
#define MAIL_FROM_NAME_MAX 200
#define MAIL_BODY_MAX (512 * 1024) /* text + HTML bytes */

struct mail_msg {
	const char *app_id;   /* may be NULL */
	const char *to;       /* one address */
	const char *subject;  /* UTF-8 */
	const char *text;     /* UTF-8 plain text body */
	const char *html;     /* UTF-8 HTML body (a complete document); may be NULL (text only) */
	const char *from_name; /* display name for From, e.g. the project's name; may be NULL */
	const char *lang;     /* Content-Language, e.g. "it"; may be NULL */
};

/* Queue a message. Runs INSIDE the caller's transaction (it neither begins nor
 * commits), so the mail exists iff the caller's change does; after db_commit the caller
 * calls outbox_kick() so a worker picks it up at once (otherwise the next poll, <= 1 s,
 * finds it). Validates everything the message will need: AG_EINVAL for a bad address,
 * a subject or sender name with control characters (no header injection), non-UTF-8
 * text or a bad language tag; AG_ETOOBIG over MAIL_BODY_MAX. */
enum ag_err mail_enqueue(struct arena *a, const struct mail_msg *m) MUST_CHECK;
/* The same, also giving the job id (the idempotency id; the Message-ID is
 * <job-id@sender-domain>). */
enum ag_err mail_enqueue_id(struct arena *a, const struct mail_msg *m, char id_out[OUTBOX_ID_MAX]) MUST_CHECK;

/* Register the "mail" outbox handler (called once at start-up). */
void mail_init(void);

/* Mail is captured instead of sent (dev mode without AUTHGATE_SMTP_URL). */
bool mail_capture_mode(void);

/* Captured mail is kept this long (pruned on every capture and listing). */
#define MAIL_CAPTURE_KEEP_MS (24LL * 3600 * 1000)
/* Capture one message under id (the job id): sealed at rest. */
enum ag_err mail_capture(struct arena *a, const char *id, const struct mail_msg *m) MUST_CHECK;
/* Captured mail, newest first: [{id, app_id, to, subject, text, has_html, created_at}]
 * (rows that cannot be opened, sealed under another master key, are skipped). */
enum ag_err mail_captured_list(struct arena *a, int limit, cJSON **out) MUST_CHECK;
/* The HTML body of one captured mail; AG_ENOTFOUND when there is none. */
enum ag_err mail_captured_html(struct arena *a, const char *id, const char **html) MUST_CHECK;

#endif
