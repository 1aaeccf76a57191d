/* qr.c — see qr.h. One <path> of unit squares, one per dark module run on a row, keeps
 * the SVG small (a TOTP URI gives about 2 KB). */
#include "core/qr.h"

#include <qrencode.h>
#include <stdlib.h>

#include "core/buf.h"

#define QUIET 4

char *qr_svg(struct arena *a, const char *text)
{
	QRcode *q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (!q)
		return NULL;
	int w = q->width, size = w + 2 * QUIET;
	struct buf b = BUF_INIT(256 * 1024);
	buf_printf(&b,
	           "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\" "
	           "role=\"img\" aria-label=\"QR code\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	           "<path fill=\"#000\" d=\"",
	           size, size, size, size);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w;) {
			if (!(q->data[y * w + x] & 1)) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < w && (q->data[y * w + x + run] & 1))
				run++;
			buf_printf(&b, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
			x += run;
		}
	buf_printf(&b, "\"/></svg>");
	QRcode_free(q);
	size_t len = 0;
	char *heap = buf_take(&b, &len);
	char *out = heap ? arena_strndup(a, heap, len) : NULL;
	free(heap);
	return out;
}
