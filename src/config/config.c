#include "config/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "net/net.h"

struct config g_cfg;

enum cfg_type { T_STR, T_INT, T_BOOL, T_SECRET };

struct cfg_def {
	const char *key;
	enum cfg_type type;
	size_t off, size;
	const char *dflt;
	int64_t min, max;
	const char *(*check)(const char *v); /* extra validation: NULL ok, else reason */
	const char *help;
};

static const char *check_url(const char *v)
{
	if (!*v)
		return NULL;
	struct arena *a = arena_new();
	struct url_parts u;
	const char *why = url_parse(a, v, &u);
	arena_free(a);
	return why ? "must be an http(s) URL of printable ASCII, in the form it is read in (no credentials, no "
		     "trailing dot, a port from 1 to 65535)"
		   : NULL;
}

static const char *check_db(const char *v)
{
	if (str_starts(v, "sqlite://") || str_starts(v, "postgres://") || str_starts(v, "postgresql://") || !*v)
		return NULL;
	return "must start with sqlite:// or postgres://";
}

static const char *check_smtp(const char *v)
{
	if (!*v || str_starts(v, "smtp://") || str_starts(v, "smtps://"))
		return NULL;
	return "must be smtp://host:port or smtps://host:port";
}

static const char *check_tls(const char *v)
{
	return (str_eq(v, "starttls") || str_eq(v, "try") || str_eq(v, "off")) ? NULL
									 : "must be starttls, try or off";
}

static const char *check_sms(const char *v)
{
	return (!*v || str_eq(v, "capture") || str_eq(v, "twilio") || str_eq(v, "webhook"))
		       ? NULL
		       : "must be capture, twilio or webhook";
}

static const char *check_readable(const char *v)
{
	return (!*v || access(v, R_OK) == 0) ? NULL : "cannot read this file";
}

static const char *check_level(const char *v)
{
	enum log_level l;
	return log_level_parse(v, &l) == 0 ? NULL : "must be debug, info, warn or error";
}

static const char *check_from(const char *v)
{
	return str_is_email(v) ? NULL : "must be an email address";
}

static const char *check_slug(const char *v)
{
	return !*v || str_is_slug(v, 63) ? NULL : "must be a project's app_id (lower-case letters, digits, '-')";
}

static const char *check_key(const char *v)
{
	if (!*v)
		return NULL;
	return strlen(v) == 43 || strlen(v) == 44 ? NULL : "must be 32 bytes in base64 (openssl rand -base64 32)";
}

#define S(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)
static const struct cfg_def defs[] = {
	{"AUTHGATE_HOST", T_STR, S(host), "127.0.0.1", 0, 0, NULL, "Address to listen on."},
	{"AUTHGATE_PORT", T_INT, S(port), "8080", 0, 65535, NULL, "TCP port (0 picks a free one and logs it)."},
	{"AUTHGATE_PUBLIC_URL", T_STR, S(public_url), "", 0, 0, check_url,
	 "Base URL users reach AuthGate at, used in mailed links. Default: http://HOST:PORT."},
	{"AUTHGATE_DATA_DIR", T_STR, S(data_dir), "./data", 0, 0, NULL,
	 "Directory for the SQLite database and the generated master key."},
	{"AUTHGATE_DATABASE_URL", T_STR, S(database_url), "", 0, 0, check_db,
	 "`sqlite:///abs/path.db` or `postgres://user@host:port/db`. Default: SQLite in the data dir."},
	{"AUTHGATE_MASTER_KEY", T_SECRET, S(master_key_b64), "", 0, 0, check_key,
	 "32-byte key (base64) that encrypts secrets at rest. Default: generated into DATA_DIR/master.key (0600). Set it on every node when several share PostgreSQL."},
	{"AUTHGATE_DEV", T_BOOL, S(dev), "false", 0, 0, NULL,
	 "Development mode: creates the `my-app` project and an admin token on first start, allows loopback webhook targets, captures mail when no SMTP server is set, serves /_dev/ routes to loopback clients. Never in production."},
	{"AUTHGATE_THREADS", T_INT, S(threads), "0", 0, 256, NULL,
	 "HTTP thread pool size (0 = one per core; at least 2 run even on one core)."},
	{"AUTHGATE_WORKERS", T_INT, S(workers), "0", 0, 256, NULL,
	 "Worker threads for slow work: password hashing, mail, webhooks (0 = cores, at least 2)."},
	{"AUTHGATE_MAX_CONNECTIONS", T_INT, S(max_connections), "20000", 16, 1000000, NULL,
	 "Concurrent connections (long-poll and SSE clients count)."},
	{"AUTHGATE_CONN_TIMEOUT", T_INT, S(conn_timeout_s), "30", 1, 3600, NULL,
	 "Seconds an idle or slow connection may live (long-polls keep their own deadline)."},
	{"AUTHGATE_REQUEST_TIMEOUT", T_INT, S(request_timeout_s), "60", 1, 3600, NULL,
	 "Seconds a client has to send a whole request, head and body; a slower one gets 408 (time idle between requests on a keep-alive connection does not count)."},
	{"AUTHGATE_SHUTDOWN_GRACE", T_INT, S(shutdown_grace_s), "10", 0, 600, NULL,
	 "Seconds in-flight requests get to finish after SIGTERM."},
	{"AUTHGATE_SMTP_URL", T_STR, S(smtp_url), "", 0, 0, check_smtp,
	 "SMTP server (`smtp://host:587`, `smtps://host:465`). Required unless AUTHGATE_DEV=true; in dev mode, unset means mail is captured (see /_dev/mail and `authgate mail list`)."},
	{"AUTHGATE_SMTP_USER", T_STR, S(smtp_user), "", 0, 0, NULL, "SMTP user name."},
	{"AUTHGATE_SMTP_PASSWORD", T_SECRET, S(smtp_password), "", 0, 0, NULL, "SMTP password."},
	{"AUTHGATE_SMTP_TLS", T_STR, S(smtp_tls), "starttls", 0, 0, check_tls,
	 "`starttls` (required), `try`, or `off` for smtp:// URLs."},
	{"AUTHGATE_SMTP_CA_FILE", T_STR, S(smtp_ca_file), "", 0, 0, check_readable,
	 "PEM file of CA certificates that verify the SMTP server (default: the system's CA store)."},
	{"AUTHGATE_MAIL_FROM", T_STR, S(mail_from), "no-reply@authgate.local", 0, 0, check_from,
	 "Envelope and header sender."},
	{"AUTHGATE_SMS_PROVIDER", T_STR, S(sms_provider), "", 0, 0, check_sms,
	 "How SMS codes leave: `twilio` (a Twilio-compatible HTTP API), `webhook` (a signed `sms.send` event to the project's webhooks) or `capture` (kept for `authgate sms list`, and for /_dev/sms in dev mode). Unset: capture in dev mode, SMS refused otherwise."},
	{"AUTHGATE_SMS_TWILIO_URL", T_STR, S(sms_twilio_url), "https://api.twilio.com", 0, 0, check_url,
	 "Base URL of the Twilio-compatible API (messages are POSTed to /2010-04-01/Accounts/SID/Messages.json)."},
	{"AUTHGATE_SMS_TWILIO_ACCOUNT_SID", T_STR, S(sms_twilio_sid), "", 0, 0, NULL, "Twilio account SID."},
	{"AUTHGATE_SMS_TWILIO_AUTH_TOKEN", T_SECRET, S(sms_twilio_token), "", 0, 0, NULL, "Twilio auth token."},
	{"AUTHGATE_SMS_FROM", T_STR, S(sms_from), "", 0, 0, NULL,
	 "Sender: an E.164 number, or a Messaging Service SID (`MG...`)."},
	{"AUTHGATE_LOG_LEVEL", T_STR, S(log_level), "info", 0, 0, check_level, "debug, info, warn or error."},
	{"AUTHGATE_ACCESS_LOG", T_BOOL, S(access_log), "true", 0, 0, NULL,
	 "One JSON line per request on stderr (secrets redacted)."},
	{"AUTHGATE_ALLOW_PRIVATE_NETWORK", T_BOOL, S(allow_private_network), "false", 0, 0, NULL,
	 "Let webhooks and outgoing requests reach private and loopback addresses (always on in dev mode)."},
	{"AUTHGATE_OAUTH_TIMEOUT", T_INT, S(oauth_timeout_s), "10", 1, 60, NULL,
	 "Seconds each call to an OAuth / OpenID provider may take (discovery, keys, token, profile)."},
	{"AUTHGATE_DEFAULT_PROJECT", T_STR, S(default_project), "", 0, 0, check_slug,
	 "The project (app_id) that serves end users' routes (/users/..., /auth/providers, forward-auth) reached without a /p/{app_id} prefix on a host no project claims (docs/USERS.md). Unset: `my-app` in dev mode, none otherwise."},
	{"AUTHGATE_TRUST_PROXY", T_BOOL, S(trust_proxy), "false", 0, 0, NULL,
	 "Take the client address from the last X-Forwarded-For entry (only behind your own proxy)."},
	{"AUTHGATE_PWHASH_MEM_KIB", T_INT, S(pwhash_mem_kib), "19456", 1024, 4194304, NULL,
	 "argon2id memory per hash, KiB (OWASP: 19456)."},
	{"AUTHGATE_PWHASH_OPS", T_INT, S(pwhash_ops), "2", 1, 64, NULL, "argon2id iterations (OWASP: 2)."},
	{"AUTHGATE_PWHASH_CONCURRENCY", T_INT, S(pwhash_concurrency), "0", 0, 1024, NULL,
	 "Password hashes in flight at once (0 = workers); memory = this x MEM_KIB."},
	{"AUTHGATE_METRICS_TOKEN", T_SECRET, S(metrics_token), "", 0, 0, NULL,
	 "If set, /metrics requires `Authorization: Bearer <token>`."},
	{"AUTHGATE_OUTBOX_MAX_ATTEMPTS", T_INT, S(outbox_max_attempts), "9", 1, 100, NULL,
	 "Delivery attempts for a mail or webhook before it is given up."},
	{"AUTHGATE_PUSH_TTL", T_INT, S(push_ttl_s), "300", 2, 3600, NULL,
	 "Seconds a push sign-in waits for its approval (`expires_in` of `POST /auth/start`; seed 000 shows 300)."},
	{"AUTHGATE_PUSH_START_IP_PER_MIN", T_INT, S(push_start_ip_per_min), "30", 1, 1000000, NULL,
	 "Push sign-ins (`POST /auth/start`) one client address may start per minute (also the burst)."},
	{"AUTHGATE_PUSH_START_EMAIL_PER_10MIN", T_INT, S(push_start_email_per_10min), "5", 1, 1000000, NULL,
	 "Push prompts one email address may receive per 10 minutes (also the burst): stops push bombing."},
	{"AUTHGATE_PUSH_DEVICE_IP_PER_MIN", T_INT, S(push_device_ip_per_min), "10", 1, 1000000, NULL,
	 "Device enrollments (`POST /app/api/enroll`) one client address may ask for per minute; code checks get twice that."},
	{"AUTHGATE_API_KEY_CLIENT_IP_PER_MIN", T_INT, S(api_key_client_ip_per_min), "6000", 1, 1000000000, NULL,
	 "Requests one project API key may make per minute (also the burst; per node) that name their end user's address (`X-AuthGate-Client-IP`, or the actions API's `ipAddress`), which then keys that request's per-address limits (docs/EMAIL.md). Past it: 429."},
	{"AUTHGATE_AUTH_RATE_PERCENT", T_INT, S(auth_rate_percent), "100", 1, 1000000, NULL,
	 "Scales every per-address and per-email limit of the sign-in endpoints (100 = the documented limits in docs/EMAIL.md; a benchmark from one address may raise it)."},
	{"AUTHGATE_ADMIN_SESSION_IDLE", T_INT, S(admin_session_idle_s), "1800", 60, 86400, NULL,
	 "Seconds a dashboard session may stay unused before it ends."},
	{"AUTHGATE_ADMIN_SESSION_MAX", T_INT, S(admin_session_max_s), "43200", 300, 2592000, NULL,
	 "Seconds a dashboard session lasts at most, used or not."},
	{"AUTHGATE_SECURITY_LOG_DAYS", T_INT, S(security_log_days), "30", 1, 3650, NULL,
	 "Days the security log and the admin audit log are kept (the dashboard's Activity page)."},
	{"AUTHGATE_OUTBOX_BACKOFF_SCALE", T_INT, S(outbox_backoff_scale), "100", 1, 1000, NULL,
	 "Percent of the outbox retry schedule (5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h). For tests; leave at 100."},
	{"AUTHGATE_OUTBOX_LEASE_SCALE", T_INT, S(outbox_lease_scale), "100", 1, 100, NULL,
	 "Percent of the 120 s lease an outbox attempt holds (a job whose worker died runs again when it ends). For tests; leave at 100."},
};

/* Printable ASCII only (a key or value echoed in an error must not write control
 * characters to a terminal or a log). */
static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* A value as an error may echo it. */
static const char *shown(const char *v)
{
	return printable(v, strlen(v)) ? v : "(unprintable characters)";
}

static int set_value(struct config *c, const struct cfg_def *d, const char *v, struct buf *errs)
{
	char *dst = (char *)c + d->off;
	switch (d->type) {
	case T_STR:
	case T_SECRET:
		if (strlen(v) >= d->size) {
			buf_printf(errs, "%s: longer than %zu bytes\n", d->key, d->size - 1);
			return 1;
		}
		if (d->check) {
			const char *why = d->check(v);
			if (why) {
				buf_printf(errs, "%s: %s\n", d->key, why);
				return 1;
			}
		}
		str_copy(dst, v, d->size);
		return 0;
	case T_INT: {
		int64_t n;
		if (str_to_i64(v, d->min, d->max, &n)) {
			buf_printf(errs, "%s: must be an integer from %lld to %lld (got \"%.40s\")\n", d->key,
				   (long long)d->min, (long long)d->max, shown(v));
			return 1;
		}
		*(int64_t *)(void *)dst = n;
		return 0;
	}
	case T_BOOL:
		if (str_ieq(v, "1") || str_ieq(v, "true") || str_ieq(v, "yes") || str_ieq(v, "on"))
			*(bool *)dst = true;
		else if (str_ieq(v, "0") || str_ieq(v, "false") || str_ieq(v, "no") || str_ieq(v, "off"))
			*(bool *)dst = false;
		else {
			buf_printf(errs, "%s: must be true or false (got \"%.40s\")\n", d->key, shown(v));
			return 1;
		}
		return 0;
	}
	return 1;
}

static const struct cfg_def *find_def(const char *key)
{
	for (size_t i = 0; i < ARRAY_LEN(defs); i++)
		if (strcmp(defs[i].key, key) == 0)
			return &defs[i];
	return NULL;
}

int config_parse(struct config *c, const char *text, size_t len, const char *source, struct buf *errs)
{
	int n = 0, lineno = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		lineno++;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *next = nl ? nl + 1 : end;
		if (le > p && le[-1] == '\r')
			le--;
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		if (p == le || *p == '#') {
			p = next;
			continue;
		}
		size_t ll = (size_t)(le - p);
		if (ll >= CONFIG_LINE_MAX || memchr(p, 0, ll)) {
			buf_printf(errs, "%s:%d: line longer than %d bytes or holding a NUL byte\n", source, lineno,
				   CONFIG_LINE_MAX - 1);
			n++;
			p = next;
			continue;
		}
		char line[CONFIG_LINE_MAX];
		memcpy(line, p, ll);
		line[ll] = 0;
		p = next;
		char *eq = strchr(line, '=');
		if (!eq) {
			buf_printf(errs, "%s:%d: expected KEY=value\n", source, lineno);
			n++;
			continue;
		}
		*eq = 0;
		char *k = line, *v = eq + 1;
		for (char *e = eq - 1; e >= k && (*e == ' ' || *e == '\t'); e--)
			*e = 0;
		while (*v == ' ' || *v == '\t')
			v++;
		const struct cfg_def *d = find_def(k);
		if (!d) {
			if (printable(k, strlen(k)))
				buf_printf(errs, "%.64s: unknown key (in %s line %d)\n", k, source, lineno);
			else
				buf_printf(errs, "%s:%d: unknown key\n", source, lineno);
			n++;
			continue;
		}
		n += set_value(c, d, v, errs);
	}
	return n;
}

static int load_file(struct config *c, const char *path, struct buf *errs)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		buf_printf(errs, "AUTHGATE_CONFIG: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	struct buf text = BUF_INIT(CONFIG_FILE_MAX);
	char chunk[4096];
	size_t got;
	bool big = false;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		big = big || buf_append(&text, chunk, got) != 0;
	bool failed = ferror(f);
	fclose(f);
	int n;
	if (failed || big) {
		buf_printf(errs, "AUTHGATE_CONFIG: cannot read %s%s\n", path, big ? ": larger than 1 MiB" : "");
		n = 1;
	} else {
		n = config_parse(c, text.p ? text.p : "", text.len, path, errs);
	}
	buf_free(&text);
	return n;
}

extern char **environ;

int config_load(struct config *c, const char *file, struct buf *errs)
{
	int n = 0;
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < ARRAY_LEN(defs); i++)
		n += set_value(c, &defs[i], defs[i].dflt, errs);
	const char *path = file ? file : getenv("AUTHGATE_CONFIG");
	if (path && *path)
		n += load_file(c, path, errs);
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "AUTHGATE_", 9) != 0)
			continue;
		const char *eq = strchr(*e, '=');
		if (!eq)
			continue;
		char key[128];
		size_t kl = (size_t)(eq - *e);
		if (kl >= sizeof key)
			continue;
		memcpy(key, *e, kl);
		key[kl] = 0;
		if (strcmp(key, "AUTHGATE_CONFIG") == 0 || str_starts(key, "AUTHGATE_TEST_"))
			continue;
		const struct cfg_def *d = find_def(key);
		if (!d) {
			buf_printf(errs, "%s: unknown key\n", key);
			n++;
			continue;
		}
		n += set_value(c, d, eq + 1, errs);
	}
	/* Derived defaults. */
	if (!c->public_url[0]) /* an IPv6 host in brackets, as a URL writes it */
		snprintf(c->public_url, sizeof c->public_url, strchr(c->host, ':') ? "http://[%s]:%lld" : "http://%s:%lld",
		         c->host, (long long)c->port);
	if (!c->default_project[0] && c->dev)
		snprintf(c->default_project, sizeof c->default_project, "my-app"); /* make run's project */
	size_t pl = strlen(c->public_url);
	while (pl && c->public_url[pl - 1] == '/')
		c->public_url[--pl] = 0;
	if (!c->database_url[0]) {
		if (snprintf(c->database_url, sizeof c->database_url, "sqlite://%s/authgate.db", c->data_dir) >=
		    (int)sizeof c->database_url) {
			buf_printf(errs, "AUTHGATE_DATA_DIR: path too long\n");
			n++;
		}
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores < 1)
		cores = 1;
	if (c->threads == 0)
		c->threads = cores;
	if (c->workers == 0)
		c->workers = cores < 2 ? 2 : cores;
	if (c->pwhash_concurrency == 0)
		c->pwhash_concurrency = c->workers;
	if (c->dev)
		c->allow_private_network = true;
	return n;
}

int config_serve_problems(const struct config *c, struct buf *errs)
{
	if (c->dev || c->smtp_url[0])
		return 0;
	buf_puts(errs, "AUTHGATE_SMTP_URL: required outside dev mode (mail carries sign-in codes and links, and only "
		       "AUTHGATE_DEV=true captures it for /_dev/mail); set it, or AUTHGATE_DEV=true on a development machine\n");
	return 1;
}

void config_docs(struct buf *out)
{
	buf_puts(out, "| Variable | Type | Default | Meaning |\n|---|---|---|---|\n");
	for (size_t i = 0; i < ARRAY_LEN(defs); i++) {
		const struct cfg_def *d = &defs[i];
		const char *t = d->type == T_INT ? "integer" : d->type == T_BOOL ? "boolean" : d->type == T_SECRET ? "secret" : "string";
		buf_printf(out, "| `%s` | %s | %s%s%s | %s |\n", d->key, t, *d->dflt ? "`" : "", *d->dflt ? d->dflt : "(unset)",
			   *d->dflt ? "`" : "", d->help);
	}
}
