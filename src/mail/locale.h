/* locale.h — the 20 locales AuthGate has message catalogs for (locales/<code>.json, read by
 * i18n.c) and the resolution order of seed 001: explicit > stored user preference >
 * Accept-Language > project default > "en". Plain strings in, static strings out. */
#ifndef AG_LOCALE_H
#define AG_LOCALE_H

#include <stdbool.h>

#define LOCALE_COUNT 20
extern const char *const locale_codes[LOCALE_COUNT];

bool locale_supported(const char *code);
bool locale_is_rtl(const char *code);
/* Best supported match for an Accept-Language header ("it-IT,it;q=0.9,en;q=0.8"),
 * honouring q-values; NULL if none matches. Returns a static string. */
const char *locale_from_accept_language(const char *header);
/* Apply the resolution order; every argument may be NULL. Returns a static string. */
const char *locale_resolve(const char *explicit_locale, const char *stored, const char *accept_language,
			   const char *project_default);

#endif
