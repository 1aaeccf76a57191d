#define _GNU_SOURCE
/* argon2_limit.c — the machine's argon2id limit for `make bench`: the time of one hash
 * with AuthGate's parameters (libsodium, the library the server uses) and the sign-in
 * ceiling cores / that time. Usage: argon2_limit [mem_kib] [ops] [rounds]. Prints JSON. */
#include <sodium.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	unsigned long mem_kib = argc > 1 ? strtoul(argv[1], NULL, 10) : 19456;
	unsigned long long ops = argc > 2 ? strtoull(argv[2], NULL, 10) : 2;
	int rounds = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 20;
	if (sodium_init() < 0 || rounds < 1)
		return 1;
	char out[crypto_pwhash_STRBYTES];
	double best = 1e9, sum = 0;
	for (int i = -2; i < rounds; i++) { /* two warm-up rounds */
		double t0 = now_ms();
		if (crypto_pwhash_str_alg(out, "benchPassword1", 14, ops, (size_t)mem_kib * 1024,
					  crypto_pwhash_ALG_ARGON2ID13))
			return 1;
		double dt = now_ms() - t0;
		if (i < 0)
			continue;
		sum += dt;
		if (dt < best)
			best = dt;
	}
	/* The cores this process may run on: the bench pins it like the server. */
	cpu_set_t set;
	long cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
	double mean = sum / rounds;
	printf("{\"mem_kib\":%lu,\"ops\":%llu,\"hash_ms_mean\":%.3f,\"hash_ms_best\":%.3f,\"cores\":%ld,"
	       "\"limit_per_s\":%.1f}\n",
	       mem_kib, ops, mean, best, cores, cores * 1000.0 / mean);
	return 0;
}
