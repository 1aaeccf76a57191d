/* jscan_diff.h — the differential check behind the jscan tests and fuzz targets: on any
 * input, what the tree-free scanner (core/jscan.h) accepts cJSON must parse too, and
 * every value read from the scanner's slices must equal the value in cJSON's tree
 * (kinds, decoded strings and keys byte for byte, numbers, order). Header-only so the
 * unit test and the fuzz targets share it. Returns NULL when they agree, else why. */
#ifndef AG_JSCAN_DIFF_H
#define AG_JSCAN_DIFF_H

#include <string.h>

#include "core/json.h"

static const char *jdiff_value(struct arena *a, const struct jval *v, const cJSON *c)
{
	double d;
	size_t n;
	switch (v->kind) {
	case JK_NULL: return cJSON_IsNull(c) ? NULL : "null";
	case JK_TRUE: return cJSON_IsTrue(c) ? NULL : "true";
	case JK_FALSE: return cJSON_IsFalse(c) ? NULL : "false";
	case JK_NUM:
		if (!cJSON_IsNumber(c) || !jnum(v, &d))
			return "number kind";
		return d == c->valuedouble || (d != d && c->valuedouble != c->valuedouble) ? NULL : "number value";
	case JK_STR: {
		if (!cJSON_IsString(c))
			return "string kind";
		const char *s = jstr(a, v, &n);
		if (n != strlen(c->valuestring) || memcmp(s, c->valuestring, n) != 0)
			return "string value";
		return jstr_len(v) == n ? NULL : "string length";
	}
	case JK_ARR:
	case JK_OBJ: {
		if (v->kind == JK_ARR ? !cJSON_IsArray(c) : !cJSON_IsObject(c))
			return "container kind";
		struct jiter it;
		struct jval k, e;
		const cJSON *ch = c->child;
		jiter_init(&it, v);
		while (jiter_next(&it, &k, &e)) {
			if (!ch)
				return "more elements than cJSON";
			if (v->kind == JK_OBJ) {
				const char *ks = jstr(a, &k, &n);
				if (!ch->string || n != strlen(ch->string) || memcmp(ks, ch->string, n) != 0 ||
				    !jstr_eq(&k, ch->string))
					return "key";
			}
			const char *why = jdiff_value(a, &e, ch);
			if (why)
				return why;
			ch = ch->next;
		}
		return ch ? "fewer elements than cJSON" : NULL;
	}
	}
	return "kind";
}

static const char *jscan_diff(const char *s, size_t n)
{
	struct jobj *o = malloc(sizeof *o);
	struct jval dup;
	enum json_perr e = jscan(s, n, o, &dup);
	const char *why = NULL;
	if (e == JSON_OK) {
		const char *end = NULL;
		cJSON *c = cJSON_ParseWithLengthOpts(s, n, &end, 0);
		struct arena *a = arena_new();
		if (!c) {
			why = "cJSON refused a document jscan accepted";
		} else {
			struct jval root = {s, (unsigned)n, 0, false};
			/* the root's slice without surrounding whitespace */
			while (root.n && strchr(" \t\r\n", root.p[0]))
				root.p++, root.n--;
			while (root.n && strchr(" \t\r\n", root.p[root.n - 1]))
				root.n--;
			switch (root.p[0]) {
			case '{': root.kind = JK_OBJ; break;
			case '[': root.kind = JK_ARR; break;
			case '"': root.kind = JK_STR, root.p++, root.n -= 2, root.esc = memchr(root.p, '\\', root.n) != NULL; break;
			case 't': root.kind = JK_TRUE; break;
			case 'f': root.kind = JK_FALSE; break;
			case 'n': root.kind = JK_NULL; break;
			default: root.kind = JK_NUM;
			}
			why = jdiff_value(a, &root, c);
			if (!why && root.kind == JK_OBJ) { /* the recorded members, and lookups by key */
				int i = 0;
				for (const cJSON *ch = c->child; ch; ch = ch->next, i++) {
					const struct jval *v = jobj_get(o, ch->string);
					if (i >= o->n || !v || v != &o->m[i].val || (why = jdiff_value(a, v, ch)))
						why = why ? why : "members";
					if (why)
						break;
				}
				if (!why && i != o->n)
					why = "member count";
			} else if (!why && o->n != -1) {
				why = "members of a non-object";
			}
			cJSON_Delete(c);
		}
		arena_free(a);
	} else if (e == JSON_DUPKEY && (dup.p < s || dup.p + dup.n > s + n)) {
		why = "the duplicate key reported is not in the input";
	}
	free(o);
	return why;
}

#endif
