#!/usr/bin/env bash
# POST /api/v1/imports over the real server: an admin uploads files (CSV, a zipped Shapefile)
# with the CLI's parameters and gets `haven import --json`'s report; bad files, rows and
# parameters are 4xx problems naming the file, row, field or parameter, and leave the store
# exactly as it was; roles; the upload's own body limit; GET /api/v1/imports; and the OpenAPI
# document at /api lists every /api/v1 route of the table.
. "$(dirname "$0")/lib.sh"

run_haven 0 init
run_haven 0 scope add order --where "kind = 'lot'"
"$HAVEN" token add up --role admin >"$T/tok_admin" 2>/dev/null
"$HAVEN" token add st --role staff >"$T/tok_staff" 2>/dev/null
start_server

# post FILE QUERY [TOKEN]: uploads FILE; body in $T/out, code in $code
post() {
	local tok=${3:-$(cat "$T/tok_admin")}
	code=$(curl -s -o "$T/out" -w '%{http_code}' -X POST -H "Authorization: Bearer $tok" \
		--data-binary "@$1" "$URL/api/v1/imports?$2")
}
detail() { json 'j["detail"]'; }

cat >"$T/lots.csv" <<'EOF'
id,name,address,status,lat,lon
A1,North Lot,100 West Main Street,Owned by City,41.80,-87.60
A2,South Lot,200 West Main Street,Owned by City,41.81,-87.61
EOF
cat >"$T/bad.csv" <<'EOF'
id,name,address,status,lat,lon
B1,Good,300 West Main Street,Owned by City,41.82,-87.62
B2,Bad,400 West Main Street,Owned by City,north,-87.63
EOF

begin "upload"
post "$T/lots.csv" "filename=lots.csv&kind=lot&effective=2026-01-01"
eq "a CSV upload" "$code" 201
eq "report: added" "$(json 'j["added"]')" 2
eq "report: file" "$(json 'j["file"]')" lots.csv
eq "report: source from the file name" "$(json 'j["source"]')" lots
eq "report: effective" "$(json 'j["effective"][:10]')" 2026-01-01
"$HAVEN" import "$T/lots.csv" --kind lot --dry-run --json >"$T/cli.json" 2>/dev/null
eq "the same keys as haven import --json" \
	"$(python3 -c "import json,sys; print(sorted(json.load(open(sys.argv[1]))) == sorted(json.load(open(sys.argv[2]))))" "$T/out" "$T/cli.json")" True
post "$T/lots.csv" "filename=lots.csv&kind=lot"
eq "the same file again" "$code" 201
eq "report: unchanged" "$(json 'j["unchanged"]')" 2

begin "a failed import stores nothing"
sqlite3 "$HAVEN_DB" .dump >"$T/before.sql"
post "$T/bad.csv" "filename=bad.csv&kind=lot"
eq "a bad row" "$code" 400
eq "problem+json names file, row and field" \
	"$(json '"bad.csv" in j["detail"] and "row 2" in j["detail"] and "lat" in j["detail"]')" True
check "the temporary path is not in the message" bash -c "! grep -q haven-upload '$T/out'"
post "$T/lots.csv" "filename=lots.csv&effective=not-a-date"
eq "a bad effective date" "$code" 400
check "names effective: $(detail)" bash -c "grep -q 'effective' '$T/out'"
post "$T/lots.csv" ""
eq "no filename" "$code" 400
check "names filename: $(detail)" bash -c "grep -q 'filename' '$T/out'"
post "$T/lots.csv" "filename=../../etc/x.csv"
eq "a path as filename" "$code" 400
post "$T/lots.csv" "filename=lots.csv&kindd=lot"
eq "an unknown parameter" "$code" 400
check "names it: $(detail)" bash -c "grep -q 'kindd' '$T/out'"
post "$T/lots.csv" "filename=lots.csv&dry_run=maybe"
eq "a bad flag" "$code" 400
printf 'not a map at all\n' >"$T/junk.geojson"
post "$T/junk.geojson" "filename=junk.geojson"
eq "a file GDAL cannot read" "$code" 400
check "names the file: $(detail)" bash -c "grep -q 'junk.geojson' '$T/out'"
: >"$T/empty.csv"
post "$T/empty.csv" "filename=empty.csv"
eq "an empty upload" "$code" 400
post "$T/bad.csv" "filename=bad.csv&kind=lot&dry_run=true"
eq "a dry run of the bad file fails the same way" "$code" 400
sqlite3 "$HAVEN_DB" .dump >"$T/after.sql"
check "the store is byte for byte as before" cmp -s "$T/before.sql" "$T/after.sql"

begin "skip_bad and dry_run"
post "$T/bad.csv" "filename=bad.csv&kind=lot&skip_bad=true&dry_run=true"
eq "dry run with skip_bad" "$code" 200
eq "report: dry_run" "$(json 'j["dry_run"]')" True
eq "report: skipped" "$(json 'j["skipped"]')" 1
sqlite3 "$HAVEN_DB" .dump >"$T/after.sql"
check "a dry run stores nothing" cmp -s "$T/before.sql" "$T/after.sql"
post "$T/bad.csv" "filename=bad.csv&kind=lot&skip_bad=1&source=second"
eq "skip_bad" "$code" 201
eq "report: added" "$(json 'j["added"]')" 1
eq "report: the skip names the field" "$(json '"lat" in j["skips"][0]["reason"]')" True

begin "a zipped Shapefile"
mkdir -p "$T/shp"
ogr2ogr -f "ESRI Shapefile" "$T/shp/parcels.shp" "CSV:$T/lots.csv" -oo X_POSSIBLE_NAMES=lon \
	-oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO -a_srs EPSG:4326 2>"$T/err"
(cd "$T/shp" && python3 -c "import zipfile,glob; z=zipfile.ZipFile('../parcels.zip','w'); [z.write(f) for f in glob.glob('parcels.*')]")
post "$T/parcels.zip" "filename=parcels.zip&source=parcels&kind=lot"
eq "a .zip upload" "$code" 201
eq "read through /vsizip/ by the Shapefile driver" "$(json 'j["driver"]')" "ESRI Shapefile"
eq "report: added" "$(json 'j["added"]')" 2

begin "roles and limits"
post "$T/lots.csv" "filename=lots.csv" "$(cat "$T/tok_staff")"
eq "staff may not import" "$code" 403
code=$(curl -s -o "$T/out" -w '%{http_code}' -X POST --data-binary "@$T/lots.csv" \
	"$URL/api/v1/imports?filename=lots.csv")
eq "nor the public" "$code" 401
python3 - "$T/big.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,name,address,status,lat,lon\n")
    for i in range(30000):
        f.write(f"C{i},Lot {i},{i} West Long Street,Owned by City,41.{i % 1000:03d},-87.{i // 1000:03d}\n")
EOF
size=$(stat -c %s "$T/big.csv")
check "the big file (${size} bytes) is over the server's 1 MiB default" test "$size" -gt 1048576
post "$T/big.csv" "filename=big.csv&source=big&kind=lot"
eq "the upload route takes it" "$code" 201
eq "report: added" "$(json 'j["added"]')" 30000
code=$(curl -s -o "$T/out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data-binary "@$T/big.csv" "$URL/api/v1/lookup")
eq "other routes keep the small limit" "$code" 413

begin "listing"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "Authorization: Bearer $(cat "$T/tok_staff")" \
	"$URL/api/v1/imports")
eq "GET /api/v1/imports" "$code" 200
eq "imports listed (lots x2, second, parcels, big)" "$(json 'len(j["imports"])')" 5
eq "each with its report" "$(json 'j["imports"][-1]["report"]["added"]')" 30000
code=$(curl -s -o "$T/out" -w '%{http_code}' "$URL/api/v1/imports")
eq "not for the public" "$code" 401

begin "OpenAPI"
code=$(curl -s -o "$T/out" -w '%{http_code}' "$URL/api")
eq "GET /api" "$code" 200
eq "openapi 3.0.x" "$(json 'j["openapi"].startswith("3.0.")')" True
"$HAVEN" serve --routes >"$T/routes"
missing=$(python3 - "$T/out" "$T/routes" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
miss = []
for line in open(sys.argv[2]):
    method, pattern, _ = line.split()
    if pattern.startswith("/api/v1"):
        if method.lower() not in doc["paths"].get(pattern, {}):
            miss.append(method + " " + pattern)
print(len(miss), " ".join(miss))
EOF
)
eq "every /api/v1 route of the table is in the document" "$missing" "0 "
eq "the import upload's parameters" \
	"$(json 'sorted(p["name"] for p in j["paths"]["/api/v1/imports"]["post"]["parameters"])')" \
	"['address_template', 'dry_run', 'effective', 'filename', 'kind', 'layer', 'skip_bad', 'source', 'srs']"

kill -TERM "$server"
wait "$server"
eq "server exit status" "$?" 0
finish
