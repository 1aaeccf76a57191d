/* secure_delete.c — what SQLite's secure_delete (on in the store: deleted rows are
 * overwritten with zeros, docs/ARCHITECTURE.md "Storage") costs on a write-heavy path.
 * In process, through the store as the server uses it (a fresh database with the real
 * schema, WAL, synchronous=NORMAL), a loop of a sign-up's writes and their deletion:
 * a user with a verification code and an outbox mail in one transaction, the code spent
 * in a second, the user deleted (its code going with it by cascade) and the mail row
 * deleted in a third. Rounds alternate secure_delete OFF and ON on the same database so
 * drift hits both alike; prints the time per iteration of each and the ratio.
 *   cc -O2 -Isrc -o sd bench/secure_delete.c build-bench/libagcore.a $(pkg-config --libs ...)
 *   ./sd [iterations per round] [rounds] [on|off|both]
 * With on or off only that setting runs (for valgrind --tool=callgrind: instructions).
 * A measurement, not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "store/store.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void must(enum ag_err e, const char *what)
{
	if (e) {
		fprintf(stderr, "secure_delete: %s failed (%d)\n", what, (int)e);
		exit(1);
	}
}

/* One iteration: the rows a sign-up writes, then their removal. */
static void iteration(struct store *st, long i, const char *payload)
{
	char uid[32], cid[32], oid[32], email[64];
	snprintf(uid, sizeof uid, "user_%ld", i);
	snprintf(cid, sizeof cid, "code_%ld", i);
	snprintf(oid, sizeof oid, "job_%ld", i);
	snprintf(email, sizeof email, "person%ld@example.com", i);
	must(db_begin(st), "begin");
	must(db_exec(st,
		     "INSERT INTO users (id, app_id, email, name, password_hash, created_at, updated_at) "
		     "VALUES ($1, 'sd', $2, 'A Person', $3, 1, 1)",
		     P(SV_TEXT(uid), SV_TEXT(email), SV_TEXT(payload))),
	     "insert user");
	must(db_exec(st,
		     "INSERT INTO email_codes (id, app_id, user_id, code_hash, expires_at, created_at) "
		     "VALUES ($1, 'sd', $2, $3, 9, 1)",
		     P(SV_TEXT(cid), SV_TEXT(uid), SV_TEXT(payload))),
	     "insert code");
	must(db_exec(st,
		     "INSERT INTO outbox (id, kind, payload, status, attempts, run_at, created_at) "
		     "VALUES ($1, 'mail', $2, 'pending', 0, 1, 1)",
		     P(SV_TEXT(oid), SV_TEXT(payload))),
	     "insert outbox");
	must(db_commit(st), "commit");
	must(db_exec(st, "UPDATE email_codes SET used_at = 2 WHERE id = $1", P(SV_TEXT(cid))), "spend code");
	must(db_begin(st), "begin");
	must(db_exec(st, "DELETE FROM users WHERE id = $1", P(SV_TEXT(uid))), "delete user");
	must(db_exec(st, "DELETE FROM outbox WHERE id = $1", P(SV_TEXT(oid))), "delete outbox");
	must(db_commit(st), "commit");
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	int rounds = argc > 2 ? atoi(argv[2]) : 6;
	const char *mode = argc > 3 ? argv[3] : "both";
	umask(077); /* as the server does */
	char dir[] = "/tmp/authgate-sd.XXXXXX", url[128], err[256];
	if (!mkdtemp(dir))
		return 1;
	snprintf(url, sizeof url, "sqlite://%s/sd.db", dir);
	struct store *st = store_open(url, err, sizeof err);
	if (!st) {
		fprintf(stderr, "secure_delete: %s\n", err);
		return 1;
	}
	int applied;
	must(store_migrate(st, &applied), "migrate");
	must(db_exec(st,
		     "INSERT INTO projects (app_id, name, signing_secret, created_at, updated_at) "
		     "VALUES ('sd', 'sd', 's', 1, 1)",
		     NOP),
	     "project");
	char payload[301];
	memset(payload, 'x', sizeof payload - 1); /* an argon2id string, a sealed mail: a few hundred bytes */
	payload[sizeof payload - 1] = 0;
	double t[2] = {0, 0};
	long i = 0;
	for (int r = 0; r < 2 * rounds; r++) {
		int on = r % 2;
		if ((on && strcmp(mode, "off") == 0) || (!on && strcmp(mode, "on") == 0))
			continue;
		must(db_exec(st, on ? "PRAGMA secure_delete=ON" : "PRAGMA secure_delete=OFF", NOP), "pragma");
		double t0 = now_s();
		for (long k = 0; k < n; k++, i++)
			iteration(st, i, payload);
		t[on] += now_s() - t0;
	}
	double off = t[0] / ((double)n * rounds) * 1e6, on = t[1] / ((double)n * rounds) * 1e6;
	if (strcmp(mode, "both") != 0) {
		printf("secure_delete %s: %.1f us/iteration (%ld iterations x %d rounds)\n", mode, off + on, n, rounds);
		n = 0;
	}
	if (n)
		printf("secure_delete OFF: %.1f us/iteration, ON: %.1f us/iteration, ON/OFF %.3f (%ld iterations x %d rounds "
		       "each)\n",
		       off, on, on / off, n, rounds);
	store_close(st);
	char f[200];
	static const char *const sfx[] = {"sd.db", "sd.db-wal", "sd.db-shm"};
	for (size_t k = 0; k < 3; k++) {
		snprintf(f, sizeof f, "%s/%s", dir, sfx[k]);
		unlink(f);
	}
	rmdir(dir);
	return 0;
}
