/* magic_page.c — where a mailed magic link lands (GET /api/proxy/email/magic-link/verify).
 * A GET only shows a page with a "Continue" button: mail scanners that prefetch links
 * do not burn them. The button is a plain form POST (works without JavaScript; the page
 * has none) that consumes the link once and answers 303 to the project's callback URL
 * with ?token=<session JWT> (provider "magic-link", email_verified true). */
#include <string.h>

#include "api/api.h"
#include "auth/email_auth.h"
#include "auth/tokens.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/str.h"
#include "mail/i18n.h"
#include "mail/locale.h"
#include "net/net.h"
#include "sec/jwt.h"

#define PAGE_CSP_BASE                                                                                          \
	"default-src 'none'; style-src 'self'; img-src 'self' https:; base-uri 'none'; frame-ancestors 'none'; " \
	"form-action 'self'"

struct landing {
	struct project *p;
	cJSON *claims;
	const char *locale;
	int status;           /* 0 = usable */
	const char *title_key, *msg_key;
};

static void page(struct req *r, struct landing *l, const char *token)
{
	struct arena *a = r->a;
	const char *app = l->p ? (json_get_str(l->p->branding, "name") ? json_get_str(l->p->branding, "name") : l->p->name)
			       : "AuthGate";
	const char *email = l->claims ? json_get_str(l->claims, "email") : NULL;
	const struct tmpl_var v[] = {{"app_name", app}, {"email", email ? email : ""}, {NULL, NULL}};
	const char *loc = l->locale ? l->locale : "en";
	const char *title = i18n_text(a, loc, l->status ? l->title_key : "magic_page.title", v, true);
	struct buf b = BUF_INIT(64 * 1024);
	buf_printf(&b,
		   "<!DOCTYPE html>\n<html lang=\"%s\" dir=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<meta name=\"robots\" content=\"noindex\">\n<title>%s</title>\n"
		   "<link rel=\"stylesheet\" href=\"../../../../assets/magic-link.css\">\n</head>\n<body>\n<main class=\"card\">\n",
		   loc, locale_is_rtl(loc) ? "rtl" : "ltr", title);
	const char *logo = l->p ? json_get_str(l->p->branding, "logo_url") : NULL;
	if (logo)
		buf_printf(&b, "<img class=\"logo\" src=\"%s\" alt=\"%s\">\n", html_escape(a, logo), html_escape(a, app));
	else
		buf_printf(&b, "<p class=\"app\">%s</p>\n", html_escape(a, app));
	buf_printf(&b, "<h1>%s</h1>\n", title);
	if (l->status) {
		buf_printf(&b, "<p class=\"message\">%s</p>\n", i18n_text(a, loc, l->msg_key, v, true));
	} else {
		buf_printf(&b,
			   "<p class=\"message\">%s</p>\n<form method=\"post\" action=\"verify\">\n"
			   "<input type=\"hidden\" name=\"token\" value=\"%s\">\n<button type=\"submit\">%s</button>\n</form>\n",
			   i18n_text(a, loc, "magic_page.body", v, true), html_escape(a, token),
			   i18n_text(a, loc, "magic_page.button", v, true));
	}
	buf_puts(&b, "</main>\n</body>\n</html>\n");
	const char *cb_origin = l->claims ? url_origin_of(a, json_get_str(l->claims, "cb")) : NULL;
	resp_header(r, "Content-Security-Policy",
		    cb_origin ? arena_printf(a, PAGE_CSP_BASE " %s", cb_origin) : PAGE_CSP_BASE);
	resp_header(r, "Cache-Control", "no-store");
	/* The form's POST then carries our real Origin (no-referrer would make it "null",
	 * which other sites can send too); only the origin, never this URL and its token,
	 * goes out as Referer. */
	resp_header(r, "Referrer-Policy", "strict-origin");
	char *html = arena_strndup(a, b.p ? b.p : "", b.len);
	size_t n = b.len;
	buf_free(&b);
	resp_raw(r, l->status ? l->status : 200, "text/html; charset=utf-8", html, n);
}

static void fail(struct landing *l, int status, const char *msg_key)
{
	l->status = status;
	l->title_key = "magic_page.invalid_title";
	l->msg_key = msg_key;
}

/* Verify the link token and everything around it; l->status says what is wrong. */
static void check(struct req *r, const char *token, struct landing *l)
{
	memset(l, 0, sizeof *l);
	l->locale = locale_resolve(NULL, NULL, req_header(r, "Accept-Language"), NULL);
	cJSON *peek = token && strlen(token) <= JWT_MAX_LEN ? jwt_peek_claims(r->a, token) : NULL;
	const char *app = peek ? json_get_str(peek, "app") : NULL;
	if (!app || project_get(r->a, app, &l->p) != AG_OK) {
		l->p = NULL;
		fail(l, 400, "magic_page.invalid");
		return;
	}
	if (l->p->disabled) {
		fail(l, 403, "magic_page.invalid");
		return;
	}
	l->locale = locale_resolve(NULL, NULL, req_header(r, "Accept-Language"), l->p->default_locale);
	if (token_verify(r->a, l->p, token, TOKEN_AUD_LINK, &l->claims) != AG_OK) {
		l->claims = NULL;
		fail(l, 400, "magic_page.invalid");
		return;
	}
	const char *loc = json_get_str(l->claims, "locale");
	if (locale_supported(loc))
		l->locale = loc;
	if (!project_provider_on(l->p, "magic-link")) {
		fail(l, 403, "magic_page.disabled");
		return;
	}
	if (!project_allows_callback(r->a, l->p, json_get_str(l->claims, "cb"))) {
		fail(l, 400, "magic_page.invalid");
		return;
	}
	enum ag_err e = email_magic_live(r->a, l->p, l->claims);
	if (ag_err_is(e, AG_EGONE))
		fail(l, 410, "magic_page.invalid");
	else if (e)
		fail(l, 503, "magic_page.invalid");
}

void h_magic_page(struct req *r)
{
	struct landing l;
	const char *token = req_query(r, "token");
	check(r, token, &l);
	page(r, &l, token);
}

/* Our page's form POST carries our origin (its Referrer-Policy is strict-origin, see
 * page()). "null" is what a sandboxed iframe or a data: page on any site sends: were
 * it accepted, a site could post its own link and sign the victim in to the attacker's
 * account (login CSRF). No Origin at all is a client that is not a browser, or a
 * browser too old to send one on a form POST: it cannot be driven by another site. */
static bool origin_ok(struct req *r)
{
	if (!r->origin)
		return true;
	return api_public_origin(r, r->origin);
}

static void complete_work(struct req *r)
{
	struct landing l;
	const char *token = req_form(r, "token");
	check(r, token, &l);
	if (l.status) {
		page(r, &l, NULL);
		return;
	}
	struct user *u;
	enum ag_err e = email_magic_complete(r->a, l.p, l.claims, &u);
	if (e) {
		fail(&l, ag_err_is(e, AG_EGONE) ? 410 : 503, "magic_page.invalid");
		page(r, &l, NULL);
		return;
	}
	const char *cb = json_get_str(l.claims, "cb");
	const char *to = api_signin_redirect(r, l.p, u, "magic-link", "email", NULL, cb);
	if (!to) {
		fail(&l, 500, "magic_page.invalid");
		page(r, &l, NULL);
		return;
	}
	log_info("magic_link_used", "project %s user %s", l.p->app_id, u->id);
	resp_redirect(r, 303, to);
}

void h_magic_complete(struct req *r)
{
	if (!origin_ok(r)) {
		struct landing l = {0};
		l.locale = "en";
		fail(&l, 403, "magic_page.invalid");
		page(r, &l, NULL);
		return;
	}
	req_async(r, complete_work);
}
