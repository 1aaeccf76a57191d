#!/usr/bin/env bash
# run.sh BUILD_DIR [SECONDS] — run every libFuzzer target built in BUILD_DIR/tests/fuzz
# for SECONDS (default 30) on its corpus (seeds: tests/fuzz/corpus/NAME; what it finds
# is kept in BUILD_DIR/corpus-NAME), and print one line per target: the edges the seeds
# alone cover, the edges covered after the run, and of those the edges in AuthGate's own
# code (src/, from -print_coverage: covered / instrumented in the functions linked in).
# A crash, coverage that did not grow past the seeds, or no covered edge in src/ (the
# library is not instrumented: libFuzzer would be blind to the parser it fuzzes) fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:?usage: run.sh BUILD_DIR [SECONDS]}
secs=${2:-30}
log=$(mktemp -d /tmp/authgate-fuzz.XXXXXX)
trap 'rm -rf "$log"' EXIT
# "cov: N ft: M corp: K/..." of the last status line libFuzzer printed.
field() { sed -nE "s/.* $1: ([0-9]+).*/\1/p" "$2" | tail -1; }
fail=0
printf '%-22s %10s %10s %14s %10s %8s\n' target 'seeds cov' 'cov' 'src/ edges' features corpus
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] && [ -f "$bin" ] || continue
  t=$(basename "$bin"); name=${t#fuzz_}
  seeds=tests/fuzz/corpus/$name; found=$build/corpus-$name
  mkdir -p "$found" "$seeds"
  # The seeds alone: their coverage is the baseline the run must beat.
  "$bin" -runs=0 "$seeds" > "$log/$t.seeds" 2>&1
  base=$(field cov "$log/$t.seeds")
  "$bin" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 -artifact_prefix="$log/$t-" \
    "$found" "$seeds" > "$log/$t.run" 2>&1
  rc=$?
  cov=$(field cov "$log/$t.run"); ft=$(field ft "$log/$t.run")
  corp=$(ls "$found" | wc -l)
  # Edges of functions under src/ that the corpus reaches: "COVERED_FUNC: hits: H edges: C/T name file".
  "$bin" -runs=0 -print_coverage=1 "$found" "$seeds" > "$log/$t.cov" 2>&1
  lib=$(awk '/^(UN)?COVERED_FUNC: / && $NF ~ /\/src\// { split($5, e, "/"); c += e[1]; n += e[2] } END { printf "%d/%d", c, n }' "$log/$t.cov")
  printf '%-22s %10s %10s %14s %10s %8s\n' "$t" "${base:-?}" "${cov:-?}" "$lib" "${ft:-?}" "$corp"
  if [ $rc -ne 0 ]; then
    echo "  $t crashed (exit $rc):"; grep -E 'ERROR|SUMMARY|Test unit written' "$log/$t.run" | head -5 | sed 's/^/    /'
    for a in "$log/$t-"*; do [ -f "$a" ] && cp "$a" "$build/" && echo "    input kept: $build/$(basename "$a")"; done
    fail=1
  elif [ -z "$cov" ] || [ -z "$base" ] || [ "$cov" -le "$base" ]; then
    echo "  $t: coverage did not grow past its seeds ($base -> $cov)"
    fail=1
  elif [ "${lib%%/*}" -eq 0 ]; then
    echo "  $t: no edge of src/ covered: the library is not instrumented (meson -Dfuzz=true adds -fsanitize=fuzzer-no-link)"
    fail=1
  fi
done
exit $fail
