#!/usr/bin/env bash
# Re-importing a newer version of a source: the 2020 inventory, then the 2021 one. The counts
# haven reports must equal those computed here, independently, from the two CSVs; and the store
# must still answer what the 2020 inventory said.
. "$(dirname "$0")/lib.sh"

A=$CHI/city_owned_land_inventory_2020.csv
B=$CHI/city_owned_land_inventory_2021.csv

python3 - "$A" "$B" <<'PY' >"$T/want"
import csv, sys
def load(p):
    with open(p, newline="") as f:
        r = csv.DictReader(f)
        return r.fieldnames, {row["ID"]: row for row in r}
fa, a = load(sys.argv[1])
fb, b = load(sys.argv[2])
common_cols = [c for c in fb if c in fa]
added = sum(1 for k in b if k not in a)
removed = sum(1 for k in a if k not in b)
changed = sum(1 for k in b if k in a and any(a[k][c] != b[k][c] for c in common_cols))
common = sum(1 for k in b if k in a)
owned_2020 = sum(1 for r in a.values() if r["Property Status"] == "Owned by City")
print(added, changed, removed, common - changed, owned_2020)
PY
read -r w_added w_changed w_removed w_restated w_owned2020 <"$T/want"

begin "import 2020"
run_haven 0 import "$A" --source chicago-inventory --kind lot --effective 2020-07-30 --json &&
	eq "2020 added" "$(json 'j["added"]')" 19621

begin "dry run of 2021 changes nothing"
dump >"$T/before.sql"
run_haven 0 import "$B" --source chicago-inventory --kind lot --effective 2021-05-10 --dry-run --json &&
	eq "dry-run added" "$(json 'j["added"]')" "$w_added"
dump >"$T/after.sql"
check "store identical after a dry run" cmp -s "$T/before.sql" "$T/after.sql"

begin "import 2021"
run_haven 0 import "$B" --source chicago-inventory --kind lot --effective 2021-05-10 --json
eq "added" "$(json 'j["added"]')" "$w_added"
eq "changed" "$(json 'j["changed"]')" "$w_changed"
eq "removed" "$(json 'j["removed"]')" "$w_removed"
eq "only the added/removed columns differ" "$(json 'j["restated"]')" "$w_restated"
eq "unchanged (every row gained a column)" "$(json 'j["unchanged"]')" 0
eq "columns added" "$(json '",".join(j["columns_added"])')" "Managing Organization"
eq "columns removed" "$(json '",".join(j["columns_removed"])')" "Legal Description"

begin "an import cannot take effect before the last one"
dump >"$T/before.sql"
run_haven 1 import "$A" --source chicago-inventory --kind lot --effective 2019-01-01 &&
	err_has "cannot take effect before it"
dump >"$T/after.sql"
check "store unchanged" cmp -s "$T/before.sql" "$T/after.sql"

begin "re-importing the same file changes nothing"
run_haven 0 import "$B" --source chicago-inventory --kind lot --effective 2021-06-01 --json
eq "unchanged" "$(json 'j["unchanged"]')" 19628
eq "changed" "$(json 'j["changed"]')" 0
eq "added" "$(json 'j["added"]')" 0
eq "removed" "$(json 'j["removed"]')" 0

begin "the registry as of a date"
run_haven 0 scope add owned --where "status = 'Owned by City'" --effective 2020-01-01
run_haven 0 scope show owned --as-of 2020-12-31 --json &&
	eq "owned by city on 2020-12-31 (the 2020 file)" "$(json 'j["count"]')" "$w_owned2020"
run_haven 0 scope show owned --json && eq "owned by city now" "$(json 'j["count"]')" 13939
run_haven 1 scope show owned --as-of 2019-06-30 && err_has 'no scope named "owned" is in force at that time'

begin "history of a property that changed"
pid=$(python3 - "$A" "$B" <<'PY'
import csv, sys
a = {r["ID"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
for r in csv.DictReader(open(sys.argv[2], newline="")):
    o = a.get(r["ID"])
    if o and o["Property Status"] != r["Property Status"]:
        print(r["ID"], o["Property Status"], "|", r["Property Status"]); break
PY
)
read -r sid rest <<<"$pid"
old_status=${rest%% | *}
new_status=${rest#* | }
run_haven 0 property list --source chicago-inventory --json
id=$(json "next(p['id'] for p in j if p['source_id'] == '$sid')")
run_haven 0 property history "$id" --json
eq "versions of property $id" "$(json 'len(j)')" 2
eq "2020 status" "$(json 'j[0]["status"]')" "$old_status"
eq "2021 status" "$(json 'j[1]["status"]')" "$new_status"
run_haven 0 property show "$id" --as-of 2020-12-31 --json && eq "status as of 2020-12-31" "$(json 'j["status"]')" "$old_status"

begin "a removed property"
rid=$(python3 - "$A" "$B" <<'PY'
import csv, sys
b = {r["ID"] for r in csv.DictReader(open(sys.argv[2], newline=""))}
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["ID"] not in b:
        print(r["ID"]); break
PY
)
run_haven 0 property list --source chicago-inventory --json
eq "removed property absent from the current list" "$(json "sum(1 for p in j if p['source_id'] == '$rid')")" 0
run_haven 0 property list --source chicago-inventory --as-of 2020-12-31 --json
gone=$(json "next(p['id'] for p in j if p['source_id'] == '$rid')")
run_haven 0 property show "$gone" --json && eq "latest version records the removal" "$(json 'j["removed"]')" True
run_haven 0 property history "$gone" --json && eq "earlier version kept" "$(json 'j[0]["removed"]')" False

begin "evidence tables are append-only"
check "UPDATE of a property version is refused" bash -c "! sqlite3 '$HAVEN_DB' 'UPDATE property_versions SET status = 1' 2>/dev/null"
check "DELETE of an import is refused" bash -c "! sqlite3 '$HAVEN_DB' 'DELETE FROM imports' 2>/dev/null"
finish
