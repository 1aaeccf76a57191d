/* hash.c — SipHash-2-4 (Aumasson and Bernstein, 2012) with a per-process key (see
 * hash.h). The key comes from getrandom(2) at first use; core/ has no other source of
 * randomness (sec/ is above it). */
#include "core/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static uint64_t k0, k1;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void draw_key(void)
{
	uint64_t k[2];
	size_t got = 0;
	while (got < sizeof k) {
		ssize_t n = getrandom((char *)k + got, sizeof k - got, 0);
		if (n <= 0)
			abort(); /* no kernel randomness: nothing safe to run on */
		got += (size_t)n;
	}
	k0 = k[0];
	k1 = k[1];
}

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                                                              \
	do {                                                                                                  \
		v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32);                                    \
		v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;                                                        \
		v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;                                                        \
		v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32);                                    \
	} while (0)

static uint64_t load_le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t siphash24(uint64_t key0, uint64_t key1, const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t v0 = key0 ^ 0x736f6d6570736575ULL, v1 = key1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = key0 ^ 0x6c7967656e657261ULL, v3 = key1 ^ 0x7465646279746573ULL;
	size_t whole = n & ~(size_t)7;
	for (size_t i = 0; i < whole; i += 8) {
		uint64_t m = load_le64(p + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t last = (uint64_t)n << 56;
	for (size_t i = 0; i < (n & 7); i++)
		last |= (uint64_t)p[whole + i] << (8 * i);
	v3 ^= last;
	SIPROUND;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t hash_bytes(const void *data, size_t n)
{
	pthread_once(&once, draw_key);
	return siphash24(k0, k1, data, n);
}

uint64_t hash_str(const char *s)
{
	return hash_bytes(s, strlen(s));
}
