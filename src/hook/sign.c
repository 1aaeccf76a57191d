/* sign.c — the two webhook signatures. Both come from one secret string
 * "whsec_<base64>": the seed's X-AuthGate-Signature keys HMAC with the string as
 * given (what the seed's Express and FastAPI handlers do), Standard Webhooks keys it
 * with the decoded bytes after the prefix (what its libraries do). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "hook/hook.h"
#include "sec/sec.h"

void hook_sign_seed(char *out, const char *secret, const char *body, size_t n)
{
	unsigned char mac[SHA256_LEN];
	hmac_sha256(mac, secret, strlen(secret), body, n);
	memcpy(out, "sha256=", 7);
	str_hex(out + 7, mac, SHA256_LEN);
}

int hook_sign_standard(char *out, size_t outsz, const char *secret, const char *id, int64_t ts, const char *body,
		       size_t n)
{
	const size_t pl = strlen(HOOK_SECRET_PREFIX);
	if (strncmp(secret, HOOK_SECRET_PREFIX, pl) != 0 || outsz < 4 + 4 * ((SHA256_LEN + 2) / 3) + 1)
		return -1;
	unsigned char key[128];
	long kl = str_unb64(key, sizeof key, secret + pl, strlen(secret + pl));
	if (kl <= 0)
		return -1;
	char prefix[160];
	int pn = snprintf(prefix, sizeof prefix, "%s.%lld.", id, (long long)ts);
	if (pn < 0 || (size_t)pn >= sizeof prefix)
		return -1;
	unsigned char mac[SHA256_LEN];
	size_t total = (size_t)pn + n;
	char *msg = malloc(total ? total : 1);
	if (!msg)
		return -1;
	memcpy(msg, prefix, (size_t)pn);
	memcpy(msg + pn, body, n);
	hmac_sha256(mac, key, (size_t)kl, msg, total);
	free(msg);
	sec_zero(key, sizeof key);
	memcpy(out, "v1,", 3);
	str_b64(out + 3, mac, SHA256_LEN);
	return 0;
}

/* One "v1,<base64>" entry of a space-separated webhook-signature header matches? */
static bool standard_matches(const char *header, const char *want)
{
	size_t wl = strlen(want);
	for (const char *p = header; p && *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n && ct_eq(p, n, want, wl))
			return true;
		p += n;
	}
	return false;
}

void hook_verify(const char *secret, const char *body, size_t n, const char *seed_header, const char *id,
		 const char *ts, const char *standard_header, struct hook_check *out)
{
	memset(out, 0, sizeof *out);
	hook_sign_seed(out->seed_expected, secret, body, n);
	out->seed_ok = seed_header && ct_streq(out->seed_expected, seed_header);
	int64_t t;
	if (!id || !ts || str_to_i64(ts, 0, INT64_MAX, &t) ||
	    hook_sign_standard(out->standard_expected, sizeof out->standard_expected, secret, id, t, body, n))
		return;
	out->standard_ok = standard_header && standard_matches(standard_header, out->standard_expected);
}
