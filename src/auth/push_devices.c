/* push_devices.c — devices of the push flow: enrollment by proving an email (a mailed
 * 6-digit code or link, hashed at rest, 5 minutes, 3 attempts), the device app's
 * signed log-in and bearer token, what a device may see (pending requests for its own
 * email, never the code). */
#include <stdio.h>
#include <string.h>

#include "auth/push.h"
#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "jobs/outbox.h"
#include "sec/ecdsa.h"
#include "sec/jwt.h"
#include "sec/sec.h"
#include "store/store.h"

#define DEV_COLS "id, email, name, public_key, created_at, last_seen_at"
#define DEVICE_AUD "device"

static struct push_device *device_from_row(struct arena *a, const struct store_row *r)
{
	struct push_device *d = arena_calloc(a, sizeof(*d));
	d->id = row_str(r, 0);
	d->email = row_str(r, 1);
	d->name = row_str(r, 2);
	d->public_key = row_str(r, 3);
	d->created_at = row_int(r, 4);
	d->last_seen_at = row_int(r, 5);
	return d;
}

enum ag_err push_device_get(struct arena *a, const char *id, struct push_device **out)
{
	struct store_row r;
	*out = NULL;
	enum ag_err e = db_row(g_app.store, a, &r, "SELECT " DEV_COLS " FROM push_devices WHERE id = $1 AND revoked_at IS NULL",
			       P(SV_TEXT(id)));
	if (e == AG_OK)
		*out = device_from_row(a, &r);
	return e;
}

cJSON *push_device_json(struct arena *a, const struct push_device *d)
{
	cJSON *o = json_obj(a);
	char ts[32];
	cJSON_AddStringToObject(o, "device_id", d->id);
	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddStringToObject(o, "email", d->email);
	time_iso8601(ts, d->created_at, false);
	cJSON_AddStringToObject(o, "created_at", ts);
	return o;
}

/* ---- enrollment -------------------------------------------------------------------- */

static void enroll_code_hash(char out[65], const char *enrollment_id, const char *code)
{
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s:%s", enrollment_id, code);
	push_code_hash(out, tmp);
	sec_zero(tmp, sizeof tmp);
}

enum ag_err push_enroll_start(struct arena *a, const char *email, const struct project *p, const char *ip,
			      const char *locale, const char **enrollment_id)
{
	char link_tok[64], code[8], code_hash[65], link_hash[65];
	rand_token(link_tok, 32);
	snprintf(code, sizeof code, "%06u", rand_uniform(1000000));
	const char *id = rand_id(a, "enr_", RAND_ID_BYTES);
	enroll_code_hash(code_hash, id, code);
	sha256_hex(link_hash, link_tok);
	int64_t now = time_now_ms();
	const char *link = arena_printf(a, "%s/app#enroll=%s.%s", g_cfg.public_url, id, link_tok);
	enum ag_err e = db_begin(g_app.store);
	if (e)
		return e;
	e = db_exec(g_app.store,
		    "INSERT INTO push_enrollments (id, email, app_id, code_hash, link_hash, ip, created_at, expires_at) "
		    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		    P(SV_TEXT(id), SV_TEXT(email), SV_TEXT(p ? p->app_id : NULL), SV_TEXT(code_hash), SV_TEXT(link_hash),
		      SV_TEXT(ip), SV_INT(now), SV_INT(now + PUSH_ENROLL_TTL_S * 1000LL)));
	if (e == AG_OK)
		e = push_mail_enroll(a, p, email, code, link, locale);
	sec_zero(code, sizeof code);
	sec_zero(link_tok, sizeof link_tok);
	if (e) {
		db_rollback(g_app.store);
		return e;
	}
	if ((e = db_commit(g_app.store)))
		return e;
	outbox_kick();
	*enrollment_id = id;
	return AG_OK;
}

/* The JWK of a P-256 public key -> the raw uncompressed point. */
static bool jwk_to_raw(const cJSON *jwk, unsigned char raw[P256_PUB_LEN])
{
	const char *kty = json_get_str(jwk, "kty"), *crv = json_get_str(jwk, "crv");
	const char *x = json_get_str(jwk, "x"), *y = json_get_str(jwk, "y");
	if (!str_eq(kty, "EC") || !str_eq(crv, "P-256") || !x || !y || json_get_str(jwk, "d"))
		return false; /* a private key ("d") is refused outright */
	raw[0] = 0x04;
	return str_unb64url(raw + 1, 33, x, strlen(x)) == P256_COORD_LEN &&
	       str_unb64url(raw + 1 + P256_COORD_LEN, 33, y, strlen(y)) == P256_COORD_LEN && p256_pub_valid(raw);
}

/* 1 to PUSH_DEVICE_NAME_MAX characters (code points, not bytes), none a control
 * character (a tab or a newline would break the lists that show names). */
static bool valid_name(const char *name)
{
	const char *p = name, *end = name ? name + strlen(name) : NULL;
	size_t chars = 0;
	while (p && p < end) {
		uint32_t c = str_utf8_next(&p, end);
		if (c == STR_UTF8_BAD || c < 0x20 || (c >= 0x7f && c < 0xa0) || ++chars > PUSH_DEVICE_NAME_MAX)
			return false;
	}
	return chars > 0;
}

struct enrollment {
	const char *id, *email, *code_hash, *link_hash;
	int64_t attempts, expires_at, used_at;
};

static enum ag_err enrollment_get(struct arena *a, const char *col, const char *v, struct enrollment *en)
{
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
			       arena_printf(a, "SELECT id, email, code_hash, link_hash, attempts, expires_at, used_at "
					       "FROM push_enrollments WHERE %s = $1",
					    col),
			       P(SV_TEXT(v)));
	if (e == AG_OK)
		*en = (struct enrollment){row_str(&r, 0), row_str(&r, 1), row_str(&r, 2), row_str(&r, 3),
					  row_int(&r, 4),   row_int(&r, 5),   row_int(&r, 6)};
	return e;
}

/* Prove the email. A wrong code spends an attempt. */
static enum ag_err prove(struct arena *a, const char *enrollment_id, const char *code, const char *link,
			 struct enrollment *en)
{
	enum ag_err e;
	int64_t now = time_now_ms();
	if (link) {
		/* "<enrollment id>.<token>" from the mailed link's fragment */
		const char *dot = strchr(link, '.');
		char h[65];
		sha256_hex(h, dot ? dot + 1 : link);
		e = enrollment_get(a, "link_hash", h, en);
		if (ag_err_is(e, AG_ENOTFOUND) || (e == AG_OK && !ct_streq(h, en->link_hash)))
			return AG_PUSH_ENROLL_BAD_LINK;
	} else {
		e = enrollment_get(a, "id", enrollment_id, en);
		if (ag_err_is(e, AG_ENOTFOUND))
			return AG_PUSH_ENROLL_BAD_CODE;
	}
	if (e)
		return e;
	if (en->used_at || now >= en->expires_at || en->attempts >= PUSH_ENROLL_ATTEMPTS)
		return AG_PUSH_EXPIRED;
	if (link)
		return AG_OK;
	char h[65];
	enroll_code_hash(h, en->id, code ? code : "");
	if (code && strlen(code) == 6 && ct_streq(h, en->code_hash))
		return AG_OK;
	if (db_exec(g_app.store, "UPDATE push_enrollments SET attempts = attempts + 1 WHERE id = $1", P(SV_TEXT(en->id))))
		return AG_EUNAVAIL;
	return en->attempts + 1 >= PUSH_ENROLL_ATTEMPTS ? AG_PUSH_EXPIRED : AG_PUSH_ENROLL_BAD_CODE;
}

static const char *new_device_id(void)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	static _Thread_local char id[16];
	memcpy(id, "ag-", 3);
	for (int i = 0; i < 12; i++)
		id[3 + i] = alphabet[rand_uniform(sizeof alphabet - 1)];
	id[15] = 0;
	return id;
}

enum ag_err push_enroll_finish(struct arena *a, const char *enrollment_id, const char *code, const char *link,
			       const char *name, const cJSON *jwk, struct push_device **out)
{
	*out = NULL;
	unsigned char raw[P256_PUB_LEN];
	if (!valid_name(name))
		return AG_PUSH_DEVICE_NAME;
	if (!jwk_to_raw(jwk, raw))
		return AG_PUSH_PUBLIC_KEY;
	struct enrollment en;
	enum ag_err e = prove(a, enrollment_id, code, link, &en);
	if (e)
		return e;
	int64_t ndev = 0;
	if ((e = push_device_count(en.email, &ndev)))
		return e;
	if (ndev >= PUSH_DEVICES_PER_EMAIL)
		return AG_PUSH_TOO_MANY_DEVICES;
	char pub[96];
	str_b64url(pub, raw, sizeof raw);
	int64_t now = time_now_ms(), changes = 0;
	if ((e = db_begin(g_app.store)))
		return e;
	e = db_exec_n(g_app.store, "UPDATE push_enrollments SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
		      P(SV_TEXT(en.id), SV_INT(now)), &changes);
	if (e == AG_OK && changes == 0)
		e = AG_PUSH_EXPIRED; /* used concurrently */
	const char *id = NULL;
	for (int i = 0; e == AG_OK && i < 4; i++) {
		id = arena_strdup(a, new_device_id());
		e = db_exec(g_app.store,
			    "INSERT INTO push_devices (id, email, name, public_key, created_at, last_seen_at) "
			    "VALUES ($1, $2, $3, $4, $5, $5)",
			    P(SV_TEXT(id), SV_TEXT(en.email), SV_TEXT(name), SV_TEXT(pub), SV_INT(now)));
		if (ag_err_is(e, AG_ECONFLICT) && i < 3)
			e = AG_OK, id = NULL; /* id collision: draw again */
		else if (e == AG_OK)
			break;
	}
	if (e) {
		db_rollback(g_app.store);
		return e;
	}
	if ((e = db_commit(g_app.store)))
		return e;
	log_info("push", "device %s enrolled", id);
	return push_device_get(a, id, out);
}

/* ---- device app sessions -------------------------------------------------------------- */

char *push_device_token(struct arena *a, const struct push_device *d)
{
	int64_t now = time_now_ms() / 1000;
	cJSON *c = json_obj(a);
	cJSON_AddStringToObject(c, "iss", "authgate");
	cJSON_AddStringToObject(c, "aud", DEVICE_AUD);
	cJSON_AddStringToObject(c, "sub", d->id);
	cJSON_AddNumberToObject(c, "iat", (double)now);
	cJSON_AddNumberToObject(c, "exp", (double)(now + PUSH_DEVICE_TOKEN_TTL_S));
	return jwt_sign_hs256(a, c, push_device_token_key());
}

enum ag_err push_device_login(struct arena *a, const char *device_id, int64_t ts, const char *sig,
			      struct push_device **d, char **token)
{
	*token = NULL;
	enum ag_err e = push_device_get(a, device_id, d);
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_PUSH_LOGIN_UNKNOWN_DEVICE;
	if (e)
		return e;
	const char *canon = push_canon_login(a, device_id, ts);
	if ((e = push_sig_check(*d, canon, ts, sig)))
		return e;
	if ((e = push_nonce_spend(canon)))
		return e;
	if (db_exec(g_app.store, "UPDATE push_devices SET last_seen_at = $2 WHERE id = $1",
		    P(SV_TEXT(device_id), SV_INT(time_now_ms()))))
		log_warn("push", "cannot note when device %s was last seen", device_id);
	*token = push_device_token(a, *d);
	return AG_OK;
}

enum ag_err push_device_auth(struct arena *a, const char *token, struct push_device **out)
{
	*out = NULL;
	cJSON *claims = NULL;
	if (!token || strlen(token) > JWT_MAX_LEN ||
	    jwt_verify_hs256(a, token, push_device_token_key(), "authgate", DEVICE_AUD, time_now_ms() / 1000, 5,
			     &claims) != JWT_OK)
		return AG_EUNAUTH;
	const char *id = json_get_str(claims, "sub");
	enum ag_err e = id ? push_device_get(a, id, out) : AG_ENOTFOUND;
	if (e == AG_OK)
		(*out)->token_exp = (int64_t)json_get_num(claims, "exp", 0);
	return ag_err_is(e, AG_ENOTFOUND) ? AG_EUNAUTH : e;
}

enum ag_err push_device_revoke(const char *id)
{
	return db_exec(g_app.store, "UPDATE push_devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
		       P(SV_TEXT(id), SV_INT(time_now_ms())));
}

struct dev_list {
	struct arena *a;
	struct push_device **out;
	int n, max;
};

static int dev_row(void *ud, const struct store_row *r)
{
	struct dev_list *l = ud;
	if (l->n >= l->max)
		return 0;
	/* a query's row lives for this call only: the device keeps copies */
	const char *v[6];
	for (int i = 0; i < 6; i++)
		v[i] = row_str(r, i) ? arena_strdup(l->a, row_str(r, i)) : NULL;
	struct store_row copy = {6, v};
	l->out[l->n++] = device_from_row(l->a, &copy);
	return 0;
}

enum ag_err push_devices_of(struct arena *a, const char *email, struct push_device ***out, int *n)
{
	struct dev_list l = {a, arena_calloc(a, sizeof(struct push_device *) * PUSH_DEVICES_PER_EMAIL), 0,
	                     PUSH_DEVICES_PER_EMAIL};
	*out = l.out;
	*n = 0;
	if (!email)
		return AG_OK;
	enum ag_err e = db_query(g_app.store,
	                         "SELECT " DEV_COLS " FROM push_devices WHERE email = $1 AND revoked_at IS NULL ORDER BY created_at",
	                         P(SV_TEXT(email)), dev_row, &l);
	*n = l.n;
	return e;
}

enum ag_err push_device_count(const char *email, int64_t *n)
{
	*n = 0;
	return email ? db_int(g_app.store, n, "SELECT COUNT(*) FROM push_devices WHERE email = $1 AND revoked_at IS NULL",
	                      P(SV_TEXT(email)))
	             : AG_OK;
}
