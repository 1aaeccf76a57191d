/* store.h — the one storage interface. Two backends implement `struct store_ops`
 * (sqlite.c, pg.c); everything above talks SQL with $1..$N bound parameters through
 * the functions below and never sees a backend type. SQL is written in the subset both
 * engines accept: TEXT and BIGINT columns, booleans as 0/1, ON CONFLICT, RETURNING.
 *
 * Connections are per thread: store_conn() returns the calling thread's connection,
 * opening it on first use; it is closed when the thread exits or the store is closed.
 * Owner: main.c opens the store once; everything else borrows it. */
#ifndef AG_STORE_H
#define AG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

enum sql_type { SQL_NULL, SQL_INT, SQL_TEXT };

struct sqlv {
	enum sql_type t;
	int64_t i;
	const char *s;
};

#define SV_INT(x) ((struct sqlv){SQL_INT, (int64_t)(x), NULL})
static inline struct sqlv sv_text(const char *s)
{
	return (struct sqlv){s ? SQL_TEXT : SQL_NULL, 0, s};
}
#define SV_TEXT(x) sv_text(x)
#define SV_NULL ((struct sqlv){SQL_NULL, 0, NULL})
#define SV_BOOL(x) SV_INT((x) ? 1 : 0)
/* P(SV_TEXT(a), SV_INT(b)) expands to the (params, count) pair the calls take. */
#define P(...) (const struct sqlv[]){__VA_ARGS__}, (int)(sizeof((struct sqlv[]){__VA_ARGS__}) / sizeof(struct sqlv))
#define NOP NULL, 0

/* One result row: every value as text (integers in decimal), NULL for SQL NULL. */
struct store_row {
	int n;
	const char *const *v;
};

typedef int (*store_row_fn)(void *ud, const struct store_row *row); /* non-zero stops */

struct store_conn;
struct store;

struct store_ops {
	const char *name; /* "sqlite" or "postgres" */
	/* Open a connection for `url`; on failure return NULL and write a reason. */
	struct store_conn *(*open)(const char *url, char *err, size_t errsz);
	void (*close)(struct store_conn *c);
	/* Run one statement. Rows (if any) go to cb; *changes gets the affected row count.
	 * Returns AG_OK, AG_ECONFLICT (unique/primary key violation), AG_EUNAVAIL (connection
	 * lost or database busy too long) or AG_EINTERNAL (SQL error, logged). */
	enum ag_err (*exec)(struct store_conn *c, const char *sql, const struct sqlv *p, int n, store_row_fn cb,
			    void *ud, int64_t *changes);
	/* Run a script of several statements without parameters (migrations). */
	enum ag_err (*exec_script)(struct store_conn *c, const char *sql);
	/* BEGIN that takes the write lock up front (SQLite: BEGIN IMMEDIATE). */
	enum ag_err (*begin)(struct store_conn *c);
	/* Serialise schema migrations across processes (PostgreSQL advisory lock); may be NULL. */
	enum ag_err (*lock_migrations)(struct store_conn *c);
	/* Around each migration; may be NULL. SQLite rebuilds a table to change a column
	 * (https://www.sqlite.org/lang_altertable.html#otheralter), which needs foreign keys
	 * off — or DROP TABLE would cascade into the referencing tables — and they can only
	 * be switched outside a transaction: migration_begin runs before BEGIN,
	 * migration_check inside it before COMMIT (a reference the migration broke refuses
	 * it), migration_end after COMMIT or ROLLBACK. */
	enum ag_err (*migration_begin)(struct store_conn *c);
	enum ag_err (*migration_check)(struct store_conn *c);
	void (*migration_end)(struct store_conn *c);
	/* Has another connection committed since the last call? Sets *changed. May be NULL
	 * (the backend then relies on notifications, see store_epoch_*). */
	enum ag_err (*data_changed)(struct store_conn *c, bool *changed);
	/* Start what a serving process runs beside its requests (PostgreSQL: the
	 * cross-process change listener, LISTEN; SQLite: the WAL checkpointer); may be NULL.
	 * Stopped by store_close. */
	int (*listen_start)(struct store *st);
	void (*listen_stop)(struct store *st);
	/* A thread's new connection, after listen_start (SQLite: its commits report the
	 * WAL's size to the checkpointer); may be NULL. */
	void (*conn_attach)(struct store *st, struct store_conn *c);
	/* Announce a cache's new epoch to other processes (PostgreSQL NOTIFY in the current
	 * transaction); may be NULL. */
	enum ag_err (*notify_epoch)(struct store_conn *c, const char *cache, int64_t epoch);
	/* Send an application event to every process listening (PostgreSQL NOTIFY on
	 * authgate_event); may be NULL (SQLite: one server process, nothing to tell). */
	enum ag_err (*notify_event)(struct store_conn *c, const char *payload);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* Open by URL (sqlite:///path, postgres://...). Checks the first connection. */
struct store *store_open(const char *url, char *err, size_t errsz);
void store_close(struct store *st);
const char *store_backend(const struct store *st);
const char *store_url(const struct store *st);

/* The calling thread's connection (opened on first use), or NULL if it cannot connect. */
struct store_conn *store_conn(struct store *st);

/* Statement helpers on the calling thread's connection. */
enum ag_err db_exec(struct store *st, const char *sql, const struct sqlv *p, int n) MUST_CHECK;
enum ag_err db_exec_n(struct store *st, const char *sql, const struct sqlv *p, int n, int64_t *changes) MUST_CHECK;
enum ag_err db_query(struct store *st, const char *sql, const struct sqlv *p, int n, store_row_fn cb,
		     void *ud) MUST_CHECK;
/* First row copied into the arena: AG_OK, AG_ENOTFOUND, or an error. */
enum ag_err db_row(struct store *st, struct arena *a, struct store_row *row, const char *sql,
		   const struct sqlv *p, int n) MUST_CHECK;
/* Scalar integer of the first column of the first row. */
enum ag_err db_int(struct store *st, int64_t *out, const char *sql, const struct sqlv *p, int n) MUST_CHECK;

/* Run sql with $1 = since and call fn(ud, key) for each row, key being the row's columns
 * joined by '\n': the "which keys changed since this epoch" query of a cache with deltas
 * (core/epcache.h). */
enum ag_err db_delta_keys(struct store *st, const char *sql, int64_t since, void (*fn)(void *ud, const char *key),
			  void *ud) MUST_CHECK;

/* A LIKE pattern (with ESCAPE '\\') matching text that contains q taken literally. */
const char *db_like_contains(struct arena *a, const char *q);

/* Transactions on the calling thread's connection. Nested begin is an error. */
enum ag_err db_begin(struct store *st) MUST_CHECK;
enum ag_err db_commit(struct store *st) MUST_CHECK;
void db_rollback(struct store *st);
/* Is the calling thread's connection inside a transaction? */
bool db_in_tx(struct store *st);
/* End the current transaction by the outcome of its work: commit when e is AG_OK
 * (returning the commit's result), else roll back and return e. */
enum ag_err db_end(struct store *st, enum ag_err e) MUST_CHECK;
/* One statement that changes cached data in its own transaction with a bump of the
 * caches' epochs (CACHE_BIT mask); AG_ENOTFOUND when it changed no row. */
enum ag_err db_exec_cached(struct store *st, unsigned caches, const char *sql, const struct sqlv *p,
			   int n) MUST_CHECK;
/* Run fn inside a transaction; commits when fn returns AG_OK, else rolls back. Retries
 * a few times when the backend reports the database busy (AG_EUNAVAIL from begin). */
enum ag_err db_tx(struct store *st, enum ag_err (*fn)(struct store *st, void *ud), void *ud) MUST_CHECK;

/* Row accessors. */
const char *row_str(const struct store_row *r, int i);
int64_t row_int(const struct store_row *r, int i);
bool row_bool(const struct store_row *r, int i);

/* A listing without a row callback: each row of sql becomes an object of the JSON array
 * *out (owned by a), its columns in order under the keys of cols ({NULL} ends them):
 * text (NULL: null), a boolean, a number, or a Unix-ms time as ISO 8601 (unset: null). */
enum db_col_kind { DB_COL_STR, DB_COL_BOOL, DB_COL_INT, DB_COL_TIME };
struct db_col {
	const char *key;
	enum db_col_kind kind;
};
enum ag_err db_json_rows(struct store *st, struct arena *a, cJSON **out, const struct db_col *cols, const char *sql,
			 const struct sqlv *p, int n) MUST_CHECK;

/* Schema. */
enum ag_err store_migrate(struct store *st, int *applied) MUST_CHECK;
int store_schema_version(struct store *st);
enum ag_err store_ping(struct store *st);

/* Cache epochs: one counter per in-memory cache of stored data (meta rows
 * "cache_epoch.<cache>"). Every change to a cache's data bumps its counter in the same
 * transaction, so the caches of every process learn of it at once, and a change to one
 * cache (a password reset ending sessions) leaves the others (projects, API keys)
 * warm. store_epoch_bump runs inside the caller's transaction and publishes at commit.
 * store_epoch_current is cheap (no round trip unless another connection committed);
 * epochs only grow. */
enum store_cache {
	CACHE_PROJECTS,
	CACHE_API_KEYS,
	CACHE_SESSIONS,
	CACHE_FACTORS,
	CACHE_USER_SESSIONS, /* long-lived user sessions (auth/user_sessions.h) */
	CACHE_USER_KEYS,     /* users' own API keys */
	CACHE_USERS,         /* users' plans and features */
	STORE_CACHES
};
/* The SQL value of a cache's current epoch, for a row changed in the transaction that
 * bumped it (after store_epoch_bump): rows carry the epoch of their last change, so a
 * cache can evict just them (core/epcache.h, deltas). */
#define STORE_EPOCH_SQL(cache) "(SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'cache_epoch." cache "')"
#define CACHE_BIT(c) (1u << (c))
#define STORE_EPOCH_PREFIX "cache_epoch."
#define STORE_EPOCHS_SQL "SELECT key, CAST(value AS BIGINT) FROM meta WHERE substr(key, 1, 12) = 'cache_epoch.'"
enum ag_err store_epoch_bump(struct store *st, unsigned caches) MUST_CHECK;
int64_t store_epoch_current(struct store *st, enum store_cache cache);
/* Start the backend's work beside the requests of a serving process: PostgreSQL's
 * cross-process change listener (LISTEN), so store_epoch_current sees other processes'
 * bumps; SQLite's WAL checkpointer, so no request pays for a checkpoint. Call once,
 * from the owner, after store_open; store_close stops it. -1 on failure. */
int store_listen_start(struct store *st);
/* Used by backends' listeners: a cache's epoch by name ("projects" or the meta key). */
void store_epoch_seen(struct store *st, const char *cache, int64_t epoch);
const char *store_url_of(struct store *st);
/* Application events between processes (PostgreSQL NOTIFY/LISTEN on one channel), so
 * that, e.g., an approval on one node wakes the long-polls waiting on another.
 * store_notify_event is a no-op (AG_OK) on backends without it; inside a transaction
 * the event is sent at commit. The handler set with store_on_event runs on the
 * listener thread (the process's own events come back too); events sent while the
 * listener reconnects are lost, so users must have a fallback (waiters' deadlines).
 * Payloads are text of at most STORE_EVENT_MAX bytes. */
#define STORE_EVENT_MAX 7900
bool store_has_events(const struct store *st);
enum ag_err store_notify_event(struct store *st, const char *payload) MUST_CHECK;
void store_on_event(struct store *st, void (*fn)(const char *payload));
/* Used by backends' listeners. */
void store_event_seen(struct store *st, const char *payload);
/* One pointer of per-store state for the backend (the PostgreSQL listener). */
void **store_backend_state(struct store *st);

#endif
