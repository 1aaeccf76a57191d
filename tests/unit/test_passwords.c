/* test_passwords.c — seed 001's password rules (8-128 characters counted as code points,
 * a letter, a number, no control characters) and argon2id hashing: verify, the dummy
 * hash for unknown accounts, and needs-rehash when the parameters change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/passwords.h"
#include "sec/sec.h"

static void rules(void **state)
{
	(void)state;
	assert_null(password_check_rules("securePassword1"));
	assert_null(password_check_rules("abcdefg1"));
	assert_non_null(password_check_rules("abcdef1"));              /* 7 */
	assert_non_null(password_check_rules("12345678"));             /* no letter */
	assert_non_null(password_check_rules("abcdefgh"));             /* no number */
	assert_non_null(password_check_rules(NULL));
	assert_non_null(password_check_rules("abc\tdefg1"));           /* control */
	assert_null(password_check_rules("пароль12"));                 /* 8 code points, Cyrillic letters */
	assert_null(password_check_rules("密码密码密码12"));            /* CJK letters */
	assert_non_null(password_check_rules("€€€€€€€1"));             /* symbols are not letters */
	char buf[200];
	memset(buf, 'a', 127);
	buf[127] = '1';
	buf[128] = 0;
	assert_null(password_check_rules(buf)); /* 128 */
	buf[128] = 'b';
	buf[129] = 0;
	assert_non_null(password_check_rules(buf)); /* 129 */
	/* 128 three-byte code points are 128 characters, not 384 */
	char wide[128 * 3 + 2] = "";
	for (int i = 0; i < 127; i++)
		memcpy(wide + i * 3, "密", 3);
	memcpy(wide + 127 * 3, "1", 2);
	assert_null(password_check_rules(wide));
}

static void hashing(void **state)
{
	(void)state;
	assert_int_equal(sec_init(), 0);
	pwhash_set_params((struct pwhash_params){1, 8u * 1024 * 1024});
	assert_int_equal(password_init(2), 0);
	char h[PWHASH_MAX];
	assert_int_equal(password_hash(h, "securePassword1"), AG_OK);
	assert_non_null(strstr(h, "$argon2id$"));
	assert_non_null(strstr(h, "m=8192,t=1,p=1"));
	bool rehash = true;
	assert_true(password_verify(h, "securePassword1", &rehash));
	assert_false(rehash);
	assert_false(password_verify(h, "securePassword2", &rehash));
	assert_false(password_verify(NULL, "securePassword1", &rehash)); /* dummy hash */
	assert_false(password_verify("", "securePassword1", &rehash));
	/* parameters raised: the old hash still verifies and asks to be rehashed */
	pwhash_set_params((struct pwhash_params){2, 8u * 1024 * 1024});
	assert_true(password_verify(h, "securePassword1", &rehash));
	assert_true(rehash);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules),
		cmocka_unit_test(hashing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
