#!/usr/bin/env bash
# bench/signs: a 4,000-sign print run in one PDF (in-scope lots of Chicago's 2021 inventory,
# imported with haven's importer into a throwaway store; scope "Owned by City"), every page with
# 4 languages incl. Arabic and Chinese and a QR code, beside a bare cairo+pango loop drawing the
# same page, in the same run: pages/s, peak memory (getrusage maxrss of each run's process).
# Usage: bench/signs.sh [bench_signs options...]  (--n 4000 --size letter --runs 3)
# Environment: HAVEN_SHARED_DATA (default ../shared/data beside the repo), BENCH_BUILD (default
# build-bench).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${BENCH_BUILD:-$ROOT/build-bench}
DATA=${HAVEN_SHARED_DATA:-$(cd "$ROOT/.." && pwd)/shared/data}

"$ROOT/scripts/install-deps.sh" bench ||
	echo "bench/signs: installing packages failed; going on with what is there" >&2
if [ ! -f "$B/build.ninja" ]; then
	meson setup "$B" --buildtype=release -Dbench=true -Dtests=disabled >/dev/null
elif ! meson introspect --buildoptions "$B" | grep -q '"name": "bench", "value": true'; then
	meson configure "$B" -Dbench=true >/dev/null
fi
ninja -C "$B" haven bench_signs >/dev/null

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export HAVEN_DB=$T/bench.db
"$B/haven" init >/dev/null
"$B/haven" import "$DATA/chicago/city_owned_land_inventory_2021.csv" >/dev/null
"$B/haven" scope add owned --where "status = 'Owned by City'" >/dev/null
"$B/bench_signs" --db "$HAVEN_DB" --scope owned --dir "$T" "$@"
