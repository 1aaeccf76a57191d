/* i18n.c — message catalogs and plural rules (see i18n.h). */
#include "mail/i18n.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/embed.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"
#include "mail/locale.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct arena *cat_arena;
static cJSON *catalogs[LOCALE_COUNT];
static int init_rc;

static void load(void)
{
	cat_arena = arena_new();
	size_t n;
	const struct embedded_file *files = embed_locales(&n);
	for (int i = 0; i < LOCALE_COUNT; i++) {
		char name[16];
		snprintf(name, sizeof name, "%s.json", locale_codes[i]);
		const struct embedded_file *f = embed_find(files, n, name);
		const char *detail = NULL;
		if (!f || json_parse_strict(cat_arena, (const char *)f->data, f->len, &catalogs[i], &detail) != JSON_OK ||
		    !cJSON_IsObject(catalogs[i])) {
			log_error("i18n", "catalog locales/%s is missing or not valid JSON", name);
			catalogs[i] = NULL;
			init_rc = -1;
		}
	}
}

int i18n_init(void)
{
	pthread_once(&once, load);
	return init_rc;
}

static int locale_index(const char *locale)
{
	for (int i = 0; locale && i < LOCALE_COUNT; i++)
		if (strcmp(locale_codes[i], locale) == 0)
			return i;
	return 0; /* en */
}

static const char *lookup(const cJSON *cat, const char *key)
{
	char part[64];
	const cJSON *v = cat;
	while (v && *key) {
		size_t n = strcspn(key, ".");
		if (n >= sizeof part)
			return NULL;
		memcpy(part, key, n);
		part[n] = 0;
		v = cJSON_GetObjectItemCaseSensitive(v, part);
		key += n;
		if (*key == '.')
			key++;
	}
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *i18n_raw(const char *locale, const char *key)
{
	i18n_init();
	const char *s = lookup(catalogs[locale_index(locale)], key);
	return s ? s : lookup(catalogs[0], key);
}

const char *i18n_plural_category(const char *l, long n)
{
	if (n < 0)
		n = -n;
	long m10 = n % 10, m100 = n % 100;
	if (str_eq(l, "ja") || str_eq(l, "ko") || str_eq(l, "zh") || str_eq(l, "th") || str_eq(l, "vi"))
		return "other";
	if (str_eq(l, "fr") || str_eq(l, "pt"))
		return n <= 1 ? "one" : "other";
	if (str_eq(l, "ru"))
		return m10 == 1 && m100 != 11 ? "one" : m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ? "few" : "many";
	if (str_eq(l, "pl"))
		return n == 1 ? "one" : m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ? "few" : "many";
	if (str_eq(l, "ar"))
		return n == 0 ? "zero" : n == 1 ? "one" : n == 2 ? "two" : m100 >= 3 && m100 <= 10 ? "few"
									: m100 >= 11 ? "many" : "other";
	if (str_eq(l, "he"))
		return n == 1 ? "one" : n == 2 ? "two" : "other";
	return n == 1 ? "one" : "other";
}

const char *i18n_minutes(struct arena *a, const char *locale, long n)
{
	char key[40];
	snprintf(key, sizeof key, "plural.minutes.%s", i18n_plural_category(locale, n));
	const char *form = i18n_raw(locale, key);
	if (!form)
		form = i18n_raw(locale, "plural.minutes.other");
	if (!form)
		form = "{n} min";
	char num[24];
	snprintf(num, sizeof num, "%ld", n);
	const struct tmpl_var v[] = {{"n", num}, {NULL, NULL}};
	const char *s = i18n_format(a, form, v, false);
	return s ? s : arena_strdup(a, num);
}

static void put_escaped(struct buf *b, const char *s, size_t n, bool html)
{
	if (!html) {
		buf_append(b, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_append(b, s + i, 1);
		}
	}
}

char *html_escape(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT(1024 * 1024);
	put_escaped(&b, s ? s : "", s ? strlen(s) : 0, true);
	char *out = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_free(&b);
	return out;
}

char *i18n_format(struct arena *a, const char *s, const struct tmpl_var *vars, bool escape_html)
{
	struct buf b = BUF_INIT(1024 * 1024);
	char *out = NULL;
	const char *p = s;
	while (*p) {
		const char *open = strchr(p, '{');
		if (!open) {
			put_escaped(&b, p, strlen(p), escape_html);
			break;
		}
		put_escaped(&b, p, (size_t)(open - p), escape_html);
		const char *close = strchr(open, '}');
		size_t nl = close ? (size_t)(close - open - 1) : 0;
		const struct tmpl_var *v = vars;
		while (close && v && v->name && !(strlen(v->name) == nl && memcmp(v->name, open + 1, nl) == 0))
			v++;
		if (!close || !v || !v->name || !v->value) {
			log_error("i18n", "no value for placeholder in \"%.60s\"", s);
			goto out;
		}
		put_escaped(&b, v->value, strlen(v->value), escape_html);
		p = close + 1;
	}
	out = arena_strndup(a, b.p ? b.p : "", b.len);
out:
	buf_free(&b);
	return out;
}

const char *i18n_text(struct arena *a, const char *locale, const char *key, const struct tmpl_var *vars,
		      bool escape_html)
{
	const char *raw = i18n_raw(locale, key);
	const char *s = raw ? i18n_format(a, raw, vars, escape_html) : NULL;
	return s ? s : key;
}
