/* mime.c — RFC 5322 / MIME message construction (see mime.h). Nothing from the
 * caller reaches a header unchecked: values with control characters are refused, and
 * non-ASCII text is carried in RFC 2047 encoded-words. */
#include "mail/mime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "sec/sec.h"

#define EW_OVERHEAD 12 /* "=?UTF-8?B?" + "?=" */
#define EW_MAX 75      /* RFC 2047 2: an encoded-word is at most 75 characters */

bool mime_header_ok(const char *s)
{
	if (!s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return str_is_utf8(s, strlen(s));
}

static bool is_ascii_text(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80)
			return false;
	return strstr(s, "=?") == NULL; /* would read as an encoded-word */
}

/* ASCII folded at blanks: a break goes before a space, so unfolding (removing CRLF)
 * gives the value back. Fails (-1) when some piece cannot fit a line. */
static int fold_ascii(struct buf *b, const char *s, size_t used)
{
	size_t col = used;
	const char *p = s;
	while (*p) {
		const char *q = p;
		while (*q == ' ')
			q++;
		while (*q && *q != ' ')
			q++;
		size_t n = (size_t)(q - p);
		if (col + n > MIME_HEADER_LINE && p != s && *p == ' ') {
			if (buf_puts(b, "\r\n"))
				return -1;
			col = 0;
		}
		if (col + n > MIME_HEADER_LINE)
			return -1;
		if (buf_append(b, p, n))
			return -1;
		col += n;
		p = q;
	}
	return 0;
}

static int encode_words(struct buf *b, const char *s, size_t used)
{
	size_t len = strlen(s), off = 0;
	bool first = true;
	if (len == 0)
		return 0;
	while (off < len) {
		size_t avail = first ? (used < MIME_HEADER_LINE ? MIME_HEADER_LINE - used : 0) : MIME_HEADER_LINE - 1;
		if (avail > EW_MAX)
			avail = EW_MAX;
		size_t raw = avail > EW_OVERHEAD ? (avail - EW_OVERHEAD) / 4 * 3 : 0;
		if (raw < 6) { /* no room left on the first line: the first word goes on the next */
			first = false;
			continue;
		}
		if (!first && buf_puts(b, "\r\n "))
			return -1;
		size_t n = len - off < raw ? len - off : raw;
		while (n > 0 && off + n < len && ((unsigned char)s[off + n] & 0xc0) == 0x80)
			n--; /* never split a UTF-8 sequence across words */
		char enc[80];
		str_b64(enc, (const unsigned char *)s + off, n);
		if (buf_printf(b, "=?UTF-8?B?%s?=", enc))
			return -1;
		off += n;
		first = false;
	}
	return 0;
}

int mime_header_text(struct buf *b, const char *s, size_t used)
{
	if (is_ascii_text(s)) {
		size_t mark = b->len;
		if (fold_ascii(b, s, used) == 0)
			return 0;
		b->len = mark; /* a piece too long to fold: encode instead */
		if (b->p)
			b->p[mark] = 0;
	}
	return encode_words(b, s, used);
}

static int qp_byte(struct buf *b, unsigned char c, size_t *col)
{
	static const char hex[] = "0123456789ABCDEF";
	char t[3] = {'=', hex[c >> 4], hex[c & 15]};
	if (*col + 3 > MIME_BODY_LINE - 1) {
		if (buf_puts(b, "=\r\n"))
			return -1;
		*col = 0;
	}
	*col += 3;
	return buf_append(b, t, 3);
}

static int qp_literal(struct buf *b, char c, size_t *col)
{
	if (*col + 1 > MIME_BODY_LINE - 1) {
		if (buf_puts(b, "=\r\n"))
			return -1;
		*col = 0;
	}
	*col += 1;
	return buf_append(b, &c, 1);
}

int mime_qp(struct buf *b, const char *s)
{
	size_t col = 0;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, "\r\n"); /* one line of the input */
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)p[i];
			bool at_start = col == 0;
			bool last = i + 1 == n;
			bool enc = c == '=' || c >= 0x7f || (c < 0x20 && c != '\t') ||
				   ((c == ' ' || c == '\t') && last) || (at_start && c == '.') ||
				   (at_start && c == 'F' && strncmp(p + i, "From ", 5) == 0);
			if (enc ? qp_byte(b, c, &col) : qp_literal(b, (char)c, &col))
				return -1;
		}
		p += n;
		if (*p == '\r' && p[1] == '\n')
			p += 2;
		else if (*p)
			p++;
		else
			break;
		if (buf_puts(b, "\r\n"))
			return -1;
		col = 0;
	}
	return 0;
}

bool mime_prefers_b64(const char *s)
{
	size_t n = 0, esc = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
		if (*p >= 0x7f || *p == '=')
			esc++;
	return esc * 3 > n;
}

int mime_b64(struct buf *b, const char *s)
{
	struct buf canon = BUF_INIT(MIME_MAX_BYTES);
	int rc = 0;
	for (const char *p = s; *p && !rc; p++) {
		if (*p == '\r' && p[1] == '\n')
			p++;
		rc = (*p == '\r' || *p == '\n') ? buf_puts(&canon, "\r\n") : buf_append(&canon, p, 1);
	}
	/* 57 input bytes make one 76-character line. */
	for (size_t off = 0; !rc && off < canon.len; off += 57) {
		size_t n = canon.len - off < 57 ? canon.len - off : 57;
		char line[80];
		str_b64(line, (const unsigned char *)canon.p + off, n);
		rc = buf_printf(b, "%s\r\n", line);
	}
	buf_free(&canon);
	return rc;
}

static void rfc5322_date(char out[40], int64_t ms)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 40, "%s, %d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
		 months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool ascii_atext_id(const char *s)
{
	/* Message-ID: dot-atom-text "@" dot-atom-text, printable, no specials. */
	const char *at = strchr(s, '@');
	if (!at || at == s || !at[1] || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; *p; p++)
		if (*p <= 32 || *p >= 127 || strchr("()<>[]:;,\\\" ", *p))
			return false;
	return true;
}

static int from_header(struct buf *b, const struct mime_msg *m)
{
	if (buf_puts(b, "From: "))
		return -1;
	const char *name = m->from_name;
	if (name && *name) {
		bool quoted = is_ascii_text(name) && strlen(name) <= 60;
		if (quoted) {
			if (buf_puts(b, "\""))
				return -1;
			for (const char *p = name; *p; p++)
				if ((*p == '"' || *p == '\\') ? buf_printf(b, "\\%c", *p) : buf_append(b, p, 1))
					return -1;
			if (buf_puts(b, "\""))
				return -1;
		} else if (encode_words(b, name, 6)) {
			return -1;
		}
		const char *nl = b->p ? strrchr(b->p, '\n') : NULL;
		size_t col = nl ? (size_t)(b->p + b->len - nl - 1) : b->len;
		size_t need = strlen(m->from_addr) + 3;
		if (buf_puts(b, col + need > MIME_HEADER_LINE ? "\r\n " : " "))
			return -1;
		return buf_printf(b, "<%s>\r\n", m->from_addr);
	}
	return buf_printf(b, "%s\r\n", m->from_addr);
}

/* One body part's headers and content, ending with CRLF. */
static int part(struct buf *b, const char *type, const char *content)
{
	bool b64 = mime_prefers_b64(content);
	int rc = buf_printf(b, "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: %s\r\n\r\n", type,
			    b64 ? "base64" : "quoted-printable");
	if (b64)
		return rc | mime_b64(b, content);
	rc |= mime_qp(b, content);
	return rc | buf_puts(b, "\r\n");
}

struct ag_error mime_build(struct arena *a, const struct mime_msg *m, char **out)
{
	const char *why = NULL;
	*out = NULL;
	if (!m->from_addr || !str_is_email(m->from_addr))
		why = "invalid sender address";
	else if (!m->to || !str_is_email(m->to))
		why = "invalid recipient address";
	else if (!mime_header_ok(m->subject))
		why = "subject has control characters or is not UTF-8";
	else if (m->from_name && !mime_header_ok(m->from_name))
		why = "sender name has control characters or is not UTF-8";
	else if (m->lang && (!*m->lang || strlen(m->lang) > 35 || strspn(m->lang, "abcdefghijklmnopqrstuvwxyz"
							"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(m->lang)))
		why = "invalid language tag";
	else if (!m->message_id || !ascii_atext_id(m->message_id))
		why = "invalid Message-ID";
	else if (!m->text || !str_is_utf8(m->text, strlen(m->text)) ||
		 (m->html && !str_is_utf8(m->html, strlen(m->html))))
		why = "body is not UTF-8";
	if (why)
		return AG_ERROR_MSG(AG_EINVAL, why);

	/* The boundary cannot occur in a part: quoted-printable never produces "=_" and
	 * base64 has neither '=' before other characters nor '_'. */
	unsigned char h[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1], date[40];
	sha256(h, m->message_id, strlen(m->message_id));
	str_hex(hex, h, 12);
	rfc5322_date(date, m->date_ms);

	struct buf b = BUF_INIT(MIME_MAX_BYTES);
	int rc = from_header(&b, m);
	rc |= buf_printf(&b, "To: %s\r\n", m->to);
	rc |= buf_puts(&b, "Subject: ");
	rc |= mime_header_text(&b, m->subject, 9);
	rc |= buf_printf(&b, "\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n", date, m->message_id);
	if (m->lang)
		rc |= buf_printf(&b, "Content-Language: %s\r\n", m->lang);
	rc |= buf_puts(&b, "Auto-Submitted: auto-generated\r\n");
	if (m->html) {
		rc |= buf_printf(&b, "Content-Type: multipart/alternative;\r\n boundary=\"=_ag_%s\"\r\n\r\n", hex);
		rc |= buf_printf(&b, "This is a MIME message with text and HTML versions.\r\n\r\n--=_ag_%s\r\n", hex);
		rc |= part(&b, "text/plain", m->text);
		rc |= buf_printf(&b, "--=_ag_%s\r\n", hex);
		rc |= part(&b, "text/html", m->html);
		rc |= buf_printf(&b, "--=_ag_%s--\r\n", hex);
	} else {
		rc |= part(&b, "text/plain", m->text);
	}
	if (!rc && b.p)
		*out = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return *out ? AG_ERROR(AG_OK) : AG_ERROR_MSG(AG_ETOOBIG, "message too large");
}
