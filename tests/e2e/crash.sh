#!/usr/bin/env bash
# Crash test: 4 clients post reports for 20 s while the server is killed with SIGKILL and
# restarted; afterwards every report that was answered 201 is in the store, with its ledger
# entry, and `haven verify` passes.
. "$(dirname "$0")/lib.sh"
ROOT=${HAVEN_SOURCE_ROOT:?}

begin "city"
HAVEN_DEMO_SERVE=0 bash "$ROOT/scripts/demo.sh" "$HAVEN" "$T/demo" >"$T/out" 2>"$T/err" ||
	fail "demo.sh: $(tail -3 "$T/err")"
export HAVEN_DB=$T/demo/haven.db
"$HAVEN" token add crash --role staff >"$T/tok" 2>/dev/null
TOKEN=$(tail -1 "$T/tok")
check "a staff token" test -n "$TOKEN"

begin "start"
start_server
trap 'kill $server 2>/dev/null; rm -rf "$T"' EXIT

# client N: posts reports until the deadline; logs "id" for every 201
client() {
	local n=$1 end=$2 i=0 code
	while [ "$(date +%s)" -lt "$end" ]; do
		i=$((i + 1))
		code=$(curl -s -m 5 -o "$T/c$n.body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
			-H 'Content-Type: application/json' --data \
			"{\"type\":\"staging\",\"occurred\":\"2026-11-20T14:03:00Z\",\"property_id\":$((n + 1)),\"text\":\"client $n report $i\"}" \
			"$URL/api/v1/incidents")
		if [ "$code" = 201 ]; then
			python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'], sys.argv[2])" \
				"$T/c$n.body" "client $n report $i" >>"$T/acked.$n"
		else
			echo "$code" >>"$T/refused.$n"
			sleep 0.05
		fi
	done
}

begin "4 clients for 20 s, the server killed with SIGKILL at 8 s"
end=$(($(date +%s) + 20))
for n in 1 2 3 4; do client $n $end & done
sleep 8
kill -9 $server
wait $server 2>/dev/null
pass "killed"
n_at_kill=$(sqlite3 "$HAVEN_DB" "select count(*) from incidents")
sleep 1
"$HAVEN" serve --listen 127.0.0.1:$port >"$T/serve2.out" 2>"$T/serve2.err" &
server=$!
for _ in $(seq 1 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done
check "restarted on the same port" curl -sf "$URL/healthz" -o /dev/null
wait $(jobs -p | grep -v "^$server$") 2>/dev/null
cat "$T"/acked.* >"$T/acked" 2>/dev/null
n_acked=$(wc -l <"$T/acked")
n_refused=$(cat "$T"/refused.* 2>/dev/null | wc -l)
echo "    $n_acked reports answered 201, $n_refused attempts failed while the server was down"
check "reports were answered before the kill" test "$(awk -v k="$n_at_kill" '$1 <= k' "$T/acked" | wc -l)" -gt 5
check "and after the restart" test "$(awk -v k="$n_at_kill" '$1 > k' "$T/acked" | wc -l)" -gt 5
kill $server
wait $server 2>/dev/null

begin "every acknowledged report is there"
missing=0
while read -r id text; do
	got=$(sqlite3 "$HAVEN_DB" "select count(*) from incident_entries e join ledger_entries l
		on l.ref = 'incident_entry:' || e.id where e.incident_id = $id and e.data like '%$text\"%'")
	[ "$got" = 1 ] || { missing=$((missing + 1)); echo "    missing: $id $text"; }
done <"$T/acked"
eq "acknowledged reports missing" "$missing" 0
run_haven 0 verify
out_has "ledger ok"
finish
