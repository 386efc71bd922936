#!/usr/bin/env bash
# Sign templates end to end: `haven signs template list|show|set` and GET/PUT
# /api/v1/sign-templates/{name} on the real server. A bad document is refused naming its JSON
# path, and nothing stored changes; every version stays.
. "$(dirname "$0")/lib.sh"

run_haven 0 init

begin "built-in templates"
run_haven 0 signs template list
out_has "city"
out_has "built-in"
run_haven 0 signs template show city
check "the built-in city template is JSON" python3 -c "import json,sys; d=json.load(open('$T/out')); assert d['name']=='city' and len(d['languages'])==12"
cp "$T/out" "$T/city.json"
err_has "built-in default"

begin "set a new version"
sed 's/"city": "Port Haven"/"city": "Lakeview"/' "$T/city.json" >"$T/lakeview.json"
run_haven 0 signs template set city "$T/lakeview.json" --by ana
out_has "sign template city version 1 stored"
run_haven 0 signs template set city "$T/city.json" --by ben
out_has "version 2 stored"
run_haven 0 signs template list --json
eq "current version of city" "$(json '[t["version"] for t in j["templates"] if t["name"]=="city"][0]')" 2
eq "private is still built in" "$(json '[t["builtin"] for t in j["templates"] if t["name"]=="private"][0]')" True
run_haven 0 signs template show city --version 1
out_has '"city": "Lakeview"'

begin "bad documents are refused by JSON path; nothing changes"
before=$(sqlite3 "$HAVEN_DB" "SELECT count(*), max(version) FROM sign_templates")
sed 's/"en": {/"fr": {/' "$T/city.json" >"$T/bad_lang.json"
run_haven 1 signs template set city "$T/bad_lang.json"
err_has "bad_lang.json: \$.languages.fr: unknown language tag"
python3 -c "import json,sys; d=json.load(open('$T/city.json')); del d['languages']['ar']['body']['lot']; json.dump(d, open('$T/no_lot.json','w'))"
run_haven 1 signs template set city "$T/no_lot.json"
err_has "\$.languages.ar.body.lot: missing"
python3 -c "import json,sys; d=json.load(open('$T/city.json')); del d['citation']; json.dump(d, open('$T/no_cite.json','w'))"
run_haven 1 signs template set city "$T/no_cite.json"
err_has "\$.citation: missing"
printf '{"name": "city", ' >"$T/trunc.json"
run_haven 1 signs template set city "$T/trunc.json"
err_has "trunc.json: template: line 1"
run_haven 1 signs template set private "$T/city.json"
err_has "does not match the template name \"private\""
run_haven 1 signs template set city "$T/missing.json"
err_has "missing.json"
eq "store unchanged" "$(sqlite3 "$HAVEN_DB" "SELECT count(*), max(version) FROM sign_templates")" "$before"
run_haven 2 signs template frobnicate
run_haven 2 signs nothing

begin "the API"
"$HAVEN" token add t_admin --role admin >"$T/tok_admin" 2>/dev/null
"$HAVEN" token add t_fac --role facilities >"$T/tok_fac" 2>/dev/null
"$HAVEN" token add t_staff --role staff >"$T/tok_staff" 2>/dev/null
start_server
http() {
	local m=$1 p=$2
	shift 2
	code=$(curl -s -X "$m" -o "$T/out" -w '%{http_code}' "$@" "$URL$p")
}
auth() { echo "Authorization: Bearer $(cat "$T/tok_$1")"; }
http GET /api/v1/sign-templates -H "$(auth fac)"
eq "facilities lists templates" "$code" 200
eq "list: city at version 2" "$(json '[t["version"] for t in j["templates"] if t["name"]=="city"][0]')" 2
http GET /api/v1/sign-templates/city -H "$(auth fac)"
eq "facilities reads a template" "$code" 200
eq "document's city" "$(json 'j["document"]["city"]')" "Port Haven"
http GET "/api/v1/sign-templates/city?version=1" -H "$(auth admin)"
eq "an older version" "$(json 'j["document"]["city"]')" "Lakeview"
http GET /api/v1/sign-templates/private -H "$(auth admin)"
eq "a built-in template" "$(json 'j["builtin"]')" True
http GET /api/v1/sign-templates/nope -H "$(auth admin)"
eq "unknown template" "$code" 404
http GET /api/v1/sign-templates/city -H "$(auth staff)"
eq "staff may not read templates" "$code" 403
http GET /api/v1/sign-templates/city
eq "the public may not" "$code" 401
http PUT /api/v1/sign-templates/city -H "$(auth fac)" --data-binary @"$T/lakeview.json"
eq "facilities may not edit" "$code" 403
http PUT /api/v1/sign-templates/city -H "$(auth admin)" --data-binary @"$T/lakeview.json"
eq "admin stores a version" "$code" 201
eq "its number" "$(json 'j["version"]')" 3
http PUT /api/v1/sign-templates/city -H "$(auth admin)" --data-binary @"$T/no_lot.json"
eq "a bad document" "$code" 400
check "the problem names the path" grep -qF '$.languages.ar.body.lot: missing' "$T/out"
http PUT /api/v1/sign-templates/city -H "$(auth admin)" --data-binary '{"name": "city"'
eq "malformed JSON" "$code" 400
eq "nothing more stored" "$(sqlite3 "$HAVEN_DB" "SELECT count(*) FROM sign_templates")" 3
eq "stored under the token's name" "$(sqlite3 "$HAVEN_DB" "SELECT created_by FROM sign_templates WHERE version = 3")" "t_admin"
kill "$server"
wait "$server" 2>/dev/null
finish
