#!/usr/bin/env bash
# run.sh — `make bench`: build an optimized authgate, start it and an nginx `return 200`
# reference on loopback, run wrk against both in the same run with the same parameters,
# and print req/s, latency percentiles and server CPU per request side by side with the
# ratio to the reference. A benchmark, not a test. Scenarios live in bench/scenarios.sh;
# settings (BENCH_*) and how to read the table are in docs/BENCH.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
here=$root/bench
# The Node.js scripts/deps.sh provides when the system's is too old (Debian 12's is 18).
[ -x "$root/.tools/node/bin/node" ] && export PATH="$root/.tools/node/bin:$PATH"

DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-1s}
CONNS=${BENCH_CONNECTIONS:-64}
ROUNDS=${BENCH_ROUNDS:-1}
CPU_MODE=${BENCH_CPUS:-split}
ONLY=${BENCH_ONLY:-}
BUILD=${BENCH_BUILD:-$root/build-bench}

die() { echo "bench: $*" >&2; exit 1; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer"
[[ $CONNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_CONNECTIONS must be a positive integer"
for tool in wrk curl python3 taskset; do command -v $tool >/dev/null || die "$tool not found (run: make bench)"; done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || die "nginx not found (run: make bench)"

# ---- CPU layout --------------------------------------------------------------------
# split: the servers share the first half of the cores, wrk gets the rest, so the client
# never takes CPU from the server it measures. shared: no pinning (one core, or asked for).
ncpu=$(nproc)
server_pin=() client_pin=()
if [ "$CPU_MODE" = split ] && [ "$ncpu" -ge 2 ]; then
  half=$((ncpu / 2))
  server_cpus=0 client_cpus=$((ncpu - 1))
  [ "$half" -gt 1 ] && server_cpus="0-$((half - 1))"
  [ $((ncpu - half)) -gt 1 ] && client_cpus="$half-$((ncpu - 1))"
  server_pin=(taskset -c "$server_cpus") client_pin=(taskset -c "$client_cpus")
  server_cores=$half client_cores=$((ncpu - half))
elif [ "$CPU_MODE" = split ] || [ "$CPU_MODE" = shared ]; then
  CPU_MODE=shared server_cpus="0-$((ncpu - 1))" client_cpus=$server_cpus
  server_cores=$ncpu client_cores=$ncpu
else
  die "BENCH_CPUS must be split or shared"
fi
# authgate always runs a libmicrohttpd thread pool of at least 2 (its single-thread epoll mode
# stalls at 256 keep-alive connections), so at least 2; nginx gets as many workers.
SERVER_THREADS=${BENCH_SERVER_THREADS:-$server_cores}
[[ $SERVER_THREADS =~ ^[0-9]+$ ]] || die "BENCH_SERVER_THREADS must be a number"
[ "$SERVER_THREADS" -lt 2 ] && SERVER_THREADS=2
WRK_THREADS=${BENCH_WRK_THREADS:-$client_cores}

# ---- build -------------------------------------------------------------------------
echo "bench: building an optimized authgate in ${BUILD#"$root"/}" >&2
reconf=()
[ -f "$BUILD/build.ninja" ] && reconf=(--reconfigure)
(cd "$root" && meson setup "${reconf[@]}" "$BUILD" -Dbuildtype=release -Db_ndebug=true >"$BUILD.setup.log" 2>&1) ||
  { cat "$BUILD.setup.log" >&2; die "meson setup failed"; }
rm -f "$BUILD.setup.log"
ninja -C "$BUILD" authgate >/dev/null || ninja -C "$BUILD" authgate
BIN=$BUILD/authgate

# ---- temp dir, servers, clean-up ----------------------------------------------------
tmp=$(mktemp -d /tmp/authgate-bench.XXXXXX)
chmod 755 "$tmp"
ag_pid='' ng_pid=''
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$ag_pid" ]; then kill -TERM "$ag_pid" 2>/dev/null || true; wait "$ag_pid" 2>/dev/null || true; fi
  if [ -n "$ng_pid" ]; then kill -TERM "$ng_pid" 2>/dev/null || true; wait "$ng_pid" 2>/dev/null || true; fi
  if [ -n "${BENCH_KEEP:-}" ]; then echo "bench: kept $tmp" >&2; else rm -rf "$tmp"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# json_field NAME < json: one top-level string field of a JSON document.
json_field() {
  python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

export AUTHGATE_HOST=127.0.0.1 AUTHGATE_PORT=0 AUTHGATE_DATA_DIR=$tmp/data AUTHGATE_ACCESS_LOG=false
export AUTHGATE_LOG_LEVEL=warn AUTHGATE_THREADS=$SERVER_THREADS AUTHGATE_SHUTDOWN_GRACE=2
# One client address signs in thousands of times: lift the per-address sign-in limits.
export AUTHGATE_AUTH_RATE_PERCENT=1000000
# Push: the bench is one client address starting sign-ins for ever-new emails, and its
# webhook receiver listens on loopback.
export AUTHGATE_PUSH_START_IP_PER_MIN=1000000 AUTHGATE_PUSH_START_EMAIL_PER_10MIN=1000000
export AUTHGATE_PUSH_DEVICE_IP_PER_MIN=1000000 AUTHGATE_ALLOW_PRIVATE_NETWORK=true
# The actions rows name their end user's address (ipAddress), which spends the API key's
# budget for named addresses (6000 a minute by default): lift it too.
export AUTHGATE_API_KEY_CLIENT_IP_PER_MIN=1000000
# Dev mode: mail is captured (push enrollment reads its code at /_dev/mail); outside it
# `authgate serve` wants an SMTP server.
export AUTHGATE_DEV=true
ag_cli() { "$BIN" "$@"; }

start_authgate() {
  "${server_pin[@]}" "$BIN" serve >"$tmp/authgate.out" 2>"$tmp/authgate.err" &
  ag_pid=$!
  local i
  for i in $(seq 150); do
    AG_URL=$(sed -nE 's/^authgate listening on (http:[^ ]+)$/\1/p' "$tmp/authgate.out")
    [ -n "$AG_URL" ] && return 0
    kill -0 "$ag_pid" 2>/dev/null || { cat "$tmp/authgate.err" >&2; ag_pid=; die "authgate exited at start"; }
    sleep 0.1
  done
  cat "$tmp/authgate.err" >&2
  die "authgate did not start listening in 15 s"
}

start_nginx() {
  local port
  port=$(free_port)
  mkdir -p "$tmp/nginx"
  cat >"$tmp/nginx/nginx.conf" <<EOF
# The reference: the cheapest useful HTTP response nginx can give.
worker_processes $SERVER_THREADS;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$port;
    location / { default_type application/json; return 200 '{"status":"ok"}'; }
  }
}
EOF
  "${server_pin[@]}" "$NGINX" -p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" \
    >"$tmp/nginx/out.log" 2>&1 &
  ng_pid=$!
  NG_URL=http://127.0.0.1:$port
  local i
  for i in $(seq 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$NG_URL/" || true)" = 200 ] && return 0
    kill -0 "$ng_pid" 2>/dev/null || { cat "$tmp/nginx/out.log" "$tmp/nginx/error.log" >&2; ng_pid=; die "nginx exited at start"; }
    sleep 0.1
  done
  die "nginx did not answer in 15 s"
}

server_url() {
  case $1 in
    authgate) echo "$AG_URL" ;;
    nginx) echo "$NG_URL" ;;
    *) die "unknown server $1 (authgate or nginx)" ;;
  esac
}

# server_ticks SERVER: CPU time (user + system, clock ticks) used so far by the server's
# processes, all threads included (nginx: master and workers).
server_ticks() {
  local pids p f t=0
  case $1 in
    authgate) pids=$ag_pid ;;
    nginx) pids="$ng_pid $(ps -o pid= --ppid "$ng_pid" | tr '\n' ' ')" ;;
    *) echo 0; return ;;
  esac
  for p in $pids; do
    # fields after "pid (comm) ": utime is the 12th, stime the 13th
    f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    read -r -a f <<<"$f"
    t=$((t + f[11] + f[12]))
  done
  echo $t
}

# machine_busy: percent of all cores busy (anything but idle/iowait) over one second.
machine_busy() {
  local a b
  read -r -a a < <(grep '^cpu ' /proc/stat)
  sleep 1
  read -r -a b < <(grep '^cpu ' /proc/stat)
  local i tot=0 idle
  for i in 1 2 3 4 5 6 7 8; do tot=$((tot + b[i] - a[i])); done
  idle=$((b[4] - a[4] + b[5] - a[5]))
  echo $((tot > 0 ? 100 * (tot - idle) / tot : 0))
}

# ---- scenarios ----------------------------------------------------------------------
declare -A R=()          # R[name,round,key] = value from the BENCH_RESULT line (+ ticks, rps)
declare -A META=()       # META[name,key]: server, ref, conns, threads, expect, kind
names=() failures=() round=1
CLK_TCK=$(getconf CLK_TCK)

selected() { [ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]; }

# parse_result NAME FILE TICKS: store the last BENCH_RESULT line of FILE for this round.
parse_result() {
  local name=$1 file=$2 ticks=$3 line kv
  line=$(grep '^BENCH_RESULT ' "$file" | tail -1 || true)
  if [ -z "$line" ]; then
    failures+=("$name: no result (output follows)")
    sed 's/^/    /' "$file" | tail -20 >&2
    return 1
  fi
  for kv in ${line#BENCH_RESULT }; do R[$name,$round,${kv%%=*}]=${kv#*=}; done
  R[$name,$round,ticks]=$ticks
  local req=${R[$name,$round,requests]:-0} dur=${R[$name,$round,duration_us]:-0}
  R[$name,$round,rps]=$(awk -v n="$req" -v d="$dur" 'BEGIN { printf "%.0f", (d > 0 ? n * 1e6 / d : 0) }')
}

register() {
  local name=$1
  [ -n "${META[$name,kind]:-}" ] && { [ "$round" -gt 1 ] || die "scenario $name defined twice"; return 0; }
  names+=("$name")
  META[$name,kind]=$2 META[$name,server]=$3 META[$name,ref]=$4 META[$name,conns]=$5 META[$name,threads]=$6
  META[$name,expect]=$7
}

check_alive() {
  kill -0 "$ag_pid" 2>/dev/null || { tail -20 "$tmp/authgate.err" >&2; ag_pid=; die "authgate died during $1"; }
  kill -0 "$ng_pid" 2>/dev/null || { ng_pid=; die "nginx died during $1"; }
}

# scenario NAME SERVER PATH [lua=F] [expect=N] [ref=R|-] [conns=N] [threads=N]
scenario() {
  local name=$1 server=$2 path=$3
  shift 3
  local lua='' expect=200 ref=nginx conns=$CONNS threads=$WRK_THREADS kv
  for kv in "$@"; do
    case $kv in
      lua=*) lua=${kv#lua=} ;;
      expect=*) expect=${kv#expect=} ;;
      ref=*) ref=${kv#ref=} ;;
      conns=*) conns=${kv#conns=} ;;
      threads=*) threads=${kv#threads=} ;;
      *) die "scenario $name: unknown option $kv" ;;
    esac
  done
  selected "$name" || return 0
  [ "$threads" -gt "$conns" ] && threads=$conns
  register "$name" wrk "$server" "$ref" "$conns" "$threads" "$expect"
  local url script=$tmp/lua/$name
  url=$(server_url "$server")$path
  mkdir -p "$tmp/lua" "$tmp/out"
  { [ -z "$lua" ] || cat "$here/$lua"; cat "$here/preflight.lua"; } >"$script.pre.lua"
  { [ -z "$lua" ] || cat "$here/$lua"; cat "$here/report.lua"; } >"$script.lua"

  echo "bench: [$round/$ROUNDS] $name: wrk -t$threads -c$conns -d$DURATION $server $path" >&2
  # Warm-up, and a check that the scenario gets the response it is meant to measure.
  local pre status
  pre=$("${client_pin[@]}" wrk -t1 -c$((conns < 4 ? conns : 4)) -d"$WARMUP" -s "$script.pre.lua" "$url" 2>&1 || true)
  status=$(sed -nE 's/^BENCH_PREFLIGHT status=([0-9]+).*/\1/p' <<<"$pre" | head -1)
  if [ "$status" != "$expect" ]; then
    failures+=("$name: expected status $expect, got ${status:-no response}: $(grep -m1 BENCH_PREFLIGHT <<<"$pre" || tail -1 <<<"$pre")")
    check_alive "$name"
    return 0
  fi
  local t0 t1 out=$tmp/out/$name.$round
  t0=$(server_ticks "$server")
  "${client_pin[@]}" wrk -t"$threads" -c"$conns" -d"$DURATION" -s "$script.lua" "$url" >"$out" 2>&1 || true
  t1=$(server_ticks "$server")
  parse_result "$name" "$out" $((t1 - t0)) || true
  check_alive "$name"
}

# measure NAME [ref=R|-] [server=authgate|nginx|none] -- COMMAND ARGS...
# For what wrk cannot measure (event latency, memory). COMMAND runs pinned like wrk, with
# BENCH_AUTHGATE_URL, BENCH_NGINX_URL, BENCH_API_KEY, BENCH_DURATION, BENCH_CONNECTIONS in
# its environment, and prints a line "BENCH_RESULT key=value ..." with any of: requests,
# duration_us (both give req/s), p50 p90 p99 p999 max (microseconds), status, connect,
# read, write, timeout (error counts), note (one word). Server CPU is measured around it.
measure() {
  local name=$1 ref=- server=authgate
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    case $1 in
      ref=*) ref=${1#ref=} ;;
      server=*) server=${1#server=} ;;
      *) die "measure $name: unknown option $1" ;;
    esac
    shift
  done
  [ $# -gt 1 ] || die "measure $name: missing -- COMMAND"
  shift
  selected "$name" || return 0
  register "$name" custom "$server" "$ref" - - -
  echo "bench: [$round/$ROUNDS] $name: $*" >&2
  local t0 t1 out=$tmp/out/$name.$round
  mkdir -p "$tmp/out"
  t0=$(server_ticks "$server")
  (cd "$root" && BENCH_AUTHGATE_URL=$AG_URL BENCH_NGINX_URL=$NG_URL "${client_pin[@]}" "$@") >"$out" 2>&1 ||
    failures+=("$name: command exited with status $?")
  t1=$(server_ticks "$server")
  parse_result "$name" "$out" $((t1 - t0)) || true
  check_alive "$name"
}

# target NAME rps PCT | p99 MS: a goal from the architecture, checked against the table.
targets=()
target() { targets+=("$*"); }

# ---- run ----------------------------------------------------------------------------
busy_before=$(machine_busy)
start_authgate
start_nginx
export BENCH_AUTHGATE_URL=$AG_URL BENCH_NGINX_URL=$NG_URL BENCH_DURATION=$DURATION BENCH_CONNECTIONS=$CONNS
# shellcheck source=bench/scenarios.sh source-path=SCRIPTDIR/..
. "$here/scenarios.sh"
bench_setup
for round in $(seq "$ROUNDS"); do bench_scenarios; done
busy_after=$(machine_busy)

# ---- report -------------------------------------------------------------------------
# pick NAME: the round whose req/s is the median for this scenario.
pick() {
  local name=$1 r list=()
  for r in $(seq "$ROUNDS"); do [ -n "${R[$name,$r,rps]:-}" ] && list+=("${R[$name,$r,rps]} $r"); done
  [ ${#list[@]} -gt 0 ] || return 1
  printf '%s\n' "${list[@]}" | sort -n | awk -v n=${#list[@]} 'NR == int((n + 1) / 2) { print $2 }'
}
get() { local r; r=$(pick "$1") || return 1; echo "${R[$1,$r,$2]:-}"; }
num() { local v; v=$(get "$1" "$2") || true; echo "${v:-0}"; }
ms() { [ -n "$1" ] && awk -v u="$1" 'BEGIN { m = u / 1000; printf(m < 10 ? "%.2f" : "%.1f", m) }' || echo -; }
cpu_us() { # CPU microseconds per request
  local t n
  t=$(get "$1" ticks) n=$(get "$1" requests) || { echo -; return; }
  if [ -z "$n" ] || [ "$n" -eq 0 ] || [ "${META[$1,server]}" = none ]; then echo -; return; fi
  awk -v t="$t" -v n="$n" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }'
}

cpu_model=$(sed -nE 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
echo
echo "$("$BIN" --version 2>/dev/null | head -1) bench — $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr)"
echo "machine: $ncpu cores (${cpu_model:-unknown CPU}), $mem; busy with other work: ${busy_before}% before, ${busy_after}% after"
echo "cpus: $CPU_MODE — servers on cpu $server_cpus, wrk on cpu $client_cpus"
echo "servers: authgate AUTHGATE_THREADS=$SERVER_THREADS (release build, access log off);" \
  "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //') worker_processes $SERVER_THREADS (access_log off, keepalive_requests 1000000)"
echo "wrk: -t$WRK_THREADS -c$CONNS -d$DURATION (per-row overrides below), keep-alive, warm-up $WARMUP; rounds: $ROUNDS (median req/s shown)"
echo
row() { printf '%-18s %9s %7s %8s %8s %8s %8s %8s %9s %7s %6s %8s %8s\n' "$@"; }
row scenario req/s "vs ref" p50/ms p90/ms p99/ms p99.9/ms max/ms "cpu us/r" "x ref" "srv%" ">=400" "sockerr"
warnings=() notes=()
for name in "${names[@]}"; do
  ref=${META[$name,ref]}
  if ! pick "$name" >/dev/null; then row "$name" - - - - - - - - - - - -; continue; fi
  rps=$(get "$name" rps) cpu=$(cpu_us "$name")
  vs=- xr=-
  if [ "$ref" != - ] && pick "$ref" >/dev/null; then
    vs=$(awk -v a="$rps" -v b="$(get "$ref" rps)" 'BEGIN { printf(b > 0 ? "%.0f%%" : "-", 100 * a / b) }')
    rc=$(cpu_us "$ref")
    [ "$cpu" != - ] && [ "$rc" != - ] && xr=$(awk -v a="$cpu" -v b="$rc" 'BEGIN { printf(b > 0 ? "%.2fx" : "-", a / b) }')
  fi
  srv=-
  [ "$cpu" != - ] && srv=$(awk -v t="$(get "$name" ticks)" -v d="$(get "$name" duration_us)" -v hz="$CLK_TCK" \
    'BEGIN { printf "%.0f%%", (d > 0 ? 100 * t / hz / (d / 1e6) : 0) }')
  st=$(get "$name" status)
  sock=$(($(num "$name" connect) + $(num "$name" read) + $(num "$name" write) + $(num "$name" timeout)))
  [ "${META[$name,kind]}" = custom ] && [ -z "$st" ] && st=-
  row "$name" "$rps" "$vs" "$(ms "$(get "$name" p50)")" "$(ms "$(get "$name" p90)")" \
    "$(ms "$(get "$name" p99)")" "$(ms "$(get "$name" p999)")" "$(ms "$(get "$name" max)")" "$cpu" "$xr" "$srv" \
    "${st:-0}" "$sock"
  expect=${META[$name,expect]}
  req=$(num "$name" requests)
  if [ "$expect" != - ] && [ "$st" != - ]; then
    if [ "$expect" -lt 400 ] && [ "${st:-0}" -gt 0 ]; then warnings+=("$name: $st responses with status >= 400 (expected $expect)"); fi
    if [ "$expect" -ge 400 ] && [ "${st:-0}" -ne "${req:-0}" ]; then
      warnings+=("$name: $((req - ${st:-0})) of $req responses had status < 400 (expected $expect)")
    fi
  fi
  [ "$sock" -gt 0 ] && warnings+=("$name: socket errors: connect $(num "$name" connect) read $(num "$name" read) write $(num "$name" write) timeout $(num "$name" timeout)")
  if [ "$req" -eq 0 ]; then
    warnings+=("$name: no request completed (stalled?)")
  elif [ "$ref" != - ] && pick "$ref" >/dev/null && [ $((rps * 10)) -lt "$(get "$ref" rps)" ] &&
    { [ "$srv" = - ] || [ "${srv%\%}" -lt 50 ]; }; then
    # A row that kept the server busy is only expensive (actions-track writes a row per
    # request); one that did not is waiting on something.
    warnings+=("$name: under 10% of $ref's req/s with the server idle half the time: connections stalled or the server is starved")
  fi
  note=$(get "$name" note)
  [ -n "$note" ] && notes+=("$name: $note")
done
echo
echo "req/s vs ref: this row's req/s as a share of its reference row's (nginx return 200 unless noted)."
echo "cpu us/r: server CPU (user+system, all threads/workers) per request; x ref: that cost over the reference's."
echo "srv%: server CPU over the run, 100% = one core. >=400: responses with status >= 400 (wrk counts them as errors)."

if [ ${#notes[@]} -gt 0 ]; then
  echo
  echo "notes:"
  printf '  %s\n' "${notes[@]}"
fi

if [ ${#targets[@]} -gt 0 ]; then
  echo
  echo "targets:"
  for t in "${targets[@]}"; do
    read -r name what goal rest <<<"$t"
    if ! pick "$name" >/dev/null; then echo "  $name $what: not measured"; continue; fi
    case $what in
      rps)
        ref=${META[$name,ref]}
        pct=$(awk -v a="$(get "$name" rps)" -v b="$(get "$ref" rps || echo 0)" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')
        verdict=$([ "$pct" -ge "$goal" ] && echo met || echo MISSED)
        echo "  $name req/s >= $goal% of $ref: $pct% — $verdict ${rest:+($rest)}" ;;
      p99)
        v=$(ms "$(get "$name" p99)") ref=${META[$name,ref]} rv=
        [ "$ref" != - ] && pick "$ref" >/dev/null && rv=" ($ref: $(ms "$(get "$ref" p99)") ms)"
        verdict=$(awk -v v="$v" -v g="$goal" 'BEGIN { print (v + 0 <= g + 0) ? "met" : "MISSED" }')
        echo "  $name p99 <= $goal ms: $v ms$rv — $verdict ${rest:+($rest)}" ;;
    esac
  done
fi

if [ ${#failures[@]} -gt 0 ] || [ ${#warnings[@]} -gt 0 ]; then
  echo
  echo "ERRORS:"
  printf '  %s\n' "${failures[@]+"${failures[@]}"}" "${warnings[@]+"${warnings[@]}"}" | awk '!seen[$0]++'
fi
# Anything under ERRORS makes the figures untrustworthy: say so in the exit status too.
[ ${#failures[@]} -eq 0 ] && [ ${#warnings[@]} -eq 0 ]
