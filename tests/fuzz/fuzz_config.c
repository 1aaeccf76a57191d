/* libFuzzer target: the configuration file parser (config/config.c). Invariants: any
 * text is read without a crash; every problem is reported as a printable line; a
 * value set is within its declared bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	memset(&c, 0, sizeof c);
	struct buf errs = BUF_INIT(1 << 20);
	int n = config_parse(&c, (const char *)data, size, "fuzz.conf", &errs);
	if (n < 0 || (n > 0 && !errs.p))
		abort();
	for (size_t i = 0; errs.p && i < errs.len; i++)
		if (((unsigned char)errs.p[i] < 0x20 && errs.p[i] != '\n') || errs.p[i] == 0x7f)
			abort();
	if (c.port < 0 || c.port > 65535 || memchr(c.host, 0, sizeof c.host) == NULL)
		abort();
	buf_free(&errs);
	return 0;
}
