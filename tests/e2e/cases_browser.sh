#!/usr/bin/env bash
# Issue 6 in Debian's chromium, driven by playwright-core (tests/browser/cases.js): the demo city,
# a staff and a law user, a sign installed on property 1, the real `haven serve` on 127.0.0.1
# with packets configured; a staff member files a report with a photo on the phone page, the
# law user sees it, opens a case and exports a packet, and haven-verify accepts that packet.
# Screenshots are kept in $HAVEN_ARTEFACTS (the build's meson-logs/browser).
. "$(dirname "$0")/lib.sh"

ROOT=${HAVEN_SOURCE_ROOT:?HAVEN_SOURCE_ROOT must name the source tree}
VERIFY=${HAVEN_VERIFY_BIN:?}
export HAVEN_ARTEFACTS=${HAVEN_ARTEFACTS:-$T/artefacts}
CHROMIUM=${HAVEN_CHROMIUM:-/usr/bin/chromium}

begin "prerequisites"
if [ ! -d "$ROOT/node_modules/playwright-core" ]; then
	fail "node_modules has no playwright-core: run 'npm ci' in $ROOT (make check does)"
	finish
	exit 1
fi
check "node is installed" command -v node
check "chromium is at $CHROMIUM" test -x "$CHROMIUM"

begin "city"
HAVEN_DEMO_SERVE=0 bash "$ROOT/scripts/demo.sh" "$HAVEN" "$T/demo" >"$T/out" 2>"$T/err" ||
	fail "demo.sh: $(tail -3 "$T/err")"
export HAVEN_DB=$T/demo/haven.db
staff_pw=staff-$RANDOM$RANDOM$RANDOM
law_pw=law-$RANDOM$RANDOM$RANDOM
echo "$staff_pw" | "$HAVEN" user add sam --role staff --password-stdin >/dev/null 2>"$T/err"
eq "staff user added" "$?" 0
echo "$law_pw" | "$HAVEN" user add lee --role law --password-stdin >/dev/null 2>"$T/err"
eq "law user added" "$?" 0
install_sign 1 >/dev/null
eq "a sign installed on property 1 before the report" "$?" 0
"$HAVEN" ledger keygen --key "$T/ledger.key" --name haven.test/ledger >/dev/null 2>&1
"$HAVEN" ledger pubkey --key "$T/ledger.key" >"$T/ledger.pub"
check "a ledger key" test -s "$T/ledger.pub"

begin "start"
mkdir -p "$T/packets"
export HAVEN_PACKET_DIR=$T/packets HAVEN_LEDGER_KEY=$T/ledger.key
start_server
trap 'kill $server 2>/dev/null; rm -rf "$T"' EXIT

begin "browser"
mkdir -p "$HAVEN_ARTEFACTS"
HAVEN_URL=$URL HAVEN_STAFF=sam HAVEN_STAFF_PASSWORD=$staff_pw HAVEN_LAW=lee \
	HAVEN_LAW_PASSWORD=$law_pw HAVEN_PHOTO=$ROOT/tests/data/cases/gps.jpg HAVEN_WORK=$T \
	HAVEN_CHROMIUM=$CHROMIUM timeout 300 node "$ROOT/tests/browser/cases.js" >"$T/browser.out" 2>&1
rc=$?
cat "$T/browser.out"
eq "the browser run (screenshots in $HAVEN_ARTEFACTS)" "$rc" 0

begin "the packet"
pk=$(cat "$T/packet_path" 2>/dev/null)
check "the page named a packet under HAVEN_PACKET_DIR" test -n "$pk" -a -d "$pk"
case $pk in "$T/packets/"*) pass "inside the packet directory" ;; *) fail "packet at '$pk'" ;; esac
"$VERIFY" "$pk" --pubkey "$T/ledger.pub" >"$T/out" 2>&1
eq "haven-verify accepts the packet from the browser" "$?" 0
cat "$T/out"
n_ev=$(sqlite3 "$HAVEN_DB" "select count(*) from evidence")
eq "the photo is stored as evidence" "$n_ev" 1
sha=$(sqlite3 "$HAVEN_DB" "select sha256 from evidence")
ev=$(ls "$pk/evidence" 2>/dev/null | head -1)
eq "the packet holds the photo, byte for byte" "$(sha256sum <"$pk/evidence/$ev" | cut -d' ' -f1)" "$sha"
eq "the photo as sent" "$sha" "$(sha256sum <"$ROOT/tests/data/cases/gps.jpg" | cut -d' ' -f1)"
printf 'X' | dd of="$pk/evidence/$ev" bs=1 seek=10 conv=notrunc 2>/dev/null
"$VERIFY" "$pk" --pubkey "$T/ledger.pub" >"$T/out" 2>&1
eq "and refuses it once the photo is changed" "$?" 1
check "naming the file" grep -qF "evidence/$ev: changed" "$T/out"

begin "stop"
kill -TERM "$server"
wait "$server"
eq "server exit status" "$?" 0
check "no password in the server's log" bash -c "! grep -qF -e '$staff_pw' -e '$law_pw' '$T/serve.err'"
check "no CSRF token in the server's log" bash -c "! grep -qi 'csrf_token=' '$T/serve.err'"
finish
