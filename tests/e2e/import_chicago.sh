#!/usr/bin/env bash
# Imports every file Chicago publishes in ../shared/data/chicago into one store, then checks the
# figures the inventory issue names against independent computations.
. "$(dirname "$0")/lib.sh"

# Every file, each its own source. The building footprints' .prj names no EPSG code (GDAL's
# guess, EPSG:6312, is wrong): the city's CRS is EPSG:3435, given with --srs.
for f in "$CHI"/*.csv "$CHI"/*.geojson "$CHI"/*.shp; do
	name=$(basename "$f")
	extra=()
	case $name in
	buildings_sample.shp) extra=(--srs EPSG:3435 --id-field BLDG_ID --kind building) ;;
	city_owned_land_inventory_*) extra=(--kind lot) ;;
	# the city's landmarks list names "L- 78" twice: the second is skipped and reported
	landmarks.csv) extra=(--skip-bad) ;;
	esac
	begin "import $name"
	if run_haven 0 import "$f" "${extra[@]}" --json; then
		pass "read $(json 'j["read"]'), skipped $(json 'j["skipped"]'), repaired $(json 'j["repaired"]')"
		if [ "$name" = landmarks.csv ]; then
			eq "landmarks skipped" "$(json 'j["skipped"]')" 1
			check "the skip names the duplicate" python3 -c "
import json; j = json.load(open('$T/out')); r = j['skips'][0]
assert r['row'] == 233 and 'duplicate id \"L- 78\"' in r['reason'] and 'row 83' in r['reason'], r"
		else
			eq "$name skipped rows" "$(json 'j["skipped"]')" 0
		fi
	fi
done

begin "2021 inventory"
run_haven 0 imports --json
python3 - "$T/out" <<'PY' >"$T/inv"
import json, sys
for imp in json.load(open(sys.argv[1])):
    r = imp["report"]
    if r["file"] == "city_owned_land_inventory_2021.csv":
        print(r["read"], r["added"], r["address_only"])
PY
read -r n_read n_added n_addr <"$T/inv"
eq "rows read" "$n_read" 19628
eq "properties added" "$n_added" 19628
# 212 rows have no coordinates, and others carry the (0, 0) placeholder: both are address-only
want_addr=$(python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
empty = sum(1 for r in rows if not r["Latitude"] or not r["Longitude"])
zero = sum(1 for r in rows if r["Latitude"] and float(r["Latitude"]) == 0 and float(r["Longitude"]) == 0)
assert empty == 212, empty
print(empty + zero)' "$CHI/city_owned_land_inventory_2021.csv")
eq "rows without usable coordinates kept as address-only" "$n_addr" "$want_addr"

begin "owned by city"
want=$(python3 -c '
import csv, sys
print(sum(1 for r in csv.DictReader(open(sys.argv[1], newline="")) if r["Property Status"] == "Owned by City"))' \
	"$CHI/city_owned_land_inventory_2021.csv")
eq "independent count of Owned by City rows" "$want" 13939
run_haven 0 scope add owned-2021 --where "source = 'city_owned_land_inventory_2021' and status = 'Owned by City'"
run_haven 0 scope show owned-2021 --json && eq "haven's zones in scope owned-2021" "$(json 'j["count"]')" 13939
eq "all of them lots" "$(json 'j["by_kind"].get("lot")')" 13939

begin "libraries"
run_haven 0 property list --source libraries --json
eq "library branches" "$(json 'len(j)')" 81
eq "branches with a point from LOCATION" "$(json 'sum(1 for p in j if p["lon"] is not None)')" 81
eq "names from the \"NAME \" column" "$(json 'sum(1 for p in j if p["name"])')" 81

begin "park points"
run_haven 0 property list --source park_points --json
eq "parks" "$(json 'len(j)')" 340
eq "no byte-order mark left in a name" "$(json 'sum(1 for p in j if p["name"] and "\ufeff" in p["name"])')" 0

begin "Englewood lots"
run_haven 0 property list --source city_owned_lots_englewood --json
eq "parcels" "$(json 'len(j)')" 2752
eq "polygonal" "$(json 'sum(1 for p in j if p["geometry_type"] in ("Polygon", "MultiPolygon"))')" 2752

# State Plane footprints: haven's reprojection against GDAL's own (ogr2ogr), vertex by vertex.
begin "buildings within 1 m of GDAL's reprojection"
ogr2ogr -f GeoJSON -s_srs EPSG:3435 -t_srs EPSG:4326 -lco COORDINATE_PRECISION=12 \
	"$T/gdal.geojson" "$CHI/buildings_sample.shp" 2>"$T/err"
run_haven 0 scope add bld --where "source = 'buildings_sample'"
run_haven 0 export --format geojson --scope bld "$T/haven.geojson"
python3 - "$T/gdal.geojson" "$T/haven.geojson" <<'PY' >"$T/cmp"
import json, math, sys
def verts(g):
    out = []
    def walk(c):
        if isinstance(c[0], (int, float)):
            out.append((c[0], c[1]))
        else:
            for x in c:
                walk(x)
    walk(g["coordinates"])
    return out
gdal = {str(f["properties"]["BLDG_ID"]): f["geometry"] for f in json.load(open(sys.argv[1]))["features"]}
mine = {f["properties"]["haven_source_id"]: f["geometry"] for f in json.load(open(sys.argv[2]))["features"]}
worst = 0.0
n = 0
for k, g in gdal.items():
    h = mine.get(k)
    if g is None or h is None:
        continue
    a, b = verts(g), verts(h)
    # MakeValid may rewrite an invalid footprint; compare the valid ones vertex by vertex
    if len(a) != len(b):
        continue
    n += 1
    for (x1, y1), (x2, y2) in zip(a, b):
        dy = (y2 - y1) * 111320.0
        dx = (x2 - x1) * 111320.0 * math.cos(math.radians(y1))
        worst = max(worst, math.hypot(dx, dy))
print(len(gdal), len(mine), n, "%.6f" % worst)
PY
read -r n_gdal n_mine n_cmp worst <"$T/cmp"
eq "footprints exported" "$n_mine" "$n_gdal"
check "compared $n_cmp footprints vertex by vertex" test "$n_cmp" -gt 5000
check "largest distance ${worst} m is under 1 m" python3 -c "import sys; sys.exit(0 if float('$worst') < 1.0 else 1)"

begin "status"
run_haven 0 status --json
check "store holds every source" python3 -c "
import json; j = json.load(open('$T/out'))
assert len({r['source'] for r in j['by_source_kind']}) >= 20, j"
finish
