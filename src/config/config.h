/* config.h — typed configuration from AUTHGATE_* environment variables and an optional
 * file (KEY=value lines; the environment wins). The table in config.c is the single
 * source of truth: it validates, supplies defaults, and prints the README's table
 * (`authgate config docs`). */
#ifndef AG_CONFIG_H
#define AG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"

struct config {
	char host[64];
	int64_t port;
	char public_url[512];
	char data_dir[512];
	char database_url[1024];
	char master_key_b64[128];
	bool dev;
	int64_t threads;
	int64_t workers;
	int64_t max_connections;
	int64_t conn_timeout_s;
	int64_t request_timeout_s;
	int64_t shutdown_grace_s;
	char smtp_url[512];
	char smtp_user[256];
	char smtp_password[256];
	char smtp_tls[16]; /* "starttls" (required), "try", "off" */
	char smtp_ca_file[512];
	char mail_from[320];
	char sms_provider[16];      /* "" (capture in dev mode), "capture", "twilio", "webhook" */
	char sms_twilio_url[512];   /* base URL of a Twilio-compatible API */
	char sms_twilio_sid[128];
	char sms_twilio_token[256];
	char sms_from[64];          /* E.164 sender, or a Messaging Service SID (MG...) */
	char log_level[16];
	bool access_log;
	bool allow_private_network;
	bool trust_proxy;
	char default_project[64]; /* app_id of end users' routes without a project (docs/USERS.md) */
	int64_t oauth_timeout_s;
	int64_t pwhash_mem_kib;
	int64_t pwhash_ops;
	int64_t pwhash_concurrency;
	char metrics_token[256];
	int64_t outbox_max_attempts;
	int64_t push_ttl_s;
	int64_t push_start_ip_per_min;
	int64_t api_key_client_ip_per_min; /* requests per API key naming an end user's address */
	int64_t push_start_email_per_10min;
	int64_t push_device_ip_per_min;
	int64_t auth_rate_percent;
	int64_t admin_session_idle_s; /* dashboard sessions: unused this long end */
	int64_t admin_session_max_s;  /* ... and this long in all */
	int64_t security_log_days;
	int64_t outbox_backoff_scale; /* percent of the retry schedule (tests lower it) */
	int64_t outbox_lease_scale;   /* percent of the 120 s attempt lease (tests lower it) */
};

/* Load defaults, then the file named by AUTHGATE_CONFIG (or `file` when non-NULL),
 * then the environment. Every problem is appended to errs as "KEY: reason\n";
 * returns the number of problems. */
int config_load(struct config *c, const char *file, struct buf *errs);

#define CONFIG_LINE_MAX 2048          /* bytes per line of a configuration file */
#define CONFIG_FILE_MAX (1024 * 1024) /* bytes of a configuration file */

/* Apply the KEY=value lines of a configuration file's text (n bytes, named `source` in
 * errors) to c: blank lines and '#' comments skipped, blanks around the key and before
 * the value ignored, CRLF accepted. A line over CONFIG_LINE_MAX or with a NUL byte is
 * an error, never split into two settings. Returns the number of problems. */
int config_parse(struct config *c, const char *text, size_t n, const char *source, struct buf *errs);

/* What `authgate serve` needs beyond valid values (the other commands do not): an SMTP
 * server unless in dev mode — mail carries sign-in codes and links, and only dev mode
 * may keep it in the database for the /_dev/mail viewer. Appends "KEY: reason\n" to
 * errs; returns the number of problems. */
int config_serve_problems(const struct config *c, struct buf *errs);

/* The markdown table of every key (for README.md). */
void config_docs(struct buf *out);

/* The process-wide configuration, set once by main before threads start. */
extern struct config g_cfg;

#endif
