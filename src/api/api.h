/* api.h — handlers and guards of every API family, declared for the route table
 * (routes.c). One file per family: ops.c, admin.c, assets.c, devcapture.c, ... */
#ifndef AG_API_H
#define AG_API_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/email_auth.h"
#include "auth/oauth.h"
#include "core/ratelimit.h"
#include "http/request.h"
#include "http/route.h"

/* routes.c: every endpoint, in one table (handed to the server by cli/serve.c), built
 * from the families' tables on first use; *n gets its length. */
const struct route *api_routes(size_t *n);

/* guards.c */
bool guard_api_key(struct req *r);   /* Authorization: Bearer <project API key> */
/* An admin: Authorization: Bearer <admin token> (scripts), or the dashboard's session
 * cookie, with the CSRF checks on every change (browsers). Every change is audited. */
bool guard_admin(struct req *r);
/* guard_admin, then r->project is the project of the path's first parameter
 * ({app_id}), which is dropped: the handlers written for API keys serve the admin
 * routes under /admin/api/projects/{app_id}/... unchanged. */
bool guard_admin_project(struct req *r);
bool guard_metrics(struct req *r);   /* AUTHGATE_METRICS_TOKEN when set */
/* What `authgate routes` shows of a guard: "api_key", "admin_token", ... "public". */
const char *api_guard_name(bool (*guard)(struct req *r));
/* Count one attempt of key under policy (in memory, or in the store when the policy
 * is durable); false having answered 429 + Retry-After (or 5xx when the store could
 * not count). */
bool api_rate_limit(struct req *r, const struct rate_policy *p, const char *key);
/* Count an attempt against the client address (ip) and, when em is set, against the
 * project + email, so an address is not tried from many clients. False having answered. */
bool api_rate_limit_email(struct req *r, const struct rate_policy *ip, const struct rate_policy *em,
			  const char *email);
/* Where the request's locale comes from: the body's "locale", else Accept-Language (a
 * header longer than API_ACCEPT_LANGUAGE_MAX is not read). */
#define API_ACCEPT_LANGUAGE_MAX 256
struct locale_hint api_locale_hint(struct req *r);
/* 200 {"success": true, "message": message} (no message when NULL). */
void api_answer_ok(struct req *r, const char *message);
/* A failed credential: counted against the address (too many and api_auth_throttled
 * answers 429), logged, answered 401 with what. Returns false. */
bool api_auth_failed(struct req *r, const char *what);
/* True having answered 429 when the address failed too often lately. */
bool api_auth_throttled(struct req *r);
/* The one way a handler answers an error (core/err.h): the status of e's kind, e's
 * stable code, and message, or the error table's when message is NULL. A 5xx never
 * carries a detail. A domain function's struct ag_error: api_fail(r, err.code,
 * err.message). */
void api_fail(struct req *r, enum ag_err e, const char *message);
void api_install_hooks(void);
/* The dashboard's session cookie. */
#define ADMIN_COOKIE "ag_admin"
/* The end user's address an app backend names when it calls with the project API key
 * on their behalf (docs/EMAIL.md, "The end user's address"). */
#define CLIENT_IP_HEADER "X-AuthGate-Client-IP"
/* After a project API key authenticated r: take value (the header's, or the actions
 * API's ipAddress; NULL: nothing named) as the end user's address, so r->ip keys the
 * request's per-address limits, logs and records in place of the backend's own address
 * (kept in r->peer_ip). It must be one IP address (the X-Forwarded-For validator), agree
 * with one named before, and fit the key's own budget (AUTHGATE_API_KEY_CLIENT_IP_PER_MIN).
 * false having answered (400, 429). */
bool api_name_client(struct req *r, const char *value, const char *what);
/* Is origin AuthGate's own (its public URL's, or the one the request was sent to)? */
bool api_same_origin(struct req *r, const char *origin);
/* Is origin exactly the public URL's, as a browser writes it (lowercase host, no
 * default port: net/url.c's url_origin_of)? False for NULL. */
bool api_public_origin(struct req *r, const char *origin);
/* Did the request reach us over TLS (an https public URL, or a trusted proxy says so)? */
bool api_is_tls(struct req *r);
/* Start the audit row of this admin request (once; detail NULL: the body's field
 * names); api_on_done records how it ended. guard_admin calls it for every change;
 * handlers call it for reads that matter (a secret shown). */
void api_audit(struct req *r, const char *detail);
/* http_opts.on_done: completes the request's audit row. */
void api_on_done(struct req *r);
struct project;
/* The project named by the path's first parameter ({app_id}); false having answered
 * 404 (no such project) or 5xx. */
bool api_path_project(struct req *r, struct project **p);

/* ops.c */
void h_ops_healthz(struct req *r);
void h_ops_readyz(struct req *r);
void h_ops_metrics(struct req *r);
void h_ops_openapi(struct req *r);
void h_ops_project(struct req *r);

/* admin.c */
void h_admin_projects_list(struct req *r);
void h_admin_projects_create(struct req *r);
void h_admin_projects_get(struct req *r);
void h_admin_projects_update(struct req *r);
void h_admin_projects_delete(struct req *r);
void h_admin_keys_list(struct req *r);
void h_admin_keys_create(struct req *r);
void h_admin_keys_revoke(struct req *r);

/* push.c — seed 000: /auth/start, /auth/check, /auth/verify, /widget.js */
struct push_session;
struct push_decided;
struct project;
void h_push_start(struct req *r);
void h_push_check(struct req *r);
void h_push_verify(struct req *r);
void h_push_widget(struct req *r);
void api_push_configure(void); /* rate limits from the configuration */
void api_push_publish_request(struct req *r, const struct push_session *s, const struct project *p);
/* Start a push sign-in for email (NULL: code-only) as /auth/start does — the push
 * bombing limits, the not-me block, the device app told — for another surface (the
 * Authsignal-compatible client API's push challenge). False having answered. */
struct push_started;
bool api_push_begin(struct req *r, struct project *p, const char *email, struct push_started *st);
void api_push_publish_decision(struct req *r, const struct push_decided *d);

/* push_relay.c — waiter events to this node's waiters and, through the store, to
 * every other node's. remote_data: what other nodes publish (NULL: they re-read). */
int api_push_publish(struct arena *a, const char *key, const char *name, const char *data, const char *remote_data);
/* Only the other nodes' part of api_push_publish. */
void api_push_relay(struct arena *a, const char *key, const char *name, const char *remote_data);
void api_push_relay_init(void);

/* device.c — the device app (/app) and its API (/app/api) */
void api_device_configure(void); /* rate limits from the configuration */
void h_device_page(struct req *r);
void h_device_file(struct req *r);
void h_device_enroll(struct req *r);
void h_device_enroll_verify(struct req *r);
void h_device_login(struct req *r);
void h_device_requests(struct req *r);
void h_device_events(struct req *r);
void h_device_lookup(struct req *r);
void h_device_decide(struct req *r);
void h_device_remove(struct req *r);

/* webhooks.c — /api/webhooks (project API key) */
void h_webhooks_create(struct req *r);
void h_webhooks_list(struct req *r);
void h_webhooks_get(struct req *r);
void h_webhooks_update(struct req *r);
void h_webhooks_delete(struct req *r);
void h_webhooks_rotate(struct req *r);
void h_webhooks_test(struct req *r);
void h_webhooks_deliveries(struct req *r);
void h_webhooks_delivery(struct req *r);
void h_webhooks_redeliver(struct req *r);
/* outbox_admin.c */
void h_admin_test_mail(struct req *r);
void h_admin_outbox_list(struct req *r);

/* devcapture.c: captured mail and SMS (dev) */
void h_devmail_page(struct req *r);
void h_devmail_messages(struct req *r);
void h_devmail_html(struct req *r);

/* assets.c */
void h_assets_get(struct req *r);
/* Serve an embedded file by name as a page or asset; false if absent. */
bool assets_serve(struct req *r, const char *name);

/* email.c (seed 001) */
void h_email_signup(struct req *r);
void h_email_signin(struct req *r);
void h_email_verify(struct req *r);
void h_email_verify_resend(struct req *r);
void h_email_reset(struct req *r);
void h_email_reset_confirm(struct req *r);
void h_email_magic_send(struct req *r);

/* magic_page.c: where a mailed magic link lands */
void h_magic_page(struct req *r);
void h_magic_complete(struct req *r);

/* oauth.c: OAuth / OpenID Connect sign-in (seed 001's /api/proxy/{provider}) */
void h_oauth_start_get(struct req *r);
void h_oauth_start_post(struct req *r);
void h_oauth_start_ticket(struct req *r);
void h_oauth_callback(struct req *r);
void h_oauth_callback_post(struct req *r);
void h_oauth_link(struct req *r);
void h_oauth_unlink(struct req *r);
void h_oauth_identities(struct req *r);
void h_admin_oauth_list(struct req *r);
void h_admin_oauth_get(struct req *r);
void h_admin_oauth_put(struct req *r);
void h_admin_oauth_delete(struct req *r);
/* Shared with seed 004's sign-in (users_oauth.c) and connections (connections.c). */
struct oauth_client;
struct oauth_flow_req;
void api_oauth_error_page(struct req *r, int status, const char *message);
/* Send the browser back to the app's callback_url with ?error=<stable name>&error_description= (303). */
void api_oauth_to_app_error(struct req *r, const char *callback_url, struct ag_error e);
/* The provider of the path, switched on and configured for p; false having answered
 * (an HTML page when page, else JSON). */
bool api_oauth_provider_ready(struct req *r, const struct project *p, const char *name, struct oauth_client **c,
			      bool page);
/* The flow's locale: the parameter, else Accept-Language. */
void api_oauth_locale(struct req *r, const char *explicit_locale, struct oauth_flow_req *q);
/* A callback being completed: the flow taken, and what the checks found. */
struct api_oauth_cb {
	struct oauth_flow *fl;
	struct project *p;
	struct oauth_client *c;
	struct oauth_endpoints ep;
	struct ag_error err; /* why it failed */
};
/* Everything about the flow and the response that needs no token request (browser
 * binding, provider of the path, expiry, project and provider switches, issuer, the
 * provider's error, the code); false with x->f set. */
bool api_oauth_callback_checks(struct req *r, struct api_oauth_cb *x);

/* token.c (seed 002) */
void h_token_verify(struct req *r);
/* The seed 002 answer {valid: true, user, mfa, expiresAt} for a session token of p,
 * written into w (the arena's), or false when the token is invalid, expired or its
 * session was ended. The one verifier of POST /api/v1/token/verify and GET /auth/verify.
 * claims (may be NULL) gets the claims. */
bool api_token_check(struct arena *a, const struct project *p, const char *tok, struct jw *w,
		     const struct jobj **claims);

/* factors.c: a signed-in user's factors (/api/mfa/...) and the admin reset */
struct factor_err;
bool guard_user(struct req *r); /* Authorization: Bearer <session token | enrollment mfa_token> */
/* Answer a factor engine error (api_fail) with its Retry-After when it has one. */
void api_factor_fail(struct req *r, enum ag_err e, const struct factor_err *fe);
void h_factors_list(struct req *r);
void h_factors_enroll_totp(struct req *r);
void h_factors_enroll_sms(struct req *r);
void h_factors_enroll_email(struct req *r);
void h_factors_confirm(struct req *r);
void h_factors_passkey_options(struct req *r);
void h_factors_passkey_register(struct req *r);
void h_factors_rename(struct req *r);
void h_factors_remove(struct req *r);
void h_factors_recovery(struct req *r);
void h_factors_security_log(struct req *r);
void h_admin_user_factors(struct req *r);
void h_admin_user_factors_reset(struct req *r);

/* mfa.c: the MFA step and passkey sign-in */
struct user;
struct mfa_begin;
bool guard_app_query(struct req *r); /* ?app_id= with the Origin checked against it */
/* How every first-factor path answers: {token, user} (success_flag adds "success":
 * true, seed 001's shape) or {mfa_required, mfa_token, methods, user}. */
void api_signin_answer(struct req *r, const struct user *u, const char *provider, const char *amr,
		       const cJSON *extra, bool success_flag);
/* The same for browser flows that end in a redirect to cb: cb?token=… or
 * cb?mfa_token=…&mfa_methods=totp,sms[&enroll_required=true]; NULL on failure. */
const char *api_signin_redirect(struct req *r, const struct project *p, const struct user *u, const char *provider,
				const char *amr, const cJSON *extra, const char *cb);
cJSON *api_mfa_required_json(struct arena *a, const struct mfa_begin *mb);
/* A completed step of a browser flow: o.redirect = callback_url?token=<session> (none
 * without a callback URL). */
void api_mfa_add_redirect(struct req *r, cJSON *o, const char *callback_url, const char *session);
bool guard_mfa_token(struct req *r); /* Authorization: Bearer <an open mfa_token>: the hosted step page */
void h_mfa_step(struct req *r);
void h_mfa_page(struct req *r);
void h_mfa_challenge(struct req *r);
void h_mfa_verify(struct req *r);
void h_passkey_options(struct req *r);
void h_passkey_verify(struct req *r);
void h_passkey_page(struct req *r);

/* devcapture.c */
void h_devsms_page(struct req *r);
void h_devsms_messages(struct req *r);

/* signing_secret.c: the project's HS256 secret, for owners who verify JWTs themselves */
void h_admin_signing_secret(struct req *r);
void h_admin_signing_secret_rotate(struct req *r);

/* admin_session.c: dashboard sign-in (cookie + CSRF token), sign-out, the audit log */
void h_admin_session_open(struct req *r);
void h_admin_session_get(struct req *r);
void h_admin_session_end(struct req *r);
void h_admin_sessions_list(struct req *r);
void h_admin_audit_list(struct req *r);
struct admin_session;
/* 201 with the session (and its cookie) just opened. */
void api_admin_session_answer(struct req *r, const struct admin_session *s);

/* admin_passkeys.c: passkeys for the dashboard's own sign-in */
void h_admin_passkeys_list(struct req *r);
void h_admin_passkeys_options(struct req *r);
void h_admin_passkeys_add(struct req *r);
void h_admin_passkeys_remove(struct req *r);
void h_admin_session_passkey_options(struct req *r);
void h_admin_session_passkey(struct req *r);
/* ?name= as ISO 8601 or Unix ms (absent: 0) / ?limit= in 1..max; false having answered 400. */
bool api_time_query(struct req *r, const char *name, int64_t *ms);
bool api_limit_query(struct req *r, int dflt, int max, int *limit);

/* admin_pages.c: the dashboard's shell, its files, the device app's QR code */
void h_admin_page_root(struct req *r);
void h_admin_page(struct req *r);
void h_admin_file(struct req *r);
void h_admin_app_qr(struct req *r);

/* admin_activity.c: the security log and the server's own metrics over time */
void h_admin_security_events(struct req *r);
/* admin_metrics.c: the sampler (start before serving, stop after) and its series */
int api_metrics_start(void);
void api_metrics_stop(void);
void h_admin_metrics_series(struct req *r);

/* admin_tester.c: the Live Webhook Tester (/wh1) and AuthGate's own receiver */
void api_tester_init(void); /* follow deliveries (before the outbox starts) */
void h_admin_tester_start(struct req *r);
void h_admin_tester_get(struct req *r);
void h_admin_tester_events(struct req *r);
void h_wh1_receiver(struct req *r);

/* admin_mail.c: the Emails page's catalog and previews */
void h_admin_mail_catalog(struct req *r);
void h_admin_mail_preview(struct req *r);
void h_admin_mail_preview_html(struct req *r);
struct tmpl_var;
const struct tmpl_var *api_mail_sample_vars(struct arena *a);

/* admin_providers.c: the Providers page's model */
void h_admin_providers(struct req *r);

/* admin_users.c: the Users and Devices pages */
void h_admin_users_search(struct req *r);
void h_admin_user_get(struct req *r);
void h_admin_user_update(struct req *r);
void h_admin_user_end_sessions(struct req *r);
void h_admin_user_delete(struct req *r);
void h_admin_devices_list(struct req *r);
void h_admin_device_remove(struct req *r);

/* admin_validate.c: the server's own URL rules, asked as the operator types */
void h_admin_validate(struct req *r);

/* devclock.c: shift the wall clock in dev mode (tests of expiry) */
void h_dev_clock(struct req *r);

/* actions.c: the Authsignal-compatible server API under /v1 (docs/ACTIONS.md) */
struct factor_err;
/* Every /v1 route's error writer: {error, errorCode, errorDescription}. */
void as_error_body(struct req *r, int status, const char *code, const char *message);
bool guard_as_secret(struct req *r); /* HTTP Basic: the project's secret (API key), empty password */
/* The user name of an HTTP Basic Authorization header (up to a colon), or NULL. */
const char *as_basic_user(struct req *r);
const char *as_challenge_url(struct req *r, const char *token);
void h_as_track(struct req *r);
void h_as_validate(struct req *r);
void h_as_action_get(struct req *r);
void h_as_action_update(struct req *r);
void h_as_actions_list(struct req *r);
void h_as_user_get(struct req *r);
void h_as_user_update(struct req *r);
void h_as_user_delete(struct req *r);
void h_as_users_query(struct req *r);
void h_as_authenticators(struct req *r);
void h_as_authenticator_enroll(struct req *r);
void h_as_authenticator_delete(struct req *r);
void h_as_challenge(struct req *r);
void h_as_verify(struct req *r);
void h_as_claim(struct req *r);
void h_as_challenges(struct req *r);
void h_as_session_create(struct req *r);
void h_as_session_validate(struct req *r);
void h_as_session_refresh(struct req *r);
void h_as_session_revoke(struct req *r);
void h_as_session_revoke_user(struct req *r);

/* actions_client.c: the Authsignal-compatible client API under /v1/client */
bool guard_as_client(struct req *r); /* Bearer <action token> or Basic <tenant id>; CORS */
void h_asc_passkey_registration_options(struct req *r);
void h_asc_passkey_add(struct req *r);
void h_asc_passkey_lookup(struct req *r);
void h_asc_passkey_authentication_options(struct req *r);
void h_asc_verify_passkey(struct req *r);
void h_asc_challenge(struct req *r);
void h_asc_totp_enroll(struct req *r);
void h_asc_totp_verify(struct req *r);
void h_asc_email_enroll(struct req *r);
void h_asc_email_challenge(struct req *r);
void h_asc_email_verify(struct req *r);
void h_asc_sms_enroll(struct req *r);
void h_asc_sms_challenge(struct req *r);
void h_asc_sms_verify(struct req *r);
void h_asc_link_enroll(struct req *r);
void h_asc_link_challenge(struct req *r);
void h_asc_link_finalize(struct req *r);
void h_asc_push_challenge(struct req *r);
void h_asc_push_verify(struct req *r);
/* actions_rules.c: the admin API of actions' rules (/admin/api/projects/{app_id}/actions) */
void h_admin_action_rules_list(struct req *r);
void h_admin_action_rules_get(struct req *r);
void h_admin_action_rules_put(struct req *r);
void h_admin_action_rules_delete(struct req *r);
/* actions_page.c: the hosted challenge page (GET /challenge?token=…) */
void h_as_page(struct req *r);
void h_as_link_page(struct req *r);    /* GET /challenge/link?t=…: a mailed magic link lands */
void h_as_link_confirm(struct req *r); /* POST /challenge/link: the click confirms it */

#endif
