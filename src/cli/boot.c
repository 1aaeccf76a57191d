/* boot.c — what every command does first: configuration, the master key (generated
 * with mode 0600 on first start when not configured), the store and its migrations. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/projects.h"
#include "cli/cli.h"
#include "config/config.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "core/str.h"
#include "sec/sec.h"
#include "store/store.h"

/* Into key: from the configuration, else DATA_DIR/master.key, else a new one written
 * there. */
static int read_master_key(unsigned char key[MASTER_KEY_LEN])
{
	if (g_cfg.master_key_b64[0]) {
		const char *k = g_cfg.master_key_b64;
		long n = str_unb64(key, MASTER_KEY_LEN, k, strlen(k));
		if (n != MASTER_KEY_LEN) {
			fprintf(stderr, "AUTHGATE_MASTER_KEY: must decode to 32 bytes\n");
			return -1;
		}
		return 0;
	}
	char path[600];
	snprintf(path, sizeof path, "%s/master.key", g_cfg.data_dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		struct stat st;
		char b64[64] = {0};
		ssize_t n = read(fd, b64, sizeof b64 - 1);
		if (fstat(fd, &st) == 0 && (st.st_mode & 077)) {
			if (fchmod(fd, 0600) == 0)
				log_warn("master_key", "%s was readable by group/others: now mode 600", path);
			else
				log_warn("master_key", "%s is readable by group/others; chmod 600 it", path);
		}
		close(fd);
		while (n > 0 && (b64[n - 1] == '\n' || b64[n - 1] == '\r'))
			b64[--n] = 0;
		if (n <= 0 || str_unb64(key, MASTER_KEY_LEN, b64, (size_t)n) != MASTER_KEY_LEN) {
			fprintf(stderr, "%s: not a base64 32-byte key\n", path);
			return -1;
		}
		sec_zero(b64, sizeof b64);
		return 0;
	}
	if (errno != ENOENT) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	rand_bytes(key, MASTER_KEY_LEN);
	char b64[64];
	size_t n = str_b64(b64, key, MASTER_KEY_LEN);
	b64[n++] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return read_master_key(key); /* another process won the race */
	if (fd < 0 || write(fd, b64, n) != (ssize_t)n || fsync(fd) != 0) {
		fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	sec_zero(b64, sizeof b64);
	log_info("master_key", "generated a new master key in %s (back it up: secrets at rest need it)", path);
	return 0;
}

static int load_master_key(void)
{
	unsigned char key[MASTER_KEY_LEN];
	int rc = read_master_key(key);
	if (rc == 0)
		master_key_set(key);
	sec_zero(key, sizeof key);
	return rc;
}

int cli_boot(bool migrate)
{
	struct buf errs = BUF_INIT(64 * 1024);
	if (config_load(&g_cfg, NULL, &errs)) {
		fprintf(stderr, "configuration errors:\n%s", errs.p);
		buf_free(&errs);
		return 2;
	}
	buf_free(&errs);
	enum log_level lvl = LOG_INFO;
	log_level_parse(g_cfg.log_level, &lvl);
	log_set_level(lvl);
	if (sec_init()) {
		fprintf(stderr, "cannot initialise libsodium\n");
		return 1;
	}
	if (mkdir(g_cfg.data_dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "AUTHGATE_DATA_DIR: cannot create %s: %s\n", g_cfg.data_dir, strerror(errno));
		return 1;
	}
	if (load_master_key())
		return 1;
	char err[512] = "";
	g_app.store = store_open(g_cfg.database_url, err, sizeof err);
	if (!g_app.store) {
		fprintf(stderr, "AUTHGATE_DATABASE_URL: cannot open the store: %s\n", err);
		return 1;
	}
	if (migrate) {
		int applied = 0;
		if (store_migrate(g_app.store, &applied) != AG_OK) {
			fprintf(stderr, "migrations failed (see log)\n");
			return 1;
		}
	}
	g_app.rl = ratelimit_new(200000);
	pwhash_set_params((struct pwhash_params){(unsigned long long)g_cfg.pwhash_ops,
						 (size_t)g_cfg.pwhash_mem_kib * 1024});
	return 0;
}

void cli_shutdown(void)
{
	project_cache_clear();
	store_close(g_app.store);
	g_app.store = NULL;
	ratelimit_free(g_app.rl);
	g_app.rl = NULL;
	master_key_clear();
}

void cli_print_json(const cJSON *v)
{
	char *s = cJSON_Print(v);
	if (s) {
		puts(s);
		cJSON_free(s);
	}
}
