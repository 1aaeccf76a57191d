/* passkeys.c — WebAuthn ceremonies (see passkeys.h). Step numbers: WebAuthn Level 3
 * §7.1 (registration) and §7.2 (authentication). */
#include "auth/passkeys.h"

#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "net/net.h"
#include "sec/sec.h"
#include "sec/webauthn.h"
#include "store/store.h"

static const int algs[] = {COSE_EDDSA, COSE_ES256, COSE_RS256}; /* our preference order */

/* "https://App.Example.com:8443" -> "app.example.com" (arena), by the one URL parser,
 * lowercase as a browser compares it; NULL when it is no URL or its host is an IP
 * address (browsers refuse those as RP IDs). */
static const char *host_of(struct arena *a, const char *origin)
{
	struct url_parts u;
	if (!origin || url_parse(a, origin, &u) || u.ip_host)
		return NULL;
	return u.host_lc;
}

/* Is host equal to rp or a subdomain of it? */
static bool under(const char *host, const char *rp)
{
	size_t h = strlen(host), r = strlen(rp);
	return h == r ? str_ieq(host, rp) : h > r && host[h - r - 1] == '.' && str_ieq(host + h - r, rp);
}

const char *passkey_rp_id(struct arena *a, const struct project *p)
{
	const char *rp = NULL, *first = NULL;
	for (int i = 0; i < p->norigins; i++) {
		const char *h = host_of(a, p->origins[i]);
		if (!h)
			continue;
		if (!rp) {
			rp = first = h;
			continue;
		}
		/* shrink rp to the longest dot-separated suffix both share */
		while (rp && !under(h, rp)) {
			const char *dot = strchr(rp, '.');
			rp = dot ? dot + 1 : NULL;
		}
		if (!rp || !strchr(rp, '.')) /* "com" is no RP ID: keep the first named host */
			return first;
	}
	return rp;
}

bool passkey_hosted_ok(struct arena *a, const struct project *p)
{
	const char *rp = passkey_rp_id(a, p), *h = host_of(a, g_cfg.public_url);
	return rp && h && under(h, rp);
}

/* The origins a ceremony may run on: allowed origins under the RP ID, and AuthGate's
 * own public origin when it is under it. */
static const char **ceremony_origins(struct arena *a, const struct project *p, const char *rp, int *n)
{
	const char **o = arena_alloc(a, sizeof(char *) * (size_t)(p->norigins + 1));
	*n = 0;
	for (int i = 0; i < p->norigins; i++) {
		const char *h = host_of(a, p->origins[i]);
		if (h && under(h, rp))
			o[(*n)++] = p->origins[i];
	}
	const char *h = host_of(a, g_cfg.public_url);
	if (h && under(h, rp))
		o[(*n)++] = url_origin_of(a, g_cfg.public_url); /* as the browser writes it in clientDataJSON */
	return o;
}

/* A stable, opaque user handle: HMAC of app:user under a master-derived key. */
static const char *user_handle(struct arena *a, const char *app_id, const char *user_id)
{
	unsigned char mac[SHA256_LEN];
	master_mac(mac, "authgate passkey-user-handle v1", app_id, user_id);
	char *out = arena_alloc(a, 48);
	str_b64url(out, mac, sizeof mac);
	return out;
}

static const char *new_challenge(struct arena *a)
{
	char *c = arena_alloc(a, 48);
	rand_token(c, 32);
	return c;
}

static enum ag_err store_ceremony(struct arena *a, const char *kind, const char *app_id, const char *user_id,
                                  const char *challenge, const char *rp, const char **id)
{
	int64_t now = time_now_ms();
	*id = factor_new_id(a, "cer");
	cJSON *d = json_obj(a);
	cJSON_AddStringToObject(d, "rp_id", rp);
	factor_sweep();
	return db_exec(
	    g_app.store,
	    "INSERT INTO factor_challenges (id, kind, app_id, user_id, challenge, data, expires_at, created_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	    P(SV_TEXT(*id), SV_TEXT(kind), SV_TEXT(app_id), SV_TEXT(user_id), SV_TEXT(challenge),
	      SV_TEXT(json_print(a, d)), SV_INT(now + PASSKEY_CEREMONY_TTL_S * 1000LL), SV_INT(now)));
}

struct cred_list {
	struct arena *a;
	cJSON *arr;
};

static int cred_row(void *ud, const struct store_row *r)
{
	struct cred_list *c = ud;
	cJSON *o = json_obj(c->a);
	cJSON_AddStringToObject(o, "type", "public-key");
	cJSON_AddStringToObject(o, "id", row_str(r, 0));
	cJSON *t = NULL;
	const char *detail, *ts = row_str(r, 1);
	if (ts && json_parse_strict(c->a, ts, strlen(ts), &t, &detail) == JSON_OK && cJSON_IsArray(t) &&
	    cJSON_GetArraySize(t) > 0)
		cJSON_AddItemReferenceToObject(o, "transports", t);
	cJSON_AddItemReferenceToArray(c->arr, o);
	return 0;
}

static enum ag_err credentials_of(struct arena *a, const char *app_id, const char *user_id, cJSON **out)
{
	struct cred_list c = {a, json_arr(a)};
	*out = c.arr;
	return db_query(
	    g_app.store,
	    "SELECT credential_id, transports FROM factors WHERE app_id = $1 AND user_id = $2 AND kind = 'passkey' "
	    "AND status = 'active' ORDER BY created_at",
	    P(SV_TEXT(app_id), SV_TEXT(user_id)), cred_row, &c);
}

static enum ag_err no_rp(struct factor_err *fe)
{
	return AG_PASSKEYS_UNAVAILABLE;
}

enum ag_err passkey_register_options(struct arena *a, const struct factor_actor *who, cJSON **options,
                                     const char **ceremony_id, struct factor_err *fe)
{
	return passkey_register_options_named(a, who, who->u->email, who->u->name, options, ceremony_id, fe);
}

enum ag_err passkey_register_options_named(struct arena *a, const struct factor_actor *who, const char *name,
                                           const char *display_name, cJSON **options, const char **ceremony_id,
                                           struct factor_err *fe)
{
	enum ag_err e = factor_room(who, "passkey");
	if (e)
		return e;
	const char *rp = passkey_rp_id(a, who->p);
	if (!rp)
		return no_rp(fe);
	if (!name || !*name)
		name = who->u->id;
	const char *challenge = new_challenge(a);
	if ((e = store_ceremony(a, "passkey-register", who->p->app_id, who->u->id, challenge, rp, ceremony_id)))
		return e;
	cJSON *o = json_obj(a), *x;
	cJSON_AddStringToObject(o, "challenge", challenge);
	x = cJSON_AddObjectToObject(o, "rp");
	cJSON_AddStringToObject(x, "id", rp);
	cJSON_AddStringToObject(x, "name", project_display_name(who->p));
	x = cJSON_AddObjectToObject(o, "user");
	cJSON_AddStringToObject(x, "id", user_handle(a, who->p->app_id, who->u->id));
	cJSON_AddStringToObject(x, "name", name);
	cJSON_AddStringToObject(x, "displayName", display_name && *display_name ? display_name : name);
	x = cJSON_AddArrayToObject(o, "pubKeyCredParams");
	for (size_t i = 0; i < ARRAY_LEN(algs); i++) {
		cJSON *pp = cJSON_CreateObject();
		cJSON_AddStringToObject(pp, "type", "public-key");
		cJSON_AddNumberToObject(pp, "alg", algs[i]);
		cJSON_AddItemToArray(x, pp);
	}
	cJSON_AddNumberToObject(o, "timeout", PASSKEY_CEREMONY_TTL_S * 1000);
	cJSON *excl;
	if ((e = credentials_of(a, who->p->app_id, who->u->id, &excl)))
		return e;
	cJSON_AddItemReferenceToObject(o, "excludeCredentials", excl);
	x = cJSON_AddObjectToObject(o, "authenticatorSelection");
	cJSON_AddStringToObject(x, "residentKey", "required"); /* discoverable: usernameless sign-in */
	cJSON_AddBoolToObject(x, "requireResidentKey", true);
	cJSON_AddStringToObject(x, "userVerification", "preferred");
	/* a project that trusts only attested authenticators asks for the attestation */
	cJSON_AddStringToObject(o, "attestation", who->p->attestation_roots_pem ? "direct" : "none");
	x = cJSON_AddObjectToObject(o, "extensions");
	cJSON_AddBoolToObject(x, "credProps", true);
	*options = o;
	return AG_OK;
}

/* Take a ceremony once: AG_OK with its challenge, user and RP ID. */
static enum ag_err take_ceremony(struct arena *a, const char *app_id, const char *kind, const char *id,
                                 const char **challenge, const char **user_id, const char **rp, struct factor_err *fe)
{
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "UPDATE factor_challenges SET used_at = $4 WHERE id = $1 AND app_id = $2 AND kind = $3 "
	                       "AND used_at IS NULL AND expires_at > $4 RETURNING challenge, user_id, data",
	                       P(SV_TEXT(id ? id : ""), SV_TEXT(app_id), SV_TEXT(kind), SV_INT(time_now_ms())));
	if (ag_err_is(e, AG_ENOTFOUND))
		return AG_PASSKEY_CEREMONY;
	if (e)
		return e;
	*challenge = row_str(&r, 0);
	*user_id = row_str(&r, 1);
	cJSON *d = NULL;
	const char *detail, *ds = row_str(&r, 2);
	*rp = ds && json_parse_strict(a, ds, strlen(ds), &d, &detail) == JSON_OK ? json_get_str(d, "rp_id") : NULL;
	return *rp ? AG_OK : AG_EINTERNAL;
}

enum ag_err passkey_ceremony_note(struct arena *a, const char *app_id, const char *ceremony_id, const char *note)
{
	int64_t n = 0;
	cJSON *d = json_obj(a);
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r, "SELECT data FROM factor_challenges WHERE id = $1 AND app_id = $2",
	                       P(SV_TEXT(ceremony_id), SV_TEXT(app_id)));
	if (e)
		return e;
	const char *detail, *ds = row_str(&r, 0);
	if (ds && json_parse_strict(a, ds, strlen(ds), &d, &detail) != JSON_OK)
		return AG_EINTERNAL;
	cJSON_DeleteItemFromObjectCaseSensitive(d, "note");
	cJSON_AddStringToObject(d, "note", note);
	e = db_exec_n(g_app.store,
	              "UPDATE factor_challenges SET data = $3 WHERE id = $1 AND app_id = $2 AND used_at IS NULL",
	              P(SV_TEXT(ceremony_id), SV_TEXT(app_id), SV_TEXT(json_print(a, d))), &n);
	return e ? e : n == 1 ? AG_OK : AG_PASSKEY_CEREMONY;
}

const char *passkey_ceremony_peek_note(struct arena *a, const char *app_id, const char *ceremony_id)
{
	struct store_row r;
	cJSON *d = NULL;
	const char *detail, *ds;
	if (db_row(g_app.store, a, &r,
	           "SELECT data FROM factor_challenges WHERE id = $1 AND app_id = $2 AND kind = 'passkey-signin' "
	           "AND used_at IS NULL AND expires_at > $3",
	           P(SV_TEXT(ceremony_id ? ceremony_id : ""), SV_TEXT(app_id), SV_INT(time_now_ms()))) != AG_OK ||
	    !(ds = row_str(&r, 0)) || json_parse_strict(a, ds, strlen(ds), &d, &detail) != JSON_OK)
		return NULL;
	return json_get_str(d, "note");
}

enum ag_err passkey_credential_json(struct arena *a, const char *app_id, const char *credential_id, cJSON **out)
{
	struct store_row r;
	enum ag_err e = db_row(g_app.store, a, &r,
	                       "SELECT credential_id, created_at FROM factors WHERE app_id = $1 AND credential_id = $2 "
	                       "AND kind = 'passkey' AND status = 'active'",
	                       P(SV_TEXT(app_id), SV_TEXT(credential_id)));
	if (e)
		return e;
	*out = json_obj(a);
	cJSON_AddStringToObject(*out, "credentialId", row_str(&r, 0));
	json_add_time(*out, "verifiedAt", row_int(&r, 1));
	return AG_OK;
}

/* base64url field of credential.response -> bytes (arena). */
static unsigned char *b64_field(struct arena *a, const cJSON *obj, const char *k, size_t *n)
{
	const char *s = json_get_str(obj, k);
	if (!s)
		return NULL;
	size_t sl = strlen(s);
	unsigned char *out = arena_alloc(a, sl + 1);
	long r = str_unb64url(out, sl + 1, s, sl);
	if (r <= 0)
		return NULL;
	*n = (size_t)r;
	return out;
}

/* The error table's code of a WebAuthn check's refusal. */
static enum ag_err wa_code(enum wa_err w)
{
	static const enum ag_err codes[] = {
	    [WA_OK] = AG_OK,
	    [WA_MALFORMED] = AG_WA_MALFORMED,
	    [WA_TYPE] = AG_WA_TYPE,
	    [WA_CHALLENGE] = AG_WA_CHALLENGE,
	    [WA_ORIGIN] = AG_WA_ORIGIN,
	    [WA_RP_ID] = AG_WA_RP_ID,
	    [WA_UP] = AG_WA_UP,
	    [WA_UV] = AG_WA_UV,
	    [WA_ALG] = AG_WA_ALG,
	    [WA_FORMAT] = AG_WA_FORMAT,
	    [WA_ATTESTATION] = AG_WA_ATTESTATION,
	    [WA_SIGNATURE] = AG_WA_SIGNATURE,
	    [WA_UNTRUSTED] = AG_WA_UNTRUSTED,
	};
	return (unsigned)w < ARRAY_LEN(codes) ? codes[w] : AG_WA_MALFORMED;
}

/* What a passkey's attestation was: "none", "packed/self", "packed/basic" (an x5c
 * chain that passed §8.2.1, trusted by no one), "packed/basic/trusted" (leading to one
 * of the project's roots). */
static const char *attestation_recorded(struct arena *a, const struct registration *reg)
{
	if (str_eq(reg->fmt, "none"))
		return "none";
	return arena_printf(a, "%s/%s%s", reg->fmt, reg->attestation_type, reg->attestation_trusted ? "/trusted" : "");
}

enum ag_err passkey_register_verify(struct arena *a, const struct factor_actor *who, const char *ceremony_id,
                                    const cJSON *cred, const char *name, cJSON **out, struct factor_err *fe)
{
	const char *challenge, *uid, *rp;
	enum ag_err e = take_ceremony(a, who->p->app_id, "passkey-register", ceremony_id, &challenge, &uid, &rp, fe);
	if (e)
		return e;
	if (!str_eq(uid, who->u->id))
		return AG_PASSKEY_CEREMONY;
	const cJSON *resp = cJSON_GetObjectItemCaseSensitive(cred, "response");
	size_t cdn = 0, attn = 0;
	unsigned char *cd = b64_field(a, resp, "clientDataJSON", &cdn),
	              *att = b64_field(a, resp, "attestationObject", &attn);
	if (!str_eq(json_get_str(cred, "type"), "public-key") || !cd || !att)
		return wa_code(WA_MALFORMED);
	int norig;
	const char **orig = ceremony_origins(a, who->p, rp, &norig);
	enum wa_err w = client_data_check(a, (const char *)cd, cdn, "webauthn.create", challenge, orig, norig, NULL);
	unsigned char cdh[SHA256_LEN];
	sha256(cdh, cd, cdn);
	struct registration reg;
	struct wa_trust trust = {who->p->attestation_roots_pem, time_now_ms() / 1000};
	if (w == WA_OK)
		w = registration_check(a, att, attn, cdh, rp, false, algs, (int)ARRAY_LEN(algs), &trust, &reg);
	if (w != WA_OK) {
		factor_log(who->p->app_id, who->u->id, "factor.enroll_failed", NULL, "passkey", who->ip,
		           ag_err_code(wa_code(w)));
		return wa_code(w);
	}
	char *cid = arena_alloc(a, reg.ad.cred_id_len * 4 / 3 + 4),
	     *pk = arena_alloc(a, reg.ad.key.spki_len * 4 / 3 + 4), aag[33];
	str_b64url(cid, reg.ad.cred_id, reg.ad.cred_id_len);
	str_b64url(pk, reg.ad.key.spki, reg.ad.key.spki_len);
	str_hex(aag, reg.ad.aaguid, sizeof reg.ad.aaguid);
	const char *aaguid = arena_printf(a, "%.8s-%.4s-%.4s-%.4s-%.12s", aag, aag + 8, aag + 12, aag + 16, aag + 20);
	/* transports: a hint for later allowCredentials; keep known strings only */
	cJSON *tr = json_arr(a);
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(resp, "transports"))
	{
		static const char *const known[] = {"usb", "nfc", "ble", "internal", "hybrid", "smart-card"};
		for (size_t i = 0; cJSON_IsString(t) && i < ARRAY_LEN(known); i++)
			if (str_eq(t->valuestring, known[i]))
				cJSON_AddItemToArray(tr, cJSON_CreateString(known[i]));
	}
	const char *id = factor_new_id(a, "fac");
	int64_t now = time_now_ms();
	e = db_begin(g_app.store);
	if (e == AG_OK)
		e = db_exec(
		    g_app.store,
		    "INSERT INTO factors (id, app_id, user_id, kind, name, status, credential_id, public_key, alg, "
		    "sign_count, aaguid, user_handle, user_verified, backup_eligible, backup_state, transports, "
		    "attestation, created_at, updated_at) VALUES ($1, $2, $3, 'passkey', $4, 'active', $5, $6, $7, $8, "
		    "$9, $10, $11, $12, $13, $14, $15, $16, $16)",
		    P(SV_TEXT(id), SV_TEXT(who->p->app_id), SV_TEXT(who->u->id),
		      SV_TEXT(name && *name ? name : "Passkey"), SV_TEXT(cid), SV_TEXT(pk), SV_INT(reg.ad.key.alg),
		      SV_INT(reg.ad.sign_count), SV_TEXT(aaguid), SV_TEXT(user_handle(a, who->p->app_id, who->u->id)),
		      SV_BOOL(reg.ad.flags & AD_UV), SV_BOOL(reg.ad.flags & AD_BE), SV_BOOL(reg.ad.flags & AD_BS),
		      SV_TEXT(json_print(a, tr)), SV_TEXT(attestation_recorded(a, &reg)), SV_INT(now)));
	if (e == AG_OK)
		e = factor_methods_changed(a, who->p->app_id, who->u->id);
	e = db_end(g_app.store, e);
	if (ag_err_is(e, AG_ECONFLICT))
		return AG_PASSKEY_EXISTS;
	if (e)
		return e;
	factor_log(who->p->app_id, who->u->id, "factor.enrolled", id, "passkey", who->ip, reg.fmt);
	return factor_get(a, who->p->app_id, who->u->id, id, out);
}

enum ag_err passkey_auth_options(struct arena *a, const struct project *p, const struct user *u, cJSON **options,
                                 const char **ceremony_id, struct factor_err *fe)
{
	const char *rp = passkey_rp_id(a, p);
	if (!rp)
		return no_rp(fe);
	const char *challenge = new_challenge(a);
	enum ag_err e = store_ceremony(a, "passkey-signin", p->app_id, u ? u->id : NULL, challenge, rp, ceremony_id);
	if (e)
		return e;
	cJSON *o = json_obj(a), *allow;
	cJSON_AddStringToObject(o, "challenge", challenge);
	cJSON_AddStringToObject(o, "rpId", rp);
	cJSON_AddNumberToObject(o, "timeout", PASSKEY_CEREMONY_TTL_S * 1000);
	cJSON_AddStringToObject(o, "userVerification", u ? "preferred" : "required");
	if (u) {
		if ((e = credentials_of(a, p->app_id, u->id, &allow)))
			return e;
	} else {
		allow = json_arr(a);
	}
	cJSON_AddItemReferenceToObject(o, "allowCredentials", allow);
	*options = o;
	return AG_OK;
}

enum ag_err passkey_auth_verify(struct arena *a, const struct project *p, const char *ceremony_id, const cJSON *cred,
                                const char *ip, const char **user_id, const char **factor_id, bool *user_verified,
                                struct factor_err *fe)
{
	const char *challenge, *uid, *rp;
	enum ag_err e = take_ceremony(a, p->app_id, "passkey-signin", ceremony_id, &challenge, &uid, &rp, fe);
	if (e)
		return e;
	const cJSON *resp = cJSON_GetObjectItemCaseSensitive(cred, "response");
	size_t cdn = 0, adn = 0, sign = 0, idn = 0, uhn = 0;
	unsigned char *cd = b64_field(a, resp, "clientDataJSON", &cdn),
	              *ad = b64_field(a, resp, "authenticatorData", &adn),
	              *sig = b64_field(a, resp, "signature", &sign), *raw = b64_field(a, cred, "rawId", &idn);
	const char *uh = json_get_str(resp, "userHandle");
	if (!str_eq(json_get_str(cred, "type"), "public-key") || !cd || !ad || !sig || !raw || idn > WA_CRED_ID_MAX ||
	    (uh && *uh && !b64_field(a, resp, "userHandle", &uhn)))
		return wa_code(WA_MALFORMED);
	char *cid = arena_alloc(a, idn * 4 / 3 + 4);
	str_b64url(cid, raw, idn);
	struct store_row r;
	e = db_row(g_app.store, a, &r,
	           "SELECT id, user_id, public_key, alg, sign_count, backup_eligible, user_handle FROM factors "
	           "WHERE app_id = $1 AND credential_id = $2 AND kind = 'passkey' AND status = 'active'",
	           P(SV_TEXT(p->app_id), SV_TEXT(cid)));
	if (ag_err_is(e, AG_ENOTFOUND)) {
		factor_log(p->app_id, uid, "mfa.failed", NULL, "passkey", ip, "unknown credential");
		return AG_PASSKEY_UNKNOWN;
	}
	if (e)
		return e;
	const char *fid = row_str(&r, 0), *owner = row_str(&r, 1);
	if (uid && !str_eq(uid, owner)) {
		factor_log(p->app_id, uid, "mfa.failed", fid, "passkey", ip, "another user's credential");
		return AG_PASSKEY_UNKNOWN;
	}
	/* §7.2 step 6: a userHandle given must be the credential's; usernameless needs one. */
	if ((uh && *uh && !str_eq(uh, row_str(&r, 6))) || (!uid && !(uh && *uh))) {
		factor_log(p->app_id, owner, "mfa.failed", fid, "passkey", ip, "user handle mismatch");
		return AG_PASSKEY_USER_HANDLE;
	}
	int norig;
	const char **orig = ceremony_origins(a, p, rp, &norig);
	enum wa_err w = client_data_check(a, (const char *)cd, cdn, "webauthn.get", challenge, orig, norig, NULL);
	unsigned char cdh[SHA256_LEN];
	sha256(cdh, cd, cdn);
	struct authdata out;
	const char *pks = row_str(&r, 2);
	size_t pkl = strlen(pks);
	unsigned char *spki = arena_alloc(a, pkl + 1);
	long sl = str_unb64url(spki, pkl + 1, pks, pkl);
	struct cose_key key = {(int)row_int(&r, 3), spki, sl > 0 ? (size_t)sl : 0};
	if (w == WA_OK)
		w = assertion_check(a, ad, adn, cdh, sig, sign, rp, !uid, &key, &out);
	if (w != WA_OK) {
		factor_log(p->app_id, owner, "mfa.failed", fid, "passkey", ip, ag_err_code(wa_code(w)));
		return wa_code(w);
	}
	/* §7.2 step 23: a counter that does not move forward means a cloned authenticator. */
	int64_t stored = row_int(&r, 4);
	if ((out.sign_count != 0 || stored != 0) && (int64_t)out.sign_count <= stored) {
		factor_log(p->app_id, owner, "passkey.clone_suspected", fid, "passkey", ip, "sign count went back");
		return AG_PASSKEY_CLONED;
	}
	/* A credential's backup eligibility never changes (§6.1.3). */
	if (!!(out.flags & AD_BE) != row_bool(&r, 5)) {
		factor_log(p->app_id, owner, "mfa.failed", fid, "passkey", ip, "backup eligibility changed");
		return AG_PASSKEY_BACKUP;
	}
	int64_t now = time_now_ms(), n = 0;
	e = db_exec_n(g_app.store,
	              "UPDATE factors SET sign_count = $2, backup_state = $3, user_verified = $4, last_used_at = $5, "
	              "updated_at = $5 WHERE id = $1 AND sign_count = $6",
	              P(SV_TEXT(fid), SV_INT(out.sign_count), SV_BOOL(out.flags & AD_BS), SV_BOOL(out.flags & AD_UV),
	                SV_INT(now), SV_INT(stored)),
	              &n);
	if (e)
		return e;
	if (n != 1)
		return AG_PASSKEY_CLONED;
	*user_id = arena_strdup(a, owner);
	if (factor_id)
		*factor_id = arena_strdup(a, fid);
	if (user_verified)
		*user_verified = out.flags & AD_UV;
	return AG_OK;
}
