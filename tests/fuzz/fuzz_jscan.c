/* libFuzzer target: the tree-free JSON scanner against cJSON (tests/fuzz/jscan_diff.h):
 * what jscan accepts, cJSON parses to the same values; aborts on any difference. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "jscan_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = jscan_diff((const char *)data, size);
	if (why) {
		fprintf(stderr, "jscan and cJSON differ: %s\n", why);
		abort();
	}
	return 0;
}
