/* push_sig.c — what device signatures cover and how they are checked: canonical
 * strings, freshness, ECDSA P-256, single use; plus the keys push derives from the
 * master key (session ids, code hashes, device app tokens). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/push.h"
#include "core/ctx.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sec/ecdsa.h"
#include "sec/sec.h"
#include "store/store.h"

static unsigned char k_sid[32], k_code[32];
static struct hmac_key *k_devtok; /* signs device tokens; made once, kept for the process */
static pthread_once_t keys_once = PTHREAD_ONCE_INIT;

static void derive(void)
{
	master_derive(k_sid, sizeof k_sid, "authgate push session id v1");
	master_derive(k_code, sizeof k_code, "authgate push code v1");
	unsigned char k[32];
	master_derive(k, sizeof k, "authgate device token v1");
	k_devtok = hmac_key_new(k, sizeof k);
	sec_zero(k, sizeof k);
}

void push_keys_init(void)
{
	pthread_once(&keys_once, derive);
}

const struct hmac_key *push_device_token_key(void)
{
	push_keys_init();
	return k_devtok;
}

void push_code_hash(char out[65], const char *code)
{
	unsigned char mac[SHA256_LEN];
	push_keys_init();
	hmac_sha256(mac, k_code, sizeof k_code, code, strlen(code));
	str_hex(out, mac, SHA256_LEN);
}

const char *push_session_id(struct arena *a, const char *request_id)
{
	unsigned char mac[SHA256_LEN];
	push_keys_init();
	hmac_sha256(mac, k_sid, sizeof k_sid, request_id, strlen(request_id));
	char *out = arena_alloc(a, 48);
	str_b64url(out, mac, SHA256_LEN);
	return out;
}

char *push_canon_decision(struct arena *a, const char *request_id, const char *decision, const char *code,
			  int64_t ts, const char *device_id)
{
	return arena_printf(a, "authgate-push-v1\n%s\n%s\n%s\n%lld\n%s", request_id, decision, code ? code : "",
			    (long long)ts, device_id);
}

char *push_canon_login(struct arena *a, const char *device_id, int64_t ts)
{
	return arena_printf(a, "authgate-device-v1\n%s\n%lld", device_id, (long long)ts);
}

enum ag_err push_sig_check(const struct push_device *d, const char *canon, int64_t ts, const char *sig)
{
	int64_t now = time_now_ms();
	if (ts < now - PUSH_SIG_SKEW_MS || ts > now + PUSH_SIG_SKEW_MS) {
		return AG_PUSH_STALE_SIGNATURE;
	}
	unsigned char pub[P256_PUB_LEN + 4], raw[P256_SIG_LEN + 4];
	if (!d->public_key || str_unb64url(pub, sizeof pub, d->public_key, strlen(d->public_key)) != P256_PUB_LEN ||
	    !sig || str_unb64url(raw, sizeof raw, sig, strlen(sig)) != P256_SIG_LEN ||
	    !p256_verify(pub, canon, strlen(canon), raw)) {
		return AG_PUSH_BAD_SIGNATURE;
	}
	return AG_OK;
}

enum ag_err push_nonce_spend(const char *canon)
{
	/* Keyed by the signed message, not the signature: ECDSA signatures are malleable
	 * ((r, s) and (r, n - s) both verify), the message is not. Kept past the skew
	 * window on both sides, then swept. */
	char h[65];
	sha256_hex(h, canon);
	enum ag_err e = db_exec(g_app.store, "INSERT INTO push_nonces (sig_hash, expires_at) VALUES ($1, $2)",
				P(SV_TEXT(h), SV_INT(time_now_ms() + 2 * PUSH_SIG_SKEW_MS)));
	return ag_err_is(e, AG_ECONFLICT) ? AG_PUSH_REPLAYED : e;
}
