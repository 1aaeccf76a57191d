/* test_templates.c — the 20 message catalogs (complete, same placeholders as English,
 * plural forms present) and the renderer: every template in every locale, HTML escaping
 * of every variable, rtl for ar/he, branding, refusals (unknown template, missing
 * variable, non-http link), plural rules and contrast of the button text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/projects.h"
#include "core/embed.h"
#include "core/json.h"
#include "core/str.h"
#include "mail/i18n.h"
#include "mail/locale.h"
#include "mail/templates.h"

static const char *TEMPLATES[] = {"verify_code", "reset_password", "magic_link", "password_changed", "device_enroll"};

static cJSON *load(struct arena *a, const char *locale)
{
	size_t n;
	const struct embedded_file *files = embed_locales(&n);
	char name[16];
	snprintf(name, sizeof name, "%s.json", locale);
	const struct embedded_file *f = embed_find(files, n, name);
	assert_non_null(f);
	cJSON *v = NULL;
	const char *detail;
	assert_int_equal(json_parse_strict(a, (const char *)f->data, f->len, &v, &detail), JSON_OK);
	return v;
}

/* Sorted list of {placeholders} of s, as one string. */
static char *placeholders(struct arena *a, const char *s)
{
	char *found[16];
	int n = 0;
	for (const char *p = s; (p = strchr(p, '{')) && n < 16; p++) {
		const char *e = strchr(p, '}');
		assert_non_null(e);
		found[n++] = arena_strndup(a, p, (size_t)(e - p + 1));
	}
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(found[j], found[i]) < 0) {
				char *t = found[i];
				found[i] = found[j];
				found[j] = t;
			}
	char *out = arena_strdup(a, "");
	for (int i = 0; i < n; i++)
		out = arena_printf(a, "%s%s", out, found[i]);
	return out;
}

/* Every string of en exists in cat with the same placeholders (plural forms excepted). */
static void same_shape(struct arena *a, const cJSON *en, const cJSON *cat, const char *locale, const char *path)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, en)
	{
		const char *k = e->string;
		if (str_eq(k, "_locale") || str_eq(path, "plural.minutes"))
			continue;
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(cat, k);
		char *sub = *path ? arena_printf(a, "%s.%s", path, k) : arena_strdup(a, k);
		if (!o)
			fail_msg("%s: %s is missing", locale, sub);
		if (cJSON_IsObject(e)) {
			assert_true(cJSON_IsObject(o));
			same_shape(a, e, o, locale, sub);
		} else {
			assert_true(cJSON_IsString(o));
			assert_true(strlen(o->valuestring) > 0);
			if (!str_eq(placeholders(a, e->valuestring), placeholders(a, o->valuestring)))
				fail_msg("%s: %s has placeholders %s, English has %s", locale, sub,
					 placeholders(a, o->valuestring), placeholders(a, e->valuestring));
		}
	}
	/* and nothing English lacks */
	cJSON_ArrayForEach(e, cat)
	{
		if (str_eq(e->string, "_locale") || str_eq(path, "plural.minutes"))
			continue;
		if (!cJSON_GetObjectItemCaseSensitive(en, e->string))
			fail_msg("%s: %s.%s is not in English", locale, path, e->string);
	}
}

static void catalogs_complete(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	assert_int_equal(i18n_init(), 0);
	cJSON *en = load(a, "en");
	for (int i = 0; i < LOCALE_COUNT; i++) {
		const char *l = locale_codes[i];
		cJSON *cat = load(a, l);
		assert_string_equal(json_get_str(cat, "_locale"), l);
		same_shape(a, en, cat, l, "");
		/* the plural forms the locale's rules can pick for 1..200 all exist */
		const cJSON *forms = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cat, "plural"), "minutes");
		for (long n = 0; n <= 200; n++) {
			const char *cat_name = i18n_plural_category(l, n);
			if (!cJSON_GetObjectItemCaseSensitive(forms, cat_name))
				fail_msg("%s: plural form %s (n=%ld) missing", l, cat_name, n);
		}
		/* translations are not English copies (beyond names and placeholders) */
		if (!str_eq(l, "en"))
			assert_string_not_equal(i18n_raw(l, "magic_link.heading"), i18n_raw("en", "magic_link.heading"));
	}
	arena_free(a);
}

static void plural_rules(void **state)
{
	(void)state;
	assert_string_equal(i18n_plural_category("en", 1), "one");
	assert_string_equal(i18n_plural_category("en", 5), "other");
	assert_string_equal(i18n_plural_category("fr", 0), "one");
	assert_string_equal(i18n_plural_category("ja", 1), "other");
	assert_string_equal(i18n_plural_category("ru", 1), "one");
	assert_string_equal(i18n_plural_category("ru", 3), "few");
	assert_string_equal(i18n_plural_category("ru", 5), "many");
	assert_string_equal(i18n_plural_category("ru", 11), "many");
	assert_string_equal(i18n_plural_category("ru", 21), "one");
	assert_string_equal(i18n_plural_category("ru", 22), "few");
	assert_string_equal(i18n_plural_category("pl", 1), "one");
	assert_string_equal(i18n_plural_category("pl", 12), "many");
	assert_string_equal(i18n_plural_category("pl", 22), "few");
	assert_string_equal(i18n_plural_category("ar", 0), "zero");
	assert_string_equal(i18n_plural_category("ar", 2), "two");
	assert_string_equal(i18n_plural_category("ar", 5), "few");
	assert_string_equal(i18n_plural_category("ar", 15), "many");
	assert_string_equal(i18n_plural_category("ar", 100), "other");
	assert_string_equal(i18n_plural_category("he", 2), "two");
	struct arena *a = arena_new();
	assert_string_equal(i18n_minutes(a, "ar", 5), "5 دقائق");
	assert_string_equal(i18n_minutes(a, "ar", 15), "15 دقيقة");
	assert_string_equal(i18n_minutes(a, "ru", 5), "5 минут");
	assert_string_equal(i18n_minutes(a, "ru", 1), "1 минуту");
	assert_string_equal(i18n_minutes(a, "en", 1), "1 minute");
	assert_string_equal(i18n_minutes(a, "en", 60), "60 minutes");
	assert_string_equal(i18n_minutes(a, "xx", 5), "5 minutes");
	arena_free(a);
}

/* The brand of a project "Acme" with this branding object (auth/projects.c). */
static struct mail_brand *project(struct arena *a, const char *branding)
{
	struct project *p = arena_calloc(a, sizeof *p);
	p->app_id = "acme";
	p->name = "Acme";
	const char *detail;
	assert_int_equal(json_parse_strict(a, branding, strlen(branding), &p->branding, &detail), JSON_OK);
	p->providers = json_obj(a);
	struct mail_brand *b = arena_calloc(a, sizeof *b);
	*b = project_mail_brand(p);
	return b;
}

static void every_template_every_locale(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct mail_brand *p = project(a, "{\"name\":\"A&B <Shop>\",\"color\":\"#0a7d3b\",\"logo_url\":\"https://cdn.example/l.png\"}");
	const struct tmpl_var v[] = {{"code", "042917"},
				     {"link", "https://app.example/x?a=1&b='2'"},
				     {"email", "jo<e>@example.com"},
				     {"minutes", "15"},
				     {NULL, NULL}};
	for (size_t t = 0; t < ARRAY_LEN(TEMPLATES); t++) {
		for (int i = 0; i < LOCALE_COUNT; i++) {
			const char *l = locale_codes[i];
			struct mail_rendered m;
			assert_int_equal(mail_render(a, p, TEMPLATES[t], l, v, &m), AG_OK);
			assert_string_equal(m.locale, l);
			assert_true(strlen(m.subject) > 3);
			assert_null(strchr(m.subject, '{'));
			assert_null(strchr(m.text, '{'));
			assert_null(strchr(m.html, '{'));
			assert_null(strchr(m.subject, '\n'));
			bool rtl = str_eq(l, "ar") || str_eq(l, "he");
			assert_int_equal(m.rtl, rtl);
			assert_non_null(strstr(m.html, arena_printf(a, "<html lang=\"%s\" dir=\"%s\">", l, rtl ? "rtl" : "ltr")));
			assert_non_null(strstr(m.html, rtl ? "text-align:right" : "text-align:left"));
			/* escaping: no raw markup from any variable or the brand name */
			assert_null(strstr(m.html, "<Shop>"));
			assert_null(strstr(m.html, "jo<e>"));
			assert_null(strstr(m.html, "b='2'"));
			assert_non_null(strstr(m.html, "A&amp;B &lt;Shop&gt;"));
			assert_non_null(strstr(m.html, "#0a7d3b"));
			assert_non_null(strstr(m.html, "src=\"https://cdn.example/l.png\""));
			assert_non_null(strstr(m.text, "-- \n"));
			if (t == 0 || t == 4) {
				assert_non_null(strstr(m.text, "042917"));
				assert_non_null(strstr(m.html, ">042917<"));
			}
			if (t == 1 || t == 2 || t == 4) {
				assert_non_null(strstr(m.html, "href=\"https://app.example/x?a=1&amp;b=&#39;2&#39;\""));
				assert_non_null(strstr(m.text, "https://app.example/x?a=1&b='2'"));
			}
		}
	}
	arena_free(a);
}

static void refusals_and_defaults(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct mail_brand *p = project(a, "{}");
	struct mail_rendered m;
	const struct tmpl_var none[] = {{NULL, NULL}};
	const struct tmpl_var code_only[] = {{"code", "123456"}, {NULL, NULL}};
	const struct tmpl_var bad_link[] = {{"link", "javascript:alert(1)"}, {"email", "a@b.c"}, {"minutes", "5"}, {NULL, NULL}};
	assert_int_equal(mail_render(a, p, "no_such_template", "en", none, &m), AG_ENOTFOUND);
	assert_int_equal(mail_render(a, p, "verify_code", "en", none, &m), AG_EINVAL);
	assert_int_equal(mail_render(a, p, "verify_code", "en", code_only, &m), AG_EINVAL); /* no minutes */
	assert_int_equal(mail_render(a, p, "magic_link", "en", bad_link, &m), AG_EINVAL);
	const struct tmpl_var ok[] = {{"code", "123456"}, {"minutes", "5"}, {NULL, NULL}};
	/* unsupported locale: English; no branding: the project's name and the default colour */
	assert_int_equal(mail_render(a, p, "verify_code", "tlh", ok, &m), AG_OK);
	assert_string_equal(m.locale, "en");
	assert_string_equal(m.subject, "123456 is your Acme verification code");
	assert_string_equal(m.from_name, "Acme");
	assert_non_null(strstr(m.html, BRAND_DEFAULT_COLOR));
	assert_non_null(strstr(m.text, "The code expires in 5 minutes."));
	assert_true(mail_template_known("device_enroll"));
	assert_false(mail_template_known("nope"));
	/* a light brand colour gets dark button text */
	struct mail_brand *light = project(a, "{\"color\":\"#ffee00\"}");
	const struct tmpl_var link[] = {{"link", "https://x.example/"}, {"email", "a@b.c"}, {"minutes", "5"}, {NULL, NULL}};
	assert_int_equal(mail_render(a, light, "magic_link", "en", link, &m), AG_OK);
	assert_non_null(strstr(m.html, "color:#111827;text-decoration:none"));
	struct mail_brand *dark = project(a, "{\"color\":\"#1a237e\"}");
	assert_int_equal(mail_render(a, dark, "magic_link", "en", link, &m), AG_OK);
	assert_non_null(strstr(m.html, "color:#ffffff;text-decoration:none"));
	arena_free(a);
}

static void format_and_escape(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	const struct tmpl_var v[] = {{"x", "<&>"}, {NULL, NULL}};
	assert_string_equal(i18n_format(a, "a {x} b", v, false), "a <&> b");
	assert_string_equal(i18n_format(a, "a {x} b & c", v, true), "a &lt;&amp;&gt; b &amp; c");
	assert_null(i18n_format(a, "a {y}", v, false));
	assert_null(i18n_format(a, "a {x", v, false));
	assert_string_equal(html_escape(a, "'\""), "&#39;&quot;");
	assert_string_equal(i18n_text(a, "it", "magic_page.button", v, true), "Continua");
	assert_string_equal(i18n_text(a, "it", "no.such.key", v, true), "no.such.key");
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(catalogs_complete),
		cmocka_unit_test(plural_rules),
		cmocka_unit_test(every_template_every_locale),
		cmocka_unit_test(refusals_and_defaults),
		cmocka_unit_test(format_and_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
