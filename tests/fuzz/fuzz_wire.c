/* libFuzzer target: the strict HTTP/1.1 framing check (http/wire.c) on untrusted bytes.
 * Differential: the verdict must not depend on how the stream is cut into reads (the
 * first input byte picks the cut), and only a refused message's bytes are held back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)data[0] % 17 + 1;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;

	struct wire whole = {0};
	size_t passed = wire_feed(&whole, p, n);
	if (passed > n || (!whole.status && passed != n) || (whole.status && !whole.why))
		abort();

	struct wire cut = {0};
	size_t off = 0, handed = 0;
	while (off < n && !cut.status) {
		size_t k = n - off < step ? n - off : step;
		size_t got = wire_feed(&cut, p + off, k);
		if (got > k)
			abort();
		handed += got;
		off += k;
	}
	if (cut.status != whole.status || cut.heads != whole.heads)
		abort();
	/* In pieces, the start of the refused message may have passed before its fault
	 * arrived (the server then holds part of a head, and the connection is closed);
	 * never less passes than whole, and everything when nothing is refused. */
	if (handed < passed || (!cut.status && handed != n))
		abort();
	return 0;
}
