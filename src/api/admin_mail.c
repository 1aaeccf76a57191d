/* admin_mail.c — the dashboard's Emails page: which templates and locales there are,
 * and a preview of any template in any locale under the project's branding, rendered
 * by the very code that renders the mail that is sent (mail_render), with sample
 * values. The HTML preview is served as its own document (the mail's inline styles, no
 * script, framed only by our own pages) so the browser shows it as a mail client
 * would. */
#include <string.h>

#include "api/api.h"
#include "auth/projects.h"
#include "config/config.h"
#include "core/str.h"
#include "mail/locale.h"
#include "mail/templates.h"

/* What a mail client of the preview may do: show the mail's own inline styles and
 * https images, nothing else (no script: sandbox), framed by our pages only. */
#define PREVIEW_CSP                                                                                          \
	"default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'; sandbox"

static const struct tmpl_var *sample_vars(struct arena *a)
{
	struct tmpl_var *v = arena_calloc(a, 6 * sizeof *v);
	v[0] = (struct tmpl_var){"code", "123456"};
	v[1] = (struct tmpl_var){"minutes", "5"};
	v[2] = (struct tmpl_var){"email", "jane@example.com"};
	v[3] = (struct tmpl_var){"link", arena_printf(a, "%s/preview-link", g_cfg.public_url)};
	v[4] = (struct tmpl_var){NULL, NULL};
	return v;
}

/* Render template ?template= in ?locale= (default: the project's) for the path's
 * project. False having answered. */
static bool render(struct req *r, struct mail_rendered *m, struct project **pp)
{
	struct project *p;
	if (!api_path_project(r, &p))
		return false;
	const char *id = req_query(r, "template"), *locale = req_query(r, "locale");
	if (!locale || !*locale)
		locale = p->default_locale;
	if (!id || !mail_template_known(id)) {
		resp_error(r, AG_EINVAL, "template must be one of GET /admin/api/mail/catalog's templates");
		return false;
	}
	if (!locale_supported(locale)) {
		resp_error(r, AG_EINVAL, "locale must be one of the 20 supported locales");
		return false;
	}
	struct mail_brand b = project_mail_brand(p);
	enum ag_err e = mail_render(r->a, &b, id, locale, sample_vars(r->a), m);
	if (e) {
		api_fail(r, e, "cannot render this template");
		return false;
	}
	*pp = p;
	return true;
}

void h_admin_mail_preview(struct req *r)
{
	struct mail_rendered m;
	struct project *p;
	if (!render(r, &m, &p))
		return;
	cJSON *o = json_obj(r->a);
	cJSON_AddStringToObject(o, "template", req_query(r, "template"));
	cJSON_AddStringToObject(o, "locale", m.locale);
	cJSON_AddBoolToObject(o, "rtl", m.rtl);
	cJSON_AddStringToObject(o, "from_name", m.from_name);
	cJSON_AddStringToObject(o, "subject", m.subject);
	cJSON_AddStringToObject(o, "text", m.text);
	cJSON_AddStringToObject(o, "html", m.html);
	resp_json(r, 200, o);
}

void h_admin_mail_preview_html(struct req *r)
{
	struct mail_rendered m;
	struct project *p;
	if (!render(r, &m, &p))
		return;
	resp_header(r, "Content-Security-Policy", PREVIEW_CSP);
	resp_raw(r, 200, "text/html; charset=utf-8", m.html, strlen(m.html));
}

void h_admin_mail_catalog(struct req *r)
{
	cJSON *o = json_obj(r->a), *t = json_arr(r->a), *l = json_arr(r->a);
	for (size_t i = 0; mail_template_id(i); i++)
		cJSON_AddItemToArray(t, cJSON_CreateString(mail_template_id(i)));
	for (size_t i = 0; i < LOCALE_COUNT; i++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "code", locale_codes[i]);
		cJSON_AddBoolToObject(x, "rtl", locale_is_rtl(locale_codes[i]));
		cJSON_AddItemToArray(l, x);
	}
	cJSON_AddItemReferenceToObject(o, "templates", t);
	cJSON_AddItemReferenceToObject(o, "locales", l);
	resp_json(r, 200, o);
}

/* The sample values a previewed template is sent with by the test mail. */
const struct tmpl_var *api_mail_sample_vars(struct arena *a)
{
	return sample_vars(a);
}
