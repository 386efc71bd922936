#!/usr/bin/env bash
# make demo's script end to end: the generated city imports with the real importer, in full.
. "$(dirname "$0")/lib.sh"
ROOT=${HAVEN_SOURCE_ROOT:?}

begin "demo script"
# the script ends by serving the city; here it stops after the import
if HAVEN_DEMO_SERVE=0 bash "$ROOT/scripts/demo.sh" "$HAVEN" "$T/demo" >"$T/out" 2>"$T/err"; then
	pass "ran"
else
	fail "scripts/demo.sh failed: $(tail -5 "$T/err")"
fi
out_has "imported parcels.shp"
out_has "imported points.csv"
out_has "scope order"

begin "demo store"
export HAVEN_DB=$T/demo/haven.db
n_written=$(grep -o '[0-9]* parcels in' "$T/out" | awk '{print $1}')
run_haven 0 property list --source parcels --json
eq "parcels imported" "$(json 'len(j)')" "$n_written"
eq "parcels repaired or skipped" "$(sqlite3 "$HAVEN_DB" "select n_repaired + n_skipped from import_reports")" "0
0"
check "every kind present" python3 -c "
import json; j = json.load(open('$T/out'))
kinds = {p['kind'] for p in j}
assert {'lot', 'garage', 'vacant lot', 'building', 'park', 'school lot'} <= kinds, kinds"
check "parcels lie in Illinois East (EPSG:3435 read from the .prj)" python3 -c "
import json; j = json.load(open('$T/out'))
assert all(-88.3 < p['lon'] < -87.8 and 41.3 < p['lat'] < 41.7 for p in j)"
run_haven 0 scope show order --json
check "the order covers zones" test "$(json 'j["count"]')" -gt 100

begin "the generator is deterministic"
run_haven 0 demo-city --out "$T/a" --seed 7
run_haven 0 demo-city --out "$T/b" --seed 7
check "same points.csv for the same seed" cmp -s "$T/a/points.csv" "$T/b/points.csv"
check "same parcels.shp for the same seed" cmp -s "$T/a/parcels.shp" "$T/b/parcels.shp"
run_haven 1 demo-city --out "$T/a" && err_has "already exists"
finish
