/* libFuzzer target: COSE_Key import (sec/cose.c) and, when a key imports, a signature
 * check with it over fixed bytes (the fuzzer supplies both key and signature). */
#include <stddef.h>
#include <stdint.h>

#include "sec/webauthn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct cose_key k;
	size_t used = 0;
	if (cose_key_import(a, data, size, &used, &k) == WA_OK && used <= size)
		(void)cose_verify(k.alg, k.spki, k.spki_len, "msg", 3, data + used, size - used);
	arena_free(a);
	return 0;
}
