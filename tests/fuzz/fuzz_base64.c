/* libFuzzer target: base64 and base64url decoding (core/str.c), which reads tokens,
 * keys and signatures from untrusted input. Invariants: any input decodes or is
 * refused without writing past the output; encode-then-decode gives the bytes back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	size_t cap = size; /* decoded data is never longer than its text */
	unsigned char *out = malloc(cap + 1);
	long n1 = str_unb64(out, cap, (const char *)data, size);
	long n2 = str_unb64url(out, cap, (const char *)data, size);
	if (n1 > (long)cap || n2 > (long)cap)
		abort();
	/* Round trips of the input as bytes. */
	char *enc = malloc(4 * (size / 3 + 1) + 1);
	unsigned char *dec = malloc(size + 1);
	size_t el = str_b64(enc, data, size);
	if (str_unb64(dec, size + 1, enc, el) != (long)size || memcmp(dec, data, size) != 0)
		abort();
	el = str_b64url(enc, data, size);
	if (str_unb64url(dec, size + 1, enc, el) != (long)size || memcmp(dec, data, size) != 0)
		abort();
	/* Too small an output buffer is refused, never overrun. */
	if (size > 0 && str_unb64(dec, size - 1, enc, el) >= (long)size)
		abort();
	free(out);
	free(enc);
	free(dec);
	return 0;
}
