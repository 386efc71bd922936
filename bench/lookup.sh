#!/usr/bin/env bash
# bench/lookup: haven's lookup index beside GEOS and PostGIS in one run. Installs what is missing,
# builds bench_lookup, starts a throwaway PostgreSQL 15 + PostGIS cluster on 127.0.0.1 (a temp
# dir, a free port; removed on exit), and runs the bench against it. When the server cannot be
# started the bench still measures haven and GEOS and says why PostGIS is missing.
# Usage: bench/lookup.sh [bench_lookup options...]   (bench_lookup --help lists them)
# Environment: HAVEN_SHARED_DATA (default ../shared/data beside the repo), BENCH_BUILD (build dir,
# default build-bench), BENCH_LOOKUP (a bench_lookup already built: skips the build), PG_BIN
# (default /usr/lib/postgresql/15/bin).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${BENCH_BUILD:-$ROOT/build-bench}
DATA=${HAVEN_SHARED_DATA:-$(cd "$ROOT/.." && pwd)/shared/data}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

"$ROOT/scripts/install-deps.sh" bench ||
	echo "bench/lookup: installing packages failed; going on with what is there" >&2

BIN=${BENCH_LOOKUP:-}
if [ -z "$BIN" ]; then
	if [ ! -f "$B/build.ninja" ]; then
		meson setup "$B" --buildtype=release -Dbench=true -Dtests=disabled >/dev/null
	elif ! meson introspect --buildoptions "$B" | grep -q '"name": "bench", "value": true'; then
		meson configure "$B" -Dbench=true >/dev/null
	fi
	ninja -C "$B" bench_lookup >/dev/null
	BIN=$B/bench_lookup
fi

# PostgreSQL refuses to run as root: as root the cluster belongs to nobody, else to us.
T=$(mktemp -d "${TMPDIR:-/tmp}/haven-bench-pg.XXXXXX")
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
	as_pg=(runuser -u nobody --)
	chown nobody "$T"
fi
started=
cleanup() {
	if [ -n "$started" ]; then
		(cd "$T" && "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$T/data" -m immediate stop) \
			>/dev/null 2>&1 || true
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nothing listens on: bash's /dev/tcp fails to connect to a free one.
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

pg_why=
start_pg() {
	if [ ! -x "$PG_BIN/initdb" ]; then
		pg_why="no PostgreSQL 15 server at $PG_BIN (scripts/install-deps.sh bench installs it)"
		return 1
	fi
	if [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
		pg_why="PostGIS for PostgreSQL 15 is not installed (package postgresql-15-postgis-3)"
		return 1
	fi
	if ! (cd "$T" && "${as_pg[@]}" "$PG_BIN/initdb" -D "$T/data" -U haven_bench --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8) >"$T/initdb.log" 2>&1; then
		pg_why="initdb failed: $(tail -n 1 "$T/initdb.log")"
		return 1
	fi
	# Throwaway data: durability off (it only slows the load); shared_buffers large enough to
	# hold the table and its index, so PostGIS is measured from memory like the others.
	for _ in 1 2 3; do
		PORT=$(free_port) || { pg_why="no free port on 127.0.0.1"; return 1; }
		if (cd "$T" && "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$T/data" -l "$T/server.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$T \
			-c shared_buffers=1GB -c fsync=off -c synchronous_commit=off \
			-c full_page_writes=off -c max_wal_size=4GB" start) >/dev/null 2>&1; then
			started=1
			break
		fi
	done
	if [ -z "$started" ]; then
		pg_why="the server did not start: $(tail -n 1 "$T/server.log" 2>/dev/null)"
		return 1
	fi
	CONN="host=127.0.0.1 port=$PORT user=haven_bench dbname=postgres"
	if ! out=$("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$CONN" \
		-c 'CREATE EXTENSION postgis' 2>&1); then
		pg_why="CREATE EXTENSION postgis failed: $out"
		return 1
	fi
}

if start_pg; then
	"$BIN" --data "$DATA" --pg "$CONN" "$@"
else
	echo "bench/lookup: PostGIS not measured: $pg_why" >&2
	"$BIN" --data "$DATA" --no-pg "$pg_why" "$@"
fi
