/* libFuzzer target: the WebAuthn attestation object path (sec/cbor.c decoding through
 * libcbor, authenticator data, COSE key import, none/packed statements, x5c parsing)
 * and the assertion path on the same bytes as authenticator data. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sec/cbor.h"
#include "sec/webauthn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char cdh[32] = {1};
	static const int algs[] = {COSE_ES256, COSE_EDDSA, COSE_RS256};
	struct arena *a = arena_new();
	struct registration r;
	(void)registration_check(a, data, size, cdh, "localhost", false, algs, 3, NULL, &r);
	struct authdata ad;
	(void)authdata_parse(a, data, size, &ad);
	size_t used = 0;
	(void)cbor_decode(a, data, size, &used);
	arena_free(a);
	return 0;
}
