/* libFuzzer target: application/x-www-form-urlencoded decoding (core/form.c), the
 * reader of HTML form bodies, OAuth answers and callback queries. Invariants: any
 * input is read without a crash; a decoded value is valid UTF-8 without NUL; what
 * form_add writes, form_get reads back unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/form.h"
#include "core/str.h"

static bool count_name(void *ud, const char *name)
{
	if (!str_is_utf8(name, strlen(name)))
		abort();
	(*(size_t *)ud)++;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	const char *body = (const char *)data;
	static const char *const fields[] = {"token", "code", "state", "", "a b"};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const char *v = form_get(a, body, size, fields[i]);
		if (v && !str_is_utf8(v, strlen(v)))
			abort();
	}
	size_t names = 0;
	(void)form_names(a, body, size, count_name, &names);
	/* Round trip: the input as one value (when it is a C string of valid UTF-8). */
	char *s = arena_strndup(a, body, size);
	if (strlen(s) == size && str_is_utf8(s, size)) {
		struct buf b = BUF_INIT(16 * size + 64);
		if (form_add(&b, "k", s) == 0 && form_add(&b, "k2", "x") == 0) {
			const char *back = form_get(a, b.p, b.len, "k");
			if (!back || strcmp(back, s) != 0)
				abort();
		}
		buf_free(&b);
	}
	arena_free(a);
	return 0;
}
