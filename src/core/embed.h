/* embed.h — files compiled into the binary by tools/embed.py (web assets, locales,
 * migrations). Names are paths relative to their source directory, sorted. */
#ifndef AG_EMBED_H
#define AG_EMBED_H

#include <stddef.h>

struct embedded_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};

const struct embedded_file *embed_migrations(size_t *n);
const struct embedded_file *embed_web(size_t *n);
const struct embedded_file *embed_locales(size_t *n);

/* Find by exact name in one of the tables; NULL if absent. */
const struct embedded_file *embed_find(const struct embedded_file *files, size_t n, const char *name);

#endif
