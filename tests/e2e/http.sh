#!/usr/bin/env bash
# haven serve: the real server on 127.0.0.1 (a free port) over a fresh store with a small file;
# the API's answers, each kind of bad request (problem+json, and the server keeps serving),
# keep-alive, an import by another process showing up, and a graceful SIGTERM.
. "$(dirname "$0")/lib.sh"

# Three lots 100 m apart, each about 50 m square, near (-87.6, 41.8).
write_lots() { # NAME_OF_A1
	python3 - "$1" >"$T/lots.geojson" <<'PY'
import json, sys
feats = []
for i, (addr, name) in enumerate([("100 W Main St", sys.argv[1]), ("200 W Main St", "Lot B"),
                                  ("300 W Main St", "Lot C")]):
    x0, y0 = -87.6 + i * 0.0012, 41.8
    ring = [[x0, y0], [x0 + 0.0006, y0], [x0 + 0.0006, y0 + 0.00045], [x0, y0 + 0.00045], [x0, y0]]
    feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                  "properties": {"id": "A%d" % (i + 1), "name": name, "address": addr,
                                 "status": "Owned by City", "kind": "lot"}})
print(json.dumps({"type": "FeatureCollection", "features": feats}))
PY
}

write_lots "Lot A"
run_haven 0 import "$T/lots.geojson" --source lots --kind-field kind
write_lots "Lot A (renamed)"
run_haven 0 import "$T/lots.geojson" --source lots --kind-field kind
run_haven 0 scope add order --where "status = 'Owned by City' and kind = 'lot'"

begin "start"
start_server

# http METHOD PATH [curl args]: the answer in $T/out, the code in $code, the type in $ctype
http() {
	local m=$1 p=$2
	shift 2
	read -r code ctype < <(curl -s --path-as-is -X "$m" -o "$T/out" \
		-w '%{http_code} %{content_type}\n' "$@" "$URL$p")
}

# problem CODE TEXT: the last answer is a problem+json with that code naming TEXT
problem() {
	eq "status" "$code" "$1"
	eq "content type" "$ctype" "application/problem+json"
	eq "problem status" "$(json 'j["status"]')" "$1"
	if grep -qF -- "$2" "$T/out"; then pass "names: $2"; else fail "lacks \"$2\": $(cat "$T/out")"; fi
	http GET /healthz
	eq "still serving" "$code" 200
}

begin "healthz"
http GET /healthz
eq "status" "$code" 200
eq "properties" "$(json 'j["properties"]')" 3

begin "lookup by point"
http GET "/api/v1/lookup?lon=-87.5997&lat=41.8002"
eq "status" "$code" 200
eq "content type" "$ctype" "application/json"
eq "match" "$(json 'j["matches"][0]["source_id"]')" A1
eq "relation" "$(json 'j["matches"][0]["relation"]')" inside
eq "in zone" "$(json 'j["matches"][0]["in_zone"]')" True
http GET "/api/v1/lookup?lon=-87.0&lat=41.0&radius=10"
eq "nothing far away" "$(json 'len(j["matches"])')" 0

begin "lookup by address"
http GET "/api/v1/lookup?address=200+West+Main+Street"
eq "status" "$code" 200
eq "match" "$(json 'j["matches"][0]["source_id"]')" A2

begin "lookup many points"
http POST /api/v1/lookup -H 'Content-Type: application/json' \
	--data '{"points":[[-87.5997,41.8002],[-87.0,41.0],[-87.5985,41.8002]]}'
eq "status" "$code" 200
eq "results" "$(json 'len(j["results"])')" 3
eq "first" "$(json 'j["results"][0]["matches"][0]["source_id"]')" A1
eq "second" "$(json 'len(j["results"][1]["matches"])')" 0
eq "third" "$(json 'j["results"][2]["matches"][0]["source_id"]')" A2

begin "properties, paged"
http GET "/api/v1/properties?limit=2&scope=order"
eq "status" "$code" 200
eq "count" "$(json 'j["count"]')" 2
next=$(json 'j["next"]')
eq "next" "$next" "/api/v1/properties?limit=2&after=2&scope=order"
http GET "$next"
eq "second page" "$(json 'j["count"]')" 1
eq "last page" "$(json 'j["next"]')" None
eq "source filter" "$(curl -s "$URL/api/v1/properties?source=lots&kind=lot" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')" 3

begin "one property with its history"
http GET /api/v1/properties/1
eq "status" "$code" 200
eq "name" "$(json 'j["property"]["name"]')" "Lot A (renamed)"
eq "zones" "$(json 'j["property"]["zones"]')" "['order']"
eq "versions" "$(json 'len(j["history"])')" 2
eq "first version" "$(json 'j["history"][0]["name"]')" "Lot A"

begin "scopes"
http GET /api/v1/scopes
eq "scope" "$(json 'j["scopes"][0]["name"]')" order

begin "malformed JSON"
http POST /api/v1/lookup --data '{"points":[[1,2]'
problem 400 "malformed JSON at line 1"
begin "JSON of the wrong shape"
http POST /api/v1/lookup --data '{"points":[[1,2],[3]]}'
problem 400 "points[1]"
begin "oversized body"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$T/big"
http POST /api/v1/lookup --data-binary "@$T/big"
problem 413 "over 1048576 bytes"
begin "invalid UTF-8 in the query"
http GET "/api/v1/lookup?address=%C3%28"
problem 400 "query parameter \\\"address\\\": invalid UTF-8"
begin "missing parameter"
http GET "/api/v1/lookup?lon=-87.6"
problem 400 "missing parameter: lat"
begin "unknown parameter"
http GET "/api/v1/lookup?lon=-87.6&lat=41.8&radious=5"
problem 400 "unknown query parameter \\\"radious\\\""
begin "bad value"
http GET "/api/v1/lookup?lon=west&lat=41.8"
problem 400 "lon: \\\"west\\\" is not a number"
begin "a path with .."
http GET "/api/v1/../../etc/passwd"
problem 400 "\\\"..\\\" segment"
begin "10,001 points"
python3 -c 'import json; print(json.dumps({"points": [[-87.6, 41.8]] * 10001}))' >"$T/many"
http POST /api/v1/lookup --data-binary "@$T/many"
problem 400 "10001 given, at most 10000"
begin "no such property, not an id, no such path, wrong method"
http GET /api/v1/properties/999
problem 404 "no property 999"
http GET /api/v1/properties/abc
problem 400 "id: \\\"abc\\\""
http GET /api/v1/nothing
problem 404 "no resource at /api/v1/nothing"
http DELETE /api/v1/scopes
problem 405 "DELETE is not allowed"

begin "keep-alive"
curl -sv -o /dev/null -o /dev/null "$URL/healthz" "$URL/api/v1/scopes" 2>"$T/verbose"
if grep -q "Re-using existing connection" "$T/verbose"; then pass "second request re-used the connection"
else fail "no connection re-use: $(grep -i connection "$T/verbose" | head -5)"; fi

begin "request log"
if grep -q 'msg="request" method=GET path="/api/v1/lookup" status=200 bytes=[0-9]* duration_us=[0-9]*' "$T/serve.err"
then pass "one line per request"; else fail "no request line: $(tail -3 "$T/serve.err")"; fi
if grep -qi "main\|radious\|lon=" "$T/serve.err"; then fail "query data in the log: $(grep -i 'main\|lon=' "$T/serve.err" | head -2)"
else pass "no query strings in the log"; fi

begin "an import by another process shows up"
"$HAVEN" import "$CHI/libraries.csv" --kind building --source libraries >/dev/null 2>&1
n=3
for _ in $(seq 1 100); do
	n=$(curl -s "$URL/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["properties"])')
	[ "$n" != 3 ] && break
	sleep 0.1
done
check "the lookup sees the libraries ($n properties)" test "$n" -gt 3

begin "SIGTERM lets a slow request finish"
python3 -c 'import json; print(json.dumps({"points": [[-87.5997, 41.8002]] * 10000}))' >"$T/slow"
curl -s -o "$T/slow.out" -w '%{http_code}' --limit-rate 100K -X POST --data-binary "@$T/slow" \
	"$URL/api/v1/lookup" >"$T/slow.code" &
slow=$!
sleep 0.7
kill -TERM "$server"
wait "$slow"
eq "slow request answered" "$(cat "$T/slow.code")" 200
eq "all its results" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$T/slow.out")" 10000
wait "$server"
eq "server exit status" "$?" 0
if grep -q 'msg="stopped"' "$T/serve.err"; then pass "stopped cleanly"; else fail "no stop line"; fi
# the slow request's log line comes after the signal's: it was in flight and was let finish
sig_line=$(grep -n 'msg="shutting down"' "$T/serve.err" | cut -d: -f1)
slow_line=$(grep -n 'method=POST path="/api/v1/lookup" status=200' "$T/serve.err" | tail -1 | cut -d: -f1)
check "the slow request finished after the signal" test "${slow_line:-0}" -gt "${sig_line:-0}"
if curl -s -o /dev/null --max-time 2 "$URL/healthz"; then fail "still answering after stop"; else
	pass "no longer listening"; fi

finish
