#!/usr/bin/env bash
# build.sh DIR [meson options...] — configure (once) and build; quiet unless it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1; shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "$@" > "$log" 2>&1 || { cat "$log"; exit 1; }
else
  # pick up new migrations, web assets and locales (globbed at configure time), and
  # options given now (`make test` turns the test tree on in a dir `make run` set up)
  meson setup --reconfigure "$dir" "$@" > "$log" 2>&1 || { cat "$log"; exit 1; }
fi
ninja -C "$dir" > "$log" 2>&1 || { grep -vE '^\[[0-9]+/[0-9]+\]' "$log" | head -80; exit 1; }
