/* log.h — structured logging: one JSON object per line on stderr. Never pass a secret
 * (password, code, token, key, cookie) to these functions; request logging redacts
 * them itself. Security events use log_security so a fail2ban filter can match
 * `"security":"<event>"` and `"ip":"<addr>"`. */
#ifndef AG_LOG_H
#define AG_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level l);
int log_level_parse(const char *s, enum log_level *out);
void log_msg(enum log_level l, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void log_security(const char *event, const char *ip, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Where security events go besides stderr (the stored security log, auth/seclog.c):
 * called with each log_security line's event, address (NULL when none) and message on
 * the caller's thread, so it must be quick and must not log a security event itself.
 * Set once before threads start; NULL turns it off. */
void log_set_security_sink(void (*fn)(const char *event, const char *ip, const char *msg));
/* Write one pre-built JSON line (no trailing newline needed). */
void log_raw_line(const char *line, unsigned long len);

#define log_info(ev, ...) log_msg(LOG_INFO, ev, __VA_ARGS__)
#define log_warn(ev, ...) log_msg(LOG_WARN, ev, __VA_ARGS__)
#define log_error(ev, ...) log_msg(LOG_ERROR, ev, __VA_ARGS__)
#define log_debug(ev, ...) log_msg(LOG_DEBUG, ev, __VA_ARGS__)

#endif
