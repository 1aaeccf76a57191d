/* mail.c — mail through the outbox: mail_enqueue validates and stores the message as
 * the JSON payload of a "mail" job; the job's handler builds the MIME message (the
 * same bytes on every attempt, Message-ID from the job id) and submits it over SMTP,
 * or, without AUTHGATE_SMTP_URL, captures it in mail_captured for the dev viewer. */
#include "mail/mail.h"

#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "mail/mime.h"
#include "net/net.h"
#include "store/store.h"

/* Only in dev mode: `authgate serve` refuses to start outside it without SMTP
 * (config_serve_problems), so production mail is never kept for a viewer. */
bool mail_capture_mode(void)
{
	return g_cfg.dev && g_cfg.smtp_url[0] == 0;
}

static const char *sender_domain(void)
{
	const char *at = strrchr(g_cfg.mail_from, '@');
	return at && at[1] ? at + 1 : "authgate.local";
}

static struct mime_msg to_mime(const struct mail_msg *m, const char *message_id, int64_t date_ms)
{
	return (struct mime_msg){
		.from_name = m->from_name && *m->from_name ? m->from_name : NULL,
		.from_addr = g_cfg.mail_from[0] ? g_cfg.mail_from : "no-reply@authgate.local",
		.to = m->to,
		.subject = m->subject,
		.text = m->text,
		.html = m->html,
		.lang = m->lang && *m->lang ? m->lang : NULL,
		.message_id = message_id,
		.date_ms = date_ms,
	};
}

enum ag_err mail_enqueue_id(struct arena *a, const struct mail_msg *m, char id_out[OUTBOX_ID_MAX])
{
	if (!m->to || !m->subject || !*m->subject || !m->text)
		return AG_EINVAL;
	if (strlen(m->subject) > MAIL_SUBJECT_MAX || (m->from_name && strlen(m->from_name) > MAIL_FROM_NAME_MAX))
		return AG_EINVAL;
	if (strlen(m->text) + (m->html ? strlen(m->html) : 0) > MAIL_BODY_MAX)
		return AG_ETOOBIG;
	/* Build it once now, so everything the worker will need is known to be valid and a
	 * bad message is the caller's 4xx, not a job that fails later. */
	struct mime_msg mm = to_mime(m, arena_printf(a, "check@%s", sender_domain()), time_now_ms());
	char *msg;
	struct ag_error e = mime_build(a, &mm, &msg);
	if (e.code) {
		log_warn("mail", "refused to queue a message: %s", e.message);
		return e.code;
	}
	cJSON *o = json_obj(a);
	json_add_str(o, "to", m->to);
	json_add_str(o, "subject", m->subject);
	json_add_str(o, "text", m->text);
	json_add_str(o, "html", m->html);
	json_add_str(o, "from_name", mm.from_name);
	json_add_str(o, "lang", mm.lang);
	json_add_str(o, "app_id", m->app_id);
	return outbox_enqueue("mail", m->app_id, NULL, json_print(a, o), 0, id_out);
}

enum ag_err mail_enqueue(struct arena *a, const struct mail_msg *m)
{
	return mail_enqueue_id(a, m, NULL);
}

static enum outbox_result handle_mail(const struct outbox_job *job, char *err, size_t errsz, int64_t *retry_after_ms)
{
	(void)retry_after_ms;
	enum outbox_result res = OUTBOX_GIVE_UP;
	struct arena *a = arena_new();
	cJSON *p = NULL;
	const char *detail;
	if (json_parse_strict(a, job->payload, strlen(job->payload), &p, &detail) != JSON_OK || !cJSON_IsObject(p)) {
		snprintf(err, errsz, "mail payload is not a JSON object");
		goto out;
	}
	struct mail_msg m = {
		.app_id = job->app_id,
		.to = json_get_str(p, "to"),
		.subject = json_get_str(p, "subject"),
		.text = json_get_str(p, "text"),
		.html = json_get_str(p, "html"),
		.from_name = json_get_str(p, "from_name"),
		.lang = json_get_str(p, "lang"),
	};
	struct mime_msg mm = to_mime(&m, arena_printf(a, "%s@%s", job->id, sender_domain()), job->created_at);
	char *msg;
	struct ag_error built = mime_build(a, &mm, &msg);
	if (built.code) {
		snprintf(err, errsz, "cannot build the message: %s", built.message);
		goto out;
	}
	if (mail_capture_mode()) {
		enum ag_err e = mail_capture(a, job->id, &m);
		if (e)
			snprintf(err, errsz, "cannot store the captured mail: %s", ag_err_code(e));
		res = e ? OUTBOX_RETRY : OUTBOX_DONE;
		goto out;
	}
	if (!g_cfg.smtp_url[0]) { /* `serve` does not start so; a store shared with a dev node might */
		snprintf(err, errsz, "no SMTP server configured (AUTHGATE_SMTP_URL)");
		res = OUTBOX_RETRY;
		goto out;
	}
	struct smtp_opts o = {
		.url = g_cfg.smtp_url,
		.tls = g_cfg.smtp_tls,
		.user = g_cfg.smtp_user,
		.password = g_cfg.smtp_password,
		.ca_file = g_cfg.smtp_ca_file,
	};
	switch (smtp_send(&o, mm.from_addr, m.to, msg, strlen(msg), err, errsz)) {
	case SMTP_SENT: res = OUTBOX_DONE; break;
	case SMTP_TEMPFAIL: res = OUTBOX_RETRY; break;
	case SMTP_PERMFAIL: res = OUTBOX_GIVE_UP; break;
	case SMTP_AUTHFAIL: res = OUTBOX_GIVE_UP; break; /* err names the settings to fix; logged by the outbox */
	}
out:
	arena_free(a);
	return res;
}

void mail_init(void)
{
	outbox_register("mail", handle_mail);
}
