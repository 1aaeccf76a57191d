/* routes.h — the parts of the route table. Each family of endpoints keeps its rows, and
 * the fields its bodies may carry, in a file of its own (routes_admin.c, routes_signin.c,
 * routes_users.c, routes_actions.c); routes.c puts them together into the one table the
 * router matches against (api_routes in api.h). Only the route files include this. */
#ifndef AG_API_ROUTES_H
#define AG_API_ROUTES_H

#include <stddef.h>

#include "api/api.h"
#include "http/route.h"

#define KB 1024

extern const struct route routes_admin[], routes_signin[], routes_users[], routes_actions[];
extern const size_t routes_admin_n, routes_signin_n, routes_users_n, routes_actions_n;

/* Field tables more than one family's routes take. */
extern const struct field f_none[];                             /* routes.c: an empty object */
extern const struct field f_webhook_create[], f_webhook_patch[]; /* routes_signin.c */
extern const struct field f_passkey_verify[];                   /* routes_signin.c */
extern const struct field f_mfa_challenge[], f_mfa_verify[];    /* routes_signin.c */

#endif
