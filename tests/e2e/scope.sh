#!/usr/bin/env bash
# Scope rules: zones by kind and status, versions with effective dates, "was it in scope then?".
. "$(dirname "$0")/lib.sh"

cat >"$T/props.csv" <<'CSV'
id,name,address,kind,status,ward,latitude,longitude
1,Lot 1,100 N Main St,lot,Owned by City,20,41.80,-87.70
2,Garage 2,102 N Main St,garage,Owned by City,20,41.81,-87.71
3,Vacant 3,104 N Main St,vacant lot,Owned by City,3,41.82,-87.72
4,Library,106 N Main St,building,Owned by City,3,41.83,-87.73
5,Lot 5,108 N Main St,lot,Sold,20,41.84,-87.74
6,Lot 6,110 N Main St,lot,,20,41.85,-87.75
CSV
run_haven 0 import "$T/props.csv" --kind-field kind --source city --effective 2025-01-01

begin "a rule over kind and status"
run_haven 0 scope add order --where "status = 'Owned by City' and kind in ('lot', 'garage', 'vacant lot')" --effective 2025-10-01
run_haven 0 scope show order --json
eq "zones" "$(json 'j["count"]')" 3
eq "lots" "$(json 'j["by_kind"]["lot"]')" 1
eq "garages" "$(json 'j["by_kind"]["garage"]')" 1

begin "attribute values"
run_haven 0 scope add ward20 --where "attr.ward = 20 and status is not null" --effective 2025-10-01
run_haven 0 scope show ward20 --json && eq "ward 20 with a status" "$(json 'j["count"]')" 3

begin "a new version from a later date"
run_haven 0 scope add order --where "status = 'Owned by City'" --effective 2025-11-01
run_haven 0 scope show order --json && eq "zones now" "$(json 'j["count"]')" 4
run_haven 0 scope show order --as-of 2025-10-20 --json && eq "zones on 2025-10-20" "$(json 'j["count"]')" 3
run_haven 0 scope list --json && eq "rules in force" "$(json 'len(j)')" 2

begin "was this lot in scope on a date?"
run_haven 0 property list --json
lib=$(json "next(p['id'] for p in j if p['source_id'] == '4')")
run_haven 0 scope check order "$lib" --as-of 2025-10-20 --json
eq "rule in force on 2025-10-20" "$(json 'j["rule_in_force"]')" True
eq "library in scope on 2025-10-20" "$(json 'j["in_scope"]')" False
run_haven 0 scope check order "$lib" --json && eq "library in scope now" "$(json 'j["in_scope"]')" True
run_haven 0 scope check order "$lib" --as-of 2025-09-30 --json && eq "before the order" "$(json 'j["rule_in_force"]')" False

begin "zones show on a property"
run_haven 0 property show "$lib" --json && eq "zones of the library" "$(json '",".join(j["zones"])')" "order"

begin "retiring a rule"
run_haven 0 scope retire ward20 --effective 2026-01-01
run_haven 0 scope list --as-of 2025-12-31 --json && eq "rules on 2025-12-31" "$(json 'len(j)')" 2
run_haven 0 scope list --as-of 2026-01-02 --json && eq "rules on 2026-01-02" "$(json 'len(j)')" 1
run_haven 1 scope retire nothing && err_has 'no scope named "nothing"'

begin "property list --scope"
run_haven 0 property list --scope order --as-of 2025-10-20 --json && eq "listed" "$(json 'len(j)')" 3

begin "rule errors point at the column"
run_haven 1 scope add bad --where "stauts = 'x'" && err_has "column 1"
run_haven 1 scope add bad --where "status = 'x" && err_has "column 10"
run_haven 1 scope add "bad name!" --where "status = 'x'" && err_has "is not a letter"
finish
