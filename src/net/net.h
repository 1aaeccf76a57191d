/* net.h — outgoing network protocols on libcurl (the only module that includes
 * curl.h): SMTP submission of one message. net_init runs curl's global set-up once,
 * before any thread uses the network. */
#ifndef AG_NET_H
#define AG_NET_H

#include <stddef.h>

/* Once at start-up, before threads: 0 on success. net_cleanup at exit. */
int net_init(void);
void net_cleanup(void);

/* What one SMTP transaction came to. */
enum smtp_result {
	SMTP_SENT,      /* the server accepted the message (250 after DATA) */
	SMTP_TEMPFAIL,  /* worth retrying: connection/TLS/auth trouble, timeouts, 4xx replies */
	SMTP_PERMFAIL,  /* the server refused this message for good: a 5xx to MAIL, RCPT or DATA */
};

struct smtp_opts {
	const char *url;      /* smtp://host:port[/ehlo-name] or smtps://host:port (implicit TLS) */
	const char *tls;      /* for smtp://: "starttls" (required), "try" or "off" */
	const char *user;     /* NULL or "" = no AUTH */
	const char *password; /* never logged */
	const char *ca_file;  /* NULL or "" = the system's CA store */
};

#define SMTP_CONNECT_TIMEOUT_MS 10000
#define SMTP_TOTAL_TIMEOUT_MS 30000

/* Send one RFC 5322 message (CRLF lines) from envelope sender `from` to `rcpt`.
 * On failure `err` gets a short reason fit for logs (no password, no message text). */
enum smtp_result smtp_send(const struct smtp_opts *o, const char *from, const char *rcpt, const char *msg,
			   size_t len, char *err, size_t errsz);

#endif
