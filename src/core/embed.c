#include "core/embed.h"

#include <string.h>

const struct embedded_file *embed_find(const struct embedded_file *files, size_t n, const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(files[mid].name, name);
		if (c == 0)
			return &files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
