/* passwords.c — password rules and bounded argon2id hashing (see passwords.h). */
#include "auth/passwords.h"

#include <semaphore.h>
#include <stdint.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/str.h"

static sem_t slots;
static bool slots_ready;
static char dummy_hash[PWHASH_MAX];

/* Every argon2id computation a request asked for, by kind. A sign-in with an unknown
 * address verifies the dummy hash, so it counts one "verify" exactly as a wrong password
 * does: the no-enumeration property, checked without a clock (email_enumeration.test.mjs;
 * the timing comparison is a row of make bench). */
static struct metric_counter m_hash = {"authgate_argon2id_total{op=\"hash\"}",
				       "argon2id computations (password hashes and verifications)", 0, NULL};
static struct metric_counter m_verify = {"authgate_argon2id_total{op=\"verify\"}",
					 "argon2id computations (password hashes and verifications)", 0, NULL};

static bool is_letter(uint32_t c)
{
	static const uint32_t ranges[][2] = {
		{'A', 'Z'},         {'a', 'z'},         {0x00C0, 0x00D6},   {0x00D8, 0x00F6},
		{0x00F8, 0x024F},   {0x0370, 0x03FF},   {0x0400, 0x052F},   {0x05D0, 0x05EA},
		{0x0620, 0x064A},   {0x0E01, 0x0E30},   {0x1E00, 0x1FFF},   {0x3040, 0x30FF},
		{0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
	};
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
		if (c >= ranges[i][0] && c <= ranges[i][1])
			return c != 0x00D7 && c != 0x00F7;
	return false;
}

const char *password_check_rules(const char *pw)
{
	if (!pw)
		return "password is required";
	size_t chars = 0;
	bool letter = false, digit = false;
	const char *s = pw, *end = pw + strlen(pw);
	while (s < end) {
		uint32_t c = str_utf8_next(&s, end);
		if (c == STR_UTF8_BAD)
			return "password must be UTF-8";
		if (c < 0x20 || c == 0x7F)
			return "password must not contain control characters";
		chars++;
		if (c >= '0' && c <= '9')
			digit = true;
		else if (is_letter(c))
			letter = true;
	}
	if (chars < PASSWORD_MIN_CHARS)
		return "password must be at least 8 characters";
	if (chars > PASSWORD_MAX_CHARS)
		return "password must be at most 128 characters";
	if (!letter)
		return "password must contain at least 1 letter";
	if (!digit)
		return "password must contain at least 1 number";
	return NULL;
}

int password_init(int concurrency)
{
	if (!slots_ready) {
		if (sem_init(&slots, 0, (unsigned)(concurrency > 0 ? concurrency : 1)))
			return -1;
		slots_ready = true;
		metrics_register_counter(&m_verify);
		metrics_register_counter(&m_hash);
	}
	char pw[32];
	rand_token(pw, 16);
	int rc = pwhash_hash(dummy_hash, pw, strlen(pw));
	sec_zero(pw, sizeof pw);
	if (rc)
		log_error("passwords", "cannot compute the dummy hash (out of memory?)");
	return rc ? -1 : 0;
}

static void slot_take(void)
{
	if (slots_ready)
		while (sem_wait(&slots) != 0)
			;
}

static void slot_give(void)
{
	if (slots_ready)
		sem_post(&slots);
}

enum ag_err password_hash(char out[PWHASH_MAX], const char *pw)
{
	slot_take();
	int rc = pwhash_hash(out, pw, strlen(pw));
	slot_give();
	metric_inc(&m_hash);
	if (rc) {
		log_error("passwords", "argon2id hashing failed (out of memory?)");
		return AG_EUNAVAIL;
	}
	return AG_OK;
}

bool password_verify(const char *hash, const char *pw, bool *rehash)
{
	*rehash = false;
	bool real = hash && *hash;
	slot_take();
	bool ok = pwhash_verify(real ? hash : dummy_hash, pw, strlen(pw));
	slot_give();
	metric_inc(&m_verify);
	if (!real)
		return false;
	if (ok)
		*rehash = pwhash_needs_rehash(hash);
	return ok;
}
