/* Unit tests of the OAuth engine's pure parts: the provider registry and which issuer an
 * ID token must name (Microsoft's multi-tenant endpoints issue under the user's tenant). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "auth/oauth.h"

static void test_registry(void **state)
{
	const char *names[] = {"google", "github", "microsoft", "gitlab", "discord", "apple", "oidc"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct oauth_provider_def *d = oauth_provider_find(names[i]);
		assert_non_null(d);
		assert_string_equal(d->name, names[i]);
		/* OIDC kinds are discovered (an issuer, or one the project must give); plain
		 * OAuth 2.0 kinds have every endpoint */
		if (d->kind == OAUTH_KIND_OIDC)
			assert_true(d->issuer || d->needs_issuer);
		else
			assert_true(d->authorize_url && d->token_url && d->userinfo_url);
	}
	assert_null(oauth_provider_find("email"));
	assert_null(oauth_provider_find(NULL));
	assert_false(oauth_provider_find("microsoft")->trusts_email_verified);
	assert_true(oauth_provider_find("apple")->form_post && oauth_provider_find("apple")->secret_is_es256_jwt);
}

static void test_token_issuer(void **state)
{
	struct arena *a = arena_new();
	const char *tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
	assert_string_equal(oauth_token_issuer(a, "https://accounts.google.com", tid), "https://accounts.google.com");
	assert_string_equal(oauth_token_issuer(a, "https://login.microsoftonline.com/common/v2.0", tid),
	                    "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0");
	assert_string_equal(oauth_token_issuer(a, "https://login.microsoftonline.com/organizations/v2.0", tid),
	                    "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0");
	/* single tenant: exactly the configured issuer, whatever tid says */
	const char *single = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
	assert_string_equal(oauth_token_issuer(a, single, tid), single);
	/* a tid that is not a tenant id cannot choose the issuer */
	assert_null(oauth_token_issuer(a, "https://login.microsoftonline.com/common/v2.0", NULL));
	assert_null(oauth_token_issuer(a, "https://login.microsoftonline.com/common/v2.0", "evil.example/x"));
	assert_null(oauth_token_issuer(a, "https://login.microsoftonline.com/common/v2.0",
	                               "9188040D-6C67-4C5B-B112-36A304B66DAD0"));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry),
	    cmocka_unit_test(test_token_issuer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
