/* timeutil.h — wall and monotonic clocks, ISO 8601 formatting. */
#ifndef AG_TIMEUTIL_H
#define AG_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>

int64_t time_now_ms(void);   /* wall clock, Unix ms */
int64_t time_mono_us(void);  /* monotonic, µs */
/* Monotonic µs at the kernel's tick (1-4 ms): a fifth of the cost, for "has a while
 * passed?" on every request (store_epoch_current). */
int64_t time_mono_coarse_us(void);
/* "2026-03-21T12:00:00Z", or with millis "2026-03-21T12:00:00.000Z". out >= 32 bytes. */
void time_iso8601(char *out, int64_t unix_ms, bool millis);

/* Parse what time_iso8601 writes ("2026-03-21T12:00:00Z", optional fraction, UTC
 * only). 0 on success, -1 otherwise. */
int time_parse_iso8601(const char *s, int64_t *unix_ms);

/* Test hook: AUTHGATE_TEST_CLOCK_OFFSET_MS shifts the wall clock (only honoured when the
 * binary runs with AUTHGATE_DEV_MODE and a test sets it via the admin API). */
void time_set_offset_ms(int64_t off);

#endif
