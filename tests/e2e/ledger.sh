#!/usr/bin/env bash
# The evidence ledger end to end: a key of mode 0600, scope changes appended as entries, signed
# checkpoints, proofs checked by a second, independent implementation (Python, RFC 9162 2.1.3.2
# and 2.1.4.2), the API's checkpoint, entries and proofs by role, and tampering done directly in
# the SQLite file (triggers dropped, as an attacker with the file would) that `haven verify`
# must catch and name.
. "$(dirname "$0")/lib.sh"

run_haven 0 init

begin "keys"
run_haven 0 ledger keygen --key "$T/city.key" --name haven.test/ledger
cp "$T/out" "$T/city.pub"
check "the key file is mode 0600" test "$(stat -c %a "$T/city.key")" = 600
check "the public key is printed" grep -q '^haven.test/ledger+[0-9a-f]\{8\}+' "$T/city.pub"
run_haven 1 ledger keygen --key "$T/city.key"
err_has "not overwriting"
run_haven 0 ledger pubkey --key "$T/city.key"
check "pubkey prints the same key" cmp -s "$T/out" "$T/city.pub"
cp "$T/city.key" "$T/open.key" && chmod 644 "$T/open.key"
run_haven 1 ledger checkpoint --key "$T/open.key"
err_has "mode 0644"
run_haven 1 ledger checkpoint
err_has "no checkpoint yet"

begin "scope changes are entries"
run_haven 0 scope add lots --where "kind = 'lot'" --effective 2025-10-01
run_haven 0 scope add garages --where "kind = 'garage'"
run_haven 0 scope add lots --where "kind in ('lot', 'vacant lot')"
run_haven 0 scope retire garages
run_haven 1 scope add "bad name" --where "kind = 'lot'"
run_haven 1 scope add broken --where "kind = "
run_haven 0 ledger show 3 --json
eq "entry 3 kind" "$(json 'j["kind"]')" scope
eq "entry 3 ref" "$(json 'j["ref"]')" "scope_rules:4"
run_haven 1 ledger show 4
err_has "ledger entry 4 does not exist"
run_haven 2 ledger show -1

begin "checkpoints"
run_haven 0 ledger checkpoint --key "$T/city.key"
cp "$T/out" "$T/cp4"
check "origin, size and root lines" python3 - "$T/cp4" <<'PY'
import sys, base64
t = open(sys.argv[1], encoding="utf-8").read()
lines = t.split("\n")
assert lines[0] == "haven.test/ledger" and lines[1] == "4", lines[:2]
assert len(base64.b64decode(lines[2], validate=True)) == 32
assert lines[3] == "" and lines[4].startswith("\u2014 haven.test/ledger "), lines[3:5]
PY
run_haven 0 ledger checkpoint
check "the latest is printed back" cmp -s "$T/out" "$T/cp4"
run_haven 0 verify --pubkey "$T/city.pub"
out_has "4 entries"
out_has "signatures verified"
out_has "4 records checked against their entries"

# an independent verifier of RFC 9162 proofs, the checkpoint's Ed25519 signature aside
cat >"$T/rfc9162.py" <<'PY'
import base64, hashlib, json, sys

def H(b): return hashlib.sha256(b).digest()
def node(l, r): return H(b"\x01" + l + r)

def inclusion(idx, size, leaf, proof, root):
    if idx >= size: return False
    fn, sn, r = idx, size - 1, leaf
    for p in proof:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0: fn >>= 1; sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1; sn >>= 1
    return sn == 0 and r == root

def consistency(first, second, r1, r2, proof):
    if first == second: return not proof and r1 == r2
    if not proof: return False
    if first & (first - 1) == 0: proof = [r1] + proof
    fn, sn = first - 1, second - 1
    while fn & 1: fn >>= 1; sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0: fn >>= 1; sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1; sn >>= 1
    return fr == r1 and sr == r2 and sn == 0

j = json.load(open(sys.argv[2]))
b = base64.b64decode
if sys.argv[1] == "inclusion":
    entry = b(json.load(open(sys.argv[3]))["entry"])
    leaf = H(b"\x00" + entry)
    assert leaf == b(j["leaf_hash"]), "leaf hash"
    ok = inclusion(j["seq"], j["size"], leaf, [b(p) for p in j["proof"]], b(j["root"]))
    if len(sys.argv) > 4:  # the checkpoint's root
        ok = ok and sys.argv[4].split("\n")[2] == j["root"]
else:
    ok = consistency(j["first"], j["second"], b(j["first_root"]), b(j["second_root"]),
                     [b(p) for p in j["proof"]])
sys.exit(0 if ok else 1)
PY

begin "proofs, checked independently"
for seq in 0 1 2 3; do
	run_haven 0 ledger show "$seq" --json && cp "$T/out" "$T/e$seq.json"
	run_haven 0 ledger proof inclusion "$seq" && cp "$T/out" "$T/p$seq.json"
	check "inclusion of $seq in the checkpoint's tree" \
		python3 "$T/rfc9162.py" inclusion "$T/p$seq.json" "$T/e$seq.json" "$(cat "$T/cp4")"
done
run_haven 0 ledger proof inclusion 0 --size 3
check "inclusion of 0 in size 3" python3 "$T/rfc9162.py" inclusion "$T/out" "$T/e0.json"
run_haven 0 ledger proof consistency 1 4
check "consistency 1 -> 4" python3 "$T/rfc9162.py" consistency "$T/out"
run_haven 0 ledger proof consistency 3 4
check "consistency 3 -> 4" python3 "$T/rfc9162.py" consistency "$T/out"
sed -i 's/"proof": \[/"proof": ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /' "$T/out"
check "a proof with an extra hash fails" bash -c "! python3 '$T/rfc9162.py' consistency '$T/out'"
run_haven 1 ledger proof inclusion 4
err_has "entry 4 is not in the tree of size 4"
run_haven 1 ledger proof consistency 3 9
err_has "the ledger has 4 entries"

begin "the API"
echo "pw-auditor-secret" | "$HAVEN" user add aud --role auditor --password-stdin 2>"$T/err"
"$HAVEN" token add t_aud --role auditor >"$T/tok_aud" 2>"$T/err"
"$HAVEN" token add t_staff --role staff >"$T/tok_staff" 2>"$T/err"
run_haven 1 serve --listen 127.0.0.1:0 --ledger-key "$T/open.key"
err_has "mode 0644"
start_server --ledger-key "$T/city.key"
code=$(curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' "$URL/api/v1/ledger/checkpoint")
eq "the checkpoint is public" "$code" 200
check "the served checkpoint is the stored note" cmp -s "$T/out" "$T/cp4"
check "served as text/plain" grep -qi '^Content-Type: text/plain' "$T/hdr"
code=$(curl -s -o "$T/out" -w '%{http_code}' "$URL/api/v1/ledger/entries/2")
eq "entries need a login" "$code" 401
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "Authorization: Bearer $(cat "$T/tok_staff")" \
	"$URL/api/v1/ledger/entries/2")
eq "staff may not read entries" "$code" 403
auth=(-H "Authorization: Bearer $(cat "$T/tok_aud")")
code=$(curl -s -o "$T/out" -w '%{http_code}' "${auth[@]}" "$URL/api/v1/ledger/entries/2")
eq "an auditor reads entry 2" "$code" 200
eq "entry 2 ref" "$(json 'j["ref"]')" "scope_rules:3"
cp "$T/out" "$T/api_e2.json"
code=$(curl -s -o "$T/out" -w '%{http_code}' "${auth[@]}" "$URL/api/v1/ledger/proof/inclusion?seq=2&size=4")
eq "inclusion proof over the API" "$code" 200
check "the API's inclusion proof verifies" \
	python3 "$T/rfc9162.py" inclusion "$T/out" "$T/api_e2.json" "$(cat "$T/cp4")"
code=$(curl -s -o "$T/out" -w '%{http_code}' "${auth[@]}" "$URL/api/v1/ledger/proof/consistency?first=2&second=4")
eq "consistency proof over the API" "$code" 200
check "the API's consistency proof verifies" python3 "$T/rfc9162.py" consistency "$T/out"
code=$(curl -s -o "$T/out" -w '%{http_code}' "${auth[@]}" "$URL/api/v1/ledger/proof/inclusion?seq=9")
eq "an entry past the end" "$code" 400
check "the problem names the entry" grep -q "entry 9" "$T/out"
code=$(curl -s -o "$T/out" -w '%{http_code}' "${auth[@]}" "$URL/api/v1/ledger/proof/inclusion?seq=x")
eq "a bad seq" "$code" 400
code=$(curl -s -o "$T/out" -w '%{http_code}' "${auth[@]}" "$URL/api/v1/ledger/proof/consistency?first=1")
eq "second is required" "$code" 400
code=$(curl -s -o "$T/out" -w '%{http_code}' "${auth[@]}" "$URL/api/v1/ledger/entries/99")
eq "a missing entry" "$code" 404
kill "$server" && wait "$server"

begin "tampering"
# more entries and a second checkpoint, so there are interior nodes above the tampered leaves
for i in 1 2 3 4 5 6 7 8 9 10; do run_haven 0 scope add "r$i" --where "kind = 'k$i'"; done
run_haven 0 ledger checkpoint --key "$T/city.key"
run_haven 0 verify --pubkey "$T/city.pub"
out_has "14 entries"
sqlite3 "$HAVEN_DB" ".backup '$T/clean.db'"

UNGUARD="DROP TRIGGER ledger_entries_no_update; DROP TRIGGER ledger_entries_no_delete;
DROP TRIGGER ledger_entries_dense; DROP TRIGGER ledger_checkpoints_no_update;
DROP TRIGGER scope_rules_no_update;"
# tampered DESCRIPTION SQL EXPECTED_MESSAGE: a copy of the clean store changed by SQL fails verify
tampered() {
	local what=$1 sql=$2 want=$3 db=$T/tampered.db
	begin "tampering: $what"
	rm -f "$db"
	cp "$T/clean.db" "$db"
	if ! sqlite3 "$db" "$UNGUARD $sql" 2>"$T/err"; then fail "sqlite3: $(cat "$T/err")"; return; fi
	run_haven 1 --db "$db" verify --pubkey "$T/city.pub" && err_has "$want"
}
tampered "one byte of an entry" \
	"UPDATE ledger_entries SET entry = CAST(replace(CAST(entry AS TEXT), 'k5', 'k6') AS BLOB) WHERE seq = 8" \
	"entry 8 (scope_rules:9): leaf hash mismatch"
tampered "an entry and its leaf hash" \
	"UPDATE ledger_entries SET entry = CAST(replace(CAST(entry AS TEXT), 'k5', 'k6') AS BLOB),
	 leaf_hash = zeroblob(32) WHERE seq = 8" \
	"entry 8 (scope_rules:9): leaf hash mismatch"
tampered "one byte of a checkpoint" \
	"UPDATE ledger_checkpoints SET note = replace(note, 'haven.test/ledger' || char(10) || '14',
	 'haven.test/ledger' || char(10) || '15') WHERE size = 14" \
	"does not verify"
tampered "a deleted entry" "DELETE FROM ledger_entries WHERE seq = 6" "entry 6 is missing"
tampered "the last entry deleted" "DELETE FROM ledger_entries WHERE seq = 13" \
	"entries were removed"
tampered "two entries swapped" \
	"UPDATE ledger_entries SET seq = -1 WHERE seq = 5; UPDATE ledger_entries SET seq = 5 WHERE seq = 6;
	 UPDATE ledger_entries SET seq = 6 WHERE seq = -1" \
	"entry 5 (scope_rules:7): its bytes are those of entry 6"
tampered "a scope rule changed in its own table" \
	"UPDATE scope_rules SET expr = 'kind = ''anything''' WHERE id = 9" \
	"entry 8 (scope_rules:9): scope_rules row 9 differs from its ledger entry"
tampered "a scope rule renamed" "UPDATE scope_rules SET name = 'other' WHERE id = 2" \
	"entry 1 (scope_rules:2): scope_rules row 2: missing"

begin "the untouched copy still verifies"
run_haven 0 --db "$T/clean.db" verify --pubkey "$T/city.pub" --json
eq "ok" "$(json 'j["ok"]')" True
eq "kind checks" "$(json 'j["kind_checked"]')" 14
run_haven 1 --db "$T/tampered.db" verify --pubkey "$T/city.pub" --json
eq "bad_seq named" "$(json 'j["bad_seq"]')" 1

begin "a key rotation: old checkpoints keep verifying with the old key kept in the file"
run_haven 0 ledger keygen --key "$T/new.key" --name haven.test/ledger
cp "$T/out" "$T/new.pub"
run_haven 0 scope add after_rotation --where "kind = 'x'"
run_haven 0 ledger checkpoint --key "$T/city.key" --key "$T/new.key"
check "the hand-over checkpoint carries two signatures" test "$(grep -c $'^\xe2\x80\x94 ' "$T/out")" = 2
run_haven 0 scope add later --where "kind = 'y'"
run_haven 0 ledger checkpoint --key "$T/new.key"
cat "$T/city.pub" "$T/new.pub" >"$T/both.pub"
run_haven 0 verify --pubkey "$T/both.pub"
run_haven 1 verify --pubkey "$T/new.pub"
err_has "no signature by a known key"

finish
