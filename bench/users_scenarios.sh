# shellcheck shell=bash
# users_scenarios.sh — seed 004's forward-auth (issue 11) in `make bench`: a user signed
# in by a mailed code (captured: the bench runs in dev mode), on the business plan, asking
# for a path a rule reserves for business (rule matched, plan compared, user headers
# written) — with the 30-day token and with an API key. Sourced by scenarios.sh.
users_bench_setup() {
  local base="$AG_URL/p/bench" code token admin_h=(-H "Authorization: Bearer $BENCH_ADMIN_TOKEN")
  curl -sf -o /dev/null "${admin_h[@]}" -X PATCH -H 'Content-Type: application/json' \
    -d '{"plans":[{"name":"free"},{"name":"personal"},{"name":"business","features":["advanced_analytics"]}],
         "rules":[{"path":"/advanced-feature","plan":"business"},{"path":"/public","public":true}]}' \
    "$AG_URL/admin/api/projects/bench/users-config"
  curl -sf -o /dev/null -H 'Content-Type: application/json' -d '{"email":"bench-user@example.com"}' \
    "$base/users/auth/magic-link/request"
  for _ in $(seq 50); do
    code=$(curl -sf "$AG_URL/_dev/mail/messages" | python3 -c '
import json, re, sys
m = [x for x in json.load(sys.stdin)["messages"] if x["to"] == "bench-user@example.com"]
print(re.search(r"\d{6}", m[0]["subject"]).group() if m else "")')
    [ -n "$code" ] && break
    sleep 0.1
  done
  [ -n "$code" ] || die "no sign-in code for the forward-auth rows"
  token=$(curl -sf -H 'Content-Type: application/json' -d "{\"email\":\"bench-user@example.com\",\"code\":\"$code\"}" \
    "$base/users/auth/magic-link/verify" | json_field token)
  local uid
  uid=$(curl -sf -H "Authorization: Bearer $token" "$base/users/auth/status" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["user"]["id"])')
  curl -sf -o /dev/null "${admin_h[@]}" -X PUT -H 'Content-Type: application/json' -d '{"plan":"business"}' \
    "$AG_URL/admin/api/projects/bench/users/$uid/plan"
  BENCH_USER_TOKEN=$token
  BENCH_USER_KEY=$(curl -sf -X POST -H "Authorization: Bearer $token" "$base/users/generate-api-key" | json_field apiKey)
  export BENCH_USER_TOKEN BENCH_USER_KEY
}

users_bench_scenarios() {
  scenario forward-auth-token authgate /p/bench/forward-auth lua=forward_auth_token.lua
  scenario forward-auth-apikey authgate /p/bench/forward-auth lua=forward_auth_apikey.lua
}

target forward-auth-token rps 60 'forward-auth with a 30-day token (JWT, session, plan, rule) vs nginx return 200'
target forward-auth-apikey rps 60 'forward-auth with X-API-Key (key hash, user, plan, rule) vs nginx return 200'
target forward-auth-token p99 5
