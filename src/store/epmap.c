/* epmap.c — rows kept whole in memory under a cache epoch (see epmap.h). */
#include "store/epmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hmap.h"
#include "core/log.h"
#include "core/timeutil.h"

struct epmap {
	const struct epmap_def *def;
	struct epcache *cache; /* one entry, key "": the whole map */
};

struct rows {
	struct cached hdr;
	struct hmap *m; /* "k1\nk2" -> the value */
};

static void rows_destroy(struct cached *c)
{
	struct rows *r = (struct rows *)c;
	hmap_free(r->m);
	free(r);
}

struct load {
	const struct epmap_def *def;
	struct hmap *m;
};

static int load_row(void *ud, const struct store_row *row)
{
	struct load *l = ud;
	char key[512];
	const char *k1 = row_str(row, 0), *k2 = row_str(row, 1);
	if (!k1 || !k2 || (size_t)snprintf(key, sizeof key, "%s\n%s", k1, k2) >= sizeof key)
		return 0;
	void *v = l->def->value(row);
	if (v && hmap_put(l->m, key, v)) /* the map copies its keys */
		free(v);
	return 0;
}

struct loader {
	const struct epmap_def *def;
	struct store *st;
};

static enum ag_err load(void *ud, const char *key, struct cached **out)
{
	(void)key;
	const struct loader *ld = ud;
	struct rows *r = calloc(1, sizeof *r);
	if (!r || !(r->m = hmap_new(free)))
		abort();
	cached_init(&r->hdr, rows_destroy);
	struct load l = {ld->def, r->m};
	enum ag_err e = db_query(ld->st, ld->def->sql, P(SV_INT(time_now_ms() - ld->def->horizon_ms)), load_row, &l);
	if (e) {
		cached_unref(&r->hdr);
		log_error("epmap", "cannot load the %s", ld->def->what);
		return e;
	}
	*out = &r->hdr;
	return AG_OK;
}

struct epmap *epmap_new(const struct epmap_def *def)
{
	struct epmap *m = calloc(1, sizeof *m);
	if (!m || !(m->cache = epcache_new()))
		abort();
	m->def = def;
	return m;
}

enum ag_err epmap_get(struct epmap *m, struct store *st, const char *k1, const char *k2, const void **val,
		      struct cached **hold)
{
	*val = NULL;
	*hold = NULL;
	char key[512];
	if ((size_t)snprintf(key, sizeof key, "%s\n%s", k1, k2) >= sizeof key)
		return AG_ETOOBIG;
	struct loader ld = {m->def, st};
	struct cached *c;
	enum ag_err e = epcache_get(m->cache, store_epoch_current(st, m->def->epoch), "", load, &ld, &c);
	if (e)
		return e;
	*val = hmap_get(((struct rows *)c)->m, key);
	*hold = c;
	return AG_OK;
}

void epmap_clear(struct epmap *m)
{
	epcache_clear(m->cache);
}
