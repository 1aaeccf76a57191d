# shellcheck shell=bash
# scenarios.sh — what `make bench` measures. Sourced by bench/run.sh, which provides the
# helpers used here (see docs/BENCH.md, "Adding a scenario"). Later issues append their
# setup to bench_setup and their rows to bench_scenarios.

here=${here:-$(dirname "${BASH_SOURCE[0]}")}
# shellcheck source=bench/email_scenarios.sh
source "$here/email_scenarios.sh"
# shellcheck source=bench/users_scenarios.sh
source "$here/users_scenarios.sh"
# shellcheck source=bench/actions_scenarios.sh
source "$here/actions_scenarios.sh"

# Runs once, after both servers are up and before any measurement. Create what the
# scenarios need through the CLI or HTTP and export it for the Lua scripts (os.getenv).
bench_setup() {
  ag_cli project create bench "Bench" >/dev/null
  BENCH_API_KEY=$(ag_cli apikey create bench | json_field key)
  export BENCH_API_KEY
  BENCH_ADMIN_TOKEN=$(ag_cli admin-token create | json_field key)
  export BENCH_ADMIN_TOKEN
  email_bench_setup
  users_bench_setup
  actions_bench_setup
  # the factor verifiers, in process (bench/factors_verify.c against this build's library)
  cc -O2 -I"$root/src" -o "$tmp/factors_verify" "$root/bench/factors_verify.c" "$BUILD/libagcore.a" \
    $(pkg-config --libs libmicrohttpd libcjson openssl libsodium sqlite3 libpq libcurl libcbor libqrencode) -lm -pthread
}

# One row per line: scenario NAME SERVER PATH [key=value ...]
#   SERVER  nginx | authgate
#   lua=F   wrk script in bench/ shaping the request (method, headers, body)
#   expect=N  status the first response must have (default 200); other statuses >= 400
#           during the run are reported as errors unless expect is itself >= 400
#   ref=R   the row whose req/s and CPU/request this row is compared with (default nginx)
#   conns=N threads=N  override BENCH_CONNECTIONS / the wrk thread count for this row
# Or: measure NAME [ref=R] -- COMMAND ARGS...   for measurements wrk cannot make (see docs).
bench_scenarios() {
  scenario nginx nginx / ref=-
  scenario healthz authgate /healthz
  scenario project-apikey authgate /api/v1/project lua=apikey.lua
  scenario not-found-404 authgate /api/v1/no-such-thing expect=404
  scenario nginx-c256 nginx / conns=256 ref=-
  scenario healthz-c256 authgate /healthz conns=256 ref=nginx-c256
  email_bench_scenarios
  users_bench_scenarios
  actions_bench_scenarios
  # push sign-in (seed 000): starts are writes (a session row each); the rest are events
  scenario push-start authgate /auth/start lua=push_start.lua ref=-
  measure push-wake-longpoll -- node bench/push_wake.mjs longpoll
  measure push-wake-sse -- node bench/push_wake.mjs sse
  measure webhook-send -- node bench/webhook_send.mjs
  measure idle-longpolls -- node bench/idle_longpoll.mjs "$ag_pid"
  # OAuth sign-in (issue 9): whole sign-ins against a loopback provider; CPU/request is
  # AuthGate's cost per sign-in (start + callback, ID token checked with cached keys)
  measure oauth-signin -- node bench/oauth_callback.mjs
  # second factors (issue 10): verifications per second on one core, in process, next to
  # token-verify above (the checks alone; a sign-in's MFA step adds its store writes)
  measure totp-verify -- taskset -c "${server_cpus%%[-,]*}" "$tmp/factors_verify" totp "${DURATION%s}"
  measure passkey-verify-es256 -- taskset -c "${server_cpus%%[-,]*}" "$tmp/factors_verify" passkey-es256 "${DURATION%s}"
  measure passkey-verify-eddsa -- taskset -c "${server_cpus%%[-,]*}" "$tmp/factors_verify" passkey-eddsa "${DURATION%s}"
  measure passkey-verify-rs256 -- taskset -c "${server_cpus%%[-,]*}" "$tmp/factors_verify" passkey-rs256 "${DURATION%s}"
}

# Goals from the architecture (docs/BENCH.md): target NAME rps PCT [note] | target NAME p99 MS [note]
target project-apikey rps 60 stand-in for token verify: API key lookup without the JWT check
target healthz p99 5
target project-apikey p99 5
target push-wake-longpoll p99 5 "from the approval sent to the long-poll answered, approval work included"
target push-wake-sse p99 5 "from the approval sent to the event received, approval work included"
target webhook-send p99 50 "from the approval sent to the webhook received"
