/* admin_pages.c — the dashboard's pages: one HTML shell (web/admin/index.html) for
 * /admin, each /admin/{page} and seed 000's /wh1, its scripts and styles under
 * /admin/ui/, and the QR code of the device app's address. The shell holds no data:
 * everything it shows comes from /admin/api, which answers a signed-out browser 401. */
#include <string.h>

#include "api/api.h"
#include "config/config.h"
#include "core/qr.h"
#include "core/str.h"

static const char *const pages[] = {"projects", "providers", "emails", "webhooks",
				    "users",    "devices",   "activity", "account"};

static void shell(struct req *r)
{
	if (!assets_serve(r, "admin/index.html"))
		resp_error(r, AG_ENOTFOUND, "no dashboard in this build");
}

void h_admin_page_root(struct req *r)
{
	shell(r);
}

void h_admin_page(struct req *r)
{
	const char *page = req_param(r, 0);
	for (size_t i = 0; i < ARRAY_LEN(pages); i++)
		if (str_eq(page, pages[i])) {
			shell(r);
			return;
		}
	resp_error(r, AG_ENOTFOUND, "no such dashboard page");
}

void h_admin_file(struct req *r)
{
	const char *file = req_param(r, 0);
	if (!file || file[0] == '.' || strstr(file, "..") || str_ends(file, ".html") ||
	    !assets_serve(r, arena_printf(r->a, "admin/%s", file)))
		resp_error(r, AG_ENOTFOUND, "no such file");
}

/* The device app's address as a QR code, so a phone can open /app from the screen. */
void h_admin_app_qr(struct req *r)
{
	const char *url = arena_printf(r->a, "%s/app", g_cfg.public_url);
	char *svg = qr_svg(r->a, url);
	if (!svg) {
		resp_error(r, AG_EINTERNAL, "cannot draw the QR code");
		return;
	}
	resp_header(r, "Cache-Control", "private, max-age=300");
	resp_raw(r, 200, "image/svg+xml", svg, strlen(svg));
}
