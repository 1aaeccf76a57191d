/* store.c — backend selection, per-thread connections, statement helpers,
 * transactions, migrations and the cache epoch. */
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/embed.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"

struct tconn {
	struct store *st;
	struct store_conn *c;
	bool in_tx;
	int64_t bumped[STORE_CACHES]; /* set by store_epoch_bump, published on commit */
	struct tconn *next, *prev;
};

struct store {
	const struct store_ops *ops;
	char *url;
	pthread_key_t key;
	pthread_mutex_t mu;
	struct tconn *conns;
	_Atomic int64_t epoch[STORE_CACHES]; /* highest epoch of each cache seen in the database */
	_Atomic int64_t checked_us;          /* last data_changed() check (monotonic), any thread */
	void *backend_state;       /* owned by the backend (listener, checkpointer), freed by listen_stop */
	void (*_Atomic on_event)(const char *payload);
};

static void epoch_seen(struct store *st, int i, int64_t epoch);

static void tconn_destroy(void *p)
{
	struct tconn *t = p;
	struct store *st = t->st;
	pthread_mutex_lock(&st->mu);
	if (t->prev)
		t->prev->next = t->next;
	else
		st->conns = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&st->mu);
	st->ops->close(t->c);
	free(t);
}

static struct tconn *tconn_get(struct store *st)
{
	struct tconn *t = pthread_getspecific(st->key);
	if (t)
		return t;
	char err[256] = "";
	struct store_conn *c = st->ops->open(st->url, err, sizeof err);
	if (!c) {
		log_error("store_connect", "cannot connect to %s store: %s", st->ops->name, err);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		st->ops->close(c);
		return NULL;
	}
	t->st = st;
	t->c = c;
	if (st->ops->conn_attach)
		st->ops->conn_attach(st, c);
	pthread_mutex_lock(&st->mu);
	t->next = st->conns;
	if (st->conns)
		st->conns->prev = t;
	st->conns = t;
	pthread_mutex_unlock(&st->mu);
	pthread_setspecific(st->key, t);
	return t;
}

struct store *store_open(const char *url, char *err, size_t errsz)
{
	const struct store_ops *ops;
	if (str_starts(url, "sqlite://"))
		ops = &store_sqlite_ops;
	else if (str_starts(url, "postgres://") || str_starts(url, "postgresql://"))
		ops = &store_pg_ops;
	else {
		snprintf(err, errsz, "unsupported database URL (use sqlite:// or postgres://)");
		return NULL;
	}
	struct store *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->ops = ops;
	st->url = strdup(url);
	pthread_key_create(&st->key, tconn_destroy);
	pthread_mutex_init(&st->mu, NULL);
	struct store_conn *c = ops->open(url, err, errsz);
	if (!c) {
		pthread_key_delete(st->key);
		free(st->url);
		free(st);
		return NULL;
	}
	ops->close(c);
	return st;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->ops->listen_stop)
		st->ops->listen_stop(st);
	/* Close every thread's connection; the threads have stopped using the store. */
	pthread_mutex_lock(&st->mu);
	struct tconn *t = st->conns;
	st->conns = NULL;
	pthread_mutex_unlock(&st->mu);
	while (t) {
		struct tconn *n = t->next;
		st->ops->close(t->c);
		free(t);
		t = n;
	}
	pthread_setspecific(st->key, NULL);
	pthread_key_delete(st->key);
	pthread_mutex_destroy(&st->mu);
	free(st->url);
	free(st);
}

const char *store_backend(const struct store *st)
{
	return st->ops->name;
}

const char *store_url_of(struct store *st)
{
	return st->url;
}

void **store_backend_state(struct store *st)
{
	return &st->backend_state;
}

int store_listen_start(struct store *st)
{
	return st->ops->listen_start ? st->ops->listen_start(st) : 0;
}

struct store_conn *store_conn(struct store *st)
{
	struct tconn *t = tconn_get(st);
	return t ? t->c : NULL;
}

enum ag_err db_exec_n(struct store *st, const char *sql, const struct sqlv *p, int n, int64_t *changes)
{
	struct tconn *t = tconn_get(st);
	if (!t)
		return AG_EUNAVAIL;
	return st->ops->exec(t->c, sql, p, n, NULL, NULL, changes);
}

enum ag_err db_exec(struct store *st, const char *sql, const struct sqlv *p, int n)
{
	return db_exec_n(st, sql, p, n, NULL);
}

enum ag_err db_query(struct store *st, const char *sql, const struct sqlv *p, int n, store_row_fn cb, void *ud)
{
	struct tconn *t = tconn_get(st);
	if (!t)
		return AG_EUNAVAIL;
	return st->ops->exec(t->c, sql, p, n, cb, ud, NULL);
}

struct first_row {
	struct arena *a;
	struct store_row *row;
	bool found;
};

static int copy_first(void *ud, const struct store_row *r)
{
	struct first_row *f = ud;
	const char **v = arena_alloc(f->a, sizeof(char *) * (size_t)(r->n ? r->n : 1));
	for (int i = 0; i < r->n; i++)
		v[i] = r->v[i] ? arena_strdup(f->a, r->v[i]) : NULL;
	f->row->n = r->n;
	f->row->v = v;
	f->found = true;
	return 1;
}

enum ag_err db_row(struct store *st, struct arena *a, struct store_row *row, const char *sql, const struct sqlv *p,
		   int n)
{
	struct first_row f = {a, row, false};
	row->n = 0;
	row->v = NULL;
	enum ag_err e = db_query(st, sql, p, n, copy_first, &f);
	if (e)
		return e;
	return f.found ? AG_OK : AG_ENOTFOUND;
}

struct first_int {
	int64_t v;
	bool found;
};

static int copy_int(void *ud, const struct store_row *r)
{
	struct first_int *f = ud;
	f->v = row_int(r, 0);
	f->found = true;
	return 1;
}

enum ag_err db_int(struct store *st, int64_t *out, const char *sql, const struct sqlv *p, int n)
{
	struct first_int f = {0, false};
	enum ag_err e = db_query(st, sql, p, n, copy_int, &f);
	if (e)
		return e;
	*out = f.v;
	return f.found ? AG_OK : AG_ENOTFOUND;
}

enum ag_err db_begin(struct store *st)
{
	struct tconn *t = tconn_get(st);
	if (!t)
		return AG_EUNAVAIL;
	if (t->in_tx) {
		log_error("store_tx", "nested transaction");
		return AG_EINTERNAL;
	}
	enum ag_err e = st->ops->begin(t->c);
	if (e == AG_OK)
		t->in_tx = true;
	return e;
}

enum ag_err db_commit(struct store *st)
{
	struct tconn *t = tconn_get(st);
	if (!t || !t->in_tx)
		return AG_EINTERNAL;
	enum ag_err e = st->ops->exec(t->c, "COMMIT", NULL, 0, NULL, NULL, NULL);
	if (e != AG_OK)
		(void)st->ops->exec(t->c, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
	t->in_tx = false;
	/* Publish only after commit, so no reader refills a cache from the old state under
	 * the new epoch. */
	for (int i = 0; i < STORE_CACHES; i++) {
		if (e == AG_OK && t->bumped[i])
			epoch_seen(st, i, t->bumped[i]);
		t->bumped[i] = 0;
	}
	return e;
}

void db_rollback(struct store *st)
{
	struct tconn *t = tconn_get(st);
	if (!t || !t->in_tx)
		return;
	(void)st->ops->exec(t->c, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
	t->in_tx = false;
	memset(t->bumped, 0, sizeof t->bumped);
}

bool db_in_tx(struct store *st)
{
	struct tconn *t = tconn_get(st);
	return t && t->in_tx;
}

enum ag_err db_end(struct store *st, enum ag_err e)
{
	if (e == AG_OK)
		return db_commit(st);
	db_rollback(st);
	return e;
}

enum ag_err db_exec_cached(struct store *st, unsigned caches, const char *sql, const struct sqlv *p, int n)
{
	int64_t changes = 0;
	enum ag_err e = db_begin(st);
	if (e)
		return e;
	e = db_exec_n(st, sql, p, n, &changes);
	if (e == AG_OK && changes == 0)
		e = AG_ENOTFOUND;
	if (e == AG_OK)
		e = store_epoch_bump(st, caches);
	return db_end(st, e);
}

enum ag_err db_tx(struct store *st, enum ag_err (*fn)(struct store *st, void *ud), void *ud)
{
	enum ag_err e = AG_EUNAVAIL;
	for (int attempt = 0; attempt < 5; attempt++) {
		e = db_begin(st);
		if (ag_err_is(e, AG_EUNAVAIL)) {
			usleep(2000u << attempt);
			continue;
		}
		if (e)
			return e;
		e = fn(st, ud);
		if (e) {
			db_rollback(st);
			return e;
		}
		return db_commit(st);
	}
	return e;
}

const char *row_str(const struct store_row *r, int i)
{
	return (i >= 0 && i < r->n) ? r->v[i] : NULL;
}

int64_t row_int(const struct store_row *r, int i)
{
	const char *s = row_str(r, i);
	int64_t v = 0;
	if (s && str_to_i64(s, INT64_MIN, INT64_MAX, &v))
		v = 0;
	return v;
}

bool row_bool(const struct store_row *r, int i)
{
	return row_int(r, i) != 0;
}

enum ag_err store_ping(struct store *st)
{
	int64_t v;
	return db_int(st, &v, "SELECT 1", NOP);
}

struct delta_keys {
	void (*fn)(void *ud, const char *key);
	void *ud;
};

static int delta_key_row(void *ud, const struct store_row *row)
{
	struct delta_keys *d = ud;
	char key[512];
	size_t n = 0;
	for (int i = 0; i < row->n; i++) {
		const char *v = row->v[i] ? row->v[i] : "";
		size_t l = strlen(v);
		if (n + l + 2 > sizeof key)
			return 0; /* longer than any key of ours */
		if (i)
			key[n++] = '\n';
		memcpy(key + n, v, l);
		n += l;
	}
	key[n] = 0;
	d->fn(d->ud, key);
	return 0;
}

enum ag_err db_delta_keys(struct store *st, const char *sql, int64_t since, void (*fn)(void *ud, const char *key),
			  void *ud)
{
	struct delta_keys d = {fn, ud};
	return db_query(st, sql, P(SV_INT(since)), delta_key_row, &d);
}

struct json_rows {
	const struct db_col *cols;
	cJSON *arr;
};

static int json_row(void *ud, const struct store_row *r)
{
	struct json_rows *j = ud;
	cJSON *o = cJSON_CreateObject();
	for (int i = 0; j->cols[i].key; i++) {
		const char *k = j->cols[i].key;
		switch (j->cols[i].kind) {
		case DB_COL_STR: json_add_str(o, k, row_str(r, i)); break;
		case DB_COL_BOOL: cJSON_AddBoolToObject(o, k, row_bool(r, i)); break;
		case DB_COL_INT: cJSON_AddNumberToObject(o, k, (double)row_int(r, i)); break;
		case DB_COL_TIME: json_add_time(o, k, row_int(r, i)); break;
		}
	}
	cJSON_AddItemToArray(j->arr, o);
	return 0;
}

enum ag_err db_json_rows(struct store *st, struct arena *a, cJSON **out, const struct db_col *cols, const char *sql,
			 const struct sqlv *p, int n)
{
	struct json_rows j = {cols, json_arr(a)};
	*out = j.arr;
	return db_query(st, sql, p, n, json_row, &j);
}

const char *db_like_contains(struct arena *a, const char *q)
{
	size_t n = strlen(q);
	char *out = arena_alloc(a, 2 * n + 3), *o = out;
	*o++ = '%';
	for (size_t i = 0; i < n; i++) {
		if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
			*o++ = '\\';
		*o++ = q[i];
	}
	*o++ = '%';
	*o = 0;
	return out;
}

/* ---- migrations ---------------------------------------------------------------- */

int store_schema_version(struct store *st)
{
	int64_t v = 0;
	if (db_int(st, &v, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NOP) != AG_OK)
		return 0;
	return (int)v;
}

/* Migrations are embedded files "NNN_name.sql", or "NNN_name.<backend>.sql" where the
 * engines need different DDL. */
static bool migration_applies(const char *name, const char *backend, int *version)
{
	int64_t v;
	char num[8];
	if (strlen(name) < 5 || !str_ends(name, ".sql"))
		return false;
	memcpy(num, name, 3);
	num[3] = 0;
	if (str_to_i64(num, 1, 999, &v))
		return false;
	*version = (int)v;
	const char *dot = strchr(name, '.');
	if (strcmp(dot, ".sql") == 0)
		return true;
	char want[64];
	snprintf(want, sizeof want, ".%s.sql", backend);
	return strcmp(dot, want) == 0;
}

/* Apply one migration file unless another process did (under the migration lock). */
static enum ag_err migrate_one(struct store *st, struct tconn *t, const struct embedded_file *f, int version,
			       int *applied)
{
	enum ag_err e = db_begin(st);
	if (e)
		return e;
	if (st->ops->lock_migrations && (e = st->ops->lock_migrations(t->c)))
		goto fail;
	int64_t have = 0;
	e = db_int(st, &have, "SELECT COUNT(*) FROM schema_migrations WHERE version = $1", P(SV_INT(version)));
	if (e)
		goto fail;
	if (have) {
		db_rollback(st);
		return AG_OK;
	}
	char *sql = strndup((const char *)f->data, f->len);
	if (!sql) {
		e = AG_EINTERNAL;
		goto fail;
	}
	e = st->ops->exec_script(t->c, sql);
	free(sql);
	if (e == AG_OK && st->ops->migration_check)
		e = st->ops->migration_check(t->c);
	if (e) {
		log_error("migrate", "migration %s failed", f->name);
		goto fail;
	}
	e = db_exec(st, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
		    P(SV_INT(version), SV_INT(time_now_ms())));
	if (e)
		goto fail;
	if ((e = db_commit(st)))
		return e;
	log_info("migrate", "applied migration %s", f->name);
	(*applied)++;
	return AG_OK;
fail:
	db_rollback(st);
	return e;
}

enum ag_err store_migrate(struct store *st, int *applied)
{
	*applied = 0;
	struct tconn *t = tconn_get(st);
	if (!t)
		return AG_EUNAVAIL;
	/* Under the migration lock: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe
	 * against a concurrent one (a unique violation in pg_type). */
	enum ag_err e = db_begin(st);
	if (e)
		return e;
	if (st->ops->lock_migrations && (e = st->ops->lock_migrations(t->c)))
		goto fail;
	e = st->ops->exec_script(
		t->c, "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)");
	if (e)
		goto fail;
	if ((e = db_commit(st)))
		return e;
	size_t nfiles;
	const struct embedded_file *files = embed_migrations(&nfiles);
	for (size_t i = 0; i < nfiles && e == AG_OK; i++) {
		int version;
		if (!migration_applies(files[i].name, st->ops->name, &version))
			continue;
		if (st->ops->migration_begin && (e = st->ops->migration_begin(t->c)))
			return e;
		e = migrate_one(st, t, &files[i], version, applied);
		if (st->ops->migration_end)
			st->ops->migration_end(t->c);
	}
	return e;
fail:
	db_rollback(st);
	return e;
}

/* ---- cache epoch --------------------------------------------------------------- */

bool store_has_events(const struct store *st)
{
	return st->ops->notify_event != NULL;
}

enum ag_err store_notify_event(struct store *st, const char *payload)
{
	if (!st->ops->notify_event)
		return AG_OK;
	if (strlen(payload) > STORE_EVENT_MAX)
		return AG_ETOOBIG;
	struct tconn *t = tconn_get(st);
	return t ? st->ops->notify_event(t->c, payload) : AG_EUNAVAIL;
}

void store_on_event(struct store *st, void (*fn)(const char *payload))
{
	atomic_store(&st->on_event, fn);
}

void store_event_seen(struct store *st, const char *payload)
{
	void (*fn)(const char *) = atomic_load(&st->on_event);
	if (fn)
		fn(payload);
}

static const char *const cache_names[STORE_CACHES] = {"projects",      "api_keys",  "sessions", "factors",
						       "user_sessions", "user_keys", "users"};

static void epoch_seen(struct store *st, int i, int64_t epoch)
{
	int64_t cur = atomic_load(&st->epoch[i]);
	while (epoch > cur && !atomic_compare_exchange_weak(&st->epoch[i], &cur, epoch))
		;
}

void store_epoch_seen(struct store *st, const char *cache, int64_t epoch)
{
	if (str_starts(cache, STORE_EPOCH_PREFIX))
		cache += strlen(STORE_EPOCH_PREFIX);
	for (int i = 0; i < STORE_CACHES; i++)
		if (strcmp(cache, cache_names[i]) == 0)
			epoch_seen(st, i, epoch);
}

static int epoch_row(void *ud, const struct store_row *row)
{
	store_epoch_seen(ud, row_str(row, 0), row_int(row, 1));
	return 0;
}

enum ag_err store_epoch_bump(struct store *st, unsigned caches)
{
	struct tconn *t = tconn_get(st);
	if (!t)
		return AG_EUNAVAIL;
	for (int i = 0; i < STORE_CACHES; i++) {
		if (!(caches & CACHE_BIT(i)))
			continue;
		char key[64];
		snprintf(key, sizeof key, STORE_EPOCH_PREFIX "%s", cache_names[i]);
		int64_t v = 0;
		enum ag_err e = db_int(st, &v,
				       "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) "
				       "WHERE key = $1 RETURNING CAST(value AS BIGINT)",
				       P(SV_TEXT(key)));
		if (e == AG_OK && st->ops->notify_epoch)
			e = st->ops->notify_epoch(t->c, cache_names[i], v);
		if (e)
			return e;
		if (t->in_tx)
			t->bumped[i] = v;
		else
			epoch_seen(st, i, v);
	}
	return AG_OK;
}

/* Another process's commit (SQLite: the CLI) is noticed by the next check, made by one
 * thread for the whole process at most every EPOCH_CHECK_US as the coarse clock counts
 * (it moves by the kernel's tick, 1-4 ms; reading it costs a fifth of the precise one,
 * on every cache lookup): on a busy server one request in a few hundred pays for a
 * check (a read transaction and its file locks), and a change made elsewhere is seen
 * within a tick. */
#define EPOCH_CHECK_US 1000

int64_t store_epoch_current(struct store *st, enum store_cache cache)
{
	struct tconn *t;
	bool changed = false;
	int64_t now = time_mono_coarse_us();
	int64_t last = atomic_load_explicit(&st->checked_us, memory_order_relaxed);
	if (st->ops->data_changed && now - last >= EPOCH_CHECK_US && (t = tconn_get(st)) && !t->in_tx &&
	    atomic_compare_exchange_strong(&st->checked_us, &last, now) &&
	    st->ops->data_changed(t->c, &changed) == AG_OK && changed &&
	    db_query(st, STORE_EPOCHS_SQL, NOP, epoch_row, st) != AG_OK)
		log_warn("store", "cannot read the cache epochs");
	return atomic_load(&st->epoch[cache]);
}
