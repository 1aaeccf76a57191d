/* cors.h — CORS for routes flagged ROUTE_CORS. Which origins are allowed is project
 * data, so the API layer installs the checks; this module only speaks the protocol.
 * Preflights carry no body (no app_id), so they are answered for any origin some
 * project allows; the actual request is then checked against its own project by the
 * route's guard, which sets r->cors_ok. */
#ifndef AG_CORS_H
#define AG_CORS_H

#include <stdbool.h>

#include "http/request.h"

struct MHD_Response;

/* Installed by the API layer: does any project allow this origin? */
void cors_set_origin_check(bool (*any_project_allows)(const char *origin));
/* Answer an OPTIONS request; returns true when a response was set. */
bool cors_preflight(struct req *r);
void cors_add_headers(struct req *r, struct MHD_Response *resp);

#endif
