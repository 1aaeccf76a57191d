/* passwords.h — the password rules of seed 001 (8-128 characters, at least one letter
 * and one number) and argon2id hashing with a bound on hashes in flight
 * (AUTHGATE_PWHASH_CONCURRENCY; memory = that x AUTHGATE_PWHASH_MEM_KIB). A hash takes
 * tens of milliseconds: call these from a worker (req_async), never a connection thread. */
#ifndef AG_PASSWORDS_H
#define AG_PASSWORDS_H

#include <stdbool.h>

#include "core/err.h"
#include "sec/sec.h"

#define PASSWORD_MIN_CHARS 8
#define PASSWORD_MAX_CHARS 128
#define PASSWORD_MAX_BYTES (PASSWORD_MAX_CHARS * 4) /* UTF-8: the field table's byte cap */

/* NULL when pw follows the rules, else a message for the client. Characters are
 * Unicode code points; a letter is an ASCII letter or a code point of a letter block
 * (Latin, Greek, Cyrillic, Hebrew, Arabic, Thai, kana, CJK, Hangul...); a number is 0-9.
 * Control characters are refused. */
const char *password_check_rules(const char *pw);

/* Once at start-up (before threads): bound concurrent hashes and compute the dummy
 * hash that unknown accounts are verified against. 0 on success. */
int password_init(int concurrency);

/* argon2id hash with the configured parameters. */
enum ag_err password_hash(char out[PWHASH_MAX], const char *pw) MUST_CHECK;

/* Verify pw against hash. A NULL hash (unknown account, or one without a password)
 * is verified against the dummy hash, so it costs the same time, and fails.
 * *rehash is set when a successful verify found outdated parameters. */
bool password_verify(const char *hash, const char *pw, bool *rehash) MUST_CHECK;

#endif
