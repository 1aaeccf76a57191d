/* tester.c — the Live Webhook Tester's endpoints (docs/DASHBOARD.md): an endpoint bound
 * to one push sign-in (it gets that sign-in's events only, is not listed with the
 * project's endpoints and goes after HOOK_TESTER_KEEP_MS), delivered either to a URL the
 * operator gave or to AuthGate's own receiver (/wh1/receiver/{id}), which checks both
 * signatures as the seed's handlers do and keeps what it got. */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "hook/hook.h"
#include "sec/sec.h"
#include "store/store.h"

/* Forget runs that ended long ago (their deliveries and receipts go with them). */
static void sweep(int64_t now)
{
	(void)!db_exec(g_app.store, "DELETE FROM webhook_endpoints WHERE tester_expires_at < $1",
		       P(SV_INT(now - HOOK_TESTER_KEEP_MS)));
}

enum ag_err hook_tester_create(struct arena *a, const struct hook_tester_opts *o, struct hook_tester *out)
{
	memset(out, 0, sizeof *out);
	if (o->url && (out->why = hook_check_url(a, o->url)))
		return AG_EINVAL;
	int64_t now = time_now_ms();
	sweep(now);
	char rnd[32];
	rand_token(rnd, 12);
	out->id = arena_printf(a, "wht_%s", rnd);
	out->target = o->url ? "url" : "self";
	out->url = o->url ? o->url : arena_printf(a, "%s/wh1/receiver/%s", g_cfg.public_url, out->id);
	char *secret = hook_new_secret();
	char *sealed = master_seal("webhook-secret", out->id, secret, strlen(secret));
	enum ag_err e = sealed ? db_exec(g_app.store,
					 "INSERT INTO webhook_endpoints (id, app_id, url, secret_sealed, events, description, "
					 "created_at, updated_at, tester_session, tester_expires_at, target) "
					 "VALUES ($1, $2, $3, $4, '[\"approved\",\"denied\"]', 'Live Webhook Tester', $5, $5, "
					 "$6, $7, $8)",
					 P(SV_TEXT(out->id), SV_TEXT(o->app_id), SV_TEXT(out->url), SV_TEXT(sealed),
					   SV_INT(now), SV_TEXT(o->session_hash), SV_INT(o->expires_at),
					   SV_TEXT(out->target)))
			       : AG_EINTERNAL;
	if (e == AG_OK)
		out->secret = arena_strdup(a, secret);
	sec_zero(secret, strlen(secret));
	free(secret);
	free(sealed);
	return e;
}

enum ag_err hook_tester_get(struct arena *a, const char *app_id, const char *id, struct hook_tester *out)
{
	memset(out, 0, sizeof *out);
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
			       "SELECT id, url, target, secret_sealed, tester_session, tester_expires_at, app_id "
			       "FROM webhook_endpoints WHERE id = $1 AND (CAST($2 AS TEXT) IS NULL OR app_id = $2) "
			       "AND tester_session IS NOT NULL",
			       P(SV_TEXT(id), SV_TEXT(app_id)));
	if (e)
		return e;
	size_t n = 0;
	char *secret = (char *)master_open("webhook-secret", row_str(&r, 0), row_str(&r, 3), &n);
	if (!secret)
		return AG_EINTERNAL;
	*out = (struct hook_tester){.id = row_str(&r, 0), .url = row_str(&r, 1), .target = row_str(&r, 2),
				    .secret = arena_strndup(a, secret, n), .session_hash = row_str(&r, 4),
				    .expires_at = row_int(&r, 5), .app_id = row_str(&r, 6)};
	sec_zero(secret, n);
	free(secret);
	return AG_OK;
}

enum ag_err hook_receipt_add(struct arena *a, const struct hook_receipt *rc, const char **id)
{
	char rnd[24];
	rand_token(rnd, 12);
	*id = arena_printf(a, "rcv_%s", rnd);
	char *sealed = master_seal("webhook-receipt", *id, rc->body, rc->body_len);
	enum ag_err e = sealed ? db_exec(g_app.store,
					 "INSERT INTO webhook_receipts (id, endpoint_id, delivery_id, headers, body_sealed, "
					 "seed_ok, standard_ok, status, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
					 P(SV_TEXT(*id), SV_TEXT(rc->endpoint_id), SV_TEXT(rc->delivery_id),
					   SV_TEXT(rc->headers), SV_TEXT(sealed), SV_BOOL(rc->seed_ok),
					   SV_BOOL(rc->standard_ok), SV_INT(rc->status), SV_INT(time_now_ms())))
			       : AG_EINTERNAL;
	free(sealed);
	return e;
}

struct list_ctx {
	struct arena *a;
	cJSON *arr;
};

static int add_receipt(void *ud, const struct store_row *r)
{
	struct list_ctx *c = ud;
	cJSON *o = json_obj(c->a);
	cJSON_AddStringToObject(o, "id", row_str(r, 0));
	json_add_str(o, "delivery_id", row_str(r, 1));
	cJSON *h = cJSON_Parse(row_str(r, 2));
	cJSON_AddItemToObject(o, "headers", h ? h : cJSON_CreateObject());
	size_t n = 0;
	char *body = (char *)master_open("webhook-receipt", row_str(r, 0), row_str(r, 3), &n);
	json_add_str(o, "body", body ? arena_strndup(c->a, body, n) : NULL);
	free(body);
	cJSON *check = cJSON_AddObjectToObject(o, "signature_check");
	cJSON_AddBoolToObject(check, "x_authgate_signature", row_bool(r, 4));
	cJSON_AddBoolToObject(check, "webhook_signature", row_bool(r, 5));
	cJSON_AddNumberToObject(o, "status", (double)row_int(r, 6));
	json_add_time(o, "received_at", row_int(r, 7));
	cJSON_AddItemReferenceToArray(c->arr, o);
	return 0;
}

enum ag_err hook_receipts_list(struct arena *a, const char *endpoint_id, cJSON **out)
{
	struct list_ctx c = {a, json_arr(a)};
	*out = c.arr;
	return db_query(g_app.store,
			"SELECT id, delivery_id, headers, body_sealed, seed_ok, standard_ok, status, received_at "
			"FROM webhook_receipts WHERE endpoint_id = $1 ORDER BY received_at, id LIMIT 50",
			P(SV_TEXT(endpoint_id)), add_receipt, &c);
}
