#!/usr/bin/env bash
# layers.sh — checks the direction of dependencies written in docs/ARCHITECTURE.md
# ("Modules and the direction of dependencies"): every `#include "module/..."` under
# src/ names the includer's own module or one it may use, and each third-party library
# is included from its one module. Run by tests/run_all.sh (so by `make test`); speaks
# TAP; exits 1 and names every offending line when a rule is broken.
set -uo pipefail
cd "$(dirname "$0")/.."

# Who may include whom: a module, then the modules it may include besides itself.
# Lower layers never name a higher one; modules of one layer are independent except
# where listed (mail and hook queue their work through jobs; config checks URL values
# with net's URL parser).
allowed() {
  case $1 in
    core) echo "" ;;
    sec | store | net | http) echo "core" ;;
    config) echo "core net" ;; # URL values are checked with the one URL parser (net/url.c)
    jobs) echo "core config sec store" ;;
    mail | hook | sms) echo "core config sec store net jobs" ;;
    auth) echo "core config sec store net jobs mail hook sms" ;;
    api) echo "core config sec store net http jobs mail hook sms auth" ;;
    cli) echo "core config sec store net http jobs mail hook sms auth api" ;;
    main.c) echo "cli" ;;
    *) echo "?" ;;
  esac
}

# Third-party headers and the one module each may appear in.
libraries=("microhttpd.h:http" "openssl/:sec" "sodium.h:sec" "curl/:net" "sqlite3.h:store" "libpq-fe.h:store"
  "cjson/:core/json.h" "cbor.h:sec/cbor.c" "qrencode.h:core/qr.c")

echo "TAP version 13"
echo "1..2"
failed=0
bad=()
while IFS= read -r hit; do
  file=${hit%%:*} rest=${hit#*:}
  line=${rest%%:*} text=${rest#*:}
  from=$(cut -d/ -f2 <<< "$file")
  to=$(sed -E 's/^#include "([a-z_]+)\/.*/\1/' <<< "$text")
  [ "$from" = "$to" ] && continue
  ok=$(allowed "$from")
  if [ "$ok" = "?" ]; then
    bad+=("$file:$line: module '$from' has no entry in tests/layers.sh (add it, and to docs/ARCHITECTURE.md)")
  elif [[ " $ok " != *" $to "* ]]; then
    bad+=("$file:$line: $from/ may not include $to/ ($text)")
  fi
done < <(grep -rnE '^#include "' src)
if [ ${#bad[@]} -eq 0 ]; then
  echo "ok 1 - includes follow the direction of dependencies"
else
  echo "not ok 1 - includes follow the direction of dependencies"
  printf '# %s\n' "${bad[@]}"
  failed=1
fi

bad=()
for pair in "${libraries[@]}"; do
  h=${pair%%:*} home=${pair#*:}
  while IFS= read -r hit; do
    [[ "$hit" == src/$home* ]] || bad+=("$hit: <$h> belongs to src/$home only")
  done < <(grep -rnF "#include <$h" src)
done
if [ ${#bad[@]} -eq 0 ]; then
  echo "ok 2 - each third-party library is included from its one module"
else
  echo "not ok 2 - each third-party library is included from its one module"
  printf '# %s\n' "${bad[@]}"
  failed=1
fi
exit $failed
