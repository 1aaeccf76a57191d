#!/usr/bin/env bash
# deps.sh run|test|bench — install what `make run`, `make test` or `make bench` needs on
# Debian 12: Debian packages with apt-get (when root; otherwise print the command), and
# for tests the npm packages pinned by package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-run}

build_pkgs="build-essential meson ninja-build pkg-config python3 libmicrohttpd-dev libcjson-dev libssl-dev
  libsodium-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev libcbor-dev libqrencode-dev"
test_pkgs="libcmocka-dev postgresql nodejs npm chromium sqlite3 curl oathtool"
bench_pkgs="nginx-light wrk"

pkgs=$build_pkgs
case $what in
  run) ;;
  test) pkgs="$pkgs $test_pkgs" ;;
  bench) pkgs="$pkgs $test_pkgs $bench_pkgs" ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node 20+ may come from outside Debian (nodesource); accept any node >= 18 with npm.
if [ "$what" != run ] && command -v node >/dev/null && command -v npm >/dev/null; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -ge 18 ]; then
    filtered=()
    for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || filtered+=("$p"); done
    missing=("${filtered[@]+"${filtered[@]}"}")
  fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "deps: missing Debian packages. Run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [ "$what" != run ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "deps: npm ci" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
fi
