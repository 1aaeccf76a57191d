#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

static void json_delete_cb(void *p)
{
	cJSON_Delete(p);
}

static void free_cb(void *p)
{
	cJSON_free(p);
}

const char *json_perr_message(enum json_perr e)
{
	switch (e) {
	case JSON_OK: return "ok";
	case JSON_SYNTAX: return "request body is not valid JSON";
	case JSON_DUPKEY: return "request body has a duplicate key";
	case JSON_DEPTH: return "request body is nested too deeply or has too many keys";
	case JSON_UTF8: return "request body is not valid UTF-8";
	case JSON_NUL: return "request body has a NUL character (\\u0000) in a string";
	}
	return "invalid JSON";
}

/* Strictness is jscan's (see core/jscan.h): cJSON only builds the tree of a document
 * the scanner accepted, so the tree-free readers and this parser agree on every input. */
enum json_perr json_parse_strict(struct arena *a, const char *s, size_t n, cJSON **out, const char **detail)
{
	*out = NULL;
	*detail = NULL;
	struct jval dup;
	enum json_perr e = jscan(s, n, NULL, &dup);
	if (e) {
		if (e == JSON_DUPKEY)
			*detail = jstr(a, &dup, NULL);
		return e;
	}
	cJSON *root = cJSON_ParseWithLengthOpts(s, n, NULL, 0);
	if (!root)
		return JSON_SYNTAX; /* accepted by the scanner, refused by cJSON: refuse too */
	arena_defer(a, json_delete_cb, root);
	*out = root;
	return JSON_OK;
}

char *json_print(struct arena *a, const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		return arena_strdup(a, "null");
	arena_defer(a, free_cb, s);
	return s;
}

char *json_print_heap(const cJSON *v)
{
	return cJSON_PrintUnformatted(v);
}

int json_buf_str(struct buf *b, const char *s)
{
	static const char hx[] = "0123456789abcdef";
	int rc = buf_append(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && rc == 0; p++) {
		char esc[7];
		switch (*p) {
		case '"': rc = buf_append(b, "\\\"", 2); break;
		case '\\': rc = buf_append(b, "\\\\", 2); break;
		case '\n': rc = buf_append(b, "\\n", 2); break;
		case '\r': rc = buf_append(b, "\\r", 2); break;
		case '\t': rc = buf_append(b, "\\t", 2); break;
		case '\b': rc = buf_append(b, "\\b", 2); break;
		case '\f': rc = buf_append(b, "\\f", 2); break;
		default:
			if (*p < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hx[*p >> 4];
				esc[5] = hx[*p & 15];
				rc = buf_append(b, esc, 6);
			} else {
				rc = buf_append(b, p, 1);
			}
		}
	}
	if (rc == 0)
		rc = buf_append(b, "\"", 1);
	return rc;
}

cJSON *json_own(struct arena *a, cJSON *v)
{
	if (v)
		arena_defer(a, json_delete_cb, v);
	return v;
}

cJSON *json_obj(struct arena *a)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		abort();
	arena_defer(a, json_delete_cb, o);
	return o;
}

cJSON *json_arr(struct arena *a)
{
	cJSON *o = cJSON_CreateArray();
	if (!o)
		abort();
	arena_defer(a, json_delete_cb, o);
	return o;
}

void json_add_str(cJSON *o, const char *k, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, k, s);
	else
		cJSON_AddNullToObject(o, k);
}

void json_add_time(cJSON *o, const char *k, int64_t ms)
{
	if (ms <= 0) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	char ts[32];
	time_iso8601(ts, ms, true);
	cJSON_AddStringToObject(o, k, ts);
}

const char *json_get_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool json_get_bool(const cJSON *o, const char *k, bool dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

double json_get_num(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}
