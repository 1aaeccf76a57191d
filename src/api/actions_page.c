/* actions_page.c — GET /challenge?token=…[&mode=popup]: the hosted challenge page the
 * track call's url opens (docs/ACTIONS.md). The page is rendered here with what it
 * needs — the action's state, the user's enrolled methods (passkey first), what may be
 * enrolled when the user has none, the project's branding and the locale's strings —
 * and web/assets/challenge.js runs it against the client API (/v1/client, same origin,
 * the token as its bearer). It ends at the action's redirectUrl?token=<access token>, or
 * in popup mode (an iframe or window the browser SDK opened) with the SDK's postMessage
 * protocol: AUTHSIGNAL_READY, {height} resize messages and AUTHSIGNAL_CLOSE_POPUP with
 * the token, sent only to the project's allowed origins. Only those origins may frame
 * the page (CSP frame-ancestors). */
#include <string.h>

#include "api/api.h"
#include "auth/actions.h"
#include "auth/passkeys.h"
#include "core/buf.h"
#include "core/str.h"
#include "mail/i18n.h"
#include "mail/locale.h"
#include "sms/sms.h"

static const char *const string_keys[] = {
    "title",         "enroll_title", "intro",          "enroll_intro", "passkey",       "passkey_create",
    "totp",          "totp_scan",    "totp_prompt",    "email",        "email_address", "email_prompt",
    "sms",           "phone_number", "sms_prompt",     "send_code",    "code",          "verify",
    "other_methods", "wrong_code",   "locked",         "success",      "blocked",       "review",
    "expired",       "error",        "passkey_failed", "link_sent", "email_link", "push", "push_prompt", "push_denied",
};

#define CSP_BASE                                                                                                       \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; "   \
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

/* JSON safe inside <script type="application/json">: no "<" (so no "</script>"). */
static const char *script_json(struct arena *a, const cJSON *v)
{
	const char *s = json_print(a, v);
	struct buf b = BUF_INIT(strlen(s) * 6 + 64);
	for (const char *p = s; *p; p++)
		if (*p == '<')
			buf_puts(&b, "\\u003c");
		else
			buf_append(&b, p, 1);
	char *out = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_free(&b);
	return out;
}

/* Methods the page can enroll: allowed by the project and workable on this server. */
static cJSON *enrollable(struct req *r, const cJSON *allowed)
{
	cJSON *out = json_arr(r->a);
	const cJSON *m;
	cJSON_ArrayForEach(m, allowed)
	{
		const char *name = m->valuestring;
		if ((str_eq(name, "PASSKEY") && !passkey_rp_id(r->a, r->project)) ||
		    (str_eq(name, "SMS") && !sms_provider()))
			continue;
		cJSON_AddItemToArray(out, cJSON_CreateString(name));
	}
	return out;
}

static void page(struct req *r, int status, const char *locale, const cJSON *ctx)
{
	struct arena *a = r->a;
	const struct project *p = r->project;
	const char *app = p ? project_display_name(p) : "AuthGate";
	const struct tmpl_var v[] = {{"app_name", app}, {NULL, NULL}};
	struct buf b = BUF_INIT(256 * 1024);
	buf_printf(&b,
	           "<!DOCTYPE html>\n<html lang=\"%s\" dir=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
	           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	           "<meta name=\"robots\" content=\"noindex\">\n<title>%s</title>\n"
	           "<link rel=\"stylesheet\" href=\"assets/challenge.css\">\n"
	           "<script src=\"assets/challenge.js\" defer></script>\n</head>\n<body>\n"
	           "<main class=\"card\" id=\"widget_container\">\n",
	           locale, locale_is_rtl(locale) ? "rtl" : "ltr",
	           i18n_text(a, locale, "challenge_page.title", v, true));
	const char *logo = p ? json_get_str(p->branding, "logo_url") : NULL;
	if (logo)
		buf_printf(&b, "<img class=\"logo\" src=\"%s\" alt=\"%s\">\n", html_escape(a, logo),
		           html_escape(a, app));
	else
		buf_printf(&b, "<p class=\"app\">%s</p>\n", html_escape(a, app));
	buf_printf(
	    &b,
	    "<div id=\"app\" aria-live=\"polite\"></div>\n<script type=\"application/json\" id=\"ctx\">%s</script>\n",
	    script_json(a, ctx));
	buf_puts(&b, "</main>\n</body>\n</html>\n");
	/* Framed only by the project's own pages (the browser SDK's popup mode). */
	struct buf csp = BUF_INIT(32 * 1024);
	buf_puts(&csp, CSP_BASE);
	for (int i = 0; p && i < p->norigins; i++)
		buf_printf(&csp, " %s", p->origins[i]);
	resp_header(r, "Content-Security-Policy", arena_strndup(a, csp.p, csp.len));
	buf_free(&csp);
	char *html = arena_strndup(a, b.p ? b.p : "", b.len);
	size_t n = b.len;
	buf_free(&b);
	resp_raw(r, status, "text/html; charset=utf-8", html, n);
}

/* The strings of the locale, {app_name} filled in. */
static cJSON *strings(struct req *r, const char *locale)
{
	const char *app = r->project ? project_display_name(r->project) : "AuthGate";
	const struct tmpl_var v[] = {{"app_name", app}, {NULL, NULL}};
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < ARRAY_LEN(string_keys); i++)
		cJSON_AddStringToObject(
		    o, string_keys[i],
		    i18n_text(r->a, locale, arena_printf(r->a, "challenge_page.%s", string_keys[i]), v, false));
	return o;
}

static void fail_page(struct req *r, int status, const char *locale, const char *why)
{
	cJSON *ctx = json_obj(r->a);
	cJSON_AddStringToObject(ctx, "error", why);
	cJSON_AddItemToObject(ctx, "strings", strings(r, locale));
	page(r, status, locale, ctx);
}

void h_as_page(struct req *r)
{
	const char *al = req_header(r, "Accept-Language");
	const char *locale = locale_resolve(NULL, NULL, al, NULL);
	struct action *act;
	enum action_token_kind kind;
	enum ag_err e = action_from_token(r->a, req_query(r, "token"), &act, &kind);
	if (e == AG_OK || e == AG_AS_TOKEN_EXPIRED) {
		if (project_get(r->a, act->app_id, &r->project) != AG_OK || r->project->disabled) {
			r->project = NULL;
			e = AG_AS_BAD_TOKEN;
		}
	}
	if (r->project)
		locale = locale_resolve(NULL, NULL, al, r->project->default_locale);
	if (e) {
		fail_page(r, e == AG_AS_TOKEN_EXPIRED ? 410 : 400, locale, "expired");
		return;
	}
	struct auser *au;
	cJSON *enrolled, *allowed, *attrs = NULL;
	const char *detail;
	if ((e = auser_get(r->a, r->project, act->external_id, false, &au)) ||
	    (e = auser_methods(r->a, r->project, au, &enrolled, &allowed, NULL))) {
		fail_page(r, 500, locale, "error");
		return;
	}
	if (act->attrs && json_parse_strict(r->a, act->attrs, strlen(act->attrs), &attrs, &detail) == JSON_OK &&
	    locale_supported(json_get_str(attrs, "locale")))
		locale = json_get_str(attrs, "locale");
	else if (locale_supported(au->locale))
		locale = au->locale;
	cJSON *ctx = json_obj(r->a), *x;
	cJSON_AddStringToObject(ctx, "token", req_query(r, "token"));
	cJSON_AddStringToObject(ctx, "mode", str_eq(req_query(r, "mode"), "popup") ? "popup" : "redirect");
	/* A user disabled since the track: the page says blocked, as the client API would */
	cJSON_AddStringToObject(ctx, "state", act->user_disabled ? "BLOCK" : act->state);
	if (act->validated_at)
		cJSON_AddTrueToObject(ctx, "validated");
	if (str_eq(act->state, "CHALLENGE_SUCCEEDED") && !act->validated_at && !act->user_disabled)
		cJSON_AddStringToObject(ctx, "accessToken", action_token(r->a, act, ACTION_TOKEN_ACCESS));
	if (act->redirect_url)
		cJSON_AddStringToObject(ctx, "redirectUrl", act->redirect_url);
	cJSON_AddItemReferenceToObject(ctx, "enrolled", enrolled);
	/* Enrollment: the first authenticator with any token (action_may_enroll says the rest). */
	cJSON_AddItemReferenceToObject(ctx, "enroll",
	                               cJSON_GetArraySize(enrolled) ? json_arr(r->a) : enrollable(r, allowed));
	if (au->email)
		cJSON_AddStringToObject(ctx, "email", au->email);
	if (au->phone)
		cJSON_AddStringToObject(ctx, "phoneNumber", au->phone);
	x = cJSON_AddArrayToObject(ctx, "origins");
	for (int i = 0; i < r->project->norigins; i++)
		cJSON_AddItemToArray(x, cJSON_CreateString(r->project->origins[i]));
	x = cJSON_AddObjectToObject(ctx, "brand");
	cJSON_AddStringToObject(x, "name", project_display_name(r->project));
	const char *color = json_get_str(r->project->branding, "color");
	if (color)
		cJSON_AddStringToObject(x, "color", color);
	cJSON_AddItemToObject(ctx, "strings", strings(r, locale));
	page(r, 200, locale, ctx);
}

/* ---- where a mailed magic link lands (GET shows a button; POST confirms) ------------------ */

static void link_page(struct req *r, int status, const char *title_key, const char *body_key, const char *secret,
                      const char *email)
{
	struct arena *a = r->a;
	const char *al = req_header(r, "Accept-Language");
	const char *locale = locale_resolve(NULL, NULL, al, r->project ? r->project->default_locale : NULL);
	const char *app = r->project ? project_display_name(r->project) : "AuthGate";
	const struct tmpl_var v[] = {{"app_name", app}, {"email", email ? email : ""}, {NULL, NULL}};
	struct buf b = BUF_INIT(64 * 1024);
	buf_printf(&b,
	           "<!DOCTYPE html>\n<html lang=\"%s\" dir=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
	           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	           "<meta name=\"robots\" content=\"noindex\">\n<title>%s</title>\n"
	           "<link rel=\"stylesheet\" href=\"../assets/challenge.css\">\n</head>\n<body>\n<main class=\"card\">\n"
	           "<p class=\"app\">%s</p>\n<h1>%s</h1>\n<p id=\"message\">%s</p>\n",
	           locale, locale_is_rtl(locale) ? "rtl" : "ltr", i18n_text(a, locale, title_key, v, true),
	           html_escape(a, app), i18n_text(a, locale, title_key, v, true), i18n_text(a, locale, body_key, v, true));
	if (secret)
		buf_printf(&b,
		           "<form method=\"post\" action=\"link\"><input type=\"hidden\" name=\"t\" value=\"%s\">"
		           "<button type=\"submit\" id=\"confirm\">%s</button></form>\n",
		           html_escape(a, secret), i18n_text(a, locale, "magic_page.button", v, true));
	buf_puts(&b, "</main>\n</body>\n</html>\n");
	char *html = arena_strndup(a, b.p ? b.p : "", b.len);
	size_t n = b.len;
	buf_free(&b);
	resp_raw(r, status, "text/html; charset=utf-8", html, n);
}

void h_as_link_page(struct req *r)
{
	const char *t = req_query(r, "t"), *email = NULL;
	if (as_link_peek(r->a, t, &r->project, &email) != AG_OK) {
		r->project = NULL;
		link_page(r, 410, "magic_page.invalid_title", "magic_page.invalid", NULL, NULL);
		return;
	}
	link_page(r, 200, "magic_page.title", "magic_page.body", t, email);
}

void h_as_link_confirm(struct req *r)
{
	const char *t = req_form(r, "t"), *email = NULL;
	if (as_link_peek(r->a, t, &r->project, &email) != AG_OK || as_link_confirm(r->a, t, r->ip) != AG_OK) {
		r->project = NULL;
		link_page(r, 410, "magic_page.invalid_title", "magic_page.invalid", NULL, NULL);
		return;
	}
	link_page(r, 200, "challenge_page.success", "challenge_page.link_done", NULL, email);
}
