/* totp.c — HOTP/TOTP and base32 (see totp.h) on OpenSSL's one-shot HMAC. */
#include "sec/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "sec/sec.h"

static const EVP_MD *md_of(enum otp_alg alg)
{
	return alg == OTP_SHA256 ? EVP_sha256() : alg == OTP_SHA512 ? EVP_sha512() : EVP_sha1();
}

void hotp(char out[TOTP_MAX_DIGITS + 1], enum otp_alg alg, const unsigned char *key, size_t keylen, uint64_t counter,
          int digits)
{
	if (digits < 6 || digits > TOTP_MAX_DIGITS)
		digits = TOTP_DIGITS;
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	for (int i = 7; i >= 0; i--, counter >>= 8)
		msg[i] = (unsigned char)(counter & 0xff);
	if (!HMAC(md_of(alg), key, (int)keylen, msg, sizeof msg, mac, &maclen) || maclen < 20) {
		memset(out, 'x', (size_t)digits); /* never a valid code: digits only match digits */
		out[digits] = 0;
		return;
	}
	/* RFC 4226 §5.3 dynamic truncation. */
	unsigned off = mac[maclen - 1] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
	               ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
	uint32_t mod = 1;
	for (int i = 0; i < digits; i++)
		mod *= 10;
	bin %= mod;
	for (int i = digits - 1; i >= 0; i--, bin /= 10)
		out[i] = (char)('0' + bin % 10);
	out[digits] = 0;
	sec_zero(mac, sizeof mac);
}

int64_t totp_match(enum otp_alg alg, const unsigned char *key, size_t keylen, const char *code, int digits,
                   int period_s, int64_t now_s, int window, int64_t after_step)
{
	if (!code || period_s <= 0 || now_s < 0 || window < 0 || window > 10 || strlen(code) != (size_t)digits)
		return -1;
	for (int i = 0; i < digits; i++)
		if (code[i] < '0' || code[i] > '9')
			return -1;
	int64_t now_step = now_s / period_s, found = -1;
	for (int64_t s = now_step - window; s <= now_step + window; s++) {
		if (s < 0)
			continue;
		char want[TOTP_MAX_DIGITS + 1];
		hotp(want, alg, key, keylen, (uint64_t)s, digits);
		bool eq = ct_eq(want, (size_t)digits, code, (size_t)digits);
		sec_zero(want, sizeof want);
		/* The first (oldest) matching step wins; later ones are still computed. */
		if (eq && found < 0 && s > after_step)
			found = s;
	}
	return found;
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

size_t base32_encode(char *out, const unsigned char *in, size_t n)
{
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = 0;
	return o;
}

long base32_decode(unsigned char *out, size_t outsz, const char *in)
{
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (const char *p = in; *p; p++) {
		char c = *p;
		if (c == ' ' || c == '=' || c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
		if (v < 0)
			return -1;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			if (o >= outsz)
				return -1;
			out[o++] = (unsigned char)((acc >> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return (long)o;
}
