#!/usr/bin/env bash
# pgtest.sh COMMAND [ARGS...] runs COMMAND with CRMBOT_TEST_POSTGRES pointing at a
# throwaway PostgreSQL cluster: initialised in a temporary directory, listening on a free
# loopback port, run by an unprivileged user, and stopped and removed when COMMAND ends
# (whatever way it ends). When PostgreSQL is not installed and we are root on a Debian-like
# machine (CI), it is installed from the distribution's packages first.
#
# The cluster is for tests only: trust authentication on 127.0.0.1, fsync off (set
# PGTEST_FSYNC=on for benchmarks whose writes should pay for durability, as bbolt's do).
set -euo pipefail

if [ $# -eq 0 ]; then
	echo "usage: $0 COMMAND [ARGS...]" >&2
	exit 2
fi

log() { echo "pgtest: $*" >&2; }

# pgbin finds the directory holding initdb: on PATH, or the newest Debian cluster version.
pgbin() {
	if command -v initdb >/dev/null 2>&1; then
		# A symlink on PATH (/usr/local/bin/initdb): the real directory holds createdb too.
		dirname "$(readlink -f "$(command -v initdb)")"
		return
	fi
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$d" ] && [ -x "$d/initdb" ]; then
		echo "$d"
	fi
}

BIN=$(pgbin)
if [ -z "$BIN" ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		log "PostgreSQL is not installed; installing it from the distribution's packages"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2
		apt-get install -y -qq --no-install-recommends postgresql >&2
		BIN=$(pgbin)
	fi
	if [ -z "$BIN" ]; then
		log "cannot find initdb: install PostgreSQL (Debian: apt-get install postgresql)"
		exit 1
	fi
fi

# PostgreSQL refuses to run as root: as root, run the server as the package's postgres
# user, or as a system user made for the purpose.
RUN=()
OWNER=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
	OWNER=postgres
	if ! id "$OWNER" >/dev/null 2>&1; then
		OWNER=crmbot-ci
		id "$OWNER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$OWNER"
	fi
	if command -v runuser >/dev/null 2>&1; then
		RUN=(runuser -u "$OWNER" --)
	else
		RUN=(setpriv --reuid="$OWNER" --regid="$(id -g "$OWNER")" --init-groups --)
	fi
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/crmbot-pg.XXXXXX")
chmod 0755 "$DIR"
[ "$(id -u)" -eq 0 ] && chown "$OWNER" "$DIR"
started=

cleanup() {
	local rc=$?
	if [ -n "$started" ]; then
		"${RUN[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${RUN[@]}" "$BIN/initdb" -D "$DIR/data" -U crmbot -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 ||
	"${RUN[@]}" "$BIN/initdb" -D "$DIR/data" -U crmbot -A trust -E UTF8 --locale=C --no-sync >"$DIR/initdb.log" 2>&1 ||
	{ log "initdb failed:"; cat "$DIR/initdb.log" >&2; exit 1; }

# A free loopback port, not 5432 (a developer's own server may run there). A port that
# was taken between the check and the start makes pg_ctl fail, and we try the next.
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	return 1
}

DURABILITY="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
if [ "${PGTEST_FSYNC:-off}" = on ]; then
	DURABILITY=""
fi

for attempt in 1 2 3; do
	PORT=$(free_port)
	if "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start \
		-o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR $DURABILITY -c max_connections=300" >/dev/null; then
		started=1
		break
	fi
	log "start on port $PORT failed (attempt $attempt)"
	tail -n 5 "$DIR/server.log" >&2 || true
done
if [ -z "$started" ]; then
	log "cannot start PostgreSQL"
	exit 1
fi

"${RUN[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U crmbot crmbot_test
export CRMBOT_TEST_POSTGRES="postgres://crmbot@127.0.0.1:$PORT/crmbot_test?sslmode=disable"
# The cluster's own pg_ctl with its options, for a test that restarts the server
# ($CRMBOT_TEST_PGCTL restart -m fast).
export CRMBOT_TEST_PGCTL="${RUN[*]} $BIN/pg_ctl -D $DIR/data -l $DIR/server.log -w -t 60 -o '-c listen_addresses=127.0.0.1 -p $PORT -k $DIR $DURABILITY -c max_connections=300'"
log "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT ($DIR)"

# Not exec: the trap must run when the command ends.
"$@"
