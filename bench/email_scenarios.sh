# shellcheck shell=bash
# email_scenarios.sh — the email sign-in rows for bench/run.sh (branch bench). To hook
# in: in bench/scenarios.sh, `source "$here/email_scenarios.sh"`, call email_bench_setup
# at the end of bench_setup and email_bench_scenarios inside bench_scenarios, and start
# authgate with AUTHGATE_AUTH_RATE_PERCENT=1000000 (one client address would otherwise
# hit the per-address sign-in limit). Standalone: bench/email.sh.
email_bench_setup() {
  local i e
  BENCH_EMAILS=
  for i in 1 2 3 4 5 6 7 8; do
    e="bench$i@example.com"
    curl -sf -o /dev/null -H "Authorization: Bearer $BENCH_API_KEY" -H 'Content-Type: application/json' \
      -d "{\"email\":\"$e\",\"password\":\"benchPassword1\"}" "$AG_URL/api/proxy/email/signup"
    BENCH_EMAILS=${BENCH_EMAILS:+$BENCH_EMAILS,}$e
  done
  BENCH_TOKEN=$(curl -sf -H "Authorization: Bearer $BENCH_API_KEY" -H 'Content-Type: application/json' \
    -d '{"email":"bench1@example.com","password":"benchPassword1"}' "$AG_URL/api/proxy/email/signin" | json_field token)
  cc -O2 -o "$tmp/argon2_limit" "$root/bench/argon2_limit.c" $(pkg-config --cflags --libs libsodium)
  # measured on the cores the server is pinned to: the limit is what those cores can hash
  BENCH_ARGON2_LIMIT=$("${server_pin[@]}" "$tmp/argon2_limit" 19456 2 20 | json_field limit_per_s)
  export BENCH_EMAILS BENCH_TOKEN BENCH_ARGON2_LIMIT
}

email_bench_scenarios() {
  scenario token-verify authgate /api/v1/token/verify lua=token_verify.lua
  measure signin-vs-argon2 -- node bench/signin.mjs --url "$AG_URL" --key "$BENCH_API_KEY" --token "$BENCH_TOKEN" \
    --password benchPassword1 --emails "$BENCH_EMAILS" --limit "$BENCH_ARGON2_LIMIT" --bench-result
  # no user enumeration by time: unknown email vs wrong password, alternating (the suite
  # checks the same property by counting argon2id work: email_enumeration.test.mjs)
  measure signin-enumeration -- node bench/signin_enumeration.mjs
}

target token-verify rps 60 'token verify (API key + JWT + ended-session check) vs nginx return 200'
target token-verify p99 5
