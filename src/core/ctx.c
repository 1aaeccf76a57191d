/* ctx.c — the one definition of the process context (see ctx.h). */
#include "core/ctx.h"

struct app_ctx g_app;
