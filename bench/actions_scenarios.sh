# shellcheck shell=bash
# actions_scenarios.sh — the Authsignal-compatible API (issue 12, docs/ACTIONS.md) in
# `make bench`: track (every request a new action: rules read, the row written, the
# token made) and validate (a token's MAC checked and its action read), both with HTTP
# Basic and the project's key as @authsignal/node sends it. Sourced by scenarios.sh.
actions_bench_setup() {
  BENCH_AS_BASIC=$(printf '%s:' "$BENCH_API_KEY" | base64 -w0)
  export BENCH_AS_BASIC
  BENCH_AS_TOKEN=$(curl -sf -H "Authorization: Basic $BENCH_AS_BASIC" -H 'Content-Type: application/json' -d '{}' \
    "$AG_URL/v1/users/bench-validate/actions/signIn" | json_field token)
  [ -n "$BENCH_AS_TOKEN" ] || die "no action token for the validate row"
  export BENCH_AS_TOKEN
}

actions_bench_scenarios() {
  scenario actions-track authgate /v1/users/bench-user/actions/signIn lua=actions_track.lua
  scenario actions-validate authgate /v1/validate lua=actions_validate.lua
}

target actions-validate rps 50 'validate: token MAC, the action read (a result is valid once: this is the read path)'
