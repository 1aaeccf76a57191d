/* templates.h — localized transactional mail. One layout, six messages, 20 locales:
 * render(template, locale, vars, brand) -> subject + text + HTML, then
 * enqueue it with mail_enqueue (src/mail/mail.h) inside the caller's transaction.
 *
 * Templates and the variables the caller passes ({name} placeholders):
 *   "verify_code"      {code} 6 digits, {minutes} lifetime (e.g. "5")
 *   "reset_password"   {link} the reset page, {email}, {minutes}
 *   "magic_link"       {link} the sign-in link, {email}, {minutes}
 *   "password_changed" {email}
 *   "device_enroll"    {code} 6-digit code, {link} enrollment link   (push approval)
 *   "sign_in_code"     {code} 6 digits, {minutes}: a second-factor code (docs/MFA.md)
 *   "magic_code"       {code} 6 digits, {email}, {minutes}: a passwordless sign-in code
 *                      (seed 004's magic link, docs/USERS.md)
 * {app_name} is always available (the brand's name); a catalog
 * writes {duration}, which the renderer makes from {minutes} with the locale's plural
 * rules. Every value is HTML-escaped in the HTML part; links must be http(s) URLs.
 * Strings live in locales/<code>.json under the template's id (subject, heading, body,
 * button, code_intro, note, ignore) and "common".
 *
 * Layout: multipart text + HTML; the HTML is a self-contained document with inline
 * styles (mail clients drop <style>), lang set, dir="rtl" and right alignment for ar
 * and he, the brand's colour on the top rule and the button (text colour picked for
 * contrast), and its logo (https only) above the heading.
 *
 * Example (from any module, inside a transaction):
 *   const struct tmpl_var v[] = {{"code", code}, {"link", url}, {NULL, NULL}};
 *   struct mail_brand b = project_mail_brand(project);   (auth/projects.h)
 *   e = mail_send_template(a, &b, user->email, locale, "device_enroll", v);
 *   ... db_commit(g_app.store); outbox_kick(); */
#ifndef AG_TEMPLATES_H
#define AG_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "mail/i18n.h"

#define BRAND_DEFAULT_COLOR "#2563eb"

/* Whose mail it is and how it looks, as plain values (mail/ knows no project; the
 * domain fills one from a project's branding). */
struct mail_brand {
	const char *app_id;   /* the project the mail belongs to (outbox row, /_dev/mail); may be NULL */
	const char *name;     /* {app_name} and the From display name */
	const char *color;    /* "#rrggbb"; NULL or not valid: BRAND_DEFAULT_COLOR */
	const char *logo_url; /* https URL shown above the heading; NULL or not valid: the name */
	const char *support_email; /* "Questions? Write to ..." in the footer, NULL: no such line */
};

struct mail_rendered {
	const char *subject;
	const char *text;
	const char *html;
	const char *locale; /* the catalog used */
	bool rtl;
	const char *from_name;
};

/* The brand values a mail accepts (anything else renders as the default look): a
 * colour "#rrggbb", a logo at an https URL. Projects check branding with these. */
bool mail_brand_color_ok(const char *color);
bool mail_brand_logo_ok(const char *url);

/* Is template_id one of the templates above? */
bool mail_template_known(const char *template_id);
/* The i-th template's id (for previews), NULL past the last. */
const char *mail_template_id(size_t i);

/* Render. locale: any code (unsupported -> "en"). AG_ENOTFOUND for an unknown
 * template, AG_EINVAL when a variable the template needs is missing. */
enum ag_err mail_render(struct arena *a, const struct mail_brand *b, const char *template_id, const char *locale,
			const struct tmpl_var *vars, struct mail_rendered *out) MUST_CHECK;

/* Render and enqueue for `to` (call inside the caller's transaction; outbox_kick()
 * after the commit). */
enum ag_err mail_send_template(struct arena *a, const struct mail_brand *b, const char *to, const char *locale,
			       const char *template_id, const struct tmpl_var *vars) MUST_CHECK;

#endif
