/* sqlite.c — the embedded backend: one SQLite connection per thread, WAL journal,
 * synchronous=NORMAL, a busy timeout, and a per-connection prepared-statement cache.
 * A serving process checkpoints the WAL on a thread of its own (see "checkpoints"). */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/str.h"
#include "core/workpool.h"
#include "store/store.h"

#define STMT_CACHE 64
#define MAX_COLS 64
#define BUSY_TIMEOUT_MS 5000
/* A WAL that a burst of writes grew is cut back to this once checkpointed (SQLite keeps
 * the file at its largest otherwise). */
#define WAL_SIZE_LIMIT "67108864"

struct cached {
	char *sql; /* original text (with $N) */
	sqlite3_stmt *stmt;
	bool busy; /* stepping: a row callback of its query is running */
};

struct store_conn {
	sqlite3 *db;
	sqlite3_stmt *data_version;
	int64_t last_data_version;
	struct cached cache[STMT_CACHE];
};

/* $N -> ?N outside string literals, so parameters bind by number in both engines. */
static char *translate(const char *sql)
{
	size_t n = strlen(sql);
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	char q = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = sql[i];
		if (q) {
			if (c == q)
				q = 0;
		} else if (c == '\'' || c == '"') {
			q = c;
		} else if (c == '$' && i + 1 < n && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
			c = '?';
		}
		out[o++] = c;
	}
	out[o] = 0;
	return out;
}

static enum ag_err map_rc(sqlite3 *db, int rc, const char *sql)
{
	/* Extended result codes are on: rc may be e.g. SQLITE_CONSTRAINT_PRIMARYKEY. */
	int ext = sqlite3_extended_errcode(db);
	if ((rc & 0xff) == SQLITE_CONSTRAINT &&
	    (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY))
		return AG_ECONFLICT;
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return AG_EUNAVAIL;
	log_error("sqlite", "%s (%d) in: %.200s", sqlite3_errmsg(db), ext, sql);
	return AG_EINTERNAL;
}

/* The database and its -wal/-shm files are owner-only (main sets umask 077 for new
 * ones; SQLite gives -wal/-shm the database's mode). A database made by an older
 * version or another tool with group/other bits is tightened here. */
static void owner_only(const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		char f[1200];
		struct stat st;
		if ((size_t)snprintf(f, sizeof f, "%s%s", path, suffix[i]) >= sizeof f || stat(f, &st) != 0 ||
		    !(st.st_mode & 077))
			continue;
		if (chmod(f, st.st_mode & 0700) == 0)
			log_warn("sqlite", "%s was readable by group/others: now mode %o", f, (unsigned)(st.st_mode & 0700));
		else
			log_warn("sqlite", "%s is readable by group/others and cannot be changed: chmod 600 it", f);
	}
}

static struct store_conn *sq_open(const char *url, char *err, size_t errsz)
{
	const char *path = url + strlen("sqlite://");
	if (!*path) {
		snprintf(err, errsz, "sqlite URL has no path");
		return NULL;
	}
	struct store_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path, c->db ? sqlite3_errmsg(c->db) : "cannot open");
		goto fail;
	}
	owner_only(path);
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(c->db, 1);
	char *msg = NULL;
	rc = sqlite3_exec(c->db,
			  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
			  "PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit=" WAL_SIZE_LIMIT ";"
			  "PRAGMA secure_delete=ON;", /* deleted rows are zeroed in the file (ARCHITECTURE.md) */
			  NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path, msg ? msg : "pragma failed");
		sqlite3_free(msg);
		goto fail;
	}
	if (sqlite3_prepare_v3(c->db, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT, &c->data_version, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errsz, "%s", sqlite3_errmsg(c->db));
		goto fail;
	}
	c->last_data_version = -1;
	return c;
fail:
	sqlite3_close_v2(c->db);
	free(c);
	return NULL;
}

static void sq_close(struct store_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < STMT_CACHE; i++) {
		sqlite3_finalize(c->cache[i].stmt);
		free(c->cache[i].sql);
	}
	sqlite3_finalize(c->data_version);
	sqlite3_close_v2(c->db);
	free(c);
}

/* ---- checkpoints --------------------------------------------------------------------
 * SQLite copies the WAL back into the database (a checkpoint, with its fsyncs) in
 * whichever connection's commit takes the WAL past 1000 pages: every few hundred
 * commits one request paid milliseconds for it (make bench, push-wake-longpoll: the
 * approval's transaction p50 0.1 ms, p99 4 ms; with checkpoints off, p99 0.3 ms). A
 * serving process (listen_start) hands that to a thread of its own: its connections
 * only report the WAL's size after each commit, and past the same 1000 pages the
 * checkpointer runs a PASSIVE checkpoint, which never waits for and never blocks
 * readers or writers. Writers are no longer slowed by checkpoints, though, and under
 * a sustained stream of writes the WAL outgrew what one thread copied back (to 500 MB
 * in seconds on a busy 2-core machine, against 50 MB before): past 4x the threshold a
 * commit checkpoints itself again, as SQLite would, which bounds the WAL and slows
 * writers down to what the disk takes. Connections opened before the start, and other
 * processes (the CLI), keep SQLite's own automatic checkpoints. */
#define CHECKPOINT_PAGES 1000
#define CHECKPOINT_INLINE_PAGES (4 * CHECKPOINT_PAGES)

struct checkpointer {
	struct store *st;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool wanted, stop;
	atomic_bool asked; /* a wish is pending: later commits need not take the lock */
};

static int wal_hook(void *ud, sqlite3 *db, const char *name, int pages)
{
	struct checkpointer *k = ud;
	if (pages >= CHECKPOINT_INLINE_PAGES) {
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	if (pages >= CHECKPOINT_PAGES && !atomic_exchange(&k->asked, true)) {
		pthread_mutex_lock(&k->mu);
		k->wanted = true;
		pthread_cond_signal(&k->cv);
		pthread_mutex_unlock(&k->mu);
	}
	return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
	struct checkpointer *k = arg;
	char err[256];
	struct store_conn *c = NULL;
	pthread_mutex_lock(&k->mu);
	while (!k->stop) {
		if (!k->wanted) {
			pthread_cond_wait(&k->cv, &k->mu);
			continue;
		}
		k->wanted = false;
		atomic_store(&k->asked, false);
		pthread_mutex_unlock(&k->mu);
		if (!c && !(c = sq_open(store_url_of(k->st), err, sizeof err)))
			log_warn("sqlite", "checkpointer cannot open the database: %s", err);
		int rc = c ? sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) : SQLITE_OK;
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("sqlite", "checkpoint failed: %s", sqlite3_errmsg(c->db));
		pthread_mutex_lock(&k->mu);
	}
	pthread_mutex_unlock(&k->mu);
	sq_close(c);
	return NULL;
}

static int sq_listen_start(struct store *st)
{
	void **slot = store_backend_state(st);
	if (*slot)
		return 0;
	struct checkpointer *k = calloc(1, sizeof *k);
	if (!k)
		return -1;
	k->st = st;
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if (pthread_create(&k->thread, NULL, checkpointer_main, k)) {
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		free(k);
		return -1;
	}
	*slot = k;
	return 0;
}

/* Before the store closes its connections: a last checkpoint happens as the last one
 * closes (SQLite's own). */
static void sq_listen_stop(struct store *st)
{
	void **slot = store_backend_state(st);
	struct checkpointer *k = *slot;
	if (!k)
		return;
	pthread_mutex_lock(&k->mu);
	k->stop = true;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	free(k);
	*slot = NULL;
}

static void sq_conn_attach(struct store *st, struct store_conn *c)
{
	struct checkpointer *k = *store_backend_state(st);
	if (k)
		sqlite3_wal_hook(c->db, wal_hook, k); /* replaces the automatic checkpoints */
}

/* The statement for sql: the cached one, else a new one put in its cache slot. A row
 * callback may run another query on the same connection (push_pending's rows read their
 * project, which may check the store's epochs): when the slot's statement is the one
 * stepping — the same SQL, or another that hashes to its slot — the nested query gets a
 * statement of its own (*slot_out NULL: the caller finalizes it), since replacing or
 * resetting the outer one would free the row it is reading. */
static sqlite3_stmt *prepare(struct store_conn *c, const char *sql, struct cached **slot_out, enum ag_err *e)
{
	struct cached *slot = &c->cache[(uint32_t)hash_str(sql) % STMT_CACHE];
	*slot_out = NULL;
	if (slot->busy)
		slot = NULL;
	else if (slot->stmt && strcmp(slot->sql, sql) == 0) {
		*slot_out = slot;
		return slot->stmt;
	}
	char *t = translate(sql);
	sqlite3_stmt *st = NULL;
	int rc = t ? sqlite3_prepare_v3(c->db, t, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) : SQLITE_NOMEM;
	free(t);
	if (rc != SQLITE_OK) {
		*e = map_rc(c->db, rc, sql);
		return NULL;
	}
	if (!slot)
		return st;
	char *copy = strdup(sql);
	if (!copy) {
		sqlite3_finalize(st);
		*e = AG_EINTERNAL;
		return NULL;
	}
	sqlite3_finalize(slot->stmt);
	free(slot->sql);
	slot->stmt = st;
	slot->sql = copy;
	*slot_out = slot;
	return st;
}

static enum ag_err sq_exec(struct store_conn *c, const char *sql, const struct sqlv *p, int n, store_row_fn cb,
			   void *ud, int64_t *changes)
{
	enum ag_err e = AG_OK;
	struct cached *slot;
	sqlite3_stmt *st = prepare(c, sql, &slot, &e);
	if (!st)
		return e;
	if (slot)
		slot->busy = true;
	for (int i = 0; i < n; i++) {
		int rc;
		switch (p[i].t) {
		case SQL_INT: rc = sqlite3_bind_int64(st, i + 1, p[i].i); break;
		case SQL_TEXT: rc = sqlite3_bind_text(st, i + 1, p[i].s, -1, SQLITE_TRANSIENT); break;
		default: rc = sqlite3_bind_null(st, i + 1); break;
		}
		if (rc != SQLITE_OK) {
			e = map_rc(c->db, rc, sql);
			goto out;
		}
	}
	int rc;
	bool stop = false;
	int64_t total0 = sqlite3_total_changes64(c->db);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!cb || stop)
			continue; /* step to completion so RETURNING/UPDATE finish */
		int cols = sqlite3_column_count(st);
		if (cols > MAX_COLS)
			cols = MAX_COLS;
		const char *v[MAX_COLS];
		for (int i = 0; i < cols; i++)
			v[i] = sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(st, i);
		struct store_row row = {cols, v};
		if (cb(ud, &row))
			stop = true;
	}
	if (rc != SQLITE_DONE) {
		e = map_rc(c->db, rc, sql);
		goto out;
	}
	/* sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE that ran: a
	 * SELECT or DDL must report 0, not that stale count. */
	if (changes)
		*changes = sqlite3_total_changes64(c->db) != total0 ? sqlite3_changes64(c->db) : 0;
out:
	if (!slot) {
		sqlite3_finalize(st);
		return e;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	slot->busy = false;
	return e;
}

static enum ag_err sq_exec_script(struct store_conn *c, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		log_error("sqlite", "script failed: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return (rc & 0xff) == SQLITE_BUSY ? AG_EUNAVAIL : AG_EINTERNAL;
	}
	return AG_OK;
}

static enum ag_err sq_begin(struct store_conn *c)
{
	return sq_exec(c, "BEGIN IMMEDIATE", NULL, 0, NULL, NULL, NULL);
}

static enum ag_err sq_migration_begin(struct store_conn *c)
{
	return sq_exec_script(c, "PRAGMA foreign_keys=OFF");
}

static int fk_violation(void *ud, const struct store_row *r)
{
	log_error("sqlite", "migration left %s row %s referencing a missing %s row", row_str(r, 0),
		  row_str(r, 1) ? row_str(r, 1) : "?", row_str(r, 2));
	(*(int *)ud)++;
	return 0;
}

static enum ag_err sq_migration_check(struct store_conn *c)
{
	int bad = 0;
	enum ag_err e = sq_exec(c, "PRAGMA foreign_key_check", NULL, 0, fk_violation, &bad, NULL);
	return e ? e : bad ? AG_EINTERNAL : AG_OK;
}

static void sq_migration_end(struct store_conn *c)
{
	if (sq_exec_script(c, "PRAGMA foreign_keys=ON") != AG_OK)
		log_error("sqlite", "cannot turn foreign keys back on after a migration");
}

static enum ag_err sq_data_changed(struct store_conn *c, bool *changed)
{
	*changed = false;
	int rc = sqlite3_step(c->data_version);
	if (rc == SQLITE_ROW) {
		int64_t v = sqlite3_column_int64(c->data_version, 0);
		*changed = v != c->last_data_version;
		c->last_data_version = v;
	}
	sqlite3_reset(c->data_version);
	return rc == SQLITE_ROW ? AG_OK : AG_EINTERNAL;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.exec_script = sq_exec_script,
	.begin = sq_begin,
	.lock_migrations = NULL,
	.migration_begin = sq_migration_begin,
	.migration_check = sq_migration_check,
	.migration_end = sq_migration_end,
	.data_changed = sq_data_changed,
	.listen_start = sq_listen_start,
	.listen_stop = sq_listen_stop,
	.conn_attach = sq_conn_attach,
	.notify_epoch = NULL,
	.notify_event = NULL,
};
