/* pg.c — the PostgreSQL backend (libpq; the only file that includes libpq-fe.h).
 * One connection per thread, parameters and results as text, SQLSTATE mapped to
 * ag_err. Inside a transaction each statement runs under a savepoint, pipelined with it
 * in one round trip, so a failed statement is undone alone (as in SQLite) instead of
 * aborting the transaction. A listener thread per store, on its own connection, turns
 * NOTIFY authgate_epoch into store_epoch_seen() and NOTIFY authgate_event into
 * store_event_seen(). */
#include <fcntl.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "store/store.h"

#define MAX_COLS 64
#define PARAMS_ON_STACK 16
#define INT_TEXT 24 /* "-9223372036854775808" + NUL, rounded up */
#define BOOL_OID 16
#define INT8_OID 20
#define TEXT_OID 25
#define EPOCH_CHANNEL "authgate_epoch"
#define EVENT_CHANNEL "authgate_event"
/* pg_advisory_xact_lock key for migrations: "AGMIGRAT" as a big-endian int64. */
#define MIGRATION_LOCK_SQL "SELECT pg_advisory_xact_lock(4703813312936296788)"
#define CONNECT_TIMEOUT_S "10"
#define LISTEN_CONNECT_MS 10000
#define LISTEN_BACKOFF_MIN_MS 100
#define LISTEN_BACKOFF_MAX_MS 5000
#define LISTEN_READY_WAIT_MS 5000

struct store_conn {
	PGconn *pg;
	bool in_tx; /* a transaction was open when we last looked (kept if the link drops) */
};

/* ---- connecting ---------------------------------------------------------------- */

/* Defaults come before dbname, so the URL's own settings override them. */
static PGconn *pg_connect(const char *url, const char *app, bool async)
{
	const char *const keys[] = {"connect_timeout",	   "fallback_application_name",
				    "keepalives_idle",	   "keepalives_interval",
				    "keepalives_count",	   "dbname",
				    NULL};
	const char *const vals[] = {CONNECT_TIMEOUT_S, app, "30", "10", "3", url, NULL};
	return async ? PQconnectStartParams(keys, vals, 1) : PQconnectdbParams(keys, vals, 1);
}

/* Replace every occurrence of secret in s (size sz) by "***". */
static void scrub(char *s, size_t sz, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	if (!n)
		return;
	char out[512];
	size_t o = 0;
	for (const char *p = s; *p && o + 4 < sizeof out;) {
		if (strncmp(p, secret, n) == 0) {
			memcpy(out + o, "***", 3);
			o += 3;
			p += n;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = 0;
	str_copy(s, out, sz);
}

/* Every "quoted" span of s (size sz) replaced by "...": what libpq quotes from a URL it
 * cannot parse (the whole URL, or a token such as the password as written). A quote
 * left open (the message was cut short) is elided to the end. */
static void elide_quoted(char *s, size_t sz)
{
	char out[512];
	size_t o = 0;
	for (const char *p = s; *p && o + 6 < sizeof out;) {
		if (*p == '"') {
			const char *close = strchr(p + 1, '"');
			memcpy(out + o, "\"...\"", 5);
			o += 5;
			p = close ? close + 1 : p + strlen(p);
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = 0;
	str_copy(s, out, sz);
}

/* A libpq message made fit for our logs: one line, and no password from the URL in it.
 * libpq owns the URL, so its parser (PQconninfoParse, the one PQconnectdb uses) reads
 * it: when it cannot, its message may quote any part of the URL, which is elided; when
 * it can, the password it read (from the userinfo or a password= parameter, decoded) is
 * scrubbed. A message about a URL that parsed never quotes the URL itself. */
static void conn_error(char *err, size_t errsz, const char *what, const char *msg, const char *url)
{
	char *unused = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &unused);
	PQfreemem(unused);
	snprintf(err, errsz, "%s%s", what, msg ? msg : "unknown error");
	for (char *p = err; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	for (size_t n = strlen(err); n && err[n - 1] == ' '; n--)
		err[n - 1] = 0;
	if (!opts)
		elide_quoted(err, errsz);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val)
			scrub(err, errsz, o->val);
	PQconninfoFree(opts);
}

static void on_notice(void *arg, const char *msg)
{
	char line[512];
	str_copy(line, msg, sizeof line);
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	log_warn("pg_notice", "%s", line);
}

static bool session_setup(PGconn *pg)
{
	PQsetNoticeProcessor(pg, on_notice, NULL);
	PGresult *r = PQexec(pg, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok;
}

static struct store_conn *pg_open(const char *url, char *err, size_t errsz)
{
	struct store_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	c->pg = pg_connect(url, "authgate", false);
	if (!c->pg) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	if (PQstatus(c->pg) != CONNECTION_OK) {
		conn_error(err, errsz, "", PQerrorMessage(c->pg), url);
		goto fail;
	}
	if (!session_setup(c->pg)) {
		conn_error(err, errsz, "session setup failed: ", PQerrorMessage(c->pg), url);
		goto fail;
	}
	return c;
fail:
	PQfinish(c->pg);
	free(c);
	return NULL;
}

static void pg_close(struct store_conn *c)
{
	if (!c)
		return;
	PQfinish(c->pg);
	free(c);
}

/* A broken link is reset once per call, but never under an open transaction: that
 * transaction is gone, and the caller learns it (AG_EUNAVAIL) until it rolls back. */
static enum ag_err ensure_conn(struct store_conn *c)
{
	if (PQstatus(c->pg) == CONNECTION_OK)
		return AG_OK;
	if (c->in_tx)
		return AG_EUNAVAIL;
	PQreset(c->pg);
	if (PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF) /* left on if the link broke mid-pipeline */
		(void)PQexitPipelineMode(c->pg);
	if (PQstatus(c->pg) != CONNECTION_OK || !session_setup(c->pg)) {
		char msg[256];
		str_copy(msg, PQerrorMessage(c->pg), sizeof msg);
		for (char *p = msg; *p; p++)
			if (*p == '\n')
				*p = ' ';
		log_warn("pg_reconnect", "reconnect failed: %s", msg);
		return AG_EUNAVAIL;
	}
	log_info("pg_reconnect", "reconnected to the database");
	return AG_OK;
}

/* ---- errors -------------------------------------------------------------------- */

static bool sqlstate_unavailable(const char *s)
{
	static const char *const codes[] = {"40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03", "25006"};
	if (!s || strlen(s) != 5)
		return false;
	if (strncmp(s, "08", 2) == 0) /* connection exceptions, but a protocol violation is our bug */
		return strcmp(s, "08P01") != 0;
	if (strncmp(s, "53", 2) == 0) /* insufficient resources: too many connections, disk full */
		return true;
	for (size_t i = 0; i < ARRAY_LEN(codes); i++)
		if (strcmp(s, codes[i]) == 0)
			return true;
	return false;
}

/* Log the failure (never a bound value) and map it. */
static enum ag_err map_error(struct store_conn *c, const PGresult *r, const char *sql)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (state && strcmp(state, "23505") == 0)
		return AG_ECONFLICT;
	if (PQstatus(c->pg) != CONNECTION_OK || sqlstate_unavailable(state)) {
		log_warn("pg", "database unavailable (sqlstate %s) in: %.200s", state ? state : "-", sql);
		return AG_EUNAVAIL;
	}
	char msg[256];
	if (state && strncmp(state, "22", 2) == 0) {
		/* Data exceptions quote the offending input, which may be a bound secret. */
		str_copy(msg, "data exception (message withheld: it may quote a bound value)", sizeof msg);
	} else {
		const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
		str_copy(msg, m ? m : PQerrorMessage(c->pg), sizeof msg);
		for (char *p = msg; *p; p++)
			if (*p == '\n')
				*p = ' ';
	}
	const char *pos = r ? PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION) : NULL;
	log_error("pg", "%s (sqlstate %s%s%s) in: %.200s", msg, state ? state : "-", pos ? ", position " : "",
		  pos ? pos : "", sql);
	return AG_EINTERNAL;
}

static bool result_ok(const PGresult *r)
{
	ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY;
}

/* ---- statements ---------------------------------------------------------------- */

enum kw { KW_NONE, KW_BEGIN, KW_COMMIT, KW_ROLLBACK, KW_SAVEPOINT };

static bool word_is(const char *s, const char *w)
{
	size_t n = strlen(w);
	if (strncasecmp(s, w, n) != 0)
		return false;
	char c = s[n];
	return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
}

/* Transaction-control statements are never wrapped in a savepoint. */
static enum kw leading_keyword(const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r')
		sql++;
	if (word_is(sql, "BEGIN") || word_is(sql, "START"))
		return KW_BEGIN;
	if (word_is(sql, "COMMIT") || word_is(sql, "END"))
		return KW_COMMIT;
	if (word_is(sql, "ROLLBACK") || word_is(sql, "ABORT"))
		return KW_ROLLBACK;
	if (word_is(sql, "SAVEPOINT") || word_is(sql, "RELEASE"))
		return KW_SAVEPOINT;
	return KW_NONE;
}

/* Read a pipeline's results up to its sync: the first result of query i goes to out[i]. */
static void pipeline_collect(PGconn *pg, PGresult **out, int nq)
{
	int q = 0;
	for (int guard = 0; guard < 4 * nq + 8; guard++) {
		PGresult *r = PQgetResult(pg);
		if (!r) {
			if (PQstatus(pg) != CONNECTION_OK)
				return;
			q++;
			continue;
		}
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			return;
		}
		if (q < nq && !out[q])
			out[q] = r;
		else
			PQclear(r);
	}
}

static PGresult *exec_plain(PGconn *pg, const char *sql, int n, const Oid *types, const char *const *vals)
{
	return PQexecParams(pg, sql, n, types, vals, NULL, NULL, 0);
}

/* SAVEPOINT; statement; RELEASE — one round trip. On failure roll back to the savepoint
 * so the transaction goes on, and return the failing result (NULL if the link broke). */
static PGresult *exec_guarded(PGconn *pg, const char *sql, int n, const Oid *types, const char *const *vals)
{
	if (!PQenterPipelineMode(pg))
		return exec_plain(pg, sql, n, types, vals);
	PGresult *res[3] = {NULL, NULL, NULL};
	if (PQsendQueryParams(pg, "SAVEPOINT ag_stmt", 0, NULL, NULL, NULL, NULL, 0) &&
	    PQsendQueryParams(pg, sql, n, types, vals, NULL, NULL, 0))
		(void)PQsendQueryParams(pg, "RELEASE SAVEPOINT ag_stmt", 0, NULL, NULL, NULL, NULL, 0);
	if (PQpipelineSync(pg))
		pipeline_collect(pg, res, 3);
	(void)PQexitPipelineMode(pg);
	int bad = -1;
	for (int i = 0; i < 3 && bad < 0; i++)
		if (!result_ok(res[i]))
			bad = i;
	if (bad < 0) {
		PQclear(res[0]);
		PQclear(res[2]);
		return res[1];
	}
	if (bad > 0 && PQstatus(pg) == CONNECTION_OK) {
		PGresult *rb = PQexec(pg, "ROLLBACK TO SAVEPOINT ag_stmt; RELEASE SAVEPOINT ag_stmt");
		const char *m = PQresultErrorField(rb, PG_DIAG_MESSAGE_PRIMARY);
		if (PQresultStatus(rb) != PGRES_COMMAND_OK)
			log_error("pg", "cannot roll back to the statement savepoint: %s", m ? m : "?");
		PQclear(rb);
	}
	for (int i = 0; i < 3; i++)
		if (i != bad)
			PQclear(res[i]);
	return res[bad];
}

static void deliver(PGresult *r, store_row_fn cb, void *ud)
{
	int cols = PQnfields(r);
	if (cols > MAX_COLS)
		cols = MAX_COLS;
	bool is_bool[MAX_COLS];
	for (int i = 0; i < cols; i++)
		is_bool[i] = PQftype(r, i) == BOOL_OID; /* booleans read as 1/0, as in SQLite */
	int rows = PQntuples(r);
	for (int j = 0; j < rows; j++) {
		const char *v[MAX_COLS];
		for (int i = 0; i < cols; i++) {
			if (PQgetisnull(r, j, i))
				v[i] = NULL;
			else if (is_bool[i])
				v[i] = PQgetvalue(r, j, i)[0] == 't' ? "1" : "0";
			else
				v[i] = PQgetvalue(r, j, i);
		}
		struct store_row row = {cols, v};
		if (cb(ud, &row))
			break;
	}
}

static enum ag_err pg_exec(struct store_conn *c, const char *sql, const struct sqlv *p, int n, store_row_fn cb,
			   void *ud, int64_t *changes)
{
	if (changes)
		*changes = 0;
	enum kw kw = leading_keyword(sql);
	enum ag_err e = ensure_conn(c);
	if (e) {
		if (kw == KW_COMMIT || kw == KW_ROLLBACK) {
			c->in_tx = false; /* the transaction died with the link */
			return kw == KW_ROLLBACK ? AG_OK : e;
		}
		return e;
	}
	PGTransactionStatusType ts = PQtransactionStatus(c->pg);
	if (kw == KW_ROLLBACK && ts == PQTRANS_IDLE) {
		c->in_tx = false; /* nothing to roll back (COMMIT already failed): no warning */
		return AG_OK;
	}

	char numstack[PARAMS_ON_STACK][INT_TEXT];
	const char *valstack[PARAMS_ON_STACK];
	Oid typestack[PARAMS_ON_STACK];
	char (*nums)[INT_TEXT] = numstack;
	const char **vals = valstack;
	Oid *types = typestack;
	void *heap = NULL;
	if (n > PARAMS_ON_STACK) {
		heap = malloc((size_t)n * (INT_TEXT + sizeof(char *) + sizeof(Oid)));
		if (!heap)
			return AG_EINTERNAL;
		vals = heap;
		types = (Oid *)((char *)heap + (size_t)n * sizeof(char *));
		nums = (char (*)[INT_TEXT])((char *)types + (size_t)n * sizeof(Oid));
	}
	for (int i = 0; i < n; i++) {
		if (p[i].t == SQL_INT) {
			snprintf(nums[i], INT_TEXT, "%" PRId64, p[i].i);
			vals[i] = nums[i];
		} else {
			vals[i] = p[i].t == SQL_TEXT ? p[i].s : NULL;
		}
		types[i] = p[i].t == SQL_INT ? INT8_OID : TEXT_OID;
	}

	/* Parameters are sent untyped, so the server infers each from its use, as a quoted
	 * literal would be. Where it cannot (a parameter the SQL never uses, `$1 IS NULL`,
	 * `$1 + $2`: SQLite accepts all three) retry once with the types of the values. */
	bool guard = kw == KW_NONE && ts == PQTRANS_INTRANS;
	PGresult *r = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		const Oid *t = attempt ? types : NULL;
		PQclear(r);
		r = guard ? exec_guarded(c->pg, sql, n, t, vals) : exec_plain(c->pg, sql, n, t, vals);
		const char *state = result_ok(r) || !r ? NULL : PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (!n || !state || (strcmp(state, "42P18") != 0 && strcmp(state, "42725") != 0))
			break;
	}
	if (!result_ok(r)) {
		e = map_error(c, r, sql);
	} else if (kw == KW_COMMIT && strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
		log_error("pg", "COMMIT rolled back: a statement in the transaction had failed");
		e = AG_EINTERNAL;
	} else {
		int64_t v;
		if (changes && !str_starts(PQcmdStatus(r), "SELECT") && !str_to_i64(PQcmdTuples(r), 0, INT64_MAX, &v))
			*changes = v;
		if (cb && PQresultStatus(r) == PGRES_TUPLES_OK)
			deliver(r, cb, ud);
	}
	PQclear(r);
	free(heap);
	if (PQstatus(c->pg) == CONNECTION_OK)
		c->in_tx = PQtransactionStatus(c->pg) != PQTRANS_IDLE;
	else if (kw == KW_COMMIT || kw == KW_ROLLBACK)
		c->in_tx = false;
	return e;
}

static enum ag_err pg_exec_script(struct store_conn *c, const char *sql)
{
	enum ag_err e = ensure_conn(c);
	if (e)
		return e;
	PGresult *r = PQexec(c->pg, sql);
	if (!result_ok(r))
		e = map_error(c, r, sql);
	PQclear(r);
	if (PQstatus(c->pg) == CONNECTION_OK)
		c->in_tx = PQtransactionStatus(c->pg) != PQTRANS_IDLE;
	return e;
}

static enum ag_err pg_begin(struct store_conn *c)
{
	return pg_exec(c, "BEGIN", NULL, 0, NULL, NULL, NULL);
}

static enum ag_err pg_lock_migrations(struct store_conn *c)
{
	return pg_exec(c, MIGRATION_LOCK_SQL, NULL, 0, NULL, NULL, NULL);
}

static enum ag_err pg_notify_epoch(struct store_conn *c, const char *cache, int64_t epoch)
{
	char v[INT_TEXT + 64];
	snprintf(v, sizeof v, "%s:%" PRId64, cache, epoch); /* "projects:12" */
	const struct sqlv p = {SQL_TEXT, 0, v};
	return pg_exec(c, "SELECT pg_notify('" EPOCH_CHANNEL "', $1)", &p, 1, NULL, NULL, NULL);
}

static enum ag_err pg_notify_event(struct store_conn *c, const char *payload)
{
	const struct sqlv p = {SQL_TEXT, 0, payload};
	return pg_exec(c, "SELECT pg_notify('" EVENT_CHANNEL "', $1)", &p, 1, NULL, NULL, NULL);
}

/* ---- the epoch listener -------------------------------------------------------- */

struct listener {
	struct store *st;
	pthread_t thread;
	int wake[2];	 /* listen_stop writes a byte to wake[1] */
	atomic_bool stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ready; /* 0 until the first connection attempt ends: 1 listening, -1 failed */
};

static void listener_ready(struct listener *l, int v)
{
	pthread_mutex_lock(&l->mu);
	if (!l->ready) {
		l->ready = v;
		pthread_cond_broadcast(&l->cv);
	}
	pthread_mutex_unlock(&l->mu);
}

/* Wait for fd (if >= 0) to be ready for events, for the wake pipe, or the timeout.
 * Returns 1 if fd is ready, 0 on timeout, -1 if the listener must stop. */
static int listener_wait(struct listener *l, int fd, short events, int timeout_ms)
{
	struct pollfd pf[2] = {{l->wake[0], POLLIN, 0}, {fd, events, 0}};
	if (atomic_load(&l->stop))
		return -1;
	int rc = poll(pf, fd >= 0 ? 2 : 1, timeout_ms);
	if (atomic_load(&l->stop) || (rc > 0 && pf[0].revents))
		return -1;
	return rc > 0 ? 1 : 0;
}

static void listener_drain(struct listener *l, PGconn *pg)
{
	PGnotify *nf;
	while ((nf = PQnotifies(pg))) {
		int64_t v;
		char *colon = strchr(nf->extra, ':');
		if (strcmp(nf->relname, EPOCH_CHANNEL) == 0) {
			if (colon && !str_to_i64(colon + 1, 0, INT64_MAX, &v)) {
				*colon = 0;
				store_epoch_seen(l->st, nf->extra, v);
			}
		} else if (strcmp(nf->relname, EVENT_CHANNEL) == 0)
			store_event_seen(l->st, nf->extra);
		PQfreemem(nf);
	}
}

/* Connect without blocking past a stop request, LISTEN, then read the epoch once:
 * notifications sent while we were not listening are covered by that read. */
static PGconn *listener_connect(struct listener *l)
{
	PGconn *pg = pg_connect(store_url_of(l->st), "authgate-listen", true);
	if (!pg || PQstatus(pg) == CONNECTION_BAD)
		goto fail;
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	int64_t deadline = time_mono_us() + LISTEN_CONNECT_MS * 1000LL;
	while (ps != PGRES_POLLING_OK) {
		if (ps == PGRES_POLLING_FAILED || time_mono_us() > deadline)
			goto fail;
		int w = listener_wait(l, PQsocket(pg), ps == PGRES_POLLING_READING ? POLLIN : POLLOUT, 200);
		if (w < 0)
			goto fail;
		ps = PQconnectPoll(pg);
	}
	if (!session_setup(pg))
		goto fail;
	PGresult *r = PQexec(pg, "LISTEN " EPOCH_CHANNEL "; LISTEN " EVENT_CHANNEL);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok)
		goto fail;
	r = PQexec(pg, STORE_EPOCHS_SQL);
	int64_t v;
	for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++)
		if (!str_to_i64(PQgetvalue(r, i, 1), 0, INT64_MAX, &v))
			store_epoch_seen(l->st, PQgetvalue(r, i, 0), v); /* before migrations: no rows, fine */
	PQclear(r);
	listener_drain(l, pg);
	return pg;
fail:
	if (pg && !atomic_load(&l->stop)) {
		char err[256];
		conn_error(err, sizeof err, "", PQerrorMessage(pg), store_url_of(l->st));
		log_warn("pg_listen", "cannot listen for cache changes: %s", err);
	}
	PQfinish(pg);
	return NULL;
}

static void *listener_main(void *arg)
{
	struct listener *l = arg;
	PGconn *pg = NULL;
	int backoff = LISTEN_BACKOFF_MIN_MS;
	while (!atomic_load(&l->stop)) {
		if (!pg) {
			pg = listener_connect(l);
			listener_ready(l, pg ? 1 : -1);
			if (!pg) {
				if (listener_wait(l, -1, 0, backoff) < 0)
					break;
				backoff = backoff * 2 > LISTEN_BACKOFF_MAX_MS ? LISTEN_BACKOFF_MAX_MS : backoff * 2;
				continue;
			}
			backoff = LISTEN_BACKOFF_MIN_MS;
		}
		if (PQsocket(pg) < 0) { /* poll would ignore it and wait for ever */
			PQfinish(pg);
			pg = NULL;
			continue;
		}
		int w = listener_wait(l, PQsocket(pg), POLLIN, -1);
		if (w < 0)
			break;
		if (w > 0 && !PQconsumeInput(pg)) {
			log_warn("pg_listen", "listener connection lost; reconnecting");
			PQfinish(pg);
			pg = NULL;
			continue;
		}
		listener_drain(l, pg);
		if (PQstatus(pg) != CONNECTION_OK) {
			PQfinish(pg);
			pg = NULL;
		}
	}
	PQfinish(pg);
	return NULL;
}

static void listener_free(struct listener *l)
{
	close(l->wake[0]);
	close(l->wake[1]);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* Start once per store, from its owner. Waits (bounded) for the first LISTEN so the
 * caller starts from a known epoch; if the database is down it keeps retrying. */
static int pg_listen_start(struct store *st)
{
	void **slot = store_backend_state(st);
	if (*slot)
		return 0;
	struct listener *l = calloc(1, sizeof(*l));
	if (!l)
		return -1;
	l->st = st;
	if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK)) {
		free(l);
		return -1;
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	if (pthread_create(&l->thread, NULL, listener_main, l)) {
		listener_free(l);
		return -1;
	}
	*slot = l;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += LISTEN_READY_WAIT_MS / 1000;
	pthread_mutex_lock(&l->mu);
	while (!l->ready && pthread_cond_timedwait(&l->cv, &l->mu, &until) == 0)
		;
	int ready = l->ready;
	pthread_mutex_unlock(&l->mu);
	if (ready != 1)
		log_warn("pg_listen", "cache-change listener not connected yet; retrying in the background");
	return 0;
}

static void pg_listen_stop(struct store *st)
{
	void **slot = store_backend_state(st);
	struct listener *l = *slot;
	if (!l)
		return;
	atomic_store(&l->stop, true);
	char b = 1;
	(void)!write(l->wake[1], &b, 1);
	pthread_join(l->thread, NULL);
	listener_free(l);
	*slot = NULL;
}

const struct store_ops store_pg_ops = {
	.name = "postgres",
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.exec_script = pg_exec_script,
	.begin = pg_begin,
	.lock_migrations = pg_lock_migrations,
	.data_changed = NULL,
	.listen_start = pg_listen_start,
	.listen_stop = pg_listen_stop,
	.notify_epoch = pg_notify_epoch,
	.notify_event = pg_notify_event,
};
