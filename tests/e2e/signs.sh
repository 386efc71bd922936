#!/usr/bin/env bash
# End to end: `haven signs` on the demo city (issue, print, the lifecycle with its errors, the
# 50 m rule, photos in the blob store, coverage against an independent count, the plan,
# measures), then the server: the API by role, an install with a base64 photo, /s/SERIAL in
# HTML and JSON, the public map, the opt-in form with its rate limit and the logged read.
. "$(dirname "$0")/lib.sh"

# The fontconfig/cairo caches the renderer keeps until exit are not ours to free.
export LSAN_OPTIONS="${LSAN_OPTIONS:-}:suppressions=$HAVEN_SOURCE_ROOT/tests/lsan.supp"

begin "setup"
run_haven 0 demo-city --out "$T/city" && pass "demo city"
run_haven 0 import "$T/city/parcels.shp" --kind-field kind && pass "imported"
run_haven 0 scope add order --where "status = 'Owned by City' and kind in ('lot', 'vacant lot', 'garage')" && pass "scope"
run_haven 0 signs config coverage.ward_field ward && pass "ward field is 'ward'"
run_haven 1 signs config plan.w_area lots
err_has "setting plan.w_area: \"lots\" is not a number >= 0"
# Three in-scope lots to work with, and their centres.
run_haven 0 property list --scope order --json
read -r P1 P2 P3 <<<"$(json '" ".join(str(p["id"]) for p in (j["properties"] if isinstance(j, dict) else j)[:3])')"
run_haven 0 property show "$P1" --json
LON1=$(json 'j["lon"]'); LAT1=$(json 'j["lat"]')
check "three properties in scope" test -n "$P3"

begin "issue and print"
run_haven 2 signs print --property "$P1" --langs en,es
err_has "print needs --out FILE.pdf"
run_haven 1 signs issue --property "$P1" --langs en,fr
err_has "language \"fr\""
run_haven 1 signs issue --property 999999
err_has "property 999999: no such property"
before=$(sqlite3 "$HAVEN_DB" 'select count(*) from signs')
run_haven 1 signs print --property "$P1" --langs en,es --out "$T/no/such/dir/x.pdf"
eq "a failed render issues nothing" "$(sqlite3 "$HAVEN_DB" 'select count(*) from signs')" "$before"
eq "and appends nothing to the ledger" "$(sqlite3 "$HAVEN_DB" "select count(*) from ledger_entries where kind = 'sign_event'")" 0
run_haven 0 signs print --property "$P1" --property "$P2" --property "$P3" --langs en,es,ar,zh-Hans --out "$T/run.pdf" --json
S1=$(json 'j["signs"][0]["serial"]'); S2=$(json 'j["signs"][1]["serial"]'); S3=$(json 'j["signs"][2]["serial"]')
check "PDF written" test -s "$T/run.pdf"
eq "one page per sign" "$(pdfinfo "$T/run.pdf" | sed -n 's/^Pages: *//p')" 3
check "the PDF carries the serials" bash -c "pdftotext '$T/run.pdf' - | grep -q '$S1' && pdftotext '$T/run.pdf' - | grep -q '$S3'"
eq "3 issued events, 3 ledger entries" "$(sqlite3 "$HAVEN_DB" "select count(*) from ledger_entries where kind = 'sign_event'")" 3
run_haven 0 signs runs --json
eq "the run's languages" "$(json 'j[0]["langs"]')" "en,es,ar,zh-Hans"

begin "lifecycle"
run_haven 1 signs install "$S1" --installer Ana --lat "$LAT1" --lon "$LON1"
err_has "serial $S1: cannot install a sign that is issued but not assigned"
run_haven 1 signs inspect "$S1" --outcome ok
err_has "cannot inspect a sign that is issued"
run_haven 0 signs assign "$S1" --to-kind department --to "Fleet Management"
run_haven 1 signs assign "$S1" --to-kind garage --to x
err_has "not department, ward_office or private_owner"
# 50 m rule: 0.0009 degrees of latitude is 100 m north of the centre, outside the lot.
FAR=$(python3 -c "print($LAT1 + 0.0009)")
run_haven 1 signs install "$S1" --installer Ana --lat "$FAR" --lon "$LON1"
err_has "m outside property $P1 (more than 50 m); a written reason is required"
eq "refused install recorded nothing" "$(sqlite3 "$HAVEN_DB" "select count(*) from sign_events where serial = '$S1' and kind = 'installed'")" 0
printf 'not really a jpeg but bytes all the same' >"$T/photo.jpg"
run_haven 0 signs install "$S1" --installer Ana --lat "$LAT1" --lon "$LON1" --accuracy 6 --photo "$T/photo.jpg"
out_has "GPS fix inside the property"
HEX=$(sha256sum "$T/photo.jpg" | cut -d' ' -f1)
out_has "photo $HEX"
check "photo stored under its SHA-256, read-only" bash -c "f=\$(find '$HAVEN_DB.blobs' -name '$HEX*' | head -1); test -n \"\$f\" && test ! -w \"\$f\" -o \$(id -u) = 0 && [ \"\$(stat -c %a \"\$f\")\" = 444 ]"
run_haven 1 signs install "$S1" --installer Ana --lat "$LAT1" --lon "$LON1"
err_has "cannot install a sign that is installed"
run_haven 0 signs assign "$S2" --to-kind ward_office --to "Ward 2"
run_haven 0 signs install "$S2" --installer Ben --lat "$FAR" --lon "$LON1" --reason "posted on the fence across the alley"
out_has "m from the property"
run_haven 0 signs inspect "$S2" --outcome damaged --note "bent"
run_haven 0 signs inspect "$S2" --outcome missing
run_haven 0 signs replace "$S2" --reason "missing" --json
S2N=$(json 'j["replaced_by"]')
run_haven 1 signs replace "$S2"
err_has "cannot replace a sign twice: it was replaced by $S2N"
run_haven 1 signs install "$S2" --installer Ben --lat "$LAT1" --lon "$LON1"
err_has "replaced by $S2N"
run_haven 0 signs render --run "$(sqlite3 "$HAVEN_DB" "select run_id from signs where serial = '$S2N'")" --out "$T/replacement.pdf"
check "the replacement renders on its own" bash -c "pdftotext '$T/replacement.pdf' - | grep -q '$S2N'"
run_haven 1 signs show HV-0000-0001
err_has "check symbol does not match"
run_haven 0 signs show "$S1" --json
eq "installer kept for staff" "$(json '[e for e in j["events"] if e["kind"] == "installed"][0]["installer"]')" "Ana"
check "sign_events is append-only" bash -c "! sqlite3 '$HAVEN_DB' \"update sign_events set installer = 'Eve'\" 2>/dev/null"
check "signs cannot be deleted" bash -c "! sqlite3 '$HAVEN_DB' 'delete from signs' 2>/dev/null"
eq "every event is in the ledger" "$(sqlite3 "$HAVEN_DB" "select count(*) from ledger_entries where kind = 'sign_event'")" "$(sqlite3 "$HAVEN_DB" 'select count(*) from sign_events')"

begin "verify (the public view)"
run_haven 0 signs verify "$S1" --json
eq "genuine" "$(json 'j["genuine"]')" True
check "no installer in the public view" bash -c "! grep -q Ana '$T/out'"
run_haven 0 signs verify "$S2"
out_has "replaced by $S2N"

begin "measures"
run_haven 1 signs measure "$P3" --barrier locked --hours 10pm-6am
err_has "expected HH:MM-HH:MM"
run_haven 0 signs measure "$P3" --barrier lockable
run_haven 0 signs measure "$P3" --barrier locked --hours 22:00-06:00
run_haven 0 signs measures "$P3" --json
eq "two versions kept" "$(json 'len(j)')" 2
eq "latest" "$(json 'j[-1]["locked_hours"]')" "22:00-06:00"

begin "coverage against an independent count"
run_haven 0 signs coverage --scope order --json
cov_total=$(json 'j["total"]["in_scope"]'); cov_signed=$(json 'j["total"]["signed"]'); cov_gated=$(json 'j["total"]["gated"]')
run_haven 0 property list --scope order --json
ind_total=$(json 'len(j["properties"] if isinstance(j, dict) else j)')
ind_signed=$(sqlite3 "$HAVEN_DB" "select count(distinct s.property_id) from signs s join sign_events e on e.id = (select max(id) from sign_events where serial = s.serial) where e.state_after in ('installed', 'damaged') and s.property_id is not null")
ind_gated=$(sqlite3 "$HAVEN_DB" "select count(*) from sign_measures m where m.id = (select max(id) from sign_measures where property_id = m.property_id) and m.barrier != 'none'")
eq "in scope" "$cov_total" "$ind_total"
eq "signed ($S1 installed; $S2 replaced)" "$cov_signed" "$ind_signed"
eq "signed is 1" "$cov_signed" 1
eq "gated" "$cov_gated" "$ind_gated"
run_haven 0 signs coverage --scope order --json
ward_sum=$(json 'sum(r["in_scope"] for r in j["by_ward"])')
eq "wards add up" "$ward_sum" "$cov_total"

begin "plan"
run_haven 0 signs incident add --kind attempted_use --lon "$LON1" --lat "$LAT1" --property "$P2"
run_haven 0 signs staging add depot "$LON1" "$LAT1"
run_haven 0 signs plan --budget 450 --cost 100 --json
eq "4 signs in a \$450 budget" "$(json 'len(j["ranking"])')" 4
eq "the attempted use ranks first" "$(json 'j["ranking"][0]["property_id"]')" "$P2"
eq "cumulative cost" "$(json 'j["ranking"][-1]["cumulative_cost"]')" 400
check "signed lots are not candidates" bash -c "python3 -c \"import json,sys; j=json.load(open('$T/out')); sys.exit(any(r['property_id'] == $P1 for r in j['ranking']))\""
run_haven 0 signs plan --budget 200
out_has "because:"
out_has "attempted use +10.00"
run_haven 2 signs plan
err_has "plan needs --budget"

begin "server"
for r in facilities auditor admin; do
	"$HAVEN" token add "t_$r" --role "$r" >"$T/tok_$r" 2>/dev/null
done
FAC=$(cat "$T/tok_facilities"); AUD=$(cat "$T/tok_auditor"); ADM=$(cat "$T/tok_admin")
start_server
http() {
	local m=$1 p=$2
	shift 2
	code=$(curl -s -X "$m" -o "$T/out" -D "$T/hdr" -w '%{http_code}' "$@" "$URL$p")
}
http GET /api/v1/signs
eq "the public may not list signs" "$code" 401
http GET /api/v1/signs -H "Authorization: Bearer $AUD"
eq "the auditor reads" "$code" 200
http POST "/api/v1/signs/$S3/assign" -H "Authorization: Bearer $AUD" --data '{"to_kind":"department","to":"Parks"}'
eq "the auditor may not write" "$code" 403
http POST "/api/v1/signs/$S3/assign" -H "Authorization: Bearer $FAC" --data '{"to_kind":"department","to":"Parks","colour":"red"}'
eq "unknown member refused" "$code" 400
check "naming it" grep -q 'unknown member \\"colour\\"' "$T/out"
http POST "/api/v1/signs/$S3/assign" -H "Authorization: Bearer $FAC" --data '{"to_kind":"department","to":"Parks"}'
eq "facilities assigns" "$code" 200
run_haven 0 property show "$P3" --json
LON3=$(json 'j["lon"]'); LAT3=$(json 'j["lat"]')
head -c 30000 /dev/urandom >"$T/p3.jpg"
B64=$(base64 -w0 "$T/p3.jpg")
printf '{"installer":"Cam","lat":%s,"lon":%s,"accuracy_m":4.5,"photo_base64":"%s"}' "$LAT3" "$LON3" "$B64" >"$T/install.json"
http POST "/api/v1/signs/$S3/install" -H "Authorization: Bearer $FAC" --data-binary @"$T/install.json"
eq "install over the API" "$code" 200
eq "installed" "$(json 'j["state"]')" installed
P3HEX=$(sha256sum "$T/p3.jpg" | cut -d' ' -f1)
eq "photo hash recorded" "$(json '[e for e in j["events"] if e["kind"] == "installed"][0]["photo_sha256"]')" "$P3HEX"
check "photo bytes in the blob store" bash -c "find '$HAVEN_DB.blobs' -name '$P3HEX*' | grep -q ."
http POST "/api/v1/signs/$S3/install" -H "Authorization: Bearer $FAC" --data "{\"installer\":\"Cam\",\"lat\":$LAT3,\"lon\":$LON3}"
eq "installing twice is a conflict" "$code" 409
check "naming the serial" grep -q "$S3" "$T/out"
http POST /api/v1/signs/photos -H "Authorization: Bearer $FAC" --data-binary @"$T/photo.jpg"
eq "raw photo upload" "$code" 201
eq "its hash" "$(json 'j["sha256"]')" "$HEX"
# A phone camera's photo: several MiB, any bytes (NULs included).
head -c 3000000 /dev/urandom >"$T/big.jpg"
printf '\377\330\377\000' | dd of="$T/big.jpg" conv=notrunc status=none
http POST /api/v1/signs/photos -H "Authorization: Bearer $FAC" --data-binary @"$T/big.jpg"
eq "a 3 MB photo with NUL bytes is taken" "$code" 201
eq "and stored under its hash" "$(json 'j["sha256"]')" "$(sha256sum "$T/big.jpg" | cut -d' ' -f1)"
head -c 30000000 /dev/zero >"$T/huge.jpg"
http POST /api/v1/signs/photos -H "Authorization: Bearer $FAC" --data-binary @"$T/huge.jpg"
eq "a photo over 28 MiB is refused" "$code" 413
http GET "/s/$S3"
eq "public page" "$code" 200
check "says genuine" grep -q "genuine" "$T/out"
check "says installed since" grep -q "installed since $(date -u +%Y-%m-%d)" "$T/out"
check "what the sign says, in Arabic, right to left" grep -q '<section lang="ar" dir="rtl">' "$T/out"
check "and in Chinese" grep -q '<section lang="zh-Hans" dir="ltr">' "$T/out"
check "under the order its template cites" grep -q 'id="order">Executive Order' "$T/out"
check "no installer on the public page" bash -c "! grep -q Cam '$T/out'"
check "no photo hash on the public page" bash -c "! grep -q '$P3HEX' '$T/out'"
http GET "/s/$S3" -H 'Accept: application/json'
eq "JSON for Accept: application/json" "$(json 'j["status"]')" installed
http GET "/s/$S2"
check "a replaced sign names its successor" grep -q "replaced</b> by sign <a href=\"/s/$S2N\">" "$T/out"
http GET /s/HV-0000-0000
eq "unknown serial" "$code" 404
check "says unknown" grep -q "is unknown" "$T/out"
http GET /s/nonsense
eq "malformed serial" "$code" 400
http GET /api/v1/signs/map
eq "public map" "$code" 200
check "map has statuses" grep -q '"sign_status":"signed"' "$T/out"
check "map has no serials" bash -c "! grep -q '$S1' '$T/out'"
http GET /api/v1/signs/coverage -H "Authorization: Bearer $AUD"
eq "coverage over the API agrees" "$(json 'j["total"]["signed"]')" 2
http GET "/api/v1/properties/$P3/measures" -H "Authorization: Bearer $AUD"
eq "measures over the API" "$(json 'j["versions"][-1]["barrier"]')" locked
http POST "/api/v1/properties/$P3/measures" -H "Authorization: Bearer $FAC" --data '{"barrier":"installed"}'
eq "a new measure version" "$code" 201

begin "concurrent lifecycle steps (the ledger's group committer)"
run_haven 0 property list --scope order --json
ids=$(json '" ".join("--property %d" % p["id"] for p in (j["properties"] if isinstance(j, dict) else j)[10:30])')
# shellcheck disable=SC2086
run_haven 0 signs issue $ids --json
json '"\n".join(s["serial"] for s in j["signs"])' >"$T/many"
xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $FAC" \
	--data '{"to_kind":"department","to":"Parks"}' "$URL/api/v1/signs/{}/assign" <"$T/many" >"$T/codes"
eq "20 assigns at once, all recorded" "$(grep -c '^200$' "$T/codes")" 20
eq "each with its event" "$(sqlite3 "$HAVEN_DB" "select count(*) from sign_events where kind = 'assigned' and assignee = 'Parks'")" 21

begin "opt-in"
http GET /opt-in
eq "form" "$code" 200
check "no citizenship or immigration question" bash -c "! grep -Eiq 'citizen|immigration status|nationality' '$T/out'"
http POST /opt-in --data 'organisation=Holy+Cross&kind=church&address=1+Elm+St&contact=pastor%40example.org'
eq "consent required" "$code" 400
check "naming consent" grep -q "consent: required" "$T/out"
http POST /opt-in --data 'organisation=Holy+Cross&kind=church&address=1+Elm+St&contact=pastor%40example.org&consent=on'
eq "accepted" "$code" 201
OPT=$(sqlite3 "$HAVEN_DB" 'select max(id) from sign_optins')
http POST /opt-in --data 'organisation=Holy+Cross&kind=church&address=1+ELM+ST.&contact=x&consent=on'
http POST /opt-in --data 'organisation=Holy+Cross&kind=church&address=1+Elm+St&contact=x&consent=on'
http POST /opt-in --data 'organisation=Holy+Cross&kind=church&address=1+Elm+St&contact=x&consent=on'
eq "rate limited per address" "$code" 429
# A signed-in visitor (their cookie goes with the post): the form carries the session's CSRF
# token, and a post without it is refused.
echo "pw-staff-optin-1" | "$HAVEN" user add optin_staff --role staff --password-stdin 2>/dev/null
http POST /api/v1/login -H 'Content-Type: application/json' -c "$T/jar" \
	--data '{"name":"optin_staff","password":"pw-staff-optin-1"}'
eq "staff signs in" "$code" 200
http GET /opt-in -b "$T/jar"
CSRF=$(sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' "$T/out")
check "the form carries the session's CSRF token" test -n "$CSRF"
http POST /opt-in -b "$T/jar" \
	--data 'organisation=Corner+Clinic&kind=clinic&address=9+Oak+Ave&contact=x&consent=on'
eq "signed in, without the token: refused" "$code" 403
http POST /opt-in -b "$T/jar" \
	--data "organisation=Corner+Clinic&kind=clinic&address=9+Oak+Ave&contact=x&consent=on&csrf_token=$CSRF"
check "signed in, with the token: accepted (or rate limited per client)" bash -c "[ $code = 201 ] || [ $code = 429 ]"
http GET /api/v1/signs/optins -H "Authorization: Bearer $FAC"
check "the list leaves the contact out" bash -c "! grep -q pastor '$T/out'"
http GET "/api/v1/signs/optins/$OPT" -H "Authorization: Bearer $AUD"
eq "the auditor may not read the contact" "$code" 403
reads_before=$(sqlite3 "$HAVEN_DB" "select count(*) from ledger_entries where kind = 'read'")
http GET "/api/v1/signs/optins/$OPT" -H "Authorization: Bearer $FAC"
eq "facilities reads the contact" "$(json 'j["contact"]')" "pastor@example.org"
eq "the read is in the ledger" "$(sqlite3 "$HAVEN_DB" "select count(*) from ledger_entries where kind = 'read'")" $((reads_before + 1))
http POST "/api/v1/signs/optins/$OPT/approve" -H "Authorization: Bearer $ADM" --data '{"ward_office":"Ward 3 office","count":2,"langs":"en,es"}'
eq "approved" "$code" 201
PS=$(json 'j["serials"][0]')
run_haven 0 signs show "$PS" --json
eq "assigned to the ward office" "$(json '[e for e in j["events"] if e["kind"] == "assigned"][0]["assignee"]')" "Ward 3 office"
eq "private template" "$(json 'j["template"]')" private
http GET "/s/$PS"
check "the public page names the organisation" grep -q "Holy Cross" "$T/out"
check "but not its contact" bash -c "! grep -q pastor '$T/out'"
kill "$server"
wait "$server" 2>/dev/null

begin "haven verify"
run_haven 0 verify
out_has "ledger ok"
# Rewrite history behind haven's back (the trigger dropped first): verify names the row.
EV=$(sqlite3 "$HAVEN_DB" "select id from sign_events where serial = '$S1' and kind = 'installed'")
sqlite3 "$HAVEN_DB" "drop trigger sign_events_no_update; update sign_events set installer = 'Eve' where id = $EV"
run_haven 1 verify
err_has "sign_events row $EV differs from the recorded entry"
finish
