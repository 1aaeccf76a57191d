/* smtp.c — submit one message over SMTP with libcurl: implicit TLS (smtps://) or
 * STARTTLS (required, opportunistic or off), AUTH when a user is configured, bounded
 * connect and total time. Failures are classified for the outbox: a 5xx refusal of the
 * message is permanent, anything else (4xx, network, TLS, auth) is worth a retry. */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "net/net.h"

int net_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void net_cleanup(void)
{
	curl_global_cleanup();
}

struct upload {
	const char *p;
	size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
	struct upload *u = ud;
	size_t n = size * nmemb;
	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

static long use_ssl(const struct smtp_opts *o)
{
	if (str_starts(o->url, "smtps://"))
		return (long)CURLUSESSL_ALL; /* implicit TLS: the whole connection is TLS */
	if (str_eq(o->tls, "off"))
		return (long)CURLUSESSL_NONE;
	if (str_eq(o->tls, "try"))
		return (long)CURLUSESSL_TRY;
	return (long)CURLUSESSL_ALL;
}

/* A 5xx to MAIL FROM / RCPT TO / DATA is a refusal of this message: retrying will not
 * change it. A 5xx to AUTH (535: credentials refused) will not change either until an
 * operator fixes the configuration: retrying for hours would only hide it, so it fails
 * at once (SMTP_AUTHFAIL). A 4xx to AUTH (454) and TLS or network trouble are retried. */
static enum smtp_result classify(CURLcode rc, long reply)
{
	if (rc == CURLE_OK)
		return SMTP_SENT;
	if (reply >= 500 && reply < 600 && rc == CURLE_LOGIN_DENIED)
		return SMTP_AUTHFAIL;
	if (reply >= 500 && reply < 600 &&
	    (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_WEIRD_SERVER_REPLY))
		return SMTP_PERMFAIL;
	return SMTP_TEMPFAIL;
}

enum smtp_result smtp_send(const struct smtp_opts *o, const char *from, const char *rcpt, const char *msg,
			   size_t len, char *err, size_t errsz)
{
	enum smtp_result res = SMTP_TEMPFAIL;
	char ebuf[CURL_ERROR_SIZE] = "";
	char from_env[400], rcpt_env[400];
	struct curl_slist *rcpts = NULL;
	struct upload up = {msg, len};
	snprintf(err, errsz, "smtp: cannot start a transfer");
	CURL *c = curl_easy_init();
	if (!c)
		return SMTP_TEMPFAIL;
	snprintf(from_env, sizeof from_env, "<%s>", from);
	snprintf(rcpt_env, sizeof rcpt_env, "<%s>", rcpt);
	rcpts = curl_slist_append(NULL, rcpt_env);
	if (!rcpts)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, o->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)SMTP_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)SMTP_TOTAL_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl(o));
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file && *o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->user && *o->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, o->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, o->password ? o->password : "");
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from_env);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);

	CURLcode rc = curl_easy_perform(c);
	long reply = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
	res = classify(rc, reply);
	if (res == SMTP_SENT)
		snprintf(err, errsz, "%s", "");
	else if (res == SMTP_AUTHFAIL)
		snprintf(err, errsz,
			 "smtp: the server refused AuthGate's credentials (reply %ld): check AUTHGATE_SMTP_USER and "
			 "AUTHGATE_SMTP_PASSWORD; not retried",
			 reply);
	else if (reply)
		snprintf(err, errsz, "smtp: %s (last reply %ld)", ebuf[0] ? ebuf : curl_easy_strerror(rc), reply);
	else
		snprintf(err, errsz, "smtp: %s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
out:
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(c);
	return res;
}
