#!/usr/bin/env bash
# OGC API - Features under /ogc: the real server over the Englewood lots (a zone rule) and the
# libraries, read by GDAL (ogrinfo, ogr2ogr through paging) and OWSLib as real clients, and by
# curl for limit, bbox, datetime, next links that keep every parameter, and the 4xx answers.
. "$(dirname "$0")/lib.sh"

run_haven 0 import "$CHI/city_owned_lots_englewood.geojson" --kind lot --source englewood \
	--effective 2025-10-01
run_haven 0 import "$CHI/libraries.csv" --kind building --source libraries --effective 2025-11-15
run_haven 0 scope add order --where "status = 'Owned by City' and kind = 'lot'"
run_haven 0 scope show order --json
n_zones=$(json 'j["count"]')
run_haven 0 property list --source englewood --json
n_lots=$(json 'len(j)')
run_haven 0 property list --source libraries --json
n_libs=$(json 'len(j)')
n_all=$((n_lots + n_libs))
library_id=$(json 'j[0]["id"]')
begin "fixture"
check "zones ($n_zones) are some of the lots ($n_lots)" test "$n_zones" -gt 0 -a "$n_zones" -lt "$n_lots"

begin "start"
# GDAL resolves an href starting with "/" against the API root, not the host: links must be
# absolute, so the server is told its public URL (a free port chosen first).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$port
"$HAVEN" serve --listen "127.0.0.1:$port" --public-url "$URL" >"$T/serve.out" 2>"$T/serve.err" &
server=$!
up=""
for _ in $(seq 1 300); do
	curl -sf "$URL/healthz" >/dev/null && up=1 && break
	sleep 0.1
done
if [ -z "$up" ]; then
	fail "the server did not start"
	cat "$T/serve.err"
	kill "$server" 2>/dev/null
	finish
	exit 1
fi
pass "listening on port $port"
OGC=$URL/ogc

# http PATH [curl args]: GET; the answer in $T/out, the code in $code, the type in $ctype
http() {
	local p=$1
	shift
	read -r code ctype < <(curl -s --path-as-is -o "$T/out" \
		-w '%{http_code} %{content_type}\n' "$@" "$URL$p")
}

# problem CODE TEXT: the last answer is a problem+json with that code naming TEXT
problem() {
	eq "status" "$code" "$1"
	eq "content type" "$ctype" "application/problem+json"
	if grep -qF -- "$2" "$T/out"; then pass "names: $2"; else fail "lacks \"$2\": $(cat "$T/out")"; fi
}

begin "landing page, conformance, API definition"
http /ogc
eq "status" "$code" 200
eq "content type" "$ctype" "application/json"
eq "data link" "$(json '[l["href"] for l in j["links"] if l["rel"] == "data"][0]')" "$OGC/collections"
eq "service-desc" "$(json '[l["href"] for l in j["links"] if l["rel"] == "service-desc"][0]')" "$OGC/api"
http /ogc/conformance
eq "conformance classes" "$(json '" ".join(c.rsplit("/", 1)[1] for c in j["conformsTo"])')" "core geojson oas30"
http /ogc/api
eq "API definition type" "$ctype" "application/vnd.oai.openapi+json;version=3.0"
eq "openapi" "$(json 'j["openapi"]')" 3.0.3
eq "items limit maximum" "$(json '[p for p in j["paths"]["/collections/{collectionId}/items"]["get"]["parameters"] if p.get("name") == "limit"][0]["schema"]["maximum"]')" 10000
http "/ogc?f=json"
eq "f=json" "$code" 200
http "/ogc?f=html"
problem 400 'f: \"html\" is not offered'

begin "collections"
http /ogc/collections
eq "ids" "$(json '[c["id"] for c in j["collections"]]')" "['zones', 'properties']"
eq "zones extent has 4 numbers" "$(json 'len(j["collections"][0]["extent"]["spatial"]["bbox"][0])')" 4
http /ogc/collections/zones
eq "one collection" "$(json 'j["id"]')" zones
eq "items link" "$(json '[l["href"] for l in j["links"] if l["rel"] == "items"][0]')" "$OGC/collections/zones/items"

begin "ogrinfo lists both collections with their counts"
if ogrinfo -ro -so OAPIF:"$OGC" >"$T/ogrinfo" 2>"$T/ogrinfo.err"; then pass "ogrinfo ran"; else
	fail "ogrinfo: $(head -5 "$T/ogrinfo.err")"; fi
check "zones listed" grep -q '^1: zones' "$T/ogrinfo"
check "properties listed" grep -q '^2: properties' "$T/ogrinfo"
ogrinfo -ro -so -al OAPIF:"$OGC" >"$T/ogrinfo" 2>"$T/ogrinfo.err"
counts=$(grep '^Feature Count:' "$T/ogrinfo" | awk '{print $3}' | tr '\n' ' ')
eq "feature counts (zones, properties)" "$counts" "$n_zones $n_all "
if grep -q ERROR "$T/ogrinfo.err"; then fail "GDAL errors: $(head -3 "$T/ogrinfo.err")"; else
	pass "no GDAL errors"; fi

begin "ogr2ogr reads every zone through paging"
if ogr2ogr -f GeoJSON "$T/zones.geojson" OAPIF:"$OGC/collections/zones" 2>"$T/ogr2ogr.err"; then
	pass "ogr2ogr ran"; else fail "ogr2ogr: $(head -5 "$T/ogr2ogr.err")"; fi
read -r n_got n_distinct n_geom <<<"$(python3 - "$T/zones.geojson" <<'PY'
import json, sys
fs = json.load(open(sys.argv[1]))["features"]
print(len(fs), len({f["properties"]["source_id"] for f in fs}),
      sum(1 for f in fs if f["geometry"] and f["geometry"]["type"] == "MultiPolygon"))
PY
)"
eq "zones read" "$n_got" "$n_zones"
eq "distinct zones" "$n_distinct" "$n_zones"
eq "with their polygons" "$n_geom" "$n_zones"
pages=$(grep -c 'path="/ogc/collections/zones/items" status=200' "$T/serve.err")
check "it took many pages ($pages)" test "$pages" -gt 10

begin "OWSLib reads the same"
# Debian's python3-owslib lives in the system Python, not in whatever python3 is first on PATH.
if /usr/bin/python3 - "$OGC" "$n_zones" "$n_all" >"$T/owslib" 2>&1 <<'PY'
import sys
from owslib.ogcapi.features import Features
url, n_zones, n_all = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
w = Features(url)
assert [c["id"] for c in w.collections()["collections"]] == ["zones", "properties"]
assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in w.conformance()["conformsTo"]
assert w.collection("zones")["id"] == "zones"
z = w.collection_items("zones", limit=1000)
assert z["numberMatched"] == n_zones, z["numberMatched"]
assert z["numberReturned"] == min(1000, n_zones)
assert w.collection_items("properties", limit=5)["numberMatched"] == n_all
f = w.collection_item("zones", str(z["features"][0]["id"]))
assert f["type"] == "Feature" and f["id"] == z["features"][0]["id"]
assert f["properties"]["in_zone"] is True
print("ok")
PY
then pass "collections, items and one item"; else fail "$(tail -5 "$T/owslib")"; fi

begin "items: limit"
http /ogc/collections/zones/items
eq "status" "$code" 200
eq "content type" "$ctype" "application/geo+json"
eq "default page" "$(json 'j["numberReturned"]')" 10
eq "numberMatched" "$(json 'j["numberMatched"]')" "$n_zones"
eq "links" "$(json '[l["rel"] for l in j["links"]]')" "['self', 'alternate', 'next', 'collection']"
eq "public fields only" "$(json 'sorted(j["features"][0]["properties"])')" \
	"['address', 'in_zone', 'kind', 'name', 'source', 'source_id', 'valid_from', 'zones']"
http "/ogc/collections/properties/items?limit=20000"
eq "a large limit is clamped, not refused" "$code" 200
eq "self says 10000" "$(json '[l["href"] for l in j["links"] if l["rel"] == "self"][0]')" \
	"$OGC/collections/properties/items?limit=10000"
eq "every property on one page" "$(json 'j["numberReturned"]')" "$n_all"
http "/ogc/collections/properties/items?limit=99999999999999999999999"
eq "a huge limit is clamped too" "$code" 200
http "/ogc/collections/zones/items?limit=0"
problem 400 'limit: \"0\"'
http "/ogc/collections/zones/items?limit=ten"
problem 400 'limit: \"ten\"'

begin "items: bbox, paged with next links that keep it"
bbox=-87.66,41.77,-87.64,41.78
want=$(python3 - "$T/zones.geojson" "$bbox" <<'PY'
import json, sys
x0, y0, x1, y1 = map(float, sys.argv[2].split(","))
n = 0
for f in json.load(open(sys.argv[1]))["features"]:
    ring = [p for poly in f["geometry"]["coordinates"] for r in poly for p in r]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    n += max(xs) >= x0 and min(xs) <= x1 and max(ys) >= y0 and min(ys) <= y1
print(n)
PY
)
http "/ogc/collections/zones/items?bbox=$bbox&limit=25"
eq "numberMatched" "$(json 'j["numberMatched"]')" "$want"
check "some but not all zones ($want)" test "$want" -gt 25 -a "$want" -lt "$n_zones"
ogrinfo -ro -so -spat -87.66 41.77 -87.64 41.78 OAPIF:"$OGC" zones >"$T/ogrinfo" 2>&1
eq "GDAL's spatial filter (bbox) count" "$(sed -n 's/^Feature Count: //p' "$T/ogrinfo")" "$want"
got=0
pages=0
next_ok=1
while :; do
	got=$((got + $(json 'j["numberReturned"]')))
	pages=$((pages + 1))
	next=$(json '([l["href"] for l in j["links"] if l["rel"] == "next"] or [""])[0]')
	[ -z "$next" ] && break
	case "$next" in
	*"bbox=-87.66%2C41.77%2C-87.64%2C41.78"*"limit"* | *"limit=25"*"bbox=-87.66%2C41.77%2C-87.64%2C41.78"*) ;;
	*) next_ok=0 ;;
	esac
	curl -s -o "$T/out" "$next"
	[ "$pages" -gt 1000 ] && break
done
eq "features over every page" "$got" "$want"
eq "next links keep bbox and limit" "$next_ok" 1
check "more than one page ($pages)" test "$pages" -gt 1
http "/ogc/collections/zones/items?bbox=-87.66,41.77,-87.64"
problem 400 'bbox: \"-87.66,41.77,-87.64\"'
http "/ogc/collections/zones/items?bbox=a,b,c,d"
problem 400 "bbox"
http "/ogc/collections/zones/items?bbox=-87.6,41.8,-87.5,41.7"
problem 400 "miny greater than maxy"
http "/ogc/collections/zones/items?bbox=-87.6,41.7,-87.5,95"
problem 400 "latitude outside"
http "/ogc/collections/zones/items?bbox=0,0,1,1"
eq "an empty box" "$(json 'j["numberMatched"]')" 0

begin "items: datetime against valid_from"
http "/ogc/collections/properties/items?datetime=2025-10-01"
eq "a date: the lots imported that day" "$(json 'j["numberMatched"]')" "$n_lots"
http "/ogc/collections/properties/items?datetime=2025-11-15T00:00:00Z"
eq "an instant: the libraries" "$(json 'j["numberMatched"]')" "$n_libs"
http "/ogc/collections/properties/items?datetime=../2025-10-31"
eq "open start" "$(json 'j["numberMatched"]')" "$n_lots"
http "/ogc/collections/properties/items?datetime=2025-11-01T00:00:00Z/.."
eq "open end" "$(json 'j["numberMatched"]')" "$n_libs"
http "/ogc/collections/properties/items?datetime=2025-09-01/2025-12-01&limit=5"
eq "closed interval" "$(json 'j["numberMatched"]')" "$n_all"
eq "next keeps datetime and limit" \
	"$(json '[l["href"] for l in j["links"] if l["rel"] == "next"][0].split("?")[1].split("&after=")[0]')" \
	"limit=5&datetime=2025-09-01%2F2025-12-01"
http "/ogc/collections/properties/items?datetime=yesterday"
problem 400 'datetime: \"yesterday\"'
http "/ogc/collections/properties/items?datetime=2025-12-01/2025-11-01"
problem 400 "ends before it starts"

begin "unknown parameter, collection, feature"
http "/ogc/collections/zones/items?limt=5"
problem 400 'unknown query parameter \"limt\"'
http "/ogc/collections/zones/items?after=x"
problem 400 "after"
http /ogc/collections/parks
problem 404 'no collection \"parks\"'
http /ogc/collections/parks/items
problem 404 'no collection \"parks\"'

begin "one feature"
http "/ogc/collections/zones/items?limit=1"
fid=$(json 'j["features"][0]["id"]')
sid=$(json 'j["features"][0]["properties"]["source_id"]')
http "/ogc/collections/zones/items/$fid"
eq "status" "$code" 200
eq "content type" "$ctype" "application/geo+json"
eq "id" "$(json 'j["id"]')" "$fid"
eq "source_id" "$(json 'j["properties"]["source_id"]')" "$sid"
eq "self link" "$(json '[l["href"] for l in j["links"] if l["rel"] == "self"][0]')" \
	"$OGC/collections/zones/items/$fid"
http "/ogc/collections/properties/items/$library_id"
eq "a library is a property" "$code" 200
eq "not in a zone" "$(json 'j["properties"]["in_zone"]')" False
http "/ogc/collections/zones/items/$library_id"
problem 404 "no feature \\\"$library_id\\\" in collection zones"
http /ogc/collections/zones/items/999999
problem 404 'no feature \"999999\"'
http /ogc/collections/zones/items/abc
problem 404 'no feature \"abc\"'

begin "stop"
kill -TERM "$server"
wait "$server"
eq "server exit status" "$?" 0
finish
