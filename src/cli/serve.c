/* serve.c — `authgate serve`: start the worker pool, the HTTP server and the
 * background jobs, print where we listen, and on SIGTERM/SIGINT shut down in order:
 * stop accepting, let in-flight requests finish, drain workers, close the store. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "api/api.h"
#include "auth/apikeys.h"
#include "auth/email_auth.h"
#include "auth/push.h"
#include "auth/seclog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "core/workpool.h"
#include "hook/hook.h"
#include "http/server.h"
#include "http/wait.h"
#include "jobs/outbox.h"
#include "mail/mail.h"
#include "sms/sms.h"
#include "net/net.h"
#include "store/store.h"

#define WORK_QUEUE_MAX 4096
/* Hashing yields to connection threads (see core/workpool.h). */
#define WORKER_NICE BACKGROUND_NICE

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Where this process answers over loopback (AuthGate's own webhook receiver is delivered
 * there): the listening address, or loopback when listening on every address. */
static const char *self_url(char *buf, size_t n)
{
	const char *h = g_cfg.host;
	bool v6 = strchr(h, ':') != NULL;
	if (str_eq(h, "0.0.0.0"))
		h = "127.0.0.1";
	else if (str_eq(h, "::"))
		h = "::1";
	snprintf(buf, n, v6 ? "http://[%s]:%d" : "http://%s:%d", h, http_port());
	return buf;
}

/* What start() got running, so that a failure half-way and the shutdown undo exactly
 * that, newest first (stop). */
struct serving {
	sigset_t signals; /* taken by the main thread only (sigwait), never by workers */
	bool net, seclog, sampler, waiters, outbox;
	struct workpool *workers;
};

/* Before cli_boot: a server that may not start creates no data dir, key or schema.
 * (Invalid values are reported by cli_boot.) */
static int config_can_serve(void)
{
	struct config pre;
	struct buf errs = BUF_INIT(4096);
	int rc = 0;
	if (config_load(&pre, NULL, &errs) == 0 && config_serve_problems(&pre, &errs)) {
		fprintf(stderr, "configuration errors:\n%s", errs.p);
		rc = -1;
	}
	buf_free(&errs);
	return rc;
}

/* Bind first: with port 0 a derived public URL (mailed links, dev origins) must name the
 * port picked, and config.h promises g_cfg is final before any thread starts. */
static int bind_listener(void)
{
	if (http_listen(g_cfg.host, (int)g_cfg.port))
		return -1;
	char derived[sizeof g_cfg.public_url];
	bool v6 = strchr(g_cfg.host, ':') != NULL; /* config.c's default writes it in brackets */
	snprintf(derived, sizeof derived, v6 ? "http://[%s]:%d" : "http://%s:%d", g_cfg.host, 0);
	if (g_cfg.port == 0 && strcmp(g_cfg.public_url, derived) == 0)
		snprintf(g_cfg.public_url, sizeof g_cfg.public_url, v6 ? "http://[%s]:%d" : "http://%s:%d", g_cfg.host,
		         http_port());
	return 0;
}

static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The domain's services and background delivery, before serving: jobs left by a
 * previous run start at once, and their metrics exist before /metrics can be asked. */
static int start_services(struct serving *s)
{
	api_install_hooks();
	if (g_cfg.dev && cli_dev_bootstrap())
		return -1;
	mail_init();
	sms_init();
	if (email_auth_init((int)g_cfg.pwhash_concurrency)) {
		log_error("serve", "cannot initialise email sign-in (catalogs or password hashing)");
		return -1;
	}
	hook_init();
	char self[sizeof g_cfg.public_url];
	hook_set_self_url(self_url(self, sizeof self));
	api_tester_init();
	if (seclog_start()) {
		log_error("serve", "cannot start the security log writer");
		return -1;
	}
	s->seclog = true;
	if (api_metrics_start()) {
		log_error("serve", "cannot start the metrics sampler");
		return -1;
	}
	s->sampler = true;
	push_keys_init();
	api_push_configure();
	api_device_configure();
	wait_init(); /* long-poll and SSE waiters; answered at shutdown by a hook */
	s->waiters = true;
	api_push_relay_init(); /* and their events from other nodes (PostgreSQL) */
	if (outbox_start((int)g_cfg.workers)) {
		log_error("serve", "cannot start the outbox workers");
		return -1;
	}
	s->outbox = true;
	return 0;
}

static int start(struct serving *s)
{
	if (bind_listener())
		return -1;
	if (net_init()) {
		log_error("serve", "cannot initialise libcurl");
		return -1;
	}
	s->net = true;
	block_signals(&s->signals);
	if (store_listen_start(g_app.store)) {
		log_error("serve", "cannot start the store's change listener");
		return -1;
	}
	if (!(s->workers = workpool_new((int)g_cfg.workers, WORK_QUEUE_MAX, WORKER_NICE)))
		return -1;
	if (start_services(s))
		return -1;
	size_t nroutes;
	struct http_opts o = {
		.routes = api_routes(&nroutes),
		.nroutes = nroutes,
		.host = g_cfg.host,
		.port = (int)g_cfg.port,
		.threads = (int)g_cfg.threads,
		.max_connections = (int)g_cfg.max_connections,
		.conn_timeout_s = (int)g_cfg.conn_timeout_s,
		.request_timeout_s = (int)g_cfg.request_timeout_s,
		.access_log = g_cfg.access_log,
		.trust_proxy = g_cfg.trust_proxy,
		.dev = g_cfg.dev,
		.workers = s->workers,
		.on_done = api_on_done,
	};
	return http_start(&o);
}

static void stop(struct serving *s)
{
	if (s->waiters)
		wait_stop();
	if (s->outbox)
		outbox_stop(); /* an attempt in progress finishes and is recorded */
	if (s->seclog)
		seclog_stop();
	if (s->sampler)
		api_metrics_stop();
	if (s->workers)
		workpool_free(s->workers);
	if (s->net)
		net_cleanup();
	cli_shutdown();
}

int cmd_serve(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (config_can_serve())
		return 2;
	int rc = cli_boot(true);
	if (rc)
		return rc;
	raise_nofile();
	struct serving s = {0};
	if (start(&s)) {
		stop(&s);
		return 1;
	}
	log_info("listening", "AuthGate %s listening on http://%s:%d (store: %s, mail: %s)", AUTHGATE_VERSION,
		 g_cfg.host, http_port(), store_backend(g_app.store), g_cfg.smtp_url[0] ? "smtp" : "captured");
	/* A line on stdout for scripts and tests that started us with port 0. */
	printf("authgate listening on http://%s:%d\n", g_cfg.host, http_port());
	fflush(stdout);

	int sig = 0;
	sigwait(&s.signals, &sig);
	log_info("shutdown", "signal %d: finishing in-flight requests (up to %lld s)", sig,
		 (long long)g_cfg.shutdown_grace_s);
	http_stop((int)g_cfg.shutdown_grace_s);
	stop(&s);
	log_info("shutdown", "stopped");
	return 0;
}
