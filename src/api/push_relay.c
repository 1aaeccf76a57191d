/* push_relay.c — waiter events across nodes. An event is published to this node's
 * waiters (http/wait.h) and, when the store can carry events (PostgreSQL NOTIFY), to
 * every other node, whose listener re-publishes it to its own waiters. A session's
 * status travels without its token: a node with waiters for that session re-reads it
 * and claims the token itself, so the token still goes out once. SQLite: one server
 * process, nothing to relay. Events lost while a listener reconnects leave waiters to
 * their deadlines (a long-poll at most 30 s, then the client checks again). */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/push.h"
#include "core/ctx.h"
#include "core/log.h"
#include "core/str.h"
#include "http/wait.h"
#include "sec/sec.h"
#include "store/store.h"

static char node_id[24];

int api_push_publish(struct arena *a, const char *key, const char *name, const char *data, const char *remote_data)
{
	struct wait_event ev = {name, data, NULL};
	int n = wait_publish(key, &ev);
	api_push_relay(a, key, name, remote_data);
	return n;
}

void api_push_relay(struct arena *a, const char *key, const char *name, const char *remote_data)
{
	if (!store_has_events(g_app.store))
		return;
	cJSON *o = json_obj(a);
	cJSON_AddStringToObject(o, "n", node_id);
	cJSON_AddStringToObject(o, "k", key);
	cJSON_AddStringToObject(o, "e", name);
	json_add_str(o, "d", remote_data);
	enum ag_err e = store_notify_event(g_app.store, json_print(a, o));
	if (e)
		log_warn("push_relay", "cannot tell other nodes about a %s event (%s)", name, ag_err_code(e));
}

/* On the store's listener thread: another node (or this one) published. */
static void on_event(const char *payload)
{
	struct arena *a = arena_new();
	cJSON *o = NULL;
	const char *detail;
	if (json_parse_strict(a, payload, strlen(payload), &o, &detail) != JSON_OK)
		goto out;
	const char *node = json_get_str(o, "n"), *key = json_get_str(o, "k"), *name = json_get_str(o, "e");
	const char *data = json_get_str(o, "d");
	if (!node || !key || !name || str_eq(node, node_id) || strlen(key) > WAIT_KEY_MAX || !wait_has(key))
		goto out; /* our own, malformed, or nobody here waits for it */
	if (str_starts(key, "s:") && str_eq(name, "status")) {
		struct push_session *s;
		if (push_session_by_hash(a, key + 2, &s) != AG_OK)
			goto out;
		data = push_status_json(a, s);
	}
	if (data) {
		struct wait_event ev = {name, data, NULL};
		wait_publish(key, &ev);
	}
out:
	arena_free(a);
}

void api_push_relay_init(void)
{
	char rnd[16];
	rand_token(rnd, 9);
	snprintf(node_id, sizeof node_id, "n_%s", rnd);
	store_on_event(g_app.store, on_event);
}
