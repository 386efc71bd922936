#!/usr/bin/env bash
# bench/ledger: durable appends/s through the group committer with 1, 4 and 16 writer threads
# beside one transaction per append; the time to verify 1,000,000 entries beside a bare scan;
# haven's streaming SHA-256 beside sha256sum on the same ~1 GB file (bench/ledger.c).
# Usage: bench/ledger.sh [SECONDS_PER_RUN] [VERIFY_ENTRIES] [HASH_MB]   (default 5 1000000 1024)
# Environment: BENCH_BUILD (build dir, default build-bench; configured with -Dbench=true),
# BENCH_DIR (where the SQLite files and the evidence file go; default a new folder in $TMPDIR:
# put it on the disk whose fsync you want to measure).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${BENCH_BUILD:-$ROOT/build-bench}

"$ROOT/scripts/install-deps.sh" bench ||
	echo "bench/ledger: installing packages failed; going on with what is there" >&2
if [ ! -f "$B/build.ninja" ]; then
	meson setup "$B" --buildtype=release -Dbench=true -Dtests=disabled >/dev/null
elif ! meson introspect --buildoptions "$B" | grep -q '"name": "bench", "value": true'; then
	meson configure "$B" -Dbench=true >/dev/null
fi
ninja -C "$B" bench_ledger >/dev/null

D=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/haven-bench-ledger.XXXXXX")}
mkdir -p "$D"
trap 'rm -rf "$D"' EXIT
echo "bench/ledger: $(nproc) cores; files in $D ($(df -h --output=source "$D" | tail -1))"
"$B/bench_ledger" "$D" "${1:-5}" "${2:-1000000}" "${3:-1024}"
