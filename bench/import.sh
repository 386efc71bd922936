#!/usr/bin/env bash
# bench/import: haven's import of real city files beside ogr2ogr writing the same file into a
# GeoPackage, in the same run, alternating, median of N runs each. Prints features/s and the ratio.
# Usage: bench/import.sh [path/to/haven] [runs]
set -euo pipefail
HAVEN=${1:-build/haven}
RUNS=${2:-5}
DATA=${HAVEN_SHARED_DATA:-$(cd "$(dirname "$0")/../.." && pwd)/shared/data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

now() { date +%s.%N; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# bench NAME FILE N_FEATURES HAVEN_ARGS -- OGR_ARGS
bench() {
	local name=$1 file=$2 n=$3
	shift 3
	local hargs=() oargs=()
	while [ "$1" != "--" ]; do hargs+=("$1"); shift; done
	shift
	oargs=("$@")
	: >"$T/h" ; : >"$T/o"
	for i in $(seq "$RUNS"); do
		rm -f "$T/b.db" "$T/b.db-wal" "$T/b.db-shm" "$T/b.gpkg"
		"$HAVEN" --db "$T/b.db" init >/dev/null
		t0=$(now); "$HAVEN" --db "$T/b.db" import "$file" "${hargs[@]}" >/dev/null; t1=$(now)
		awk -v a="$t0" -v b="$t1" "BEGIN{print b-a}" >>"$T/h"
		t0=$(now); ogr2ogr -f GPKG "$T/b.gpkg" "$file" "${oargs[@]}" 2>/dev/null; t1=$(now)
		awk -v a="$t0" -v b="$t1" "BEGIN{print b-a}" >>"$T/o"
	done
	local th to
	th=$(median <"$T/h")
	to=$(median <"$T/o")
	awk -v name="$name" -v n="$n" -v th="$th" -v to="$to" 'BEGIN {
		printf "%-34s %8d %10.3f %12.0f %10.3f %12.0f %8.2fx\n", name, n, th, n / th, to,
			n / to, th / to }'
}

printf 'bench/import: median of %d runs each, same machine, same run\n' "$RUNS"
printf '%-34s %8s %10s %12s %10s %12s %9s\n' file features "haven s" "haven f/s" "ogr2ogr s" \
	"ogr2ogr f/s" "ratio"
bench city_owned_land_inventory_2021 "$DATA/chicago/city_owned_land_inventory_2021.csv" 19628 \
	--kind lot -- \
	-oo X_POSSIBLE_NAMES=Longitude -oo Y_POSSIBLE_NAMES=Latitude -oo KEEP_GEOM_COLUMNS=YES
bench city_owned_lots_englewood "$DATA/chicago/city_owned_lots_englewood.geojson" 2752 \
	--kind lot --
printf 'ratio = haven time / ogr2ogr time (goal: at most 1.5)\n'
