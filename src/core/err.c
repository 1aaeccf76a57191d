/* err.c — the error table (see err.h). */
#include "core/err.h"

static const struct {
	enum ag_err kind;
	const char *code, *message;
} table[AG_ERR_COUNT] = {
	[AG_OK] = {AG_OK, "ok", "ok"},
#define AG_ERR_ROW(name, k, c, m) [name] = {k, c, m},
	AG_ERRORS(AG_ERR_ROW)
#undef AG_ERR_ROW
};

static int known(enum ag_err e)
{
	return (unsigned)e < AG_ERR_COUNT;
}

enum ag_err ag_err_kind(enum ag_err e)
{
	return known(e) ? table[e].kind : AG_EINTERNAL;
}

const char *ag_err_code(enum ag_err e)
{
	return known(e) ? table[e].code : "internal_error";
}

const char *ag_err_message(enum ag_err e)
{
	return known(e) ? table[e].message : "internal error";
}
