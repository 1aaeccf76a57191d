#include "core/hmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

struct node {
	struct node *next;
	uint64_t hash;
	void *value;
	char key[];
};

struct hmap {
	struct node **tab;
	size_t cap, len;
	void (*free_value)(void *);
};

struct hmap *hmap_new(void (*free_value)(void *))
{
	struct hmap *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cap = 64;
	m->tab = calloc(m->cap, sizeof(struct node *));
	if (!m->tab) {
		free(m);
		return NULL;
	}
	m->free_value = free_value;
	return m;
}

void hmap_clear(struct hmap *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		for (struct node *n = m->tab[i]; n;) {
			struct node *next = n->next;
			if (m->free_value)
				m->free_value(n->value);
			free(n);
			n = next;
		}
		m->tab[i] = NULL;
	}
	m->len = 0;
}

void hmap_free(struct hmap *m)
{
	if (!m)
		return;
	hmap_clear(m);
	free(m->tab);
	free(m);
}

void *hmap_get(const struct hmap *m, const char *key)
{
	uint64_t h = hash_str(key);
	for (struct node *n = m->tab[h & (m->cap - 1)]; n; n = n->next)
		if (n->hash == h && strcmp(n->key, key) == 0)
			return n->value;
	return NULL;
}

static void grow(struct hmap *m)
{
	size_t cap = m->cap * 2;
	struct node **tab = calloc(cap, sizeof(struct node *));
	if (!tab)
		return; /* keep working at the old size */
	for (size_t i = 0; i < m->cap; i++)
		for (struct node *n = m->tab[i]; n;) {
			struct node *next = n->next;
			n->next = tab[n->hash & (cap - 1)];
			tab[n->hash & (cap - 1)] = n;
			n = next;
		}
	free(m->tab);
	m->tab = tab;
	m->cap = cap;
}

int hmap_put(struct hmap *m, const char *key, void *value)
{
	uint64_t h = hash_str(key);
	for (struct node *n = m->tab[h & (m->cap - 1)]; n; n = n->next)
		if (n->hash == h && strcmp(n->key, key) == 0) {
			if (m->free_value && n->value != value)
				m->free_value(n->value);
			n->value = value;
			return 0;
		}
	size_t kl = strlen(key) + 1;
	struct node *n = malloc(sizeof(*n) + kl);
	if (!n)
		return -1;
	memcpy(n->key, key, kl);
	n->hash = h;
	n->value = value;
	n->next = m->tab[h & (m->cap - 1)];
	m->tab[h & (m->cap - 1)] = n;
	if (++m->len > m->cap)
		grow(m);
	return 0;
}

void hmap_del(struct hmap *m, const char *key)
{
	uint64_t h = hash_str(key);
	for (struct node **pp = &m->tab[h & (m->cap - 1)]; *pp; pp = &(*pp)->next) {
		struct node *n = *pp;
		if (n->hash == h && strcmp(n->key, key) == 0) {
			*pp = n->next;
			if (m->free_value)
				m->free_value(n->value);
			free(n);
			m->len--;
			return;
		}
	}
}

size_t hmap_len(const struct hmap *m)
{
	return m->len;
}

void hmap_each(const struct hmap *m, int (*fn)(void *ud, const char *key, void *value), void *ud)
{
	for (size_t i = 0; i < m->cap; i++)
		for (struct node *n = m->tab[i]; n; n = n->next)
			if (fn(ud, n->key, n->value))
				return;
}
