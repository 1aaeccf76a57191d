/* libFuzzer target: JWT verification of untrusted tokens (sec/jwt.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sec/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[32] = "fuzz-key-fuzz-key-fuzz-key-fuzz";
	struct arena *a = arena_new();
	char *tok = arena_strndup(a, (const char *)data, size);
	cJSON *c;
	(void)jwt_verify_hs256(a, tok, key, sizeof key, "authgate", "session", 1700000000, 5, &c);
	(void)jwt_peek_claims(a, tok);
	arena_free(a);
	return 0;
}
