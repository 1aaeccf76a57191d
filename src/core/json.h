/* json.h — the only module that includes cJSON. Strict parsing for untrusted input
 * (core/jscan.h's rules: RFC 8259 grammar, valid UTF-8, no duplicate keys, bounded
 * depth and key count, nothing after the value) and helpers to build and print documents into a request arena. */
#ifndef AG_JSON_H
#define AG_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/jscan.h"

/* Parse untrusted bytes. On success *out is owned by the arena. On failure returns the
 * reason and, for JSON_DUPKEY, sets *detail to the offending key (arena string). */
enum json_perr json_parse_strict(struct arena *a, const char *s, size_t n, cJSON **out, const char **detail);
const char *json_perr_message(enum json_perr e);

/* Print compact JSON into the arena. */
char *json_print(struct arena *a, const cJSON *v);
/* Print compact JSON into a malloc'd string (caller frees). */
char *json_print_heap(const cJSON *v);

/* Append s as a quoted, escaped JSON string. */
int json_buf_str(struct buf *b, const char *s);

/* Hand a cJSON tree to the arena (deleted with it); returns v. Only for roots: an item
 * added to a parent belongs to the parent. */
cJSON *json_own(struct arena *a, cJSON *v);
/* Object that the arena deletes when freed. */
cJSON *json_obj(struct arena *a);
cJSON *json_arr(struct arena *a);
/* Adds a string or JSON null when s is NULL. */
void json_add_str(cJSON *o, const char *k, const char *s);
/* Adds "2026-03-21T12:00:00.000Z" for a Unix-ms time, or null when ms <= 0 (unset). */
void json_add_time(cJSON *o, const char *k, int64_t ms);
const char *json_get_str(const cJSON *o, const char *k); /* NULL if absent or not a string */
bool json_get_bool(const cJSON *o, const char *k, bool dflt);
double json_get_num(const cJSON *o, const char *k, double dflt);

#endif
