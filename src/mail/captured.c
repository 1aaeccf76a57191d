/* captured.c — mail captured in dev mode without an SMTP server. A captured mail is a
 * sign-in code, a reset or magic link: it is sealed at rest like every other secret
 * (master_seal, bound to the row id), kept a day, and read back only for /_dev/mail
 * and `authgate mail list`. */
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/timeutil.h"
#include "mail/mail.h"
#include "sec/sec.h"
#include "store/store.h"

#define SEAL_PURPOSE "mail-captured"

/* Older than a day: gone (the table grew forever before). */
static void prune(void)
{
	(void)!db_exec(g_app.store, "DELETE FROM mail_captured WHERE created_at < $1",
		       P(SV_INT(time_now_ms() - MAIL_CAPTURE_KEEP_MS)));
}

enum ag_err mail_capture(struct arena *a, const char *id, const struct mail_msg *m)
{
	cJSON *o = json_obj(a);
	json_add_str(o, "to", m->to);
	json_add_str(o, "subject", m->subject);
	json_add_str(o, "text", m->text);
	json_add_str(o, "html", m->html ? m->html : "");
	char *pt = json_print(a, o);
	if (!pt)
		return AG_EINTERNAL;
	char *sealed = master_seal(SEAL_PURPOSE, id, pt, strlen(pt));
	sec_zero(pt, strlen(pt));
	if (!sealed)
		return AG_EINTERNAL;
	/* The job id is the row id: a second attempt of the same job captures nothing new. */
	enum ag_err e = db_exec(g_app.store,
				"INSERT INTO mail_captured (id, app_id, sealed, created_at) VALUES ($1, $2, $3, $4) "
				"ON CONFLICT (id) DO NOTHING",
				P(SV_TEXT(id), SV_TEXT(m->app_id), SV_TEXT(sealed), SV_INT(time_now_ms())));
	free(sealed);
	if (e == AG_OK)
		prune();
	return e;
}

/* The opened document of one row, or NULL (a row sealed under another master key). */
static cJSON *open_row(struct arena *a, const char *id, const char *sealed)
{
	size_t n = 0;
	unsigned char *pt = master_open(SEAL_PURPOSE, id, sealed, &n);
	if (!pt)
		return NULL;
	cJSON *doc = NULL;
	const char *detail;
	if (json_parse_strict(a, (const char *)pt, n, &doc, &detail) != JSON_OK || !cJSON_IsObject(doc))
		doc = NULL;
	sec_zero(pt, n);
	free(pt);
	return doc;
}

struct list_ctx {
	struct arena *a;
	cJSON *arr;
};

static int list_row(void *ud, const struct store_row *row)
{
	struct list_ctx *c = ud;
	cJSON *doc = open_row(c->a, row_str(row, 0), row_str(row, 2));
	if (!doc)
		return 0;
	const char *html = json_get_str(doc, "html");
	char ts[32];
	time_iso8601(ts, row_int(row, 3), true);
	cJSON *o = cJSON_CreateObject();
	json_add_str(o, "id", row_str(row, 0));
	json_add_str(o, "app_id", row_str(row, 1));
	json_add_str(o, "to", json_get_str(doc, "to"));
	json_add_str(o, "subject", json_get_str(doc, "subject"));
	json_add_str(o, "text", json_get_str(doc, "text"));
	cJSON_AddBoolToObject(o, "has_html", html && *html);
	cJSON_AddStringToObject(o, "created_at", ts);
	cJSON_AddItemToArray(c->arr, o);
	return 0;
}

enum ag_err mail_captured_list(struct arena *a, int limit, cJSON **out)
{
	prune();
	struct list_ctx c = {a, json_arr(a)};
	enum ag_err e = db_query(g_app.store,
				 "SELECT id, app_id, sealed, created_at FROM mail_captured "
				 "ORDER BY created_at DESC, id DESC LIMIT $1",
				 P(SV_INT(limit)), list_row, &c);
	if (e == AG_OK)
		*out = c.arr;
	return e;
}

enum ag_err mail_captured_html(struct arena *a, const char *id, const char **html)
{
	struct store_row row;
	enum ag_err e = db_row(g_app.store, a, &row, "SELECT sealed FROM mail_captured WHERE id = $1 AND created_at >= $2",
			       P(SV_TEXT(id), SV_INT(time_now_ms() - MAIL_CAPTURE_KEEP_MS)));
	if (e)
		return e;
	cJSON *doc = open_row(a, id, row_str(&row, 0));
	const char *h = doc ? json_get_str(doc, "html") : NULL;
	if (!h || !*h)
		return AG_ENOTFOUND;
	*html = h;
	return AG_OK;
}
