/* outbox_admin.c — operators' view of background delivery: send a test mail for a
 * project (through the outbox, exactly as real mail goes; a plain one, or any template
 * in any locale with the sample values of the Emails page's preview) and list recent outbox
 * jobs with their state and last error (never their payload). */
#include <string.h>

#include "api/api.h"
#include "auth/projects.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "jobs/outbox.h"
#include "mail/i18n.h"
#include "mail/locale.h"
#include "mail/mail.h"
#include "mail/templates.h"
#include "store/store.h"

/* Test mails per project: enough to debug a configuration, not a spam cannon. */
static const struct rate_policy test_mail_policy = {"testmail:app", 20, 200, false};

struct test_mail {
	struct arena *a;
	struct mail_msg m;
	char id[OUTBOX_ID_MAX];
	/* or a template of the Emails page, as the project's users get it */
	const struct project *p;
	const char *template_id, *locale;
};

static enum ag_err enqueue_tx(struct store *st, void *ud)
{
	(void)st;
	struct test_mail *t = ud;
	if (t->template_id) {
		struct mail_brand b = project_mail_brand(t->p);
		struct mail_rendered m;
		enum ag_err e = mail_render(t->a, &b, t->template_id, t->locale, api_mail_sample_vars(t->a), &m);
		if (e)
			return e;
		t->m = (struct mail_msg){.app_id = t->p->app_id, .to = t->m.to, .subject = m.subject, .text = m.text,
					 .html = m.html, .from_name = m.from_name, .lang = m.locale};
	}
	return mail_enqueue_id(t->a, &t->m, t->id);
}

void h_admin_test_mail(struct req *r)
{
	const char *to = req_str(r, "to");
	struct project *p;
	if (!api_path_project(r, &p))
		return;
	if (!str_is_email(to)) {
		resp_error(r, AG_EINVAL, "to must be an email address");
		return;
	}
	const char *tmpl = req_str(r, "template"), *locale = req_str(r, "locale");
	if (tmpl && !mail_template_known(tmpl)) {
		resp_error(r, AG_EINVAL, "template must be one of GET /admin/api/mail/catalog's templates");
		return;
	}
	if (locale && !locale_supported(locale)) {
		resp_error(r, AG_EINVAL, "locale must be one of the 20 supported locales");
		return;
	}
	if (!api_rate_limit(r, &test_mail_policy, p->app_id))
		return;
	const char *name = html_escape(r->a, p->name), *app = html_escape(r->a, p->app_id);
	struct test_mail t = {.a = r->a, .p = p, .template_id = tmpl, .locale = locale ? locale : p->default_locale};
	t.m = (struct mail_msg){
	    .app_id = p->app_id,
	    .to = to,
	    .subject = arena_printf(r->a, "Test mail from %s", p->name),
	    .text = arena_printf(r->a,
	                         "This is a test message from AuthGate for the project %s (%s).\n\n"
	                         "If you can read it, mail delivery works.\n",
	                         p->name, p->app_id),
	    .html = arena_printf(r->a,
	                         "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	                         "<title>Test mail from %s</title></head>\n<body>\n<p>This is a test message from "
	                         "AuthGate for the project <strong>%s</strong> (<code>%s</code>).</p>\n"
	                         "<p>If you can read it, mail delivery works.</p>\n</body></html>\n",
	                         name, name, app),
	    .from_name = p->name,
	    .lang = "en",
	};
	enum ag_err e = db_tx(g_app.store, enqueue_tx, &t);
	if (ag_err_is(e, AG_EINVAL)) {
		resp_error(r, e, "this project's name cannot be used in a mail header");
		return;
	}
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	outbox_kick();
	log_info("admin", "test mail %s queued for %s by %s", t.id, p->app_id, r->auth_subject);
	cJSON *o = json_obj(r->a);
	cJSON_AddBoolToObject(o, "queued", 1);
	cJSON_AddStringToObject(o, "id", t.id);
	resp_json(r, 202, o);
}

void h_admin_outbox_list(struct req *r)
{
	const char *status = req_query(r, "status");
	const char *lim = req_query(r, "limit");
	int64_t limit = 50;
	if (status && !*status)
		status = NULL;
	if (status && !str_eq(status, "pending") && !str_eq(status, "done") && !str_eq(status, "failed")) {
		resp_error(r, AG_EINVAL, "status must be pending, done or failed");
		return;
	}
	if (lim && str_to_i64(lim, 1, 500, &limit)) {
		resp_error(r, AG_EINVAL, "limit must be an integer from 1 to 500");
		return;
	}
	cJSON *arr;
	enum ag_err e = outbox_list(r->a, status, (int)limit, &arr);
	if (e) {
		api_fail(r, e, NULL);
		return;
	}
	cJSON *o = json_obj(r->a);
	cJSON_AddItemReferenceToObject(o, "jobs", arr);
	resp_json(r, 200, o);
}
