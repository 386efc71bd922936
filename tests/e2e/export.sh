#!/usr/bin/env bash
# An export imports again to the same properties: GeoJSON, CSV and GeoPackage, through GDAL.
. "$(dirname "$0")/lib.sh"

run_haven 0 import "$CHI/city_owned_lots_englewood.geojson" --kind lot
run_haven 0 import "$CHI/libraries.csv" --kind building
run_haven 0 import "$CHI/city_owned_land_inventory_2021.csv" --kind lot --source inventory

# canon FILE: the properties of a `property list --json`, without haven's own ids and times
canon() {
	python3 - "$1" <<'PY'
import json, sys
out = []
for p in json.load(open(sys.argv[1])):
    out.append([p["source"], p["source_id"], p["kind"], p["name"], p["address"], p["status"],
                p["geometry_type"], None if p["lon"] is None else round(p["lon"], 9),
                None if p["lat"] is None else round(p["lat"], 9),
                [round(v, 9) for v in p["bbox"]] if p["bbox"] else None, p["attributes"]])
out.sort(key=lambda r: (r[0], r[1]))
json.dump(out, sys.stdout, sort_keys=True)
PY
}

run_haven 0 property list --json
canon "$T/out" >"$T/orig.json"
n_orig=$(python3 -c "import json; print(len(json.load(open('$T/orig.json'))))")

for src in city_owned_lots_englewood libraries inventory; do
	run_haven 0 scope add "src-$src" --where "source = '$src'"
done

for fmt in geojson csv gpkg; do
	begin "export $fmt"
	run_haven 0 export --format "$fmt" "$T/all.$fmt" && out_has "exported $n_orig properties"
	begin "reimport $fmt"
	db=$T/re-$fmt.db
	for src in city_owned_lots_englewood libraries inventory; do
		run_haven 0 export --format "$fmt" --scope "src-$src" "$T/$src.$fmt"
		run_haven 0 --db "$db" import "$T/$src.$fmt" --source "$src"
	done
	run_haven 0 --db "$db" property list --json
	canon "$T/out" >"$T/re.json"
	if python3 - "$T/orig.json" "$T/re.json" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if len(a) != len(b):
    sys.exit("counts differ: %d vs %d" % (len(a), len(b)))
for x, y in zip(a, b):
    if x != y:
        sys.exit("first difference:\n  %s\n  %s" % (json.dumps(x)[:600], json.dumps(y)[:600]))
PY
	then pass "$fmt reimports to the same $n_orig properties"; else fail "$fmt round trip"; fi
done

begin "export does not overwrite"
run_haven 1 export --format geojson "$T/all.geojson" && err_has "all.geojson"

begin "export of one scope"
run_haven 0 scope add owned --where "status = 'Owned by City' and source = 'inventory'"
run_haven 0 export --format geojson --scope owned "$T/owned.geojson" && out_has "exported 13939 properties"
finish
