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
cp "$T/out" "$T/demo.out"
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

begin "the demo's admin"
pw=$(sed -n 's/^ *| *admin password: *\([0-9a-f]*\) *|$/\1/p' "$T/demo.out")
check "a password is printed (${#pw} hex digits)" test "${#pw}" -eq 32
check "the password is in no file of the demo" test -n "$pw" -a -z "$(grep -rlF -- "$pw" "$T/demo")"
start_server
code=$(curl -s -o "$T/login" -w '%{http_code}' -H 'Content-Type: application/json' \
	-d "{\"name\":\"admin\",\"password\":\"$pw\"}" "$URL/api/v1/login")
eq "the printed password logs in" "$code" 200
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	-d '{"name":"admin","password":"not-the-password"}' "$URL/api/v1/login")
eq "another password does not" "$code" 401
kill -TERM "$server"
wait "$server"

begin "make demo ends by serving the city"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HAVEN_DEMO_LISTEN=127.0.0.1:$port bash "$ROOT/scripts/demo.sh" "$HAVEN" "$T/demo2" \
	>"$T/demo2.out" 2>"$T/demo2.err" &
demo=$!
up=""
for _ in $(seq 1 600); do
	curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && up=1 && break
	sleep 0.1
done
check "the demo serves on 127.0.0.1:$port" test -n "$up"
pw2=$(sed -n 's/^ *| *admin password: *\([0-9a-f]*\) *|$/\1/p' "$T/demo2.out")
check "a new password for the new store" test -n "$pw2" -a "$pw2" != "$pw"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	-d "{\"name\":\"admin\",\"password\":\"$pw2\"}" "http://127.0.0.1:$port/api/v1/login")
eq "its password logs in" "$code" 200
code=$(curl -s -o "$T/zones" -w '%{http_code}' "http://127.0.0.1:$port/ogc/collections/zones/items?limit=1")
eq "zones served" "$code" 200
kill -TERM "$demo"
wait "$demo"
eq "the demo stops on SIGTERM" "$?" 0

begin "the generator is deterministic"
run_haven 0 demo-city --out "$T/a" --seed 7
run_haven 0 demo-city --out "$T/b" --seed 7
check "same points.csv for the same seed" cmp -s "$T/a/points.csv" "$T/b/points.csv"
check "same parcels.shp for the same seed" cmp -s "$T/a/parcels.shp" "$T/b/parcels.shp"
run_haven 1 demo-city --out "$T/a" && err_has "already exists"
finish
