#!/usr/bin/env bash
# The command line's contract: usage errors exit 2, failures 1, help for every command.
. "$(dirname "$0")/lib.sh"

begin "no command"
run_haven 2 && err_has "usage: haven"
begin "unknown command"
run_haven 2 frobnicate && err_has 'no command "frobnicate"'
begin "unknown global option"
run_haven 2 --frob && err_has "unknown option --frob"
begin "help lists commands"
run_haven 0 help && out_has "import" && out_has "scope" && out_has "export"
for c in init status import imports scope property export demo-city; do
	begin "help $c"
	run_haven 0 help "$c" && out_has "usage: haven"
done
begin "help for a missing command"
run_haven 2 help nothing && err_has 'no command "nothing"'
begin "init creates the store"
run_haven 0 init && out_has "ready (schema version "
check "store file exists" test -s "$HAVEN_DB"
begin "--db overrides HAVEN_DB"
run_haven 0 --db "$T/other.db" init && check "other store exists" test -s "$T/other.db"
begin "import without a file"
run_haven 2 import && err_has "no FILE given"
begin "import with an unknown option"
run_haven 2 import --frob x.csv && err_has "unknown option --frob"
begin "import option without value"
run_haven 2 import x.csv --srs && err_has "--srs needs a value"
begin "--kind with --kind-field"
run_haven 2 import x.csv --kind lot --kind-field k && err_has "exclude each other"
begin "bad --effective"
run_haven 2 import x.csv --effective 01/01/21507 && err_has '"01/01/21507" is not a date'
begin "property show without id"
run_haven 2 property show && err_has "needs one property ID"
begin "property show of a missing id"
run_haven 1 property show 99 && err_has "no property 99"
begin "scope add without --where"
run_haven 2 scope add x && err_has "needs --where"
begin "scope with unknown sub-command"
run_haven 2 scope frob && err_has 'no sub-command "frob"'
begin "export without format"
run_haven 2 export out.geojson && err_has "--format is required"
begin "export with a bad format"
run_haven 2 export --format kml out.kml && err_has 'expected geojson, csv or gpkg'
begin "status --json on an empty store"
run_haven 0 status --json && eq "properties" "$(json 'j["properties"]')" 0
begin "store that is not a database"
echo "not a database at all, just text" >"$T/garbage.db"
run_haven 1 --db "$T/garbage.db" status && err_has "garbage.db"
finish
