/* Unit tests for push sign-in and webhooks: ES256 signatures as WebCrypto makes them
 * (a vector from Node's WebCrypto, and every way a signature or key can be malformed),
 * the SSRF guard's address classes (v4, v6, mapped, 6to4, NAT64), webhook URL checks,
 * the two webhook signatures (the Standard Webhooks reference vector) and the retry
 * schedule, and the canonical strings devices sign. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "auth/push.h"
#include "core/str.h"
#include "hook/hook.h"
#include "net/net.h"
#include "sec/ecdsa.h"

/* Made with Node's WebCrypto: generateKey P-256, exportKey raw, sign ECDSA SHA-256. */
static const char *vec_pub = "0450e0209d8c7d563e8bb5fde741964ccf7d0ca2546f5d20f4c79d4065950b36ed679a5ba9f63a41ae1901"
			     "36f9afa3e3bcb32862b18ab1d319d24a7203423d04a9";
static const char *vec_sig = "54d10946706e4fee59c09b39ffbcc0748b49a2ba3417d6b9d33573cb67b29b3602bff234245d58d2d0cd88ca"
			     "2f7e08518622c386ed63680cfc2e48613c4c6733";
static const char *vec_msg = "authgate-push-v1\npr_abc\napprove\n123456\n1711036800000\nag-abc123def456";

static void load(unsigned char pub[P256_PUB_LEN], unsigned char sig[P256_SIG_LEN])
{
	assert_int_equal(str_unhex(pub, vec_pub, P256_PUB_LEN), 0);
	assert_int_equal(str_unhex(sig, vec_sig, P256_SIG_LEN), 0);
}

static void test_p256_webcrypto_vector(void **state)
{
	unsigned char pub[P256_PUB_LEN], sig[P256_SIG_LEN];
	load(pub, sig);
	assert_true(p256_pub_valid(pub));
	assert_true(p256_verify(pub, vec_msg, strlen(vec_msg), sig));
	/* The message, as built by the server from the same fields. */
	struct arena *a = arena_new();
	const char *canon = push_canon_decision(a, "pr_abc", "approve", "123456", 1711036800000LL, "ag-abc123def456");
	assert_string_equal(canon, vec_msg);
	assert_true(p256_verify(pub, canon, strlen(canon), sig));
	assert_string_equal(push_canon_login(a, "ag-x", 5), "authgate-device-v1\nag-x\n5");
	assert_string_equal(push_canon_decision(a, "pr_1", "deny", NULL, 7, "ag-y"), "authgate-push-v1\npr_1\ndeny\n\n7\nag-y");
	arena_free(a);
}

static void test_p256_refusals(void **state)
{
	unsigned char pub[P256_PUB_LEN], sig[P256_SIG_LEN], bad[P256_SIG_LEN];
	load(pub, sig);
	/* another message */
	assert_false(p256_verify(pub, vec_msg, strlen(vec_msg) - 1, sig));
	/* one bit of r, one bit of s */
	memcpy(bad, sig, sizeof bad);
	bad[3] ^= 1;
	assert_false(p256_verify(pub, vec_msg, strlen(vec_msg), bad));
	memcpy(bad, sig, sizeof bad);
	bad[40] ^= 0x80;
	assert_false(p256_verify(pub, vec_msg, strlen(vec_msg), bad));
	/* r = 0, s = 0, r and s at or above the group order */
	memset(bad, 0, sizeof bad);
	assert_false(p256_verify(pub, vec_msg, strlen(vec_msg), bad));
	memcpy(bad, sig, 32);
	memset(bad + 32, 0, 32);
	assert_false(p256_verify(pub, vec_msg, strlen(vec_msg), bad));
	memset(bad, 0xff, sizeof bad);
	assert_false(p256_verify(pub, vec_msg, strlen(vec_msg), bad));
	/* keys: compressed prefix, off the curve, the point at infinity encoding */
	unsigned char k[P256_PUB_LEN];
	memcpy(k, pub, sizeof k);
	k[0] = 0x02;
	assert_false(p256_pub_valid(k));
	assert_false(p256_verify(k, vec_msg, strlen(vec_msg), sig));
	memcpy(k, pub, sizeof k);
	k[64] ^= 1;
	assert_false(p256_pub_valid(k));
	assert_false(p256_verify(k, vec_msg, strlen(vec_msg), sig));
	memset(k, 0, sizeof k);
	k[0] = 0x04;
	assert_false(p256_pub_valid(k));
}

static void test_ssrf_addresses(void **state)
{
	static const struct {
		const char *ip;
		bool strict, lax; /* allowed with allow_private false / true */
	} cases[] = {
		{"93.184.216.34", true, true},    {"8.8.8.8", true, true},        {"127.0.0.1", false, true},
		{"127.255.1.2", false, true},     {"10.1.2.3", false, true},      {"172.16.0.1", false, true},
		{"172.31.255.255", false, true},  {"172.32.0.1", true, true},     {"192.168.1.122", false, true},
		{"169.254.169.254", false, true}, {"100.64.0.1", false, true},    {"100.128.0.1", true, true},
		{"0.0.0.0", false, false},        {"224.0.0.1", false, false},    {"255.255.255.255", false, false},
		{"192.0.2.1", false, false},      {"::1", false, true},           {"::", false, false},
		{"fe80::1", false, true},         {"fc00::1", false, true},       {"fd12:3456::1", false, true},
		{"ff02::1", false, false},        {"2606:4700::1111", true, true}, {"::ffff:127.0.0.1", false, true},
		{"::ffff:8.8.8.8", true, true},   {"::ffff:10.0.0.1", false, true}, {"64:ff9b::a00:1", false, true},
		{"64:ff9b::808:808", true, true}, {"2002:7f00:1::", false, true}, {"2002:808:808::", true, true},
		{"::127.0.0.1", false, true},     {"2001:db8::1", false, false},  {"not an ip", false, false},
		{"", false, false},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		if (ssrf_addr_allowed(cases[i].ip, false) != cases[i].strict ||
		    ssrf_addr_allowed(cases[i].ip, true) != cases[i].lax)
			fail_msg("%s: expected strict=%d lax=%d", cases[i].ip, cases[i].strict, cases[i].lax);
	}
	assert_false(ssrf_addr_allowed(NULL, true));
}

static void test_webhook_urls(void **state)
{
	net_init();
	struct arena *a = arena_new();
#define OK(u, priv) assert_null(net_url_problem(a, u, priv))
#define NO(u, priv) assert_non_null(net_url_problem(a, u, priv))
	OK("https://example.com/hook", false);
	OK("https://93.184.216.34:8443/h?x=1", false);
	OK("http://127.0.0.1:9000/cb", true);
	OK("https://example.com", false);
	NO("http://example.com/hook", false);   /* plain http */
	NO("https://127.0.0.1/hook", false);    /* loopback */
	NO("https://[::1]/hook", false);
	NO("https://[::ffff:10.0.0.1]/h", false);
	NO("https://169.254.169.254/", false);  /* metadata */
	NO("https://localhost/h", false);
	NO("https://LOCALHOST/h", false);
	NO("https://api.localhost/h", false);
	NO("https://localhost.:443", false);    /* the same name with a trailing dot */
	NO("https://localhost.:443", true);
	NO("https://example.com./h", true);
	NO("https://example.com:0/h", true);    /* port 0 */
	NO("https://example.com:/h", true);     /* empty port: not the form it is read in */
	NO("https://example.com:08443/h", true);
	NO("https://example.com/h#x", false);   /* fragment */
	NO("https://u:p@example.com/h", true);  /* credentials */
	NO("https://example.com\\@evil.com/", true); /* read as two different hosts */
	NO("http://2130706433/", true);         /* numeric shorthand of 127.0.0.1 */
	NO("https://%6cocalhost/", true);
	NO("https:/example.com/h", true);
	NO("https://example.com/a/../h", true);
	NO("https://example.com/a/%2e%2E/h", true);
	NO("https://ex ample.com/", true);
	NO("https://ex\xc3\xa4mple.com/", true);
	NO("ftp://example.com/", true);
	NO("https://0.0.0.0/", true);           /* never */
	NO("not a url", true);
#undef OK
#undef NO
	arena_free(a);
	net_cleanup();
}

/* Origins as browsers send them (url_check_origin), by the same parser. */
static void test_origins(void **state)
{
	struct arena *a = arena_new();
	assert_null(url_check_origin(a, "https://app.example"));
	assert_null(url_check_origin(a, "http://127.0.0.1:3000"));
	assert_null(url_check_origin(a, "https://[::1]:8443"));
	static const char *const bad[] = {
		"https://app.example/", "https://app.example/x", "https://app.example?x", "https://app.example#x",
		"https://App.example", "https://app.example:443", "http://app.example:80", "https://app.example.",
		"https://app.example:0", "https://app.example:", "javascript:alert(1)", "null", "*", "",
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		if (!url_check_origin(a, bad[i]))
			fail_msg("accepted %s", bad[i]);
	struct url_parts u;
	assert_null(url_parse(a, "https://app.example:8443/a/b?x=1&y", &u));
	assert_true(u.https);
	assert_string_equal(u.host, "app.example");
	assert_int_equal(u.port, 8443);
	assert_string_equal(u.path, "/a/b");
	assert_string_equal(u.query, "x=1&y");
	assert_null(url_parse(a, "http://app.example?q", &u));
	assert_int_equal(u.port, 80);
	assert_false(u.has_path);
	assert_string_equal(u.path, "/");
	arena_free(a);
}

static void test_webhook_signatures(void **state)
{
	/* The Standard Webhooks reference vector. */
	char out[128];
	const char *body = "{\"test\": 2432232314}";
	assert_int_equal(hook_sign_standard(out, sizeof out, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
					    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body)),
			 0);
	assert_string_equal(out, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	assert_int_equal(hook_sign_standard(out, sizeof out, "no-prefix", "id", 1, body, strlen(body)), -1);
	/* The seed's: HMAC keyed by the secret string as given (Node createHmac). */
	const char *ev = "{\"event\":\"approved\"}";
	hook_sign_seed(out, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ev, strlen(ev));
	assert_string_equal(out, "sha256=5c72518d278dc7b93e05d704c8ef1277919d7b8cceeacfa1ff44fbdd6a4803cd");
}

static void test_retry_schedule(void **state)
{
	/* Standard Webhooks: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
	static const int64_t want[] = {5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000};
	for (int i = 0; i < 7; i++)
		assert_int_equal(hook_retry_delay_ms(i + 1), want[i]);
	assert_int_equal(hook_retry_delay_ms(HOOK_MAX_ATTEMPTS), -1);
	assert_int_equal(hook_retry_delay_ms(0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p256_webcrypto_vector), cmocka_unit_test(test_p256_refusals),
		cmocka_unit_test(test_ssrf_addresses),        cmocka_unit_test(test_webhook_urls), cmocka_unit_test(test_origins),
		cmocka_unit_test(test_webhook_signatures),    cmocka_unit_test(test_retry_schedule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
