/* totp.h — one-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238) on HMAC-SHA1,
 * SHA-256 or SHA-512, and the base32 (RFC 4648, no padding) that authenticator apps
 * and `oathtool --base32` exchange secrets in. Pure functions: replay protection (a
 * code accepted at most once) belongs to the caller, who records the matched step. */
#ifndef AG_TOTP_H
#define AG_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum otp_alg { OTP_SHA1, OTP_SHA256, OTP_SHA512 };

#define TOTP_SECRET_LEN 20 /* 160 bits: RFC 4226's recommended length for SHA-1 */
#define TOTP_DIGITS 6
#define TOTP_PERIOD_S 30
#define TOTP_MAX_DIGITS 8

/* HOTP value of counter with `digits` (6..8) decimal digits, NUL-terminated into out. */
void hotp(char out[TOTP_MAX_DIGITS + 1], enum otp_alg alg, const unsigned char *key, size_t keylen, uint64_t counter,
          int digits);

/* TOTP check: does `code` match a step in [step(now) - window, step(now) + window]?
 * Returns the matched step (>= 0), or -1. Steps are compared in constant time and all
 * of them are computed, so the answer's timing says nothing about which one matched.
 * Steps <= after_step are skipped (the caller's replay fence: the last step used). */
int64_t totp_match(enum otp_alg alg, const unsigned char *key, size_t keylen, const char *code, int digits,
                   int period_s, int64_t now_s, int window, int64_t after_step) MUST_CHECK;

/* Base32 without padding, upper case: out needs ceil(n*8/5)+1 bytes. */
size_t base32_encode(char *out, const unsigned char *in, size_t n);
/* Decode base32 (case-insensitive, spaces and '=' padding ignored); bytes written or -1. */
long base32_decode(unsigned char *out, size_t outsz, const char *in);

#endif
