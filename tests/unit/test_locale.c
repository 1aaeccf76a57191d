/* Unit tests: the 20 locales, Accept-Language parsing and seed 001's resolution order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mail/locale.h"

static void test_accept_language(void **state)
{
	assert_string_equal(locale_from_accept_language("it-IT,it;q=0.9,en;q=0.8"), "it");
	assert_string_equal(locale_from_accept_language("xx,de;q=0.5,fr;q=0.7"), "fr");
	assert_string_equal(locale_from_accept_language("pt-BR"), "pt");
	assert_string_equal(locale_from_accept_language("no"), "nb");
	assert_null(locale_from_accept_language("xx, yy"));
	assert_null(locale_from_accept_language(""));
	assert_null(locale_from_accept_language(NULL));
	/* found by fuzzing: a trailing ';' must not read past the end */
	assert_string_equal(locale_from_accept_language("en;"), "en");
	assert_string_equal(locale_from_accept_language("de;q=nan,fr;q=0.1"), "fr");
}

static void test_resolution_order(void **state)
{
	assert_string_equal(locale_resolve("it", "fr", "de", "es"), "it");
	assert_string_equal(locale_resolve(NULL, "fr", "de", "es"), "fr");
	assert_string_equal(locale_resolve(NULL, NULL, "de-DE,de;q=0.9", "es"), "de");
	assert_string_equal(locale_resolve(NULL, NULL, NULL, "es"), "es");
	assert_string_equal(locale_resolve(NULL, NULL, NULL, NULL), "en");
	assert_string_equal(locale_resolve("zz", NULL, "xx", "ja"), "ja");
	assert_true(locale_is_rtl("ar"));
	assert_true(locale_is_rtl("he"));
	assert_false(locale_is_rtl("en"));
	for (int i = 0; i < LOCALE_COUNT; i++)
		assert_true(locale_supported(locale_codes[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_language),
		cmocka_unit_test(test_resolution_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
