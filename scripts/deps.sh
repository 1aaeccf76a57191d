#!/usr/bin/env bash
# deps.sh run|test|bench [--list] — install what `make run`, `make test` or `make bench`
# needs on Debian 12: Debian packages with apt-get (when root; otherwise print the
# command), and for tests a Node.js new enough for the test packages (see node_for_tests),
# a Node.js 18 for the SDK's oldest-Node test (node_for_sdk) and the npm packages pinned
# by package-lock.json. `make run` needs no Node at all.
# --list prints the Debian packages of that set, one a line, and installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-run}

build_pkgs="build-essential meson ninja-build pkg-config python3 libmicrohttpd-dev libcjson-dev libssl-dev
  libsodium-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev libcbor-dev libqrencode-dev"
test_pkgs="libcmocka-dev postgresql nodejs npm chromium sqlite3 curl oathtool nginx-light python3-requests caddy"
bench_pkgs="wrk"

pkgs=$build_pkgs
case $what in
  run) ;;
  test) pkgs="$pkgs $test_pkgs" ;;
  bench) pkgs="$pkgs $test_pkgs $bench_pkgs" ;;
  *) echo "usage: $0 run|test|bench [--list]" >&2; exit 2 ;;
esac
if [ "${2:-}" = --list ]; then
  printf '%s\n' $pkgs
  exit 0
fi

die() { echo "deps: $*" >&2; exit 1; }

apt_install() {
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing $*" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "$@" >&2
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
  else
    echo "deps: missing Debian packages. Run:" >&2
    echo "  sudo apt-get install -y $*" >&2
    exit 1
  fi
}

missing=()
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A node and npm from outside Debian (NodeSource, nvm) serve as well as Debian's: npm
# fetches, and node_for_tests replaces a node that is too old.
if [ "$what" != run ] && command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

[ "$what" = run ] && exit 0

# Official Node.js builds pinned in scripts/node-pin.txt, unpacked into .tools/ —
# project-local, the system untouched — after checking the tarball's sha512 against the
# pin; only bin/node (and the licence) is kept.
# pinned_node USE DIR: the build pinned for USE on this machine, in .tools/DIR.
pinned_node() {
  local use=$1 dir=$2 arch pkg version integrity want have tgz tmp
  arch=$(uname -m)
  read -r pkg version integrity < <(awk -v u="$use" -v m="$arch" '$1 == u && $2 == m { print $3, $4, $5 }' scripts/node-pin.txt) ||
    return 1
  if [ -x ".tools/$dir/bin/node" ] && [ "$(".tools/$dir/bin/node" --version)" = "v$version" ]; then
    return 0
  fi
  echo "deps: fetching $pkg@$version into .tools/$dir ($use)" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent --loglevel=error "$pkg@$version" >/dev/null) || { rm -rf "$tmp"; die "npm pack $pkg@$version failed"; }
  tgz=$tmp/$pkg-$version.tgz
  want=$(printf '%s' "${integrity#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
  have=$(sha512sum "$tgz" | cut -d' ' -f1)
  [ "$have" = "$want" ] || { rm -rf "$tmp"; die "$pkg-$version.tgz: sha512 $have does not match scripts/node-pin.txt"; }
  tar -xzf "$tgz" -C "$tmp" package/bin/node package/LICENSE
  mkdir -p .tools
  rm -rf ".tools/node-$version"
  mv "$tmp/package" ".tools/node-$version"
  rm -rf "$tmp"
  ln -sfn "node-$version" ".tools/$dir"
  [ "$(".tools/$dir/bin/node" --version)" = "v$version" ] || die ".tools/$dir/bin/node does not run"
}

# node_for_tests: the tests' npm packages need the Node.js that package.json's
# engines.node names (playwright-core refuses older ones, jose needs the global WebCrypto).
# When the system's node is older (Debian 12 ships 18), the pinned one goes to
# .tools/node, which tests/run_all.sh and bench/ put first on PATH.
node_min=$(sed -nE 's/^ *"node": *">= *([0-9.]+)".*/\1/p' package.json)
[ -n "$node_min" ] || die "package.json has no engines.node of the form \">=X.Y\""
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]; }

node_for_tests() {
  local sys
  sys=$(node -p 'process.versions.node')
  version_ge "$sys" "$node_min" && return 0
  pinned_node tests node ||
    die "the tests need Node.js >= $node_min; this system's is $sys and there is no pinned
  build for $(uname -m) in scripts/node-pin.txt. Install an official Node.js $node_min or newer for
  $(uname -m) (the Node.js project's Linux binaries, or NodeSource's Debian packages) so that
  \`node\` on PATH is that version, then run this again."
}
node_for_tests

# node_for_sdk: the SDK claims Node 18 (sdk/js/package.json); its suite runs the packed
# package on that Node too: the system's when it is 18 (Debian 12's), else the pinned one
# in .tools/node18. No pinned build for this machine: that test says so and fails.
node_for_sdk() {
  case $(node -p 'process.versions.node' 2>/dev/null) in 18.*) return 0 ;; esac
  pinned_node sdk-oldest node18 || echo "deps: no Node.js 18 pinned for $(uname -m): sdk/js/test/node18.test.mjs will fail" >&2
}
node_for_sdk

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
