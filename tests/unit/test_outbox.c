/* test_outbox.c — the outbox retry schedule: exponential steps with +-20 % jitter,
 * a cap, and the test-only scale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "jobs/outbox.h"

static const int64_t expected_ms[] = {5000, 30000, 120000, 600000, 1800000, 3600000, 7200000, 14400000, 28800000};

static void test_schedule_bands(void **s)
{
	(void)s;
	for (int i = 0; i < 9; i++) {
		int64_t lo = outbox_backoff_ms(i + 1, 100, 0), hi = outbox_backoff_ms(i + 1, 100, UINT32_MAX);
		int64_t mid = outbox_backoff_ms(i + 1, 100, UINT32_MAX / 2);
		assert_int_equal(lo, expected_ms[i] * 8 / 10);
		assert_int_equal(hi, expected_ms[i] * 12 / 10);
		assert_true(mid > lo && mid < hi);
		/* Exponential: each step's band lies wholly above the previous one's. */
		if (i > 0)
			assert_true(lo > outbox_backoff_ms(i, 100, UINT32_MAX));
	}
}

static void test_schedule_capped(void **s)
{
	(void)s;
	assert_int_equal(outbox_backoff_ms(10, 100, 0), outbox_backoff_ms(9, 100, 0));
	assert_int_equal(outbox_backoff_ms(1000, 100, UINT32_MAX), OUTBOX_BACKOFF_MAX_MS * 12 / 10);
	assert_int_equal(outbox_backoff_ms(0, 100, 0), 4000);  /* nonsense attempt numbers: first step */
	assert_int_equal(outbox_backoff_ms(-5, 100, 0), 4000);
}

static void test_schedule_scaled(void **s)
{
	(void)s;
	assert_int_equal(outbox_backoff_ms(1, 1, 0), 40);
	assert_int_equal(outbox_backoff_ms(1, 1, UINT32_MAX), 60);
	assert_int_equal(outbox_backoff_ms(2, 10, 0), 2400);
	assert_int_equal(outbox_backoff_ms(1, 0, 0), 4000); /* 0 = unset = 100 % */
	assert_true(outbox_backoff_ms(1, 1, 0) >= 1);
}

static void test_jitter_spreads(void **s)
{
	(void)s;
	/* Different random inputs give different delays (no thundering herd). */
	int64_t a = outbox_backoff_ms(3, 100, 0x10000000u), b = outbox_backoff_ms(3, 100, 0xe0000000u);
	assert_true(b - a > 30000); /* 0.8125 of the 48 s band */
}

static void test_lease_scaled(void **s)
{
	(void)s;
	assert_int_equal(outbox_lease_ms(100), OUTBOX_LEASE_MS);
	assert_int_equal(outbox_lease_ms(2), 2400);
	assert_int_equal(outbox_lease_ms(0), OUTBOX_LEASE_MS); /* unset = 100 % */
	assert_int_equal(outbox_lease_ms(500), OUTBOX_LEASE_MS); /* never longer */
	assert_true(outbox_lease_ms(1) >= 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule_bands),
		cmocka_unit_test(test_schedule_capped),
		cmocka_unit_test(test_schedule_scaled),
		cmocka_unit_test(test_jitter_spreads),
		cmocka_unit_test(test_lease_scaled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
