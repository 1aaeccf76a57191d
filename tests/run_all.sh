#!/usr/bin/env bash
# run_all.sh BUILD_DIR — every suite: the include-direction check (tests/layers.sh), C
# unit tests (cmocka), the store contract suite on SQLite and on a real PostgreSQL
# started here, black-box tests against the real binary, browser tests in Chromium.
# All speak TAP; the last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
# The Node.js scripts/deps.sh provides when the system's is too old (Debian 12's is 18).
[ -x .tools/node/bin/node ] && export PATH="$PWD/.tools/node/bin:$PATH"
echo "== node $(node --version 2>/dev/null || echo 'not found: run make test')"
if [ ! -x "$build/tests/test_store_contract" ]; then
  echo "$build has no test tree (cmocka missing when it was configured?): use make test"
  echo "0 passed, 1 failed"
  exit 1
fi

export AUTHGATE_TEST_BIN=$PWD/$build/authgate
work=$(mktemp -d /tmp/authgate-tests.XXXXXX)
chmod 755 "$work"
pass=0 fail=0
failed_names=()

# Nothing may hang the run (CI has a time limit and a hung file prints nothing): a test
# fails after TEST_TIMEOUT_S seconds (more under a sanitizer); a test file whose tests
# are over exits even if its cleanup failed and left a server or socket open (without
# --test-force-exit node:test waits for that file forever); a suite is stopped after
# SUITE_TIMEOUT_S. Node >= 20.14 has --test-force-exit (deps.sh ensures >= 20.19).
if [ -n "${AUTHGATE_TEST_SANITIZE:-}" ]; then test_s=${TEST_TIMEOUT_S:-600}; else test_s=${TEST_TIMEOUT_S:-180}; fi
suite_s=${SUITE_TIMEOUT_S:-1200}
node_test() {
  timeout -k 30 "$suite_s" node --test --test-reporter=tap --test-force-exit --test-timeout=$((test_s * 1000)) "$@"
}

# count NAME < tap: tally "ok"/"not ok" lines of a TAP stream (top level and subtests).
tally() {
  local name=$1 out=$2
  local p f
  if grep -qE '^# pass [0-9]+' "$out"; then
    # node:test prints totals of leaf tests ("# pass N", "# fail N")
    p=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$out" | tail -1)
    f=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$out" | tail -1)
  else
    p=$(grep -E '^ok [0-9]+' "$out" | grep -vc '# SKIP' || true)
    f=$(grep -E '^not ok [0-9]+' "$out" | grep -vc '# SKIP' || true)
  fi
  pass=$((pass + p)); fail=$((fail + f))
  # A sanitizer report fails the suite even when its tests passed (TSan keeps running).
  if grep -qE 'WARNING: ThreadSanitizer|ERROR: (Address|Leak)Sanitizer|runtime error:' "$out"; then
    echo "---- $name: sanitizer report"
    grep -m1 -A40 -E 'WARNING: ThreadSanitizer|ERROR: (Address|Leak)Sanitizer|runtime error:' "$out"
    f=$((f + 1)); fail=$((fail + 1))
  fi
  # Stopped by the suite's timeout (124; 137 when it had to be killed): its passes so far
  # do not make it a pass.
  if [ "${3:-0}" -eq 124 ] || [ "${3:-0}" -eq 137 ]; then
    echo "---- $name: stopped after ${suite_s} s"
    f=$((f + 1)); fail=$((fail + 1))
  fi
  if [ "$f" -gt 0 ] || [ "${3:-0}" -ne 0 -a "$p" -eq 0 ]; then
    failed_names+=("$name")
    [ "$f" -eq 0 ] && fail=$((fail + 1))
    echo "---- $name failed:"
    if grep -qE '^\s*not ok' "$out"; then grep -B2 -A24 -E '^\s*not ok' "$out" | head -200; else tail -60 "$out"; fi
  fi
  echo "$name: $p passed, $f failed"
}

echo "== include direction (docs/ARCHITECTURE.md)"
tests/layers.sh > "$work/layers.tap" 2>&1
tally layers "$work/layers.tap" $?

echo "== C unit tests"
for t in "$build"/tests/test_*; do
  [ -f "$t" ] && [ -x "$t" ] || continue
  case $(basename "$t") in test_store_contract) continue ;; esac
  CMOCKA_MESSAGE_OUTPUT=tap timeout -k 30 "$suite_s" "$t" > "$work/$(basename "$t").tap" 2>&1
  tally "$(basename "$t")" "$work/$(basename "$t").tap" $?
done

echo "== store contract: SQLite"
AUTHGATE_TEST_DATABASE_URL="sqlite://$work/contract.db" CMOCKA_MESSAGE_OUTPUT=tap \
  timeout -k 30 "$suite_s" "$build/tests/test_store_contract" > "$work/contract-sqlite.tap" 2>&1
tally contract-sqlite "$work/contract-sqlite.tap" $?

echo "== store contract: PostgreSQL"
pgdir="$work/pg"
if pgurl=$(tests/pg.sh start "$pgdir" 2> "$work/pg.log"); then
  AUTHGATE_TEST_DATABASE_URL="$pgurl" CMOCKA_MESSAGE_OUTPUT=tap \
    timeout -k 30 "$suite_s" "$build/tests/test_store_contract" > "$work/contract-pg.tap" 2>&1
  tally contract-postgres "$work/contract-pg.tap" $?
  export AUTHGATE_TEST_PG_URL=$pgurl
else
  echo "cannot start PostgreSQL:"; cat "$work/pg.log"
  fail=$((fail + 1)); failed_names+=("postgres-start")
fi

echo "== black-box tests"
# Files by name: Node 22 reads a directory argument as a module to run, not a folder.
node_test --test-concurrency=2 tests/integration/*.test.mjs > "$work/integration.tap" 2>&1
tally integration "$work/integration.tap" $?

# The same black-box suites again with every server on its own PostgreSQL database.
pg_suites=(projects mail push push_device webhooks oauth mfa_totp mfa_codes mfa_paths admin_session admin_webhooks admin_users admin_user_sessions users users_lifetime connections actions actions_rules actions_challenges actions_push)
if [ -n "${pgurl:-}" ]; then
  echo "== black-box tests on PostgreSQL: ${pg_suites[*]}"
  files=(); for n in "${pg_suites[@]}"; do files+=("tests/integration/$n.test.mjs"); done
  AUTHGATE_TEST_STORE=postgres node_test --test-concurrency=2 "${files[@]}" > "$work/integration-pg.tap" 2>&1
  tally integration-postgres "$work/integration-pg.tap" $?
fi

# The JavaScript SDK: built and packed once, installed from its tarball like an app does,
# its suite run against the binary (sdk/js/README.md, "Tests").
echo "== SDK (sdk/js)"
if sdk_consumer=$(node sdk/js/scripts/test-install.mjs "$build/sdk" 2> "$work/sdk-build.log"); then
  cat "$work/sdk-build.log"
  SDK_TEST_CONSUMER=$sdk_consumer node_test --test-concurrency=2 sdk/js/test/*.test.mjs > "$work/sdk.tap" 2>&1
  tally sdk "$work/sdk.tap" $?
else
  echo "---- the SDK did not build:"; cat "$work/sdk-build.log"
  fail=$((fail + 1)); failed_names+=("sdk-build")
fi

if ls tests/browser/*.test.mjs >/dev/null 2>&1; then
  echo "== browser tests"
  node_test --test-concurrency=1 tests/browser/*.test.mjs > "$work/browser.tap" 2>&1
  tally browser "$work/browser.tap" $?
fi

[ -n "${pgurl:-}" ] && tests/pg.sh stop "$pgdir" >/dev/null 2>&1
[ ${#failed_names[@]} -gt 0 ] && echo "failed suites: ${failed_names[*]}"
rm -rf "$work"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
