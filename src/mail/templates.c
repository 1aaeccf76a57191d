/* templates.c — the mail layout and the five localized messages (see templates.h). */
#include "mail/templates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/str.h"
#include "mail/locale.h"
#include "mail/mail.h"
#include "net/net.h"

#define MAX_VARS 16

struct tmpl_def {
	const char *id;
	bool code;        /* shows {code} in a box */
	bool link;        /* shows a button to {link} */
	bool minutes;     /* needs {minutes} */
};

static const struct tmpl_def defs[] = {
	{"verify_code", true, false, true},     {"reset_password", false, true, true},
	{"magic_link", false, true, true},      {"password_changed", false, false, false},
	{"device_enroll", true, true, false},   {"sign_in_code", true, false, true},
	{"magic_code", true, false, true},
};

static const struct tmpl_def *find_def(const char *id)
{
	for (size_t i = 0; i < ARRAY_LEN(defs); i++)
		if (str_eq(defs[i].id, id))
			return &defs[i];
	return NULL;
}

bool mail_template_known(const char *template_id)
{
	return find_def(template_id) != NULL;
}

const char *mail_template_id(size_t i)
{
	return i < ARRAY_LEN(defs) ? defs[i].id : NULL;
}

static const char *var(const struct tmpl_var *v, const char *name)
{
	for (; v && v->name; v++)
		if (str_eq(v->name, name))
			return v->value;
	return NULL;
}

bool mail_brand_color_ok(const char *s)
{
	if (!s || strlen(s) != 7 || s[0] != '#')
		return false;
	for (int i = 1; i < 7; i++)
		if (str_hexval(s[i]) < 0)
			return false;
	return true;
}

bool mail_brand_logo_ok(const char *url)
{
	struct arena *a = arena_new();
	struct url_parts u;
	bool ok = url && url_parse(a, url, &u) == NULL && u.https && !u.has_fragment;
	arena_free(a);
	return ok;
}

/* Black or white text on the brand colour, whichever reads better (WCAG luminance). */
static const char *ink_on(const char *hex)
{
	unsigned v = 0;
	for (int i = 1; i < 7; i++) {
		char c = hex[i];
		v = v * 16 + (unsigned)str_hexval(c); /* mail_brand_color_ok checked it */
	}
	double r = (v >> 16) / 255.0, g = ((v >> 8) & 255) / 255.0, b = (v & 255) / 255.0;
	double lum = 0.2126 * r * r + 0.7152 * g * g + 0.0722 * b * b; /* gamma ~2 */
	return lum > 0.28 ? "#111827" : "#ffffff";
}

/* Headers are one line: control characters (a brand name may hold any) become spaces. */
static const char *one_line(struct arena *a, const char *s)
{
	char *o = arena_strdup(a, s);
	for (char *p = o; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return o;
}

struct ctx {
	struct arena *a;
	const char *locale, *id;
	const struct tmpl_var *vars;
	bool failed;
};

/* Catalog string "<id>.<part>" (or a full key when part has a dot), formatted. */
static const char *T(struct ctx *c, const char *part, bool html)
{
	const char *key = strchr(part, '.') ? part : arena_printf(c->a, "%s.%s", c->id, part);
	const char *raw = i18n_raw(c->locale, key);
	if (!raw) {
		log_error("mail", "catalog key %s is missing", key);
		c->failed = true;
		return "";
	}
	const char *s = i18n_format(c->a, raw, c->vars, html);
	if (!s) {
		c->failed = true;
		return "";
	}
	return s;
}

static void text_part(struct ctx *c, const struct tmpl_def *d, struct buf *b)
{
	buf_printf(b, "%s\n\n%s\n\n", T(c, "heading", false), T(c, "body", false));
	if (d->link)
		buf_printf(b, "%s:\n%s\n\n", T(c, "button", false), var(c->vars, "link"));
	if (d->code) {
		if (d->link)
			buf_printf(b, "%s\n", T(c, "code_intro", false));
		buf_printf(b, "    %s\n\n", var(c->vars, "code"));
	}
	buf_printf(b, "%s\n\n%s\n\n-- \n%s\n", T(c, "note", false), T(c, "ignore", false), T(c, "common.footer", false));
	if (var(c->vars, "support_email"))
		buf_printf(b, "%s\n", T(c, "common.support", false));
}

#define FONT "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,'Helvetica Neue',Arial,'Noto Sans',sans-serif;"
#define SMALL "font-size:13px;line-height:1.5;color:#6b7280;margin:0 0 12px;"

static void html_part(struct ctx *c, const struct mail_brand *brand, const struct tmpl_def *d, bool rtl, struct buf *b)
{
	struct arena *a = c->a;
	/* The colour goes into style attributes: only the one shape is let through. */
	const char *color = mail_brand_color_ok(brand->color) ? brand->color : BRAND_DEFAULT_COLOR;
	const char *logo = mail_brand_logo_ok(brand->logo_url) ? brand->logo_url : NULL;
	const char *align = rtl ? "right" : "left", *dir = rtl ? "rtl" : "ltr";
	const char *app = html_escape(a, var(c->vars, "app_name"));
	buf_printf(b,
		   "<!DOCTYPE html>\n<html lang=\"%s\" dir=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n"
		   "</head>\n<body dir=\"%s\" style=\"margin:0;padding:0;background:#f3f4f6;\">\n",
		   c->locale, dir, T(c, "subject", true), dir);
	buf_printf(b,
		   "<table role=\"presentation\" width=\"100%%\" cellpadding=\"0\" cellspacing=\"0\" "
		   "style=\"background:#f3f4f6;\"><tr><td align=\"center\" style=\"padding:24px 12px;\">\n"
		   "<table role=\"presentation\" width=\"100%%\" cellpadding=\"0\" cellspacing=\"0\" "
		   "style=\"max-width:520px;background:#ffffff;border-radius:8px;border-top:4px solid %s;\">\n"
		   "<tr><td dir=\"%s\" style=\"padding:32px;" FONT "color:#1f2937;text-align:%s;direction:%s;\">\n",
		   color, dir, align, dir);
	if (logo)
		buf_printf(b, "<img src=\"%s\" alt=\"%s\" height=\"40\" style=\"display:block;height:40px;border:0;margin:0 0 24px;\">\n",
			   html_escape(a, logo), app);
	else
		buf_printf(b, "<p style=\"font-size:15px;font-weight:600;color:%s;margin:0 0 24px;\">%s</p>\n", color, app);
	buf_printf(b, "<h1 style=\"font-size:22px;line-height:1.3;margin:0 0 16px;color:#111827;\">%s</h1>\n",
		   T(c, "heading", true));
	buf_printf(b, "<p style=\"font-size:15px;line-height:1.6;margin:0 0 20px;\">%s</p>\n", T(c, "body", true));
	if (d->link) {
		const char *href = html_escape(a, var(c->vars, "link"));
		buf_printf(b,
			   "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" style=\"margin:0 0 20px;\"><tr>"
			   "<td style=\"border-radius:6px;background:%s;\"><a href=\"%s\" style=\"display:inline-block;"
			   "padding:12px 24px;font-size:15px;font-weight:600;color:%s;text-decoration:none;border-radius:6px;\">"
			   "%s</a></td></tr></table>\n",
			   color, href, ink_on(color), T(c, "button", true));
		buf_printf(b, "<p style=\"" SMALL "\">%s<br><a href=\"%s\" dir=\"ltr\" style=\"color:%s;word-break:break-all;\">%s</a></p>\n",
			   T(c, "common.link_fallback", true), href, color, href);
	}
	if (d->code) {
		if (d->link)
			buf_printf(b, "<p style=\"font-size:15px;line-height:1.6;margin:0 0 8px;\">%s</p>\n",
				   T(c, "code_intro", true));
		buf_printf(b,
			   "<p dir=\"ltr\" style=\"font-family:'SFMono-Regular',Menlo,Consolas,monospace;font-size:32px;"
			   "font-weight:700;letter-spacing:8px;text-align:center;background:#f3f4f6;border-radius:6px;"
			   "padding:16px 8px;margin:0 0 20px;color:#111827;\">%s</p>\n",
			   html_escape(a, var(c->vars, "code")));
	}
	buf_printf(b, "<p style=\"" SMALL "\">%s</p>\n<p style=\"" SMALL "\">%s</p>\n", T(c, "note", true),
		   T(c, "ignore", true));
	buf_printf(b,
		   "</td></tr></table>\n<p dir=\"%s\" style=\"" FONT "font-size:12px;color:#9ca3af;margin:16px 0 0;"
		   "text-align:center;\">%s</p>\n",
		   dir, T(c, "common.footer", true));
	if (var(c->vars, "support_email"))
		buf_printf(b, "<p dir=\"%s\" style=\"" FONT "font-size:12px;color:#9ca3af;margin:4px 0 0;text-align:center;\">%s</p>\n",
			   dir, T(c, "common.support", true));
	buf_puts(b, "</td></tr></table>\n</body>\n</html>\n");
}

enum ag_err mail_render(struct arena *a, const struct mail_brand *b, const char *template_id, const char *locale,
			const struct tmpl_var *vars, struct mail_rendered *out)
{
	memset(out, 0, sizeof *out);
	const struct tmpl_def *d = find_def(template_id);
	if (!d)
		return AG_ENOTFOUND;
	if (i18n_init())
		return AG_EINTERNAL;
	if (!locale_supported(locale))
		locale = "en";
	if ((d->code && !var(vars, "code")) || (d->link && !var(vars, "link")) || (d->minutes && !var(vars, "minutes")))
		return AG_EINVAL;
	const char *link = var(vars, "link");
	struct url_parts lu;
	if (link && url_parse(a, link, &lu))
		return AG_EINVAL;
	/* Variables: the caller's, plus app_name and duration. */
	struct tmpl_var all[MAX_VARS + 4];
	int n = 0;
	for (const struct tmpl_var *v = vars; v && v->name && n < MAX_VARS; v++)
		all[n++] = *v;
	const char *app = b->name ? b->name : "";
	all[n++] = (struct tmpl_var){"app_name", app};
	if (b->support_email && *b->support_email)
		all[n++] = (struct tmpl_var){"support_email", b->support_email};
	const char *min = var(vars, "minutes");
	int64_t mins = 0;
	if (min && str_to_i64(min, 0, 100000, &mins) == 0)
		all[n++] = (struct tmpl_var){"duration", i18n_minutes(a, locale, (long)mins)};
	all[n] = (struct tmpl_var){NULL, NULL};

	struct ctx c = {a, locale, template_id, all, false};
	bool rtl = locale_is_rtl(locale);
	struct buf text = BUF_INIT(256 * 1024), html = BUF_INIT(256 * 1024);
	text_part(&c, d, &text);
	html_part(&c, b, d, rtl, &html);
	out->subject = one_line(a, T(&c, "subject", false));
	out->text = arena_strndup(a, text.p ? text.p : "", text.len);
	out->html = arena_strndup(a, html.p ? html.p : "", html.len);
	buf_free(&text);
	buf_free(&html);
	out->locale = locale;
	out->rtl = rtl;
	out->from_name = one_line(a, app);
	return c.failed ? AG_EINTERNAL : AG_OK;
}

enum ag_err mail_send_template(struct arena *a, const struct mail_brand *b, const char *to, const char *locale,
			       const char *template_id, const struct tmpl_var *vars)
{
	struct mail_rendered m;
	enum ag_err e = mail_render(a, b, template_id, locale, vars, &m);
	if (e)
		return e;
	struct mail_msg msg = {
		.app_id = b->app_id,
		.to = to,
		.subject = m.subject,
		.text = m.text,
		.html = m.html,
		.from_name = m.from_name,
		.lang = m.locale,
	};
	return mail_enqueue(a, &msg);
}
