/* libFuzzer target: Accept-Language parsing (auth/locale.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/locale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	(void)locale_from_accept_language(s);
	(void)locale_resolve(s, NULL, s, NULL);
	free(s);
	return 0;
}
