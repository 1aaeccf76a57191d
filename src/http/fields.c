/* fields.c — every JSON body is checked against its route's field table before any
 * handler sees it: an object, only declared keys, the declared kinds and lengths. It
 * reads the members jscan recorded (core/jscan.h); no tree is built. */
#include <math.h>
#include <string.h>

#include "http/route.h"

#define FIELD_STRING_DEFAULT_MAX 256
#define FIELD_ARRAY_MAX 64

static const struct field *find(const struct field *fs, const struct jval *key)
{
	for (; fs && fs->name; fs++)
		if (jstr_eq(key, fs->name))
			return fs;
	return NULL;
}

static bool bad(struct req *r, const char *field, const char *why)
{
	resp_errorf(r, AG_EINVAL, "field '%s' %s", field, why);
	return false;
}

static bool check_value(struct req *r, const struct field *f, const struct jval *v)
{
	unsigned max = f->max ? f->max : FIELD_STRING_DEFAULT_MAX;
	double d;
	switch (f->kind) {
	case FK_STRING:
		if (v->kind != JK_STR)
			return bad(r, f->name, "must be a string");
		if (jstr_len(v) > max)
			return bad(r, f->name, arena_printf(r->a, "is longer than %u bytes", max));
		return true;
	case FK_INT:
		if (!jnum(v, &d) || !isfinite(d) || floor(d) != d || fabs(d) > 9007199254740991.0)
			return bad(r, f->name, "must be an integer");
		if (f->max && (d < 0 || d > f->max))
			return bad(r, f->name, arena_printf(r->a, "must be from 0 to %u", f->max));
		return true;
	case FK_BOOL:
		if (v->kind != JK_TRUE && v->kind != JK_FALSE)
			return bad(r, f->name, "must be true or false");
		return true;
	case FK_STRINGS: {
		if (v->kind != JK_ARR)
			return bad(r, f->name, "must be an array of strings");
		struct jiter it;
		struct jval e;
		int n = 0;
		jiter_init(&it, v);
		while (jiter_next(&it, NULL, &e))
			n++;
		if (n > FIELD_ARRAY_MAX)
			return bad(r, f->name, "has too many entries");
		jiter_init(&it, v);
		while (jiter_next(&it, NULL, &e)) {
			if (e.kind != JK_STR)
				return bad(r, f->name, "must be an array of strings");
			if (jstr_len(&e) > max)
				return bad(r, f->name, arena_printf(r->a, "has an entry longer than %u bytes", max));
		}
		return true;
	}
	case FK_OBJECT:
		if (v->kind != JK_OBJ)
			return bad(r, f->name, "must be an object");
		return true;
	case FK_ARRAY:
		if (v->kind != JK_ARR)
			return bad(r, f->name, "must be an array");
		return true;
	case FK_JSON:
		return true;
	}
	return bad(r, f->name, "has an unsupported type");
}

bool fields_validate(struct req *r)
{
	const struct field *fs = r->route->fields;
	const struct jobj *o = r->fields;
	if (!o || o->n < 0) {
		resp_error(r, AG_EINVAL, "request body must be a JSON object");
		return false;
	}
	for (int i = 0; i < o->n; i++) {
		const struct jmember *m = &o->m[i];
		const struct field *f = find(fs, &m->key);
		if (!f) {
			resp_errorf(r, AG_EINVAL, "unknown field '%.64s'", jstr(r->a, &m->key, NULL));
			return false;
		}
		if (m->val.kind == JK_NULL) {
			if (f->required)
				return bad(r, f->name, "is required");
			continue;
		}
		if (!check_value(r, f, &m->val))
			return false;
	}
	for (; fs && fs->name; fs++) {
		if (!fs->required)
			continue;
		const struct jval *x = jobj_get(o, fs->name);
		if (!x || x->kind == JK_NULL)
			return bad(r, fs->name, "is required");
		if (fs->kind == FK_STRING && x->n == 0)
			return bad(r, fs->name, "must not be empty");
	}
	return true;
}
