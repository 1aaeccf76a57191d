/* assets.c — embedded web assets (web/), with content types, ETags and caching. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/embed.h"
#include "core/str.h"
#include "sec/sec.h"

static const struct {
	const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".webmanifest", "application/manifest+json"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *content_type(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(types); i++)
		if (str_ends(name, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

bool assets_serve(struct req *r, const char *name)
{
	size_t n;
	const struct embedded_file *files = embed_web(&n);
	const struct embedded_file *f = embed_find(files, n, name);
	if (!f)
		return false;
	unsigned char h[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	sha256(h, f->data, f->len);
	str_hex(hex, h, 12);
	const char *etag = arena_printf(r->a, "\"%s\"", hex);
	resp_header(r, "ETag", etag);
	resp_header(r, "Cache-Control", str_ends(name, ".html") ? "no-cache" : "public, max-age=300");
	const char *inm = req_header(r, "If-None-Match");
	if (inm && strcmp(inm, etag) == 0) {
		resp_raw(r, 304, NULL, "", 0);
		return true;
	}
	resp_raw(r, 200, content_type(name), (const char *)f->data, f->len);
	return true;
}

void h_assets_get(struct req *r)
{
	const char *file = req_param(r, 0);
	if (!file || strstr(file, "..") || !assets_serve(r, arena_printf(r->a, "assets/%s", file)))
		resp_error(r, AG_ENOTFOUND, "no such asset");
}
