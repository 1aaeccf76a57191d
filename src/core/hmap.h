/* hmap.h — a string-keyed hash map (chained, grows by doubling). Not thread-safe:
 * callers lock. Values are owned by the map when a free function is given. */
#ifndef AG_HMAP_H
#define AG_HMAP_H

#include <stddef.h>

struct hmap;

struct hmap *hmap_new(void (*free_value)(void *));
void hmap_free(struct hmap *m);
void *hmap_get(const struct hmap *m, const char *key);
/* Insert or replace (the old value is freed). Returns 0 or -1 on OOM. */
int hmap_put(struct hmap *m, const char *key, void *value);
void hmap_del(struct hmap *m, const char *key);
void hmap_clear(struct hmap *m);
size_t hmap_len(const struct hmap *m);
/* Visit every entry; stop when fn returns non-zero. */
void hmap_each(const struct hmap *m, int (*fn)(void *ud, const char *key, void *value), void *ud);

#endif
