/* fields.c — every JSON body is checked against its route's field table before any
 * handler sees it: an object, only declared keys, the declared kinds and lengths. */
#include <math.h>
#include <string.h>

#include "http/route.h"

#define FIELD_STRING_DEFAULT_MAX 256
#define FIELD_ARRAY_MAX 64

static const struct field *find(const struct field *fs, const char *name)
{
	for (; fs && fs->name; fs++)
		if (strcmp(fs->name, name) == 0)
			return fs;
	return NULL;
}

static bool bad(struct req *r, const char *field, const char *why)
{
	resp_errorf(r, AG_EINVAL, "field '%s' %s", field, why);
	return false;
}

static bool check_value(struct req *r, const struct field *f, const cJSON *v)
{
	unsigned max = f->max ? f->max : FIELD_STRING_DEFAULT_MAX;
	switch (f->kind) {
	case FK_STRING:
		if (!cJSON_IsString(v))
			return bad(r, f->name, "must be a string");
		if (strlen(v->valuestring) > max)
			return bad(r, f->name, arena_printf(r->a, "is longer than %u bytes", max));
		return true;
	case FK_INT:
		if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || floor(v->valuedouble) != v->valuedouble ||
		    fabs(v->valuedouble) > 9007199254740991.0)
			return bad(r, f->name, "must be an integer");
		if (f->max && (v->valuedouble < 0 || v->valuedouble > f->max))
			return bad(r, f->name, arena_printf(r->a, "must be from 0 to %u", f->max));
		return true;
	case FK_BOOL:
		if (!cJSON_IsBool(v))
			return bad(r, f->name, "must be true or false");
		return true;
	case FK_STRINGS: {
		if (!cJSON_IsArray(v))
			return bad(r, f->name, "must be an array of strings");
		if (cJSON_GetArraySize(v) > FIELD_ARRAY_MAX)
			return bad(r, f->name, "has too many entries");
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
		{
			if (!cJSON_IsString(e))
				return bad(r, f->name, "must be an array of strings");
			if (strlen(e->valuestring) > max)
				return bad(r, f->name, arena_printf(r->a, "has an entry longer than %u bytes", max));
		}
		return true;
	}
	case FK_OBJECT:
		if (!cJSON_IsObject(v))
			return bad(r, f->name, "must be an object");
		return true;
	}
	return bad(r, f->name, "has an unsupported type");
}

bool fields_validate(struct req *r)
{
	const struct field *fs = r->route->fields;
	if (!cJSON_IsObject(r->json)) {
		resp_error(r, AG_EINVAL, "request body must be a JSON object");
		return false;
	}
	const cJSON *v;
	cJSON_ArrayForEach(v, r->json)
	{
		const struct field *f = find(fs, v->string);
		if (!f) {
			resp_errorf(r, AG_EINVAL, "unknown field '%.64s'", v->string);
			return false;
		}
		if (cJSON_IsNull(v)) {
			if (f->required)
				return bad(r, f->name, "is required");
			continue;
		}
		if (!check_value(r, f, v))
			return false;
	}
	for (; fs && fs->name; fs++) {
		if (!fs->required)
			continue;
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(r->json, fs->name);
		if (!x || cJSON_IsNull(x))
			return bad(r, fs->name, "is required");
		if (fs->kind == FK_STRING && x->valuestring[0] == 0)
			return bad(r, fs->name, "must not be empty");
	}
	return true;
}
