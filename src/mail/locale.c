/* locale.c — supported locales and their resolution (see locale.h). */
#include "mail/locale.h"

#include <stdlib.h>
#include <string.h>

#include "core/str.h"

const char *const locale_codes[LOCALE_COUNT] = {"en", "it", "es", "fr", "de", "pt", "ja", "ko", "zh", "nl",
						"pl", "ru", "sv", "da", "nb", "fi", "ar", "he", "th", "vi"};

static const char *find(const char *code, size_t n)
{
	for (int i = 0; i < LOCALE_COUNT; i++)
		if (strlen(locale_codes[i]) == n && strncasecmp(locale_codes[i], code, n) == 0)
			return locale_codes[i];
	/* Common aliases: Norwegian "no"/"nn" -> nb, Hebrew legacy "iw" -> he. */
	if (n == 2 && (strncasecmp(code, "no", 2) == 0 || strncasecmp(code, "nn", 2) == 0))
		return "nb";
	if (n == 2 && strncasecmp(code, "iw", 2) == 0)
		return "he";
	return NULL;
}

bool locale_supported(const char *code)
{
	if (!code)
		return false;
	for (int i = 0; i < LOCALE_COUNT; i++)
		if (strcmp(locale_codes[i], code) == 0)
			return true;
	return false;
}

bool locale_is_rtl(const char *code)
{
	return str_eq(code, "ar") || str_eq(code, "he");
}

const char *locale_from_accept_language(const char *h)
{
	if (!h || strlen(h) > 1024)
		return NULL;
	const char *best = NULL;
	double bestq = 0;
	while (*h) {
		while (*h == ' ' || *h == ',')
			h++;
		const char *tag = h;
		while (*h && *h != ',' && *h != ';' && *h != ' ')
			h++;
		size_t tl = (size_t)(h - tag);
		double q = 1.0;
		while (*h && *h != ',') {
			if (*h == ';') {
				h++;
				while (*h == ' ')
					h++;
				if (h[0] == 'q' && h[1] == '=') {
					char *end;
					q = strtod(h + 2, &end);
					if (!(q >= 0 && q <= 1))
						q = 0; /* NaN or out of range: ignore the tag */
					h = end;
				}
				continue; /* re-check *h: we may be at the end */
			}
			h++;
		}
		size_t primary = strcspn(tag, "-_,; ");
		if (primary > tl)
			primary = tl;
		const char *m = primary ? find(tag, primary) : NULL;
		if (m && q > bestq) {
			best = m;
			bestq = q;
		}
	}
	return best;
}

const char *locale_resolve(const char *explicit_locale, const char *stored, const char *accept_language,
			   const char *project_default)
{
	const char *m;
	if (explicit_locale && (m = find(explicit_locale, strcspn(explicit_locale, "-_"))))
		return m;
	if (stored && locale_supported(stored))
		return find(stored, strlen(stored));
	if ((m = locale_from_accept_language(accept_language)))
		return m;
	if (project_default && locale_supported(project_default))
		return find(project_default, strlen(project_default));
	return "en";
}
