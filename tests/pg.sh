#!/usr/bin/env bash
# pg.sh — a throw-away PostgreSQL cluster for the store contract and black-box tests.
#   tests/pg.sh start <dir>   fresh cluster in <dir>, on 127.0.0.1 only, a free port;
#                             prints one line: postgres://authgate@127.0.0.1:<port>/authgate_test
#   tests/pg.sh stop <dir>    stop it (fast) and remove <dir>
# Trust authentication on loopback; the superuser is `authgate`.
# As root the server runs as the `postgres` user (PostgreSQL refuses root); otherwise as
# the caller. Needs only Debian's `postgresql` package (no python, no iproute2).
# Binaries: $PG_BINDIR, else `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin.
set -euo pipefail

MARKER=.authgate-pg-test
DB=authgate_test
SUPERUSER=authgate

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

find_bindir() {
	local d
	for d in "${PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null || true)"; do
		[ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
	done
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$d" ] && [ -x "$d/initdb" ] && { echo "$d"; return; }
	d=$(command -v initdb 2>/dev/null || true)
	[ -n "$d" ] && { dirname "$d"; return; }
	die "cannot find initdb (install the postgresql package or set PG_BINDIR)"
}

# Run a server-side command as the cluster's owner.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		port_in_use "$p" || { echo "$p"; return; }
	done
	die "no free port found"
}

# The cluster lives in <dir>, unless <dir> is out of the postgres user's reach (root
# running in a private mktemp directory): then in a /tmp directory of its own, which
# <dir>/cluster names, and which stop removes too.
start() {
	local dir=$1 bin root data log port attempt
	bin=$(find_bindir)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ -z "$(ls -A "$dir")" ] || die "$dir is not empty (use a fresh directory)"
	: >"$dir/$MARKER"
	root=$dir
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "running as root but there is no postgres user"
		chown -R postgres: "$dir"
		if ! as_owner test -w "$dir"; then
			root=$(mktemp -d /tmp/authgate-pg.XXXXXX)
			: >"$root/$MARKER"
			echo "$root" >"$dir/cluster"
			chown -R postgres: "$root"
		fi
	fi
	data=$root/data
	log=$root/postgres.log
	as_owner "$bin/initdb" -D "$data" -A trust -U "$SUPERUSER" --no-sync --no-locale -E UTF8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; die "initdb failed"; }
	as_owner tee -a "$data/postgresql.conf" >/dev/null <<-EOF
		# added by tests/pg.sh: loopback only, speed over durability
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$root'
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		max_connections = 200
		log_min_messages = warning
	EOF
	# A port can be taken between the check and the bind: retry on that only.
	for attempt in 1 2 3 4 5; do
		port=$(pick_port)
		if as_owner "$bin/pg_ctl" -D "$data" -l "$log" -o "-p $port" -w -t 60 start >/dev/null 2>&1; then
			break
		fi
		if [ "$attempt" -lt 5 ] && grep -q "could not bind\|Address already in use\|could not create any TCP/IP sockets" "$log" 2>/dev/null; then
			continue
		fi
		tail -n 30 "$log" >&2 2>/dev/null || true
		die "postgres did not start (log: $log)"
	done
	for _ in $(seq 1 100); do
		"$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$SUPERUSER" -d postgres && break
		sleep 0.1
	done
	"$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$SUPERUSER" -d postgres || die "postgres is not accepting connections on port $port"
	"$bin/createdb" -h 127.0.0.1 -p "$port" -U "$SUPERUSER" "$DB" || die "createdb failed"
	echo "postgres://$SUPERUSER@127.0.0.1:$port/$DB"
}

stop() {
	local dir=$1 root bin
	[ -d "$dir" ] || return 0
	[ -f "$dir/$MARKER" ] || die "$dir was not made by pg.sh start; not touching it"
	root=$dir
	[ -f "$dir/cluster" ] && root=$(cat "$dir/cluster")
	if [ -f "$root/data/postmaster.pid" ]; then
		bin=$(find_bindir)
		as_owner "$bin/pg_ctl" -D "$root/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
			echo "pg.sh: pg_ctl stop failed (log: $root/postgres.log)" >&2
	fi
	[ "$root" != "$dir" ] && [ -f "$root/$MARKER" ] && rm -rf "$root"
	rm -rf "$dir"
}

case "${1:-}" in
start) [ $# -eq 2 ] || die "usage: $0 start <dir>"; start "$2" ;;
stop) [ $# -eq 2 ] || die "usage: $0 stop <dir>"; stop "$2" ;;
*) die "usage: $0 start|stop <dir>" ;;
esac
