#!/usr/bin/env bash
# email.sh — the email sign-in benchmark on its own (bench/run.sh calls the same pieces
# when the bench framework is present: see bench/email_scenarios.sh). Starts an
# optimized authgate with the real argon2id parameters on loopback, makes a project, a
# few users and a session token, then measures: token verify req/s (wrk), the machine's
# argon2id limit (bench/argon2_limit.c), sign-in at 1/2/4 clients against that limit,
# and token-verify p99 while sign-in saturates the CPU. A benchmark, not a test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$root/build-bench}
DURATION=${BENCH_DURATION:-8}
for tool in wrk node cc curl python3; do command -v $tool >/dev/null || { echo "bench: $tool not found" >&2; exit 1; }; done
if [ ! -x "$BUILD/authgate" ]; then
  meson setup "$BUILD" -Dbuildtype=release -Db_ndebug=true >/dev/null
fi
ninja -C "$BUILD" authgate >/dev/null
work=$(mktemp -d /tmp/authgate-bench-email.XXXXXX)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
cc -O2 -o "$work/argon2_limit" "$root/bench/argon2_limit.c" $(pkg-config --cflags --libs libsodium)
limit_json=$("$work/argon2_limit" 19456 2 20)
limit=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["limit_per_s"])' "$limit_json")

export AUTHGATE_DATA_DIR=$work AUTHGATE_PORT=0 AUTHGATE_HOST=127.0.0.1 AUTHGATE_ACCESS_LOG=false \
  AUTHGATE_AUTH_RATE_PERCENT=1000000 AUTHGATE_LOG_LEVEL=warn AUTHGATE_DEV=true  # dev: mail captured, no SMTP
"$BUILD/authgate" serve >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/out")
[ -n "$url" ] || { cat "$work/err" >&2; exit 1; }
"$BUILD/authgate" project create bench-email "Bench" >/dev/null
key=$("$BUILD/authgate" apikey create bench-email | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
emails=()
for i in 1 2 3 4 5 6 7 8; do
  e="bench$i@example.com"
  curl -sf -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$e\",\"password\":\"benchPassword1\"}" "$url/api/proxy/email/signup"
  emails+=("$e")
done
token=$(curl -sf -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"email":"bench1@example.com","password":"benchPassword1"}' "$url/api/proxy/email/signin" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
echo "argon2id: $limit_json"
node "$root/bench/signin.mjs" --url "$url" --key "$key" --token "$token" --password benchPassword1 \
  --emails "$(IFS=,; echo "${emails[*]}")" --limit "$limit" --duration "$DURATION" ${BENCH_JSON:+--json}
