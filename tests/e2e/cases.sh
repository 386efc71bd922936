#!/usr/bin/env bash
# Accountability end to end over the real server: reports filed by staff (by property, GPS and
# address), refused fields, evidence streamed (multipart and raw) with EXIF, a 1 GiB upload with
# the server's memory flat, notices by real SMTP and a signed webhook (with a retry), witness
# reads logged, cases moved by law, a packet exported and checked by haven-verify (and refused
# when a file is changed, added or removed, or no sign preceded the incident), haven verify
# naming a tampered report and a tampered evidence file.
. "$(dirname "$0")/lib.sh"
ROOT=${HAVEN_SOURCE_ROOT:?}
VERIFY=${HAVEN_VERIFY_BIN:?}
PHOTO=$ROOT/tests/data/cases/gps.jpg

begin "city"
HAVEN_DEMO_SERVE=0 bash "$ROOT/scripts/demo.sh" "$HAVEN" "$T/demo" >"$T/out" 2>"$T/err" ||
	fail "demo.sh: $(tail -3 "$T/err")"
export HAVEN_DB=$T/demo/haven.db
run_haven 0 property show 1 --json
read -r lon lat addr < <(json '"%r %r %s" % (j["lon"], j["lat"], j.get("address") or "")')
check "property 1 has a point" test -n "$lat"
"$HAVEN" token add staff1 --role staff >"$T/tok_staff" 2>/dev/null
"$HAVEN" token add law1 --role law >"$T/tok_law" 2>/dev/null
STAFF=$(tail -1 "$T/tok_staff")
LAW=$(tail -1 "$T/tok_law")
check "tokens" test -n "$STAFF" -a -n "$LAW"
"$HAVEN" ledger keygen --key "$T/ledger.key" --name haven.test/ledger >/dev/null 2>&1
"$HAVEN" ledger pubkey --key "$T/ledger.key" >"$T/ledger.pub"

begin "sinks"
mkdir -p "$T/sink"
python3 "$ROOT/tests/e2e/sinks.py" "$T/sink" 1 >"$T/sinks.out" 2>"$T/sinks.err" &
sinks=$!
for _ in $(seq 1 50); do [ -s "$T/sinks.out" ] && break; sleep 0.1; done
read -r _ smtp_port _ hook_port <"$T/sinks.out"
check "smtp and webhook sinks listening" test -n "$hook_port"

begin "start"
export HAVEN_NOTICE_EMAIL=law@city.test HAVEN_SMTP_URL=smtp://127.0.0.1:$smtp_port
export HAVEN_NOTICE_WEBHOOK=http://127.0.0.1:$hook_port/hook HAVEN_WEBHOOK_SECRET=s3cret-hook
export HAVEN_NOTICE_BACKOFF_MS=200 HAVEN_PUBLIC_URL=https://haven.city.test
export HAVEN_PACKET_DIR=$T/packets HAVEN_LEDGER_KEY=$T/ledger.key HAVEN_LAW_PHONE=555-0199
mkdir -p "$T/packets" "$T/cards"
printf 'title: Jeśli przyjdą agenci imigracyjni\nstep: Zachowaj spokój.\nnote: Nazwiska\n' >"$T/cards/pl.txt"
printf 'title: a\nstep: b\nsomething else\n' >"$T/cards/xx.txt"
export HAVEN_CARD_DIR=$T/cards
start_server
trap 'kill $server $sinks 2>/dev/null; rm -rf "$T"' EXIT

# api METHOD PATH TOKEN [curl args]: body in $T/out, code in $code
api() {
	local m=$1 p=$2 tok=$3
	shift 3
	code=$(curl -s -X "$m" -o "$T/out" -w '%{http_code}' -H "Authorization: Bearer $tok" "$@" \
		"$URL$p")
}

begin "file a report"
report='{"type":"staging","occurred":"2026-11-20T14:03:00Z","property_id":1,
 "text":"Two unmarked vans in the lot; officers said they were waiting.",
 "agencies":["ICE"],"personnel":6,"vehicles":2,
 "documents":[{"issuer":"dhs","signer":"immigration-officer","form":"I-200","names_place_or_person":"yes","dated":"2026-11-19"}],
 "names_badges":"Officer R. (badge 1234) as stated","areas_entered":"none","items_taken":"none",
 "emergency_claimed":"no","staff_actions":"asked for the document, called the supervisor",
 "witnesses":[{"name":"A. Resident","contact":"555-0100","statement":"saw two vans at 2 pm"}]}'
api POST /api/v1/incidents "$STAFF" -H 'Content-Type: application/json' --data "$report"
eq "POST /api/v1/incidents (staff)" "$code" 201
id1=$(json 'j["id"]')
eq "incident id" "$id1" 1
api POST /api/v1/incidents "$STAFF" -H 'Content-Type: application/json' \
	--data "{\"type\":\"entry\",\"occurred\":\"2026-11-21T09:00Z\",\"location\":{\"lat\":$lat,\"lon\":$lon}}"
eq "a report by GPS" "$code" 201
eq "GPS resolved to the property by the lookup" "$(json 'j["property_id"]')" 1
api POST /api/v1/incidents "$STAFF" -H 'Content-Type: application/json' \
	--data '{"type":"entry","occurred":"2026-11-21T09:00Z","location":{"lat":0.5,"lon":0.5}}'
eq "a GPS fix far from any property" "$code" 400
check "the error names the location" grep -q 'location: no city property' "$T/out"

begin "reported incidents weigh in the sign plan"
run_haven 0 signs plan --budget 100000 --json
zp=$(json 'j["ranking"][-1]["property_id"]')
before=$(json "[r['score'] for r in j['ranking'] if r['property_id'] == $zp][0]")
w_att=$(json 'j["weights"]["attempted_use"]')
check "an unsigned zone last in the plan before any report there" test -n "$zp"
api POST /api/v1/incidents "$STAFF" -H 'Content-Type: application/json' \
	--data "{\"type\":\"attempted-entry\",\"occurred\":\"2026-11-21T10:00Z\",\"property_id\":$zp}"
eq "a report at that zone" "$code" 201
run_haven 0 signs plan --budget 100000 --json
eq "the report counts as an attempted use there" \
	"$(json "[r['attempted_uses'] for r in j['ranking'] if r['property_id'] == $zp][0]")" 1
check "its score rises by the attempted-use weight, and it leaves last place" python3 -c "
import json; j = json.load(open('$T/out'))
r = [r for r in j['ranking'] if r['property_id'] == $zp][0]
assert r['reasons']['attempted_use'] == $w_att and r['score'] >= $before + $w_att - 1e-6, r
assert j['ranking'][-1]['property_id'] != $zp"

begin "bad reports are refused, naming the field, and nothing is stored"
n_before=$(sqlite3 "$HAVEN_DB" "select count(*) from incidents")
for bad in '{"type":"raid","occurred":"2026-11-20T14:03Z","property_id":1}|type' \
	'{"type":"staging","occurred":"yesterday","property_id":1}|occurred' \
	'{"type":"staging","occurred":"2026-11-20T14:03Z"}|property_id, location or address' \
	'{"type":"staging","occurred":"2026-11-20T14:03Z","property_id":1,"immigration_status":"x"}|unknown member \"immigration_status\"' \
	'{"type":"staging","occurred":"2026-11-20T14:03Z","property_id":1,"citizenship":"x"}|unknown member \"citizenship\"' \
	'{"type":"staging","occurred":"2026-11-20T14:03Z","property_id":99999}|property_id: no property 99999' \
	'{"type":"staging","occurred":"2026-11-20T14:03Z","property_id":1,"documents":[{"form":"I-9"}]}|documents[0].form' \
	'{"type":"staging"|line 1'; do
	body=${bad%%|*}
	want=${bad#*|}
	api POST /api/v1/incidents "$STAFF" -H 'Content-Type: application/json' --data "$body"
	if [ "$code" = 400 ] && grep -qF -- "$want" "$T/out"; then pass "400 naming $want"; else
		fail "$body: $code $(cat "$T/out")"; fi
done
eq "nothing stored by the refused reports" "$(sqlite3 "$HAVEN_DB" "select count(*) from incidents")" "$n_before"
api POST /api/v1/incidents "$LAW" -H 'Content-Type: application/json' --data '{}'
eq "law may file too (400 for an empty report)" "$code" 400
api POST /api/v1/incidents "" -H 'Content-Type: application/json' --data "$report"
eq "the public may not file" "$code" 401

begin "no field asks for immigration or citizenship status"
# no quoted identifier (a JSON member, a form field's name) in the parser, the API or the page
check "the parser, the API and the form name no such field" python3 -c "
import re, sys
bad = re.compile(r'\\\\?\"(immigration[_a-z]*|citizenship[_a-z]*|nationality|country_of_birth|alien_number|a_number)\\\\?\"', re.I)
for f in sys.argv[1:]:
    for n, line in enumerate(open(f), 1):
        if bad.search(line):
            sys.exit('%s:%d: %s' % (f, n, line.strip()))
" "$ROOT/src/cases/incident.c" "$ROOT/src/api/api_cases.c" "$ROOT/src/web/cases_pages.c"

begin "enrich: a new entry, never an edit"
api POST /api/v1/incidents/$id1/entries "$STAFF" -H 'Content-Type: application/json' \
	--data '{"text":"They left at 15:10.","vehicles":3}'
eq "POST entries" "$code" 201
api POST /api/v1/incidents/$id1/entries "$STAFF" -H 'Content-Type: application/json' \
	--data '{"type":"entry"}'
eq "an update cannot change the type" "$code" 400
check "the incident rows are append-only" bash -c \
	"! sqlite3 '$HAVEN_DB' \"update incident_entries set data='{}' where id=1\" 2>/dev/null"

begin "evidence"
api POST "/api/v1/incidents/$id1/evidence" "$STAFF" -F "file=@$PHOTO;type=image/jpeg"
eq "multipart upload" "$code" 201
eq "sha256 while streaming" "$(json 'j["sha256"]')" "$(sha256sum "$PHOTO" | cut -d' ' -f1)"
eq "type by content" "$(json 'j["media_type"]')" image/jpeg
eq "EXIF time" "$(json 'j["exif_time"]')" 2026-11-20T14:03:07
eq "EXIF position" "$(json 'j["exif_position"]["lat"], j["exif_position"]["lon"]')" "41.882 -87.618"
ev1=$(json 'j["id"]')
printf '%%PDF-1.4 redacted copy\n' >"$T/redacted.pdf"
api POST "/api/v1/incidents/$id1/evidence?redacts=$ev1&filename=redacted.pdf" "$STAFF" \
	-H 'Content-Type: application/octet-stream' --data-binary "@$T/redacted.pdf"
eq "raw upload of a redacted copy" "$code" 201
eq "linked to its original" "$(json 'j["redacts"]')" "$ev1"
eq "PDF by content" "$(json 'j["media_type"]')" application/pdf
blob=$T/demo/haven.db.blobs
check "stored read-only under its hash" test ! -w "$(find "$blob" -name "$(sha256sum "$PHOTO" | cut -d' ' -f1)*" -type f | head -1)" -o "$(id -u)" = 0
api POST "/api/v1/incidents/999/evidence" "$STAFF" --data-binary "@$PHOTO"
eq "evidence for a missing incident" "$code" 404
api POST "/api/v1/incidents/$id1/evidence" "$STAFF" -F "other=@$PHOTO"
eq "an unknown multipart field" "$code" 400
check "named" grep -q 'unknown field \\"other\\"' "$T/out"
api POST "/api/v1/incidents/$id1/evidence" "$STAFF" -H 'Content-Type: multipart/form-data; boundary=XX' \
	--data-binary $'--XX\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc'
eq "a truncated multipart body" "$code" 400
check "named" grep -q 'closing boundary' "$T/out"
# A refused upload still sending is read to its end and answered, and the connection stays
# open for the next request (curl reuses it: no new connect for the second transfer).
head -c $((5 * 1024 * 1024)) /dev/zero >"$T/five"
curl -s -o "$T/out" -w '%{http_code} %{num_connects}\n' -X POST -H 'Content-Type: application/octet-stream' \
	--data-binary "@$T/five" "$URL/api/v1/incidents/$id1/evidence" \
	--next -s -o /dev/null -w '%{http_code} %{num_connects}\n' "$URL/healthz" >"$T/codes"
eq "a 5 MB upload by the public is answered" "$(sed -n 1p "$T/codes")" "401 1"
check "with its problem" grep -q 'not open to the public role' "$T/out"
eq "and the connection is kept for the next request" "$(sed -n 2p "$T/codes")" "200 0"
curl -s -o "$T/out" -w '%{http_code} %{num_connects}\n' -X POST -H "Authorization: Bearer $STAFF" \
	-H 'Content-Type: application/octet-stream' --data-binary "@$T/five" \
	"$URL/api/v1/incidents/999/evidence" \
	--next -s -o /dev/null -w '%{http_code} %{num_connects}\n' "$URL/healthz" >"$T/codes"
eq "a 5 MB upload to a missing incident is answered" "$(sed -n 1p "$T/codes")" "404 1"
eq "and the connection is kept" "$(sed -n 2p "$T/codes")" "200 0"

begin "a 1 GiB upload streams with flat memory"
rss_before=$(awk '/VmRSS/{print $2}' /proc/$server/status)
# sample the server's resident memory while the body streams in
(while kill -0 $server 2>/dev/null; do awk '/VmRSS/{print $2}' /proc/$server/status; sleep 0.1; done) >"$T/rss" &
sampler=$!
head -c $((1024 * 1024 * 1024)) /dev/zero | curl -s -o "$T/out" -w '%{http_code}' \
	-H "Authorization: Bearer $STAFF" -H 'Content-Type: application/octet-stream' \
	-X POST -T - "$URL/api/v1/incidents/$id1/evidence?filename=big.bin" >"$T/code"
kill $sampler 2>/dev/null
wait $sampler 2>/dev/null
eq "1 GiB upload" "$(cat "$T/code")" 201
eq "its size" "$(json 'j["size"]')" 1073741824
rss_after=$(sort -n "$T/rss" | tail -1)
echo "    server RSS before ${rss_before} kB, highest while streaming ${rss_after} kB ($(wc -l <"$T/rss") samples)"
check "resident memory grew by less than 32 MiB" test $((rss_after - rss_before)) -lt 32768

begin "notices"
for _ in $(seq 1 100); do
	[ -f "$T/sink/mail-2.txt" ] && [ -f "$T/sink/hook-2.txt" ] && break
	sleep 0.1
done
check "a mail per report" test -f "$T/sink/mail-2.txt"
check "the mail names incident 1" grep -q 'Incident: 1' "$T/sink/mail-1.txt"
check "the mail links it" grep -q 'https://haven.city.test/incidents/1' "$T/sink/mail-1.txt"
check "the mail has no report content" bash -c "! grep -qiE 'vans|A. Resident|555-0100|badge' '$T/sink/mail-1.txt'"
check "the webhook body has no report content" bash -c "! grep -qiE 'vans|A. Resident|555-0100' $T/sink/hook-*.txt"
check "the webhook is signed (HMAC-SHA256 over the body)" python3 -c "
import hmac, hashlib, sys
raw = open('$T/sink/hook-1.txt', 'rb').read()
head, body = raw.split(b'\n\n', 1)
sig = [l.split(b': ', 1)[1] for l in head.split(b'\n') if l.lower().startswith(b'x-haven-signature')][0]
want = b'sha256=' + hmac.new(b's3cret-hook', body, hashlib.sha256).hexdigest().encode()
sys.exit(0 if sig == want and b'X-Haven-Timestamp' in head else 1)"
api GET /api/v1/notices "$LAW"
eq "GET /api/v1/notices (law)" "$code" 200
check "every notice sent" python3 -c "
import json; j = json.load(open('$T/out'))
assert j and all(n['state'] == 'sent' for n in j), j"
check "the first webhook delivery failed and was retried" python3 -c "
import json; j = json.load(open('$T/out'))
assert any(n['channel'] == 'webhook' and n['attempts'] >= 2 for n in j), j"
api GET /api/v1/notices "$STAFF"
eq "staff may not read the queue" "$code" 403

begin "witnesses are restricted and each read is logged"
api GET "/api/v1/incidents/$id1" "$STAFF"
eq "staff may not read reports back" "$code" 403
reads_before=$(sqlite3 "$HAVEN_DB" "select count(*) from ledger_entries where kind='read'")
api GET "/api/v1/incidents/$id1" "$LAW"
eq "law reads the report" "$code" 200
check "without witnesses unless asked" bash -c "! grep -q 'A. Resident' '$T/out'"
eq "entries" "$(json 'len(j["entries"])')" 2
eq "the documents carry the checklist's answer" "$(json 'j["entries"][0]["data"]["documents"][0]["answer"]')" administrative
api GET "/api/v1/incidents/$id1?witnesses=1" "$LAW"
eq "law reads the witnesses" "$code" 200
check "with the statement" grep -q 'A. Resident' "$T/out"
eq "the read is a ledger entry" "$(sqlite3 "$HAVEN_DB" "select count(*) from ledger_entries where kind='read'")" $((reads_before + 1))
check "the ledger holds the statement's hash, not the statement" bash -c \
	"! sqlite3 '$HAVEN_DB' \"select entry from ledger_entries\" | grep -q 'A. Resident'"

begin "checklist"
api GET "/api/v1/checklist?issuer=court&signer=judge&form=AO93&names_place_or_person=yes&dated=2026-11-20" "$STAFF"
eq "GET /api/v1/checklist" "$code" 200
eq "AO 93 from a judge" "$(json 'j["answer"]')" judicial
api GET "/api/v1/checklist?form=I-247A&lang=es" "$STAFF"
eq "a detainer" "$(json 'j["answer_text"]')" "detainer request: not a warrant"
check "the script in Spanish" grep -q 'No consienta' "$T/out"

begin "signs precede the second incident; a case and its packet"
seq_sign=$(install_sign 2)
check "a sign installed on property 2 (issue, assign, install)" test -n "$seq_sign"
api POST /api/v1/incidents "$STAFF" -H 'Content-Type: application/json' \
	--data '{"type":"attempted-entry","occurred":"2026-11-22T08:00Z","property_id":2,"text":"asked to enter the garage"}'
id3=$(json 'j["id"]')
api POST "/api/v1/incidents/$id3/evidence" "$STAFF" -F "file=@$PHOTO"
eq "evidence of the second" "$code" 201
api POST /api/v1/cases "$STAFF" -H 'Content-Type: application/json' --data '{"title":"x"}'
eq "staff may not open cases" "$code" 403
api POST /api/v1/cases "$LAW" -H 'Content-Type: application/json' \
	--data "{\"title\":\"Garage entry attempt\",\"incidents\":[$id3]}"
eq "law opens a case" "$code" 201
case2=$(json 'j["id"]')
api POST /api/v1/cases/$case2/events "$LAW" -H 'Content-Type: application/json' --data '{"state":"under-review"}'
eq "under review" "$code" 201
api POST /api/v1/cases/$case2/events "$LAW" -H 'Content-Type: application/json' --data '{"state":"referred"}'
eq "referred needs to whom" "$code" 400
api POST /api/v1/cases/$case2/events "$LAW" -H 'Content-Type: application/json' \
	--data '{"state":"referred","referred_to":"Office of the Attorney General"}'
eq "referred" "$code" 201
api POST /api/v1/cases/$case2/events "$LAW" -H 'Content-Type: application/json' --data '{"state":"triage"}'
eq "cases move forward only" "$code" 409
api GET /api/v1/dashboard "$LAW"
eq "dashboard" "$code" 200
eq "the open case is on it" "$(json '[c["id"] for c in j["open_cases"]]')" "[$case2]"
check "reports by property and week" python3 -c "
import json; j = json.load(open('$T/out'))
assert sum(r['reports'] for r in j['reports_by_property_and_week']) == 4, j"

run_haven 0 packet "$case2" --out "$T/packet" --key "$T/ledger.key"
check "summary.pdf" bash -c "head -c 5 '$T/packet/summary.pdf' | grep -q '%PDF-'"
"$VERIFY" "$T/packet" --pubkey "$T/ledger.pub" >"$T/out" 2>"$T/err"
eq "haven-verify accepts the packet" "$?" 0
out_has "verified:"
out_has "preceded by a sign installation entry"

# tamper COPY-NAME ACTION: a copy of the packet, changed; haven-verify must fail naming WHAT
tamper() {
	local name=$1 what=$2
	shift 2
	rm -rf "$T/p_$name"
	cp -r "$T/packet" "$T/p_$name"
	(cd "$T/p_$name" && eval "$@")
	"$VERIFY" "$T/p_$name" --pubkey "$T/ledger.pub" >"$T/out" 2>&1
	local rc=$?
	if [ $rc = 1 ] && grep -qF -- "$what" "$T/out"; then pass "$name: refused, naming $what"; else
		fail "$name: rc $rc: $(cat "$T/out")"; fi
}
ev_file=$(cd "$T/packet" && ls evidence | head -1)
tamper changed_byte "evidence/$ev_file: changed" \
	"printf 'X' | dd of=evidence/$ev_file bs=1 seek=100 conv=notrunc 2>/dev/null"
tamper pdf_changed "summary.pdf: changed" "printf 'Z' >>summary.pdf"
tamper added "evidence/extra.jpg: added" "cp evidence/$ev_file evidence/extra.jpg"
tamper removed "evidence/$ev_file: removed" "rm evidence/$ev_file"
tamper checkpoint "checkpoint" \
	"python3 -c \"import json; m=json.load(open('manifest.json')); m['checkpoint']=m['checkpoint'].replace('\\n2', '\\n3', 1) if '\\n2' in m['checkpoint'] else m['checkpoint'][:-3]+'AAA'; json.dump(m, open('manifest.json','w'))\""
tamper entry_swapped "inclusion proof fails" \
	"python3 -c \"import json; m=json.load(open('manifest.json')); e=m['entries']; e[0]['proof'], e[1]['proof'] = e[1]['proof'], e[0]['proof']; json.dump(m, open('manifest.json','w'))\""
"$VERIFY" "$T/packet" --pubkey "$T/lsan-none" >"$T/out" 2>&1
check "a missing key file is an error" test $? = 1
"$HAVEN" ledger keygen --key "$T/other.key" --name haven.test/ledger >/dev/null 2>&1
"$HAVEN" ledger pubkey --key "$T/other.key" >"$T/other.pub"
"$VERIFY" "$T/packet" --pubkey "$T/other.pub" >"$T/out" 2>&1
check "another key does not verify it" test $? = 1

api POST /api/v1/cases "$LAW" -H 'Content-Type: application/json' \
	--data "{\"title\":\"No sign\",\"incidents\":[$id1]}"
case1=$(json 'j["id"]')
run_haven 0 packet "$case1" --out "$T/packet1" --key "$T/ledger.key"
"$VERIFY" "$T/packet1" --pubkey "$T/ledger.pub" >"$T/out" 2>&1
eq "a packet whose incident no sign preceded is refused" "$?" 1
out_has "no sign installation entry for property 1 precedes"
install_sign 1 >/dev/null
rm -rf "$T/packet1b"
run_haven 0 packet "$case1" --out "$T/packet1b" --key "$T/ledger.key"
"$VERIFY" "$T/packet1b" --pubkey "$T/ledger.pub" >"$T/out" 2>&1
eq "a sign installed after the incident does not count" "$?" 1
run_haven 1 packet "$case2" --out "$T/packet" --key "$T/ledger.key"
err_has "not empty"

begin "pages"
api GET "/checklist" "$STAFF"
eq "GET /checklist" "$code" 200
check "a form that works without JavaScript" grep -q '<form method="get" action="/checklist">' "$T/out"
check "the law department's number from configuration" grep -q '555-0199' "$T/out"
api GET "/checklist?issuer=dhs&signer=immigration-officer&form=I-205&names_place_or_person=&dated=&lang=en" "$STAFF"
check "the answer" grep -q 'administrative warrant: does not by itself authorise entry' "$T/out"
check "never a ruling" grep -q 'counsel decides' "$T/out"
api GET "/checklist?form=I-999" "$STAFF"
eq "an unknown form value" "$code" 400
api GET "/checklist/card" "$STAFF"
check "the pocket card in English" grep -q 'Do not consent to entry into non-public areas' "$T/out"
check "and in Spanish" grep -q 'No consienta la entrada' "$T/out"
check "with a print stylesheet" grep -q '@media print' "$T/out"
check "and a language from configuration" grep -q 'lang="pl"><strong>Jeśli przyjdą agenci' "$T/out"
check "a broken card file is named with its line" grep -q 'xx.txt line 3' "$T/out"
api GET "/checklist" ""
eq "the checklist is for staff" "$code" 401
api GET /report "$STAFF"
eq "GET /report" "$code" 200
check "phone-first" grep -q 'name="viewport"' "$T/out"
curl -s -D "$T/hdr" -o /dev/null -H "Authorization: Bearer $STAFF" "$URL/report"
check "the report page is never cached" grep -qi '^Cache-Control: no-store' "$T/hdr"
check "nor framed" grep -qi "^Content-Security-Policy:.*frame-ancestors 'none'" "$T/hdr"
check "a CSRF field in the form" grep -q 'name="csrf_token"' "$T/out"
check "no field asks for immigration or citizenship status" bash -c \
	"! grep -oE 'name=\"[^\"]*\"' '$T/out' | grep -qiE 'immigra|citizen|nationality|birth|status'"
api POST /report "$STAFF" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data "occurred=2026-11-24T10%3A30&property_id=3&type=staging&text=%3Cb%3Evans%3C%2Fb%3E&agencies=ICE%2C+CBP&personnel=3&doc_form=I-247A&witness_name=B.+Neighbour"
eq "POST /report (the form)" "$code" 201
check "saved at once" grep -q 'Saved as incident' "$T/out"
action=$(sed -n 's|.*enctype="multipart/form-data" action="\([^"]*\)".*|\1|p' "$T/out" | head -1)
check "the saved page offers a photo upload" test -n "$action"
api POST "$action" "$STAFF" -F csrf_token=unused-with-a-token -F "file=@$PHOTO"
eq "the page's upload form posts as the API takes it" "$code" 201
api POST /report "$STAFF" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data "occurred=2026-11-24T10%3A30&property_id=3&type=&text=x"
eq "the form without a type" "$code" 400
check "the page names the field" grep -q 'type: required' "$T/out"
check "and keeps what was typed" grep -q '>x</textarea>' "$T/out"
api POST /api/v1/cases "$LAW" -H 'Content-Type: application/json' \
	--data '{"title":"<script>alert(1)</script>"}'
api GET /cases "$LAW"
eq "GET /cases (law)" "$code" 200
check "titles escaped" grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/out"
check "no raw script" bash -c "! grep -q '<script>alert' '$T/out'"
api GET /cases "$STAFF"
eq "staff may not see cases" "$code" 403
api GET "/cases/$case2" "$LAW"
check "the case page has the packet button" grep -q 'Export case packet' "$T/out"
api POST "/cases/$case2/packet" "$LAW"
eq "the packet button" "$code" 201
pk=$(ls -d "$T"/packets/case-$case2-* | head -1)
"$VERIFY" "$pk" --pubkey "$T/ledger.pub" >"$T/out" 2>&1
eq "haven-verify accepts the packet from the button" "$?" 0

begin "haven verify"
run_haven 0 verify --pubkey "$T/ledger.pub"
out_has "ledger ok"
kill $server 2>/dev/null
wait $server 2>/dev/null

begin "the pocket card in every language shipped"
# Without $HAVEN_CARD_DIR the server reads the shipped data/cards (from the source tree here).
unset HAVEN_CARD_DIR
start_server
api GET "/checklist/card" "$STAFF"
eq "GET /checklist/card" "$code" 200
python3 - "$T/out" "$ROOT/data/cards" >"$T/cards.out" 2>&1 <<'PY'
import html, os, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
cards = {}
for m in re.finditer(r'<div class="card" lang="([^"]+)"( dir="rtl")?>(.*?)</div>', page, re.S):
    cards[m.group(1)] = (bool(m.group(2)), html.unescape(m.group(3)))
want = ["en", "es", "pl", "zh-Hans", "zh-Hant", "ar", "ur", "ko", "tl", "uk", "ru", "hi"]
bad = [l for l in want if l not in cards]
mark = "Translation not yet reviewed by the city"
for l in want[2:]:
    if l not in cards:
        continue
    rtl, body = cards[l]
    text = open(os.path.join(sys.argv[2], l + ".txt"), encoding="utf-8").read()
    title = re.search(r"^title:\s*(.*)$", text, re.M).group(1).strip()
    step = re.findall(r"^step:\s*(.*)$", text, re.M)[-1].strip()
    if "<strong>%s</strong>" % title not in body or step not in body:
        bad.append(l + " (title or steps)")
    if rtl != (l in ("ar", "ur")):
        bad.append(l + " (dir)")
    if mark not in body:
        bad.append(l + " (no unreviewed mark)")
for l in want[:2]:
    if l in cards and (cards[l][0] or mark in cards[l][1]):
        bad.append(l + " (built in: ltr, reviewed)")
if "Card not shown" in page:
    bad.append("a shipped card did not parse")
print("cards:", len(cards), "problems:", ", ".join(bad) or "none")
sys.exit(1 if bad else 0)
PY
check "all 12 languages, titles from the files, ar and ur right to left, 10 marked unreviewed" \
	grep -q 'cards: 12 problems: none' "$T/cards.out"
grep -q 'problems: none' "$T/cards.out" || cat "$T/cards.out"
kill $server 2>/dev/null
wait $server 2>/dev/null

begin "haven verify names what was tampered with"
cp "$HAVEN_DB" "$T/copy.db"
sqlite3 "$T/copy.db" "drop trigger incident_entries_no_update; update incident_entries set data=replace(data, 'Two unmarked', 'Two marked') where id=1"
HAVEN_DB=$T/copy.db run_haven 1 verify --pubkey "$T/ledger.pub"
err_has "incident_entries row 1 differs"
f=$(find "$blob" -type f -name "$(sha256sum "$PHOTO" | cut -d' ' -f1)*" | head -1)
chmod u+w "$f"
printf 'Y' | dd of="$f" bs=1 seek=50 conv=notrunc 2>/dev/null
run_haven 1 verify --pubkey "$T/ledger.pub"
err_has "evidence"
finish
