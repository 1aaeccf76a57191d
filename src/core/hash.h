/* hash.h — the one string hash for in-memory tables: SipHash-2-4 under a random key
 * drawn once per process. Keys of our tables are often chosen by clients (addresses,
 * emails, origins), and an unkeyed hash (FNV) lets anyone send keys that all land in
 * one bucket; a keyed one does not. */
#ifndef AG_HASH_H
#define AG_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t hash_bytes(const void *data, size_t n);
uint64_t hash_str(const char *s);
/* SipHash-2-4 under a given key (the reference test vectors check it). */
uint64_t siphash24(uint64_t key0, uint64_t key1, const void *data, size_t n);

#endif
