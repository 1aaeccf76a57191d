#!/usr/bin/env bash
# fresh-root.sh [--test] — prove the README's promise on a machine where nothing was
# installed by hand. A minimal Debian 12 root (debootstrap --variant=minbase) gets only
# make, git and ca-certificates; the committed HEAD is copied in (git archive: no build
# output, no node_modules, no .tools); then, as root there, `make run` until /healthz
# answers (then it is stopped), and with --test `make test`, which must end
# "N passed, 0 failed". `make test-fresh` is the first part, `make test-fresh-full` both.
#
# Needs root on the host (debootstrap, chroot, mounts); installs debootstrap and curl if
# missing. Everything runs in a private mount namespace, so the root's /proc, /dev and
# /sys mounts can never show on the host; on exit the processes left in the root are
# ended, the mounts undone and the root removed (FRESH_KEEP=1 keeps it).
#   FRESH_CACHE   where debootstrap's output is kept as a tarball for a week (saves the
#                 ~30 s download; the packages check below runs on every root anyway)
#   FRESH_MIRROR  Debian mirror (default http://deb.debian.org/debian)
#   FRESH_LOGS    directory to copy run.log and test.log into
# The host's local CA certificates (/usr/local/share/ca-certificates) are copied into the
# root, as an operator behind a TLS-inspecting proxy would do; nothing else is.
# Each phase prints "fresh: PHASE N s".
set -euo pipefail

die() { echo "fresh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"

# A private mount namespace: mounts made below vanish with this process at the latest.
if [ "${FRESH_IN_NAMESPACE:-}" != 1 ]; then
  FRESH_IN_NAMESPACE=1 exec unshare --mount --propagation private -- "$0" "$@"
fi

with_test=0
case "${1:-}" in
  --test) with_test=1 ;;
  "") ;;
  *) die "usage: $0 [--test]" ;;
esac

src=$(cd "$(dirname "$0")/.." && pwd)
head=$(git -C "$src" rev-parse --short HEAD)
[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ] ||
  echo "fresh: note: uncommitted changes are not tested, only HEAD ($head)"
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
cache=${FRESH_CACHE:-/var/cache/authgate-fresh}
tarball=$cache/bookworm-minbase.tar.gz

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
fi

work=$(mktemp -d /var/tmp/authgate-fresh.XXXXXX)
root=$work/root
mkdir "$root"

# ---- cleanup: end what runs in the root, undo the mounts, remove the root -----------------
root_pids() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
  done
  return 0
}
root_cmds() {
  local p
  for p in $(root_pids); do tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null; echo; done
}
mounted() { awk -v r="$root" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo; }
cleanup() {
  local rc=$? pids m i
  trap - EXIT INT TERM
  for i in 1 2 3 4 5 6 7 8 9 10; do
    pids=$(root_pids)
    [ -n "$pids" ] || break
    # shellcheck disable=SC2086
    kill $([ "$i" -lt 8 ] && echo -TERM || echo -KILL) $pids 2>/dev/null || true
    sleep 1
  done
  for m in $(mounted | sort -r); do umount "$m" 2>/dev/null || umount -l "$m" || true; done
  if [ "${FRESH_KEEP:-}" = 1 ]; then
    echo "fresh: kept $root"
  elif [ -n "$(mounted)" ]; then
    echo "fresh: $root still has mounts; not removing it" >&2
  else
    rm -rf --one-file-system "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

phase_start=$SECONDS
phase() { echo "fresh: $1 $((SECONDS - phase_start)) s"; phase_start=$SECONDS; }

# Run a command in the root as root, with a clean environment like a new login's.
root_env=(/usr/bin/env -i HOME=/root TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
in_root() { chroot "$root" "${root_env[@]}" "$@"; }

# ---- a minimal Debian 12 -------------------------------------------------------------------
if [ -f "$tarball" ] && [ -n "$(find "$tarball" -mtime -7)" ]; then
  tar -xzf "$tarball" -C "$root"
  phase "base-from-cache"
else
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -30 "$work/debootstrap.log"; die "debootstrap failed"; }
  mkdir -p "$cache"
  tar -czf "$tarball.tmp" -C "$root" . && mv "$tarball.tmp" "$tarball"
  phase "debootstrap"
fi

# What a Debian 12 install has besides the base: the updates and security suites, name
# resolution, and no services started by package scripts inside a chroot.
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/usr/local/share/ca-certificates"
cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/" 2>/dev/null || true

mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=1777,size=1g tmpfs "$root/dev/shm"

in_root sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make git ca-certificates && update-ca-certificates' \
  >"$work/base.log" 2>&1 || { tail -30 "$work/base.log"; die "installing make git ca-certificates failed"; }
phase "make-git-ca-certificates"

# ---- the checkout: the committed tree, nothing built or installed ---------------------------
git -C "$src" archive --format=tar --prefix=authgate/ HEAD | tar -x -C "$root/root"

# The proof that nothing else was installed: none of what `make test` would install is.
installed=$(in_root dpkg-query -W -f='${Package} ${Status}\n' | awk '$NF == "installed" { print $1 }')
for p in $("$root/root/authgate/scripts/deps.sh" test --list); do
  ! grep -qx "$p" <<<"$installed" || die "$p is installed before make run: not a fresh root"
done
for c in node npm cc gcc meson ninja pkg-config; do
  ! in_root sh -c "command -v $c" >/dev/null || die "$c is on PATH before make run: not a fresh root"
done
echo "fresh: Debian $(cat "$root/etc/debian_version"), $(wc -l <<<"$installed") packages, HEAD $head"

# ---- make run, until /healthz answers ----------------------------------------------------------
# AUTHGATE_PORT=0: the server picks a free port and logs it (a port chosen here could be
# taken by another program on this machine during the minute of installing and building).
# chroot itself in the background (not a function's subshell), so that $! leads the
# process group that setsid makes: make and the server it starts.
chroot "$root" "${root_env[@]}" setsid sh -c "cd /root/authgate && AUTHGATE_PORT=0 exec make run" \
  >"$work/run.log" 2>&1 </dev/null &
run_pid=$!
health= url=
for _ in $(seq 1 $((${FRESH_RUN_TIMEOUT:-1200} / 2))); do
  url=${url:-$(sed -nE 's/^authgate listening on (http:[^ ]+).*/\1/p' "$work/run.log" | head -n 1)}
  [ -n "$url" ] && health=$(curl -fsS --max-time 2 "$url/healthz" 2>/dev/null) && break
  kill -0 "$run_pid" 2>/dev/null || break
  sleep 2
done
[ -n "${FRESH_LOGS:-}" ] && mkdir -p "$FRESH_LOGS" && cp "$work/run.log" "$FRESH_LOGS/run.log"
if [ -z "$health" ]; then
  tail -60 "$work/run.log"
  die "make run: /healthz never answered (${url:-no listening line in the log})"
fi
phase "make-run-until-healthz"
echo "fresh: /healthz: $health"
# Stopped as Ctrl-C in a terminal would: SIGTERM to make and the server. The server must
# finish its graceful shutdown and exit (AUTHGATE_SHUTDOWN_GRACE is 10 s).
kill -TERM -- "-$run_pid" 2>/dev/null || true
wait "$run_pid" 2>/dev/null || true
for _ in $(seq 1 30); do [ -z "$(root_pids)" ] && break; sleep 1; done
[ -z "$(root_pids)" ] || die "make run: still running 30 s after SIGTERM: $(root_cmds)"
phase "make-run-stopped"

[ "$with_test" = 1 ] || { echo "fresh: make run OK in a fresh Debian 12 root"; exit 0; }

# ---- make test ------------------------------------------------------------------------------
rc=0
in_root sh -c 'cd /root/authgate && make test' >"$work/test.log" 2>&1 </dev/null || rc=$?
[ -n "${FRESH_LOGS:-}" ] && cp "$work/test.log" "$FRESH_LOGS/test.log"
summary=$(tail -n 1 "$work/test.log")
phase "make-test"
left=$(root_cmds)
[ -z "$left" ] || echo "fresh: warning: make test left processes running (ended now):"$'\n'"$left"
if [ "$rc" -ne 0 ] || ! grep -qE '^[0-9]+ passed, 0 failed$' <<<"$summary"; then
  grep -E '^(== |---- |[a-z_-]+: [0-9]+ passed|failed suites)' "$work/test.log" || true
  tail -80 "$work/test.log"
  die "make test failed in the fresh root (exit $rc)"
fi
grep -E '^== node ' "$work/test.log" || true
echo "fresh: make test passed in a fresh Debian 12 root"
echo "fresh: $summary"
