/* qr.h — QR codes as SVG, drawn by the server (libqrencode computes the modules; this
 * is the only file that includes it), so an enrollment page needs no script and no
 * third-party service ever sees a TOTP secret. */
#ifndef AG_QR_H
#define AG_QR_H

#include "core/arena.h"

/* A standalone <svg> (black modules on white, 4-module quiet zone, error correction M)
 * encoding text, or NULL when the text does not fit a QR code. */
char *qr_svg(struct arena *a, const char *text);

#endif
