/* action_rules.c — the rules of an action: a default outcome and ordered rules whose
 * conditions all must hold. The first matching rule decides the outcome; every
 * matching rule is reported (ruleIds, and a snapshot of each in the action).
 *
 * Conditions (docs/ACTIONS.md):
 *   {"type": "new_device"}                    the track's deviceId never completed an action of the user
 *   {"type": "new_ip"}                        nor its ipAddress
 *   {"type": "ip_in", "ranges": ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]}
 *   {"type": "not_enrolled"}                  the user has no authenticator
 *   {"type": "velocity", "count": N, "minutes": M}  more than N actions of this code in M minutes
 *   {"type": "custom", "key": "amount", "op": "gt", "value": 1000}   a value of the track's custom
 * A condition about something the track did not say (no deviceId, no ipAddress, no
 * such custom key) does not hold. Devices and addresses become known only when an
 * action of the user completed from them (ALLOW, or a met challenge): a failed attempt
 * from a new device leaves it new. */
#include <arpa/inet.h>
#include <math.h>
#include <string.h>

#include "auth/actions.h"
#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/sec.h"
#include "store/store.h"

static const char *const outcomes[] = {"ALLOW", "CHALLENGE", "REVIEW", "BLOCK"};

static bool outcome_ok(const char *s)
{
	for (size_t i = 0; i < ARRAY_LEN(outcomes); i++)
		if (str_eq(outcomes[i], s))
			return true;
	return false;
}

/* ---- IP ranges ------------------------------------------------------------------------ */

struct ipnet {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
};

/* "1.2.3.4", "1.2.3.0/24", "2001:db8::/32", "::ffff:1.2.3.4" (read as IPv4). */
static bool ipnet_parse(const char *s, struct ipnet *n)
{
	char buf[64];
	const char *slash = s ? strchr(s, '/') : NULL;
	size_t len = slash ? (size_t)(slash - s) : (s ? strlen(s) : 0);
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	memset(n, 0, sizeof *n);
	int max;
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(n->addr, mapped, 12) == 0) {
			memmove(n->addr, n->addr + 12, 4);
			n->family = AF_INET;
			max = 32;
		} else {
			n->family = AF_INET6;
			max = 128;
		}
	} else {
		return false;
	}
	n->bits = max;
	if (slash) {
		int64_t b;
		if (str_to_i64(slash + 1, 0, max, &b))
			return false;
		n->bits = (int)b;
	}
	return true;
}

static bool ipnet_contains(const struct ipnet *net, const struct ipnet *ip)
{
	if (net->family != ip->family)
		return false;
	int full = net->bits / 8, rest = net->bits % 8;
	if (memcmp(net->addr, ip->addr, (size_t)full) != 0)
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (net->addr[full] & mask) == (ip->addr[full] & mask);
}

/* ---- evaluation ------------------------------------------------------------------------- */

static const char *seen_hash(struct arena *a, const char *kind, const char *value)
{
	char h[65];
	sha256_hex(h, arena_printf(a, "%s\n%s", kind, value));
	return arena_strdup(a, h);
}

enum ag_err rules_seen(const char *user_id, const char *ip, const char *device_id)
{
	struct arena *a = arena_new();
	int64_t now = time_now_ms();
	enum ag_err e = AG_OK;
	const char *kinds[2] = {"ip", "device"}, *values[2] = {ip, device_id};
	for (int i = 0; e == AG_OK && i < 2; i++)
		if (values[i] && *values[i])
			e = db_exec(g_app.store,
			            "INSERT INTO action_seen (user_id, kind, value_hash, first_at, last_at) VALUES "
			            "($1, $2, $3, $4, $4) "
			            "ON CONFLICT (user_id, kind, value_hash) DO UPDATE SET last_at = $4",
			            P(SV_TEXT(user_id), SV_TEXT(kinds[i]), SV_TEXT(seen_hash(a, kinds[i], values[i])),
			              SV_INT(now)));
	arena_free(a);
	return e;
}

static enum ag_err is_new(struct arena *a, const struct rule_input *in, const char *kind, const char *value, bool *out)
{
	*out = false;
	if (!value || !*value)
		return AG_OK;
	int64_t n = 0;
	enum ag_err e = db_int(g_app.store, &n,
	                       "SELECT COUNT(*) FROM action_seen WHERE user_id = $1 AND kind = $2 AND value_hash = $3",
	                       P(SV_TEXT(in->user->u->id), SV_TEXT(kind), SV_TEXT(seen_hash(a, kind, value))));
	*out = e == AG_OK && n == 0;
	return e;
}

static bool custom_holds(const cJSON *cond, const cJSON *custom)
{
	const char *op = json_get_str(cond, "op");
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(cond, "value");
	const cJSON *have = cJSON_GetObjectItemCaseSensitive(custom, json_get_str(cond, "key"));
	if (!have)
		return false;
	if (str_eq(op, "exists"))
		return true;
	if (cJSON_IsNumber(want) && cJSON_IsNumber(have)) {
		double h = have->valuedouble, w = want->valuedouble;
		return str_eq(op, "eq")    ? h == w
		       : str_eq(op, "ne")  ? h != w
		       : str_eq(op, "gt")  ? h > w
		       : str_eq(op, "gte") ? h >= w
		       : str_eq(op, "lt")  ? h < w
		       : str_eq(op, "lte") ? h <= w
		                           : false;
	}
	bool same = (cJSON_IsString(want) && cJSON_IsString(have) && str_eq(want->valuestring, have->valuestring)) ||
	            (cJSON_IsBool(want) && cJSON_IsBool(have) && cJSON_IsTrue(want) == cJSON_IsTrue(have));
	return str_eq(op, "eq") ? same : str_eq(op, "ne") ? !same : false;
}

struct memo {
	int new_device, new_ip; /* -1 unknown */
};

static enum ag_err holds(struct arena *a, const struct rule_input *in, const cJSON *c, struct memo *m, bool *out)
{
	const char *type = json_get_str(c, "type");
	enum ag_err e = AG_OK;
	bool v = false;
	if (str_eq(type, "new_device") || str_eq(type, "new_ip")) {
		bool dev = str_eq(type, "new_device");
		int *slot = dev ? &m->new_device : &m->new_ip;
		if (*slot < 0) {
			e = is_new(a, in, dev ? "device" : "ip", dev ? in->device_id : in->ip, &v);
			*slot = v;
		}
		v = *slot;
	} else if (str_eq(type, "ip_in")) {
		struct ipnet ip, net;
		const cJSON *r;
		if (in->ip && ipnet_parse(in->ip, &ip) && ip.bits == (ip.family == AF_INET ? 32 : 128))
			cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(c, "ranges")) v =
			    v || (ipnet_parse(r->valuestring, &net) && ipnet_contains(&net, &ip));
	} else if (str_eq(type, "not_enrolled")) {
		v = !in->enrolled;
	} else if (str_eq(type, "velocity")) {
		int64_t n = 0, since = in->now - (int64_t)json_get_num(c, "minutes", 0) * 60000;
		e = db_int(
		    g_app.store, &n,
		    "SELECT COUNT(*) FROM actions WHERE app_id = $1 AND user_id = $2 AND code = $3 AND created_at > $4",
		    P(SV_TEXT(in->p->app_id), SV_TEXT(in->user->u->id), SV_TEXT(in->code), SV_INT(since)));
		v = n + 1 > (int64_t)json_get_num(c, "count", 0); /* this action counts */
	} else if (str_eq(type, "custom")) {
		v = in->custom && custom_holds(c, in->custom);
	}
	*out = v;
	return e;
}

static int collect_row(void *ud, const struct store_row *r)
{
	cJSON *o = cJSON_CreateObject();
	static const char *const cols[] = {"ruleId", "name", "description", "outcome", "conditions"};
	for (int i = 0; i < 5; i++)
		if (row_str(r, i))
			cJSON_AddStringToObject(o, cols[i], row_str(r, i));
	cJSON_AddItemToArray(ud, o);
	return 0;
}

/* Do all conditions of the rule hold? */
static enum ag_err rule_holds(struct arena *a, const struct rule_input *in, const cJSON *rule, struct memo *m,
                              bool *all)
{
	cJSON *conds = NULL;
	const char *s = json_get_str(rule, "conditions"), *detail;
	*all = false;
	if (!s || json_parse_strict(a, s, strlen(s), &conds, &detail) != JSON_OK || !cJSON_IsArray(conds))
		return AG_OK; /* written by rules_put: cannot happen */
	const cJSON *c;
	*all = true;
	cJSON_ArrayForEach(c, conds)
	{
		enum ag_err e = holds(a, in, c, m, all);
		if (e || !*all)
			return e;
	}
	return AG_OK;
}

/* A user an administrator disabled (the dashboard; users.disabled_at) is blocked by a
 * built-in rule that comes before the project's: its id has no "rul_" prefix, so no
 * project rule can have it, and the action names it like any rule that decided. */
static const char disabled_ids[] = "[\"" RULE_USER_DISABLED "\"]";
static const char disabled_rules[] =
    "[{\"ruleId\":\"" RULE_USER_DISABLED "\",\"name\":\"User disabled\",\"description\":\"An administrator "
    "disabled this user in AuthGate: every action is blocked until the user is enabled again\",\"outcome\":"
    "\"BLOCK\"}]";

enum ag_err rules_evaluate(struct arena *a, const struct rule_input *in, struct rule_result *out)
{
	if (in->user && in->user->u->disabled_at) {
		*out = (struct rule_result){"BLOCK", true, disabled_ids, disabled_rules};
		return AG_OK;
	}
	struct store_row r;
	enum ag_err e =
	    db_row(g_app.store, a, &r, "SELECT default_outcome FROM action_configs WHERE app_id = $1 AND code = $2",
	           P(SV_TEXT(in->p->app_id), SV_TEXT(in->code)));
	if (e && !ag_err_is(e, AG_ENOTFOUND))
		return e;
	const char *dflt = e == AG_OK ? row_str(&r, 0) : DEFAULT_OUTCOME;
	/* The rules first, then their conditions: no query runs inside another's rows. */
	cJSON *rules = json_arr(a), *ids = json_arr(a), *snap = json_arr(a);
	e = db_query(
	    g_app.store,
	    "SELECT id, name, description, outcome, conditions FROM action_rules WHERE app_id = $1 AND code = $2 "
	    "AND enabled = 1 ORDER BY position",
	    P(SV_TEXT(in->p->app_id), SV_TEXT(in->code)), collect_row, rules);
	struct memo m = {-1, -1};
	const char *first = NULL;
	cJSON *rule;
	cJSON_ArrayForEach(rule, rules)
	{
		bool all;
		if (e || (e = rule_holds(a, in, rule, &m, &all)))
			return e;
		if (!all)
			continue;
		cJSON_AddItemToArray(ids, cJSON_CreateString(json_get_str(rule, "ruleId")));
		cJSON_DeleteItemFromObjectCaseSensitive(rule, "conditions");
		cJSON_AddItemToArray(snap, cJSON_Duplicate(rule, true));
		if (!first)
			first = json_get_str(rule, "outcome");
	}
	if (e)
		return e;
	out->outcome = first ? first : dflt;
	out->by_rule = first != NULL;
	out->rule_ids = json_print(a, ids);
	out->rules = json_print(a, snap);
	return AG_OK;
}

/* ---- admin ------------------------------------------------------------------------------ */

static struct ag_error field_bad(struct arena *a, const char *field, const char *why)
{
	return AG_ERROR_MSG(AG_AS_INVALID, arena_printf(a, "field '%s' %s", field, why));
}

static bool printable(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max || !str_is_utf8(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Only the keys a condition of this type has, each of its kind. */
static struct ag_error check_condition(struct arena *a, const cJSON *c, const char *at)
{
	if (!cJSON_IsObject(c))
		return field_bad(a, at, "must be an object");
	const char *type = json_get_str(c, "type");
	static const char *const types[] = {"new_device", "new_ip", "ip_in", "not_enrolled", "velocity", "custom"};
	static const char *const keys[][4] = {{"type"},
	                                      {"type"},
	                                      {"type", "ranges"},
	                                      {"type"},
	                                      {"type", "count", "minutes"},
	                                      {"type", "key", "op", "value"}};
	size_t t = ARRAY_LEN(types);
	for (size_t i = 0; i < ARRAY_LEN(types); i++)
		if (str_eq(type, types[i]))
			t = i;
	if (t == ARRAY_LEN(types))
		return field_bad(a, arena_printf(a, "%s.type", at),
		                 "must be one of new_device, new_ip, ip_in, not_enrolled, velocity, custom");
	const cJSON *v;
	cJSON_ArrayForEach(v, c)
	{
		bool known = false;
		for (int k = 0; k < 4 && keys[t][k]; k++)
			known = known || str_eq(keys[t][k], v->string);
		if (!known)
			return field_bad(a, arena_printf(a, "%s.%.64s", at, v->string),
			                 arena_printf(a, "is not a field of a %s condition", type));
	}
	if (str_eq(type, "ip_in")) {
		const cJSON *rs = cJSON_GetObjectItemCaseSensitive(c, "ranges");
		int n = cJSON_GetArraySize(rs), i = 0;
		if (!cJSON_IsArray(rs) || n < 1 || n > 100)
			return field_bad(a, arena_printf(a, "%s.ranges", at), "must be an array of 1 to 100 IP ranges");
		cJSON_ArrayForEach(v, rs)
		{
			struct ipnet net;
			if (!cJSON_IsString(v) || !ipnet_parse(v->valuestring, &net))
				return field_bad(a, arena_printf(a, "%s.ranges[%d]", at, i),
				                 "is not an IP address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32)");
			i++;
		}
	} else if (str_eq(type, "velocity")) {
		static const char *const nums[] = {"count", "minutes"};
		static const double max[] = {100000, 43200};
		for (int k = 0; k < 2; k++) {
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, nums[k]);
			if (!cJSON_IsNumber(n) || n->valuedouble < 1 || n->valuedouble > max[k] ||
			    floor(n->valuedouble) != n->valuedouble)
				return field_bad(a, arena_printf(a, "%s.%s", at, nums[k]),
				                 arena_printf(a, "must be an integer from 1 to %.0f", max[k]));
		}
	} else if (str_eq(type, "custom")) {
		const char *op = json_get_str(c, "op");
		const cJSON *val = cJSON_GetObjectItemCaseSensitive(c, "value");
		if (!printable(json_get_str(c, "key"), 64))
			return field_bad(a, arena_printf(a, "%s.key", at), "must be 1 to 64 bytes of printable text");
		static const char *const ops[] = {"eq", "ne", "gt", "gte", "lt", "lte", "exists"};
		bool known = false;
		for (size_t i = 0; i < ARRAY_LEN(ops); i++)
			known = known || str_eq(ops[i], op);
		if (!known)
			return field_bad(a, arena_printf(a, "%s.op", at),
			                 "must be one of eq, ne, gt, gte, lt, lte, exists");
		bool ordered = str_starts(op, "gt") || str_starts(op, "lt");
		if (str_eq(op, "exists") ? val != NULL
		    : ordered            ? !cJSON_IsNumber(val)
		                         : !(cJSON_IsString(val) || cJSON_IsNumber(val) || cJSON_IsBool(val)))
			return field_bad(a, arena_printf(a, "%s.value", at),
			                 str_eq(op, "exists") ? "must be absent with op exists"
			                 : ordered            ? "must be a number with this op"
			                                      : "must be a string, number or boolean");
	}
	return AG_ERROR(AG_OK);
}

static struct ag_error check_rule(struct arena *a, const cJSON *r, int i)
{
	const char *at = arena_printf(a, "rules[%d]", i);
	if (!cJSON_IsObject(r))
		return field_bad(a, at, "must be an object");
	static const char *const keys[] = {"ruleId", "name", "description", "outcome", "enabled", "conditions"};
	const cJSON *v;
	cJSON_ArrayForEach(v, r)
	{
		bool known = false;
		for (size_t k = 0; k < ARRAY_LEN(keys); k++)
			known = known || str_eq(keys[k], v->string);
		if (!known)
			return field_bad(a, arena_printf(a, "%s.%.64s", at, v->string), "is not a field of a rule");
	}
	v = cJSON_GetObjectItemCaseSensitive(r, "ruleId");
	if (v && !(cJSON_IsString(v) && str_starts(v->valuestring, "rul_") && printable(v->valuestring, 64)))
		return field_bad(a, arena_printf(a, "%s.ruleId", at), "must be the id of a rule (rul_...) or absent");
	if (!printable(json_get_str(r, "name"), 100))
		return field_bad(a, arena_printf(a, "%s.name", at), "must be 1 to 100 bytes of printable text");
	v = cJSON_GetObjectItemCaseSensitive(r, "description");
	if (v && !cJSON_IsNull(v) && !(cJSON_IsString(v) && printable(v->valuestring, 500)))
		return field_bad(a, arena_printf(a, "%s.description", at),
		                 "must be at most 500 bytes of printable text");
	if (!outcome_ok(json_get_str(r, "outcome")))
		return field_bad(a, arena_printf(a, "%s.outcome", at),
		                 "must be one of ALLOW, CHALLENGE, REVIEW, BLOCK");
	v = cJSON_GetObjectItemCaseSensitive(r, "enabled");
	if (v && !cJSON_IsBool(v))
		return field_bad(a, arena_printf(a, "%s.enabled", at), "must be true or false");
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(r, "conditions");
	int n = cJSON_GetArraySize(cs), k = 0;
	if (!cJSON_IsArray(cs) || n < 1 || n > RULE_CONDITIONS_MAX)
		return field_bad(a, arena_printf(a, "%s.conditions", at), "must be an array of 1 to 10 conditions");
	cJSON_ArrayForEach(v, cs)
	{
		struct ag_error err = check_condition(a, v, arena_printf(a, "%s.conditions[%d]", at, k++));
		if (err.code)
			return err;
	}
	return AG_ERROR(AG_OK);
}

static struct ag_error check_body(struct arena *a, const cJSON *body)
{
	const cJSON *v;
	cJSON_ArrayForEach(
	    v, body) if (!str_eq(v->string, "defaultOutcome") &&
	                 !str_eq(v->string, "rules")) return field_bad(a, v->string,
	                                                               "is not a field of an action's rules");
	v = cJSON_GetObjectItemCaseSensitive(body, "defaultOutcome");
	if (v && !outcome_ok(cJSON_IsString(v) ? v->valuestring : NULL))
		return field_bad(a, "defaultOutcome", "must be one of ALLOW, CHALLENGE, REVIEW, BLOCK");
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(body, "rules");
	if (rules && (!cJSON_IsArray(rules) || cJSON_GetArraySize(rules) > RULES_MAX))
		return field_bad(a, "rules", "must be an array of at most 50 rules");
	int i = 0;
	cJSON_ArrayForEach(v, rules)
	{
		struct ag_error err = check_rule(a, v, i++);
		if (err.code)
			return err;
	}
	return AG_ERROR(AG_OK);
}

struct rules_ctx {
	struct arena *a;
	cJSON *arr;
};

static int rule_json_row(void *ud, const struct store_row *r)
{
	struct rules_ctx *x = ud;
	cJSON *o = cJSON_CreateObject(), *conds = NULL;
	const char *s = row_str(r, 4), *detail;
	cJSON_AddStringToObject(o, "ruleId", row_str(r, 0));
	cJSON_AddStringToObject(o, "name", row_str(r, 1));
	if (row_str(r, 2))
		cJSON_AddStringToObject(o, "description", row_str(r, 2));
	cJSON_AddStringToObject(o, "outcome", row_str(r, 3));
	cJSON_AddBoolToObject(o, "enabled", row_bool(r, 5));
	if (json_parse_strict(x->a, s, strlen(s), &conds, &detail) == JSON_OK)
		cJSON_AddItemToObject(o, "conditions", cJSON_Duplicate(conds, true));
	cJSON_AddItemToArray(x->arr, o);
	return 0;
}

enum ag_err rules_get(struct arena *a, const char *app_id, const char *code, cJSON **out)
{
	struct store_row r;
	enum ag_err e =
	    db_row(g_app.store, a, &r, "SELECT default_outcome FROM action_configs WHERE app_id = $1 AND code = $2",
	           P(SV_TEXT(app_id), SV_TEXT(code)));
	if (e && !ag_err_is(e, AG_ENOTFOUND))
		return e;
	cJSON *o = *out = json_obj(a);
	cJSON_AddStringToObject(o, "action", code);
	cJSON_AddStringToObject(o, "defaultOutcome", e == AG_OK ? row_str(&r, 0) : DEFAULT_OUTCOME);
	cJSON_AddBoolToObject(o, "configured", e == AG_OK);
	struct rules_ctx x = {a, cJSON_AddArrayToObject(o, "rules")};
	return db_query(
	    g_app.store,
	    "SELECT id, name, description, outcome, conditions, enabled FROM action_rules WHERE app_id = $1 "
	    "AND code = $2 ORDER BY position",
	    P(SV_TEXT(app_id), SV_TEXT(code)), rule_json_row, &x);
}

static int code_row(void *ud, const struct store_row *r)
{
	cJSON_AddItemToArray(ud, cJSON_CreateString(row_str(r, 0)));
	return 0;
}

enum ag_err rules_list(struct arena *a, const char *app_id, cJSON **out)
{
	*out = json_arr(a);
	/* The codes first, then each action: no query runs inside another's rows. */
	cJSON *codes = json_arr(a);
	enum ag_err e =
	    db_query(g_app.store,
	             "SELECT code FROM action_configs WHERE app_id = $1 UNION SELECT code FROM action_rules "
	             "WHERE app_id = $1 ORDER BY 1",
	             P(SV_TEXT(app_id)), code_row, codes);
	const cJSON *c;
	cJSON_ArrayForEach(c, codes)
	{
		cJSON *one;
		if (e || (e = rules_get(a, app_id, c->valuestring, &one)))
			break;
		cJSON_AddItemReferenceToArray(*out, one);
	}
	return e;
}

struct ag_error rules_put(struct arena *a, const char *app_id, const char *code, const cJSON *body, cJSON **out)
{
	if (!action_code_ok(code))
		return AG_ERROR(AG_AS_ACTION_CODE);
	if (!cJSON_IsObject(body))
		return AG_ERROR_MSG(AG_AS_INVALID, "the body must be a JSON object");
	struct ag_error err = check_body(a, body);
	if (err.code)
		return err;
	const char *dflt = json_get_str(body, "defaultOutcome");
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(body, "rules");
	int64_t now = time_now_ms();
	enum ag_err e = db_begin(g_app.store);
	if (e)
		return AG_ERROR(e);
	e = db_exec(g_app.store,
	            "INSERT INTO action_configs (app_id, code, default_outcome, updated_at) VALUES ($1, $2, $3, $4) "
	            "ON CONFLICT (app_id, code) DO UPDATE SET default_outcome = $3, updated_at = $4",
	            P(SV_TEXT(app_id), SV_TEXT(code), SV_TEXT(dflt ? dflt : DEFAULT_OUTCOME), SV_INT(now)));
	/* Rules keep their ids (and creation time) when the body names them. */
	const cJSON *r;
	int pos = 0;
	cJSON *kept = json_arr(a);
	cJSON_ArrayForEach(r, rules)
	{
		const char *id = json_get_str(r, "ruleId");
		int at = pos++;
		if (e || !id)
			continue;
		int64_t n = 0;
		e = db_int(g_app.store, &n,
		           "SELECT COUNT(*) FROM action_rules WHERE app_id = $1 AND code = $2 AND id = $3",
		           P(SV_TEXT(app_id), SV_TEXT(code), SV_TEXT(id)));
		if (e == AG_OK && n == 0) {
			db_rollback(g_app.store);
			return field_bad(a, arena_printf(a, "rules[%d].ruleId", at), "names no rule of this action");
		}
		cJSON_AddItemToArray(kept, cJSON_CreateString(id));
	}
	if (e == AG_OK)
		e = db_exec(
		    g_app.store,
		    "DELETE FROM action_rules WHERE app_id = $1 AND code = $2 AND $3 NOT LIKE '%\"' || id || '\"%'",
		    P(SV_TEXT(app_id), SV_TEXT(code), SV_TEXT(json_print(a, kept))));
	pos = 0;
	cJSON_ArrayForEach(r, rules)
	{
		if (e)
			break;
		const char *id = json_get_str(r, "ruleId");
		cJSON *conds = cJSON_GetObjectItemCaseSensitive(r, "conditions");
		struct sqlv vals[] = {SV_TEXT(id ? id : factor_new_id(a, "rul")),
		                      SV_TEXT(app_id),
		                      SV_TEXT(code),
		                      SV_INT(pos++),
		                      SV_TEXT(json_get_str(r, "name")),
		                      SV_TEXT(json_get_str(r, "description")),
		                      SV_TEXT(json_get_str(r, "outcome")),
		                      SV_TEXT(json_print(a, conds)),
		                      SV_BOOL(json_get_bool(r, "enabled", true)),
		                      SV_INT(now)};
		e = db_exec(
		    g_app.store,
		    "INSERT INTO action_rules (id, app_id, code, position, name, description, outcome, conditions, "
		    "enabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) "
		    "ON CONFLICT (id) DO UPDATE SET position = $4, name = $5, description = $6, outcome = $7, "
		    "conditions = $8, enabled = $9, updated_at = $10",
		    vals, (int)ARRAY_LEN(vals));
	}
	if ((e = db_end(g_app.store, e)))
		return AG_ERROR(e);
	return AG_ERROR(rules_get(a, app_id, code, out));
}

enum ag_err rules_delete(const char *app_id, const char *code)
{
	enum ag_err e = db_begin(g_app.store);
	if (e)
		return e;
	int64_t n1 = 0, n2 = 0;
	e = db_exec_n(g_app.store, "DELETE FROM action_configs WHERE app_id = $1 AND code = $2",
	              P(SV_TEXT(app_id), SV_TEXT(code)), &n1);
	if (e == AG_OK)
		e = db_exec_n(g_app.store, "DELETE FROM action_rules WHERE app_id = $1 AND code = $2",
		              P(SV_TEXT(app_id), SV_TEXT(code)), &n2);
	if (e == AG_OK && n1 + n2 == 0)
		e = AG_AS_RULES_NOT_FOUND;
	return db_end(g_app.store, e);
}
