/* i18n.h — the message catalogs in locales/<code>.json (one per supported locale,
 * embedded at build time): nested objects of strings with {name} placeholders, looked
 * up by dotted key ("magic_link.subject") with a fallback to English, and the plural
 * rules needed to say "N minutes" correctly in every locale (catalog key
 * "plural.minutes" holds the CLDR forms zero/one/two/few/many/other that apply).
 * Catalogs are parsed once and read-only afterwards (thread-safe). */
#ifndef AG_I18N_H
#define AG_I18N_H

#include <stdbool.h>

#include "core/arena.h"

/* A template variable: {name} -> value. Arrays end with {NULL, NULL}. */
struct tmpl_var {
	const char *name;
	const char *value;
};

/* Parse every catalog (also done lazily on first use). 0 on success; -1 if a catalog
 * is missing or malformed (logged). */
int i18n_init(void);

/* The raw catalog string for key in locale, falling back to "en"; NULL if en lacks it. */
const char *i18n_raw(const char *locale, const char *key);

/* CLDR plural category of n in locale: "zero", "one", "two", "few", "many", "other". */
const char *i18n_plural_category(const char *locale, long n);

/* Localized "N minutes" (from "plural.minutes"). */
const char *i18n_minutes(struct arena *a, const char *locale, long n);

/* Substitute {name} placeholders of s from vars (NULL-terminated). escape_html: escape
 * the values (and the literal text) for HTML. Returns NULL when a placeholder has no
 * value (a bug in the caller or a catalog) — logged with the key. */
char *i18n_format(struct arena *a, const char *s, const struct tmpl_var *vars, bool escape_html);

/* Lookup + format in one call, for pages: NULL-safe (returns the key when missing). */
const char *i18n_text(struct arena *a, const char *locale, const char *key, const struct tmpl_var *vars,
		      bool escape_html);

/* HTML-escape & < > " ' into the arena. */
char *html_escape(struct arena *a, const char *s);

#endif
