/* endpoints.c — webhook endpoints of a project (CRUD, secrets sealed at rest), the
 * events queued for them in the caller's transaction, and the delivery log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "hook/hook.h"
#include "jobs/outbox.h"
#include "net/net.h"
#include "sec/sec.h"
#include "store/store.h"

static const char *const known_events[] = {"approved", "denied", "sms.send"}; /* sms.send: docs/MFA.md */

#define EP_COLS "id, app_id, url, events, description, disabled_at, disabled_reason, created_at"

const char *hook_check_url(struct arena *a, const char *url)
{
	const char *why = url ? net_url_problem(a, url, g_cfg.allow_private_network) : "is missing";
	return why ? arena_printf(a, "url %s", why) : NULL;
}

static const char *check_events(const cJSON *v)
{
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1)
		return "events must be a non-empty array of: approved, denied, sms.send";
	const cJSON *e;
	cJSON_ArrayForEach(e, v)
	{
		bool ok = false;
		for (size_t i = 0; i < ARRAY_LEN(known_events) && cJSON_IsString(e); i++)
			ok = ok || str_eq(e->valuestring, known_events[i]);
		if (!ok)
			return "events must be a non-empty array of: approved, denied, sms.send";
	}
	return NULL;
}

static void iso(char out[32], int64_t ms)
{
	time_iso8601(out, ms, false);
}

static cJSON *endpoint_json(struct arena *a, const struct store_row *r)
{
	cJSON *o = json_obj(a);
	char ts[32];
	cJSON_AddStringToObject(o, "id", row_str(r, 0));
	cJSON_AddStringToObject(o, "app_id", row_str(r, 1));
	cJSON_AddStringToObject(o, "url", row_str(r, 2));
	cJSON *ev = cJSON_Parse(row_str(r, 3));
	cJSON_AddItemToObject(o, "events", ev ? ev : cJSON_CreateArray());
	json_add_str(o, "description", row_str(r, 4));
	cJSON_AddBoolToObject(o, "disabled", row_str(r, 5) != NULL);
	if (row_str(r, 5)) {
		json_add_str(o, "disabled_reason", row_str(r, 6));
		iso(ts, row_int(r, 5));
		cJSON_AddStringToObject(o, "disabled_at", ts);
	}
	iso(ts, row_int(r, 7));
	cJSON_AddStringToObject(o, "created_at", ts);
	return o;
}

char *hook_new_secret(void)
{
	unsigned char raw[HOOK_SECRET_BYTES];
	char b64[64];
	rand_bytes(raw, sizeof raw);
	str_b64(b64, raw, sizeof raw);
	sec_zero(raw, sizeof raw);
	char *s = malloc(strlen(HOOK_SECRET_PREFIX) + strlen(b64) + 1);
	if (!s)
		abort();
	memcpy(s, HOOK_SECRET_PREFIX, strlen(HOOK_SECRET_PREFIX));
	memcpy(s + strlen(HOOK_SECRET_PREFIX), b64, strlen(b64) + 1);
	return s;
}

static char *seal_secret(const char *id, const char *secret)
{
	return master_seal("webhook-secret", id, secret, strlen(secret));
}

struct ag_error hook_endpoint_create(struct arena *a, const char *app_id, const char *url, const cJSON *events,
				     const char *description, cJSON **out)
{
	*out = NULL;
	const char *why;
	if ((why = hook_check_url(a, url)) || (events && (why = check_events(events))))
		return AG_ERROR_MSG(AG_EINVAL, why);
	int64_t n = 0;
	enum ag_err e = db_int(g_app.store, &n,
			       "SELECT COUNT(*) FROM webhook_endpoints WHERE app_id = $1 AND tester_session IS NULL",
			       P(SV_TEXT(app_id)));
	if (e)
		return AG_ERROR(e);
	if (n >= HOOK_MAX_ENDPOINTS)
		return AG_ERROR_MSG(AG_ECONFLICT, "this project has the maximum number of webhook endpoints (20)");
	const char *id = rand_id(a, "wh_", RAND_ID_BYTES);
	char *secret = hook_new_secret();
	char *sealed = seal_secret(id, secret);
	const char *ev_text = events ? json_print(a, events) : "[\"approved\",\"denied\"]";
	int64_t now = time_now_ms();
	e = sealed ? db_exec(g_app.store,
			     "INSERT INTO webhook_endpoints (id, app_id, url, secret_sealed, events, description, "
			     "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
			     P(SV_TEXT(id), SV_TEXT(app_id), SV_TEXT(url), SV_TEXT(sealed), SV_TEXT(ev_text),
			       SV_TEXT(description), SV_INT(now)))
		   : AG_EINTERNAL;
	if (e == AG_OK)
		e = hook_endpoint_get(a, app_id, id, out);
	if (e == AG_OK)
		cJSON_AddStringToObject(*out, "secret", secret);
	sec_zero(secret, strlen(secret));
	free(secret);
	free(sealed);
	return AG_ERROR(e);
}

struct list_ctx {
	struct arena *a;
	cJSON *arr;
};

static int add_endpoint(void *ud, const struct store_row *r)
{
	struct list_ctx *c = ud;
	cJSON_AddItemReferenceToArray(c->arr, endpoint_json(c->a, r));
	return 0;
}

enum ag_err hook_endpoint_list(struct arena *a, const char *app_id, cJSON **out)
{
	struct list_ctx c = {a, json_arr(a)};
	*out = c.arr;
	return db_query(g_app.store,
			"SELECT " EP_COLS " FROM webhook_endpoints WHERE app_id = $1 AND tester_session IS NULL "
			"ORDER BY created_at, id",
			P(SV_TEXT(app_id)), add_endpoint, &c);
}

enum ag_err hook_endpoint_get(struct arena *a, const char *app_id, const char *id, cJSON **out)
{
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r, "SELECT " EP_COLS " FROM webhook_endpoints WHERE app_id = $1 AND id = $2",
			       P(SV_TEXT(app_id), SV_TEXT(id)));
	*out = e ? NULL : endpoint_json(a, &r);
	return ag_err_is(e, AG_ENOTFOUND) ? AG_HOOK_NOT_FOUND : e;
}

struct ag_error hook_endpoint_update(struct arena *a, const char *app_id, const char *id, const cJSON *patch)
{
	const char *why = NULL;
	const cJSON *url = cJSON_GetObjectItemCaseSensitive(patch, "url");
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(patch, "events");
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(patch, "description");
	const cJSON *disabled = cJSON_GetObjectItemCaseSensitive(patch, "disabled");
	if (url && !cJSON_IsString(url))
		why = "url must be a string";
	else if (url)
		why = hook_check_url(a, url->valuestring);
	if (!why && events)
		why = check_events(events);
	if (why)
		return AG_ERROR_MSG(AG_EINVAL, why);
	int64_t now = time_now_ms(), changes = 0;
	/* COALESCE keeps what the patch leaves out; disabled: 1 disables, 0 enables. */
	int dis = !disabled ? -1 : cJSON_IsTrue(disabled) ? 1 : 0;
	enum ag_err e = db_exec_n(
		g_app.store,
		"UPDATE webhook_endpoints SET url = COALESCE($3, url), events = COALESCE($4, events), "
		"description = CASE WHEN $5 = 1 THEN $6 ELSE description END, "
		"disabled_at = CASE WHEN $7 = 1 THEN COALESCE(disabled_at, $8) WHEN $7 = 0 THEN NULL ELSE disabled_at END, "
		"disabled_reason = CASE WHEN $7 = 1 THEN 'disabled by API' WHEN $7 = 0 THEN NULL ELSE disabled_reason END, "
		"updated_at = $8 WHERE app_id = $1 AND id = $2",
		P(SV_TEXT(app_id), SV_TEXT(id), SV_TEXT(url ? url->valuestring : NULL),
		  SV_TEXT(events ? json_print(a, events) : NULL), SV_INT(desc ? 1 : 0),
		  SV_TEXT(cJSON_IsString(desc) ? desc->valuestring : NULL), SV_INT(dis), SV_INT(now)),
		&changes);
	if (e == AG_OK && changes == 0)
		e = AG_HOOK_NOT_FOUND;
	return AG_ERROR(e);
}

enum ag_err hook_endpoint_delete(const char *app_id, const char *id)
{
	int64_t changes = 0;
	enum ag_err e = db_exec_n(g_app.store, "DELETE FROM webhook_endpoints WHERE app_id = $1 AND id = $2",
				  P(SV_TEXT(app_id), SV_TEXT(id)), &changes);
	return e ? e : changes ? AG_OK : AG_HOOK_NOT_FOUND;
}

enum ag_err hook_endpoint_rotate(struct arena *a, const char *app_id, const char *id, const char **secret)
{
	char *s = hook_new_secret();
	char *sealed = seal_secret(id, s);
	int64_t changes = 0;
	enum ag_err e = sealed ? db_exec_n(g_app.store,
					   "UPDATE webhook_endpoints SET secret_sealed = $3, updated_at = $4 "
					   "WHERE app_id = $1 AND id = $2",
					   P(SV_TEXT(app_id), SV_TEXT(id), SV_TEXT(sealed), SV_INT(time_now_ms())), &changes)
			       : AG_EINTERNAL;
	if (e == AG_OK && changes == 0)
		e = AG_HOOK_NOT_FOUND;
	*secret = e ? NULL : arena_strdup(a, s);
	sec_zero(s, strlen(s));
	free(s);
	free(sealed);
	return e;
}

/* ---- events --------------------------------------------------------------------- */

struct target {
	const char *id;
	const char *events;
	struct target *next;
};

struct targets_ctx {
	struct arena *a;
	struct target *head;
};

static int add_target(void *ud, const struct store_row *r)
{
	struct targets_ctx *c = ud;
	struct target *t = arena_calloc(c->a, sizeof(*t));
	t->id = arena_strdup(c->a, row_str(r, 0));
	t->events = arena_strdup(c->a, row_str(r, 1));
	t->next = c->head;
	c->head = t;
	return 0;
}

/* One delivery row + its outbox job (inside the caller's transaction). */
static enum ag_err queue_delivery(struct arena *a, const char *app_id, const char *endpoint_id, const char *event,
				  const char *body, const char **delivery_id)
{
	const char *id = rand_id(a, "msg_", 16);
	char *sealed = master_seal("webhook-body", id, body, strlen(body));
	if (!sealed)
		return AG_EINTERNAL;
	int64_t now = time_now_ms();
	enum ag_err e = db_exec(g_app.store,
				"INSERT INTO webhook_deliveries (id, endpoint_id, app_id, event, body_sealed, created_at, "
				"next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
				P(SV_TEXT(id), SV_TEXT(endpoint_id), SV_TEXT(app_id), SV_TEXT(event), SV_TEXT(sealed),
				  SV_INT(now)));
	free(sealed);
	if (e)
		return e;
	const char *payload = arena_printf(a, "{\"delivery\":\"%s\"}", id);
	e = outbox_enqueue("webhook", app_id, endpoint_id, payload, 0, NULL);
	if (e == AG_OK && delivery_id)
		*delivery_id = id;
	return e;
}

enum ag_err hook_emit(struct arena *a, const char *app_id, const char *event, const char *body, int *n)
{
	return hook_emit_scoped(a, app_id, event, body, NULL, n);
}

enum ag_err hook_emit_scoped(struct arena *a, const char *app_id, const char *event, const char *body,
			     const char *scope, int *n)
{
	struct targets_ctx c = {a, NULL};
	if (n)
		*n = 0;
	/* A tester's endpoint gets the events of its own sign-in only ($2 NULL: none). */
	enum ag_err e = db_query(g_app.store,
				 "SELECT id, events FROM webhook_endpoints WHERE app_id = $1 AND disabled_at IS NULL "
				 "AND (tester_session IS NULL OR tester_session = $2)",
				 P(SV_TEXT(app_id), SV_TEXT(scope)), add_target, &c);
	for (struct target *t = c.head; e == AG_OK && t; t = t->next) {
		const char *quoted = arena_printf(a, "\"%s\"", event);
		if (!strstr(t->events, quoted))
			continue;
		e = queue_delivery(a, app_id, t->id, event, body, NULL);
		if (e == AG_OK && n)
			(*n)++;
	}
	return e;
}

enum ag_err hook_send_test(struct arena *a, const char *app_id, const char *id, const char **delivery_id)
{
	int64_t exists = 0;
	enum ag_err e = db_int(g_app.store, &exists, "SELECT COUNT(*) FROM webhook_endpoints WHERE app_id = $1 AND id = $2",
			       P(SV_TEXT(app_id), SV_TEXT(id)));
	if (e)
		return e;
	if (!exists)
		return AG_HOOK_NOT_FOUND;
	char ts[32];
	time_iso8601(ts, time_now_ms(), false);
	struct buf b = BUF_INIT(4096);
	buf_puts(&b, "{\"event\":\"test\",\"timestamp\":");
	json_buf_str(&b, ts);
	buf_puts(&b, ",\"app_id\":");
	json_buf_str(&b, app_id);
	buf_puts(&b, ",\"endpoint_id\":");
	json_buf_str(&b, id);
	buf_puts(&b, "}");
	const char *body = arena_strdup(a, b.p ? b.p : "{}");
	buf_free(&b);
	if ((e = db_begin(g_app.store)))
		return e;
	e = queue_delivery(a, app_id, id, "test", body, delivery_id);
	if (e) {
		db_rollback(g_app.store);
		return e;
	}
	e = db_commit(g_app.store);
	if (e == AG_OK)
		outbox_kick();
	return e;
}

/* ---- the delivery log ------------------------------------------------------------- */

#define DLV_COLS "id, endpoint_id, event, status, attempts, last_status, last_error, created_at, delivered_at, next_attempt_at"

static cJSON *delivery_json(struct arena *a, const struct store_row *r)
{
	cJSON *o = json_obj(a);
	char ts[32];
	cJSON_AddStringToObject(o, "id", row_str(r, 0));
	cJSON_AddStringToObject(o, "endpoint_id", row_str(r, 1));
	cJSON_AddStringToObject(o, "event", row_str(r, 2));
	cJSON_AddStringToObject(o, "status", row_str(r, 3));
	cJSON_AddNumberToObject(o, "attempts", (double)row_int(r, 4));
	if (row_str(r, 5))
		cJSON_AddNumberToObject(o, "last_status", (double)row_int(r, 5));
	else
		cJSON_AddNullToObject(o, "last_status");
	json_add_str(o, "last_error", row_str(r, 6));
	iso(ts, row_int(r, 7));
	cJSON_AddStringToObject(o, "created_at", ts);
	if (row_str(r, 8)) {
		iso(ts, row_int(r, 8));
		cJSON_AddStringToObject(o, "delivered_at", ts);
	}
	if (row_str(r, 9) && str_eq(row_str(r, 3), "pending")) {
		iso(ts, row_int(r, 9));
		cJSON_AddStringToObject(o, "next_attempt_at", ts);
	}
	return o;
}

static int add_delivery(void *ud, const struct store_row *r)
{
	struct list_ctx *c = ud;
	cJSON_AddItemReferenceToArray(c->arr, delivery_json(c->a, r));
	return 0;
}

enum ag_err hook_delivery_list(struct arena *a, const char *app_id, const char *endpoint_id, int limit, cJSON **out)
{
	struct list_ctx c = {a, json_arr(a)};
	*out = c.arr;
	return db_query(g_app.store,
			"SELECT " DLV_COLS " FROM webhook_deliveries WHERE app_id = $1 AND endpoint_id = $2 "
			"ORDER BY created_at DESC, id LIMIT $3",
			P(SV_TEXT(app_id), SV_TEXT(endpoint_id), SV_INT(limit)), add_delivery, &c);
}

struct attempts_ctx {
	struct arena *a;
	cJSON *arr;
	const char *delivery_id;
	const char *body;   /* the delivery's body (NULL when it cannot be opened) */
	size_t body_len;
	const char *secret; /* the endpoint's current secret (NULL when it cannot be opened) */
};

/* AuthGate's own check of what an attempt sent, done as a receiver would. */
static cJSON *attempt_check(struct attempts_ctx *c, const cJSON *headers)
{
	if (!c->body || !c->secret || !headers)
		return NULL;
	struct hook_check k;
	hook_verify(c->secret, c->body, c->body_len, json_get_str(headers, "X-AuthGate-Signature"),
		    json_get_str(headers, "webhook-id"), json_get_str(headers, "webhook-timestamp"),
		    json_get_str(headers, "webhook-signature"), &k);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "x_authgate_signature", k.seed_ok);
	cJSON_AddBoolToObject(o, "webhook_signature", k.standard_ok);
	cJSON_AddStringToObject(o, "with", "the endpoint's current secret");
	return o;
}

static int add_attempt(void *ud, const struct store_row *r)
{
	struct attempts_ctx *c = ud;
	cJSON *o = cJSON_CreateObject();
	char ts[32];
	time_iso8601(ts, row_int(r, 1), true);
	cJSON_AddNumberToObject(o, "attempt", (double)row_int(r, 0));
	cJSON_AddStringToObject(o, "at", ts);
	if (row_str(r, 2))
		cJSON_AddNumberToObject(o, "status", (double)row_int(r, 2));
	else
		cJSON_AddNullToObject(o, "status");
	cJSON_AddNumberToObject(o, "latency_ms", (double)row_int(r, 3));
	json_add_str(o, "error", row_str(r, 4));
	cJSON *headers = row_str(r, 5) ? cJSON_Parse(row_str(r, 5)) : NULL;
	if (headers) {
		cJSON *check = attempt_check(c, headers);
		cJSON_AddItemToObject(o, "request_headers", headers);
		if (check)
			cJSON_AddItemToObject(o, "signature_check", check);
	}
	size_t n = 0;
	unsigned char *resp = row_str(r, 6) ? master_open("webhook-response", hook_attempt_label(c->a, c->delivery_id,
										     row_int(r, 0)),
							      row_str(r, 6), &n)
					    : NULL;
	if (resp) {
		/* An excerpt of what the receiver said, as text (bytes that are not UTF-8 cut). */
		while (n && !str_is_utf8((const char *)resp, n))
			n--;
		cJSON_AddStringToObject(o, "response_excerpt", arena_strndup(c->a, (const char *)resp, n));
		free(resp);
	}
	cJSON_AddItemToArray(c->arr, o);
	return 0;
}

enum ag_err hook_delivery_get(struct arena *a, const char *app_id, const char *endpoint_id, const char *delivery_id,
			      cJSON **out)
{
	struct store_row r, ep;
	*out = NULL;
	enum ag_err e = db_row(g_app.store, a, &r,
			       "SELECT " DLV_COLS ", body_sealed FROM webhook_deliveries "
			       "WHERE app_id = $1 AND endpoint_id = $2 AND id = $3",
			       P(SV_TEXT(app_id), SV_TEXT(endpoint_id), SV_TEXT(delivery_id)));
	if (e == AG_OK)
		e = db_row(g_app.store, a, &ep, "SELECT secret_sealed FROM webhook_endpoints WHERE id = $1",
			   P(SV_TEXT(endpoint_id)));
	if (e)
		return ag_err_is(e, AG_ENOTFOUND) ? AG_HOOK_NOT_FOUND : e;
	cJSON *o = delivery_json(a, &r);
	struct attempts_ctx c = {a, cJSON_CreateArray(), delivery_id, NULL, 0, NULL};
	size_t n = 0, sn = 0;
	char *body = (char *)master_open("webhook-body", delivery_id, row_str(&r, 10), &n);
	char *secret = (char *)master_open("webhook-secret", endpoint_id, row_str(&ep, 0), &sn);
	if (body) {
		c.body = arena_strndup(a, body, n);
		c.body_len = n;
		cJSON_AddStringToObject(o, "body", c.body);
		free(body);
	}
	if (secret) {
		c.secret = arena_strdup(a, secret);
		sec_zero(secret, sn);
		free(secret);
	}
	cJSON_AddItemToObject(o, "attempt_log", c.arr);
	e = db_query(g_app.store,
		     "SELECT attempt, at, status, latency_ms, error, request_headers, response_sealed "
		     "FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt",
		     P(SV_TEXT(delivery_id)), add_attempt, &c);
	if (c.secret)
		sec_zero((void *)c.secret, strlen(c.secret));
	if (e == AG_OK)
		*out = o;
	return e;
}

enum ag_err hook_redeliver(const char *app_id, const char *endpoint_id, const char *delivery_id)
{
	enum ag_err e = db_begin(g_app.store);
	if (e)
		return e;
	int64_t changes = 0;
	e = db_exec_n(g_app.store,
		      "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $4 "
		      "WHERE app_id = $1 AND endpoint_id = $2 AND id = $3",
		      P(SV_TEXT(app_id), SV_TEXT(endpoint_id), SV_TEXT(delivery_id), SV_INT(time_now_ms())), &changes);
	if (e == AG_OK && changes == 0)
		e = AG_HOOK_NOT_FOUND;
	if (e == AG_OK) {
		char payload[128];
		snprintf(payload, sizeof payload, "{\"delivery\":\"%s\"}", delivery_id);
		e = outbox_enqueue("webhook", app_id, endpoint_id, payload, 0, NULL);
	}
	if (e) {
		db_rollback(g_app.store);
		return e;
	}
	e = db_commit(g_app.store);
	if (e == AG_OK)
		outbox_kick();
	return e;
}
