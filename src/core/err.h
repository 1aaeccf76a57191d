/* err.h — the one domain error enum. Every layer returns these; src/http/response.c
 * maps them to HTTP statuses in one place. */
#ifndef AG_ERR_H
#define AG_ERR_H

enum ag_err {
	AG_OK = 0,
	AG_EINVAL,     /* malformed or invalid input            -> 400 */
	AG_EUNAUTH,    /* missing or bad credential             -> 401 */
	AG_EFORBIDDEN, /* authenticated but not allowed         -> 403 */
	AG_ENOTFOUND,  /* no such object                        -> 404 */
	AG_ECONFLICT,  /* exists already / state conflict       -> 409 */
	AG_EGONE,      /* expired or used up                    -> 410 */
	AG_ETOOBIG,    /* input over a named limit              -> 413 */
	AG_ERATE,      /* rate limited                          -> 429 */
	AG_EUNAVAIL,   /* a dependency is down (store, smtp)    -> 503 */
	AG_EINTERNAL,  /* a bug or an unexpected failure        -> 500 */
};

/* Stable machine-readable code for the error ("invalid_request", ...). */
const char *ag_err_code(enum ag_err e);

#if defined(__GNUC__)
#define MUST_CHECK __attribute__((warn_unused_result))
#else
#define MUST_CHECK
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
