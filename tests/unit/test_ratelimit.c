/* Unit tests: token buckets (burst, refill, Retry-After, reset, memory bound). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "core/ratelimit.h"

static const struct rate_policy p3 = {"t", 3, 3, false}; /* 3 at once, 1 per second */

static void test_burst_and_refill(void **state)
{
	struct ratelimit *rl = ratelimit_new(1000);
	int retry = 0;
	int64_t t = 1000000;
	for (int i = 0; i < 3; i++)
		assert_true(ratelimit_take(rl, &p3, "k", 1, t, &retry));
	assert_false(ratelimit_take(rl, &p3, "k", 1, t, &retry));
	assert_int_equal(retry, 1);
	assert_true(ratelimit_take(rl, &p3, "other", 1, t, &retry)); /* keys are independent */
	assert_false(ratelimit_take(rl, &p3, "k", 1, t + 500, &retry));
	assert_true(ratelimit_take(rl, &p3, "k", 1, t + 1000, &retry)); /* one token back after 1 s */
	assert_false(ratelimit_take(rl, &p3, "k", 1, t + 1000, &retry));
	ratelimit_reset(rl, &p3, "k");
	assert_true(ratelimit_take(rl, &p3, "k", 1, t + 1000, &retry));
	ratelimit_free(rl);
}

static void test_retry_after(void **state)
{
	static const struct rate_policy slow = {"slow", 1, 60, false}; /* one a minute */
	struct ratelimit *rl = ratelimit_new(1000);
	int retry = 0;
	assert_true(ratelimit_take(rl, &slow, "k", 1, 0, &retry));
	assert_false(ratelimit_take(rl, &slow, "k", 1, 0, &retry));
	assert_int_equal(retry, 60);
	assert_false(ratelimit_take(rl, &slow, "k", 1, 30000, &retry));
	assert_int_equal(retry, 30);
	ratelimit_free(rl);
}

/* A wall clock that steps back (NTP, an operator) neither drains a bucket nor lengthens
 * the wait; refilling resumes from the new time. */
static void test_clock_steps_back(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(1000);
	int retry = 0;
	int64_t t = 10000000;
	for (int i = 0; i < 3; i++)
		assert_true(ratelimit_take(rl, &p3, "k", 1, t, &retry));
	assert_true(ratelimit_take(rl, &p3, "k2", 1, t, &retry));
	int64_t back = t - 3600 * 1000; /* an hour earlier */
	assert_false(ratelimit_take(rl, &p3, "k", 1, back, &retry));
	assert_int_equal(retry, 1);
	assert_true(ratelimit_take(rl, &p3, "k", 1, back + 1000, &retry));
	assert_true(ratelimit_take(rl, &p3, "k2", 1, back, &retry)); /* two tokens left */
	assert_true(ratelimit_take(rl, &p3, "k2", 1, back, &retry));
	assert_false(ratelimit_take(rl, &p3, "k2", 1, back, &retry));
	assert_int_equal(retry, 1);
	ratelimit_free(rl);
}

static void test_memory_bound(void **state)
{
	struct ratelimit *rl = ratelimit_new(640); /* 32 shards x ~21 */
	int retry;
	char key[32];
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof key, "ip%d", i);
		ratelimit_take(rl, &p3, key, 1, 0, &retry);
	}
	assert_true(ratelimit_size(rl) <= 32 * (640 / 32 + 1));
	ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_and_refill),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_clock_steps_back),
		cmocka_unit_test(test_memory_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
