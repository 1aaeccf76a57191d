/* routes.c — every endpoint AuthGate serves, in one table: method, path, guard, body
 * cap and accepted fields. Nothing reaches a handler without passing through here. The
 * rows of each family are in a file of their own (routes.h); this file holds the
 * operations routes and puts the families together in matching order. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"

const struct field f_none[] = {
	{NULL, 0, false, 0},
};

/* operations */
static const struct route routes_ops[] = {
	{"GET", "/healthz", h_ops_healthz, NULL, 0, NULL, 0, NULL},
	{"GET", "/readyz", h_ops_readyz, NULL, 0, NULL, 0, NULL},
	{"GET", "/metrics", h_ops_metrics, guard_metrics, 0, NULL, 0, NULL},
	{"GET", "/openapi.json", h_ops_openapi, NULL, 0, NULL, 0, NULL},
	{"GET", "/assets/{file}", h_assets_get, NULL, 0, NULL, 0, NULL},
	{"GET", "/api/v1/project", h_ops_project, guard_api_key, 0, NULL, 0, NULL},
};

/* The families in matching order. The router takes the first route that matches, so a
 * literal path segment must come before another route's {param} in the same place
 * (/users/auth/status before /users/auth/{provider}): no route of one family overlaps
 * another's today, and ops.test.mjs fails on any route an earlier one shadows. */
static const struct {
	const struct route *routes;
	const size_t *n;
} families[] = {
	{routes_ops, NULL}, {routes_admin, &routes_admin_n}, {routes_signin, &routes_signin_n},
	{routes_users, &routes_users_n}, {routes_actions, &routes_actions_n},
};

static struct route table[ROUTER_MAX_ROUTES];
static size_t table_n;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_build(void)
{
	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
		size_t n = families[i].n ? *families[i].n : sizeof routes_ops / sizeof routes_ops[0];
		if (table_n + n > ROUTER_MAX_ROUTES) { /* a bug in the tables: raise ROUTER_MAX_ROUTES */
			fputs("authgate: more routes than ROUTER_MAX_ROUTES\n", stderr);
			abort();
		}
		memcpy(table + table_n, families[i].routes, n * sizeof *table);
		table_n += n;
	}
}

const struct route *api_routes(size_t *n)
{
	pthread_once(&table_once, table_build);
	*n = table_n;
	return table;
}
