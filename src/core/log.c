#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"

static _Atomic int min_level = LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level l)
{
	atomic_store(&min_level, (int)l);
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (str_ieq(s, names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

void log_raw_line(const char *line, unsigned long len)
{
	struct buf b = BUF_INIT(0);
	if (buf_append(&b, line, len) == 0 && buf_append(&b, "\n", 1) == 0) {
		ssize_t w = write(STDERR_FILENO, b.p, b.len);
		(void)w;
	}
	buf_free(&b);
}

static void emit(enum log_level l, const char *kind, const char *event, const char *ip, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
static void emit(enum log_level l, const char *kind, const char *event, const char *ip, const char *fmt,
		 va_list ap)
{
	if ((int)l < atomic_load(&min_level))
		return;
	char ts[32], msg[1024];
	time_iso8601(ts, time_now_ms(), true);
	vsnprintf(msg, sizeof msg, fmt, ap);
	struct buf b = BUF_INIT(4096);
	buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"%s\":", ts, names[l], kind);
	json_buf_str(&b, event);
	if (ip) {
		buf_puts(&b, ",\"ip\":");
		json_buf_str(&b, ip);
	}
	buf_puts(&b, ",\"msg\":");
	json_buf_str(&b, msg);
	buf_puts(&b, "}");
	if (b.p)
		log_raw_line(b.p, b.len);
	buf_free(&b);
}

void log_msg(enum log_level l, const char *event, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(l, "event", event, NULL, fmt, ap);
	va_end(ap);
}

static void (*security_sink)(const char *event, const char *ip, const char *msg);

void log_set_security_sink(void (*fn)(const char *event, const char *ip, const char *msg))
{
	security_sink = fn;
}

static void emit_security(const char *event, const char *ip, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void emit_security(const char *event, const char *ip, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(LOG_WARN, "security", event, ip, fmt, ap);
	va_end(ap);
}

void log_security(const char *event, const char *ip, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	emit_security(event, ip ? ip : "-", "%s", msg);
	if (security_sink)
		security_sink(event, ip, msg);
}
