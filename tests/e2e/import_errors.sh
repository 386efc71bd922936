#!/usr/bin/env bash
# Bad input: each gets a message naming the file, row and field, exit 1, and the store exactly as
# it was (a dump before and after is identical).
. "$(dirname "$0")/lib.sh"

cat >"$T/good.csv" <<'CSV'
id,name,address,latitude,longitude
1,Lot A,100 N Main St,41.80,-87.70
2,Lot B,102 N Main St,41.81,-87.71
CSV
run_haven 0 import "$T/good.csv" --source lots --kind lot
dump >"$T/before.sql"

# expect_fail NAME TEXT... -- ARGS: import fails naming every TEXT, store unchanged
expect_fail() {
	local name=$1
	shift
	local texts=()
	while [ "$1" != "--" ]; do
		texts+=("$1")
		shift
	done
	shift
	begin "$name"
	if run_haven 1 import "$@" --source lots --kind lot; then
		pass "exit 1"
		for t in "${texts[@]}"; do err_has "$t"; done
	fi
	dump >"$T/after.sql"
	check "store unchanged" cmp -s "$T/before.sql" "$T/after.sql"
}

expect_fail "missing file" "$T/nope.csv" -- "$T/nope.csv"

printf '\x00\x01\x02 this is not geodata \xff\xfe' >"$T/blob.dat"
expect_fail "unreadable format" "blob.dat" -- "$T/blob.dat"

expect_fail "unknown --srs" "EPSG:999999" -- "$T/good.csv" --srs EPSG:999999

expect_fail "a field that does not exist" 'no field "parcel"' -- "$T/good.csv" --id-field parcel

cat >"$T/badlat.csv" <<'CSV'
id,name,address,latitude,longitude
1,Lot A,100 N Main St,41.80,-87.70
2,Lot B,102 N Main St,forty-one,-87.71
3,Lot C,104 N Main St,41.82,-87.72
CSV
expect_fail "non-numeric latitude" "badlat.csv" "row 2" "latitude" "forty-one" -- "$T/badlat.csv"

cat >"$T/range.csv" <<'CSV'
id,name,address,latitude,longitude
1,Lot A,100 N Main St,41.80,-87.70
2,Lot B,102 N Main St,141.81,-87.71
CSV
expect_fail "latitude out of range" "range.csv" "row 2" "141.81" -- "$T/range.csv"

cat >"$T/xy.csv" <<'CSV'
id,name,X Coordinate,Y Coordinate
1,Lot A,1152902.306,1902237.065
2,Lot B,91152902.306,81902237.065
CSV
expect_fail "coordinates outside the CRS's area" "xy.csv" "row 2" "EPSG:3435" -- "$T/xy.csv" --srs EPSG:3435

cat >"$T/dup.csv" <<'CSV'
id,name,address,latitude,longitude
7,Lot A,100 N Main St,41.80,-87.70
7,Lot B,102 N Main St,41.81,-87.71
CSV
expect_fail "duplicate id" "dup.csv" "row 2" 'duplicate id "7"' "row 1" -- "$T/dup.csv"

cat >"$T/noid.csv" <<'CSV'
id,name,address,latitude,longitude
1,Lot A,100 N Main St,41.80,-87.70
,Lot B,102 N Main St,41.81,-87.71
CSV
expect_fail "empty id" "noid.csv" "row 2" "id" -- "$T/noid.csv"

cat >"$T/bad.geojson" <<'JSON'
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":1},"geometry":{"type":"Point","coordinates":[-87.7,41.8]}},
JSON
expect_fail "truncated GeoJSON" "bad.geojson" -- "$T/bad.geojson"

begin "--skip-bad imports the good rows and lists the bad"
run_haven 0 import "$T/badlat.csv" --source other --kind lot --skip-bad --json
eq "imported" "$(json 'j["imported"]')" 2
eq "skipped" "$(json 'j["skipped"]')" 1
eq "skip names row 2" "$(json 'j["skips"][0]["row"]')" 2
check "skip reason names the field" python3 -c "
import json; j = json.load(open('$T/out')); assert 'forty-one' in j['skips'][0]['reason'], j"

begin "scope rule that does not parse"
dump >"$T/before.sql"
run_haven 1 scope add broken --where "status = 'Owned by City' and kind inn ('lot')" &&
	err_has "column 35: expected an operator"
dump >"$T/after.sql"
check "store unchanged" cmp -s "$T/before.sql" "$T/after.sql"
finish
