/* ecdsa.h — ECDSA P-256 (ES256) signature checks for device keys. Keys are the raw
 * uncompressed point (0x04 || X || Y, 65 bytes) a browser exports with WebCrypto;
 * signatures are WebCrypto's IEEE P1363 form (r || s, 64 bytes), converted to DER for
 * OpenSSL here. */
#ifndef AG_ECDSA_H
#define AG_ECDSA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define P256_PUB_LEN 65
#define P256_SIG_LEN 64
#define P256_COORD_LEN 32

/* Is pub a valid point on P-256 (not the point at infinity, on the curve)? */
bool p256_pub_valid(const unsigned char pub[P256_PUB_LEN]) MUST_CHECK;

/* Verify sig (r || s) over SHA-256(msg) with pub. False for any malformed input,
 * including r or s of zero or not below the group order. */
bool p256_verify(const unsigned char pub[P256_PUB_LEN], const void *msg, size_t n,
		 const unsigned char sig[P256_SIG_LEN]) MUST_CHECK;

#endif
