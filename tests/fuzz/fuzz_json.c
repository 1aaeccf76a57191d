/* libFuzzer target: strict JSON parsing of untrusted bodies (core/json.c). */
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	cJSON *v;
	const char *detail;
	if (json_parse_strict(a, (const char *)data, size, &v, &detail) == JSON_OK)
		(void)json_print(a, v);
	arena_free(a);
	return 0;
}
