#!/usr/bin/env bash
# The facilities phone page in Debian's chromium, driven by playwright-core
# (tests/browser/signs.js): a fresh store with one lot, a sign issued and assigned, a facilities
# user; the real `haven serve` on 127.0.0.1; then an install with a photo and a GPS fix from the
# browser, and /s/SERIAL showing it installed. Screenshots are kept in $HAVEN_ARTEFACTS (the
# build's meson-logs/browser by default).
. "$(dirname "$0")/lib.sh"

ROOT=${HAVEN_SOURCE_ROOT:?HAVEN_SOURCE_ROOT must name the source tree}
export HAVEN_ARTEFACTS=${HAVEN_ARTEFACTS:-$(dirname "$HAVEN")/meson-logs/browser}
export HAVEN_CHROMIUM=${HAVEN_CHROMIUM:-/usr/bin/chromium}
export LSAN_OPTIONS="${LSAN_OPTIONS:-}:suppressions=$ROOT/tests/lsan.supp"

begin "prerequisites"
if [ ! -d "$ROOT/node_modules/playwright-core" ]; then
	fail "node_modules has no playwright-core: run 'npm ci' in $ROOT (make check does)"
	finish
	exit 1
fi
check "node is installed" command -v node
check "chromium is at $HAVEN_CHROMIUM" test -x "$HAVEN_CHROMIUM"

begin "store"
# One lot, a 40 m square around 41.79 N, 87.65 W.
cat >"$T/lot.geojson" <<'JSON'
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"L1",
"name":"Maple Street lot","address":"100 W Maple St","status":"Owned by City"},
"geometry":{"type":"Polygon","coordinates":[[[-87.65024,41.78982],[-87.64976,41.78982],
[-87.64976,41.79018],[-87.65024,41.79018],[-87.65024,41.78982]]]}}]}
JSON
run_haven 0 import "$T/lot.geojson" --source lots --kind lot && pass "imported"
run_haven 0 scope add order --where "kind = 'lot'" && pass "scope"
run_haven 0 signs issue --property 1 --langs en,es --json
SERIAL=$(json 'j["signs"][0]["serial"]')
run_haven 0 signs assign "$SERIAL" --to-kind department --to "Fleet" && pass "assigned"
pw=signs-browser-$RANDOM$RANDOM
echo "$pw" | "$HAVEN" user add dana --role facilities --password-stdin 2>"$T/err"
eq "facilities user added" "$?" 0
# A small real image, as a phone camera would give (a 64 x 48 PNG, made here).
python3 - "$T/photo.png" <<'PY'
import struct, sys, zlib
w, h = 64, 48
raw = b"".join(b"\0" + b"".join(bytes((x * 4 % 256, y * 5 % 256, 128)) for x in range(w))
               for y in range(h))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
       chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
PY
check "photo made" test -s "$T/photo.png"
PHOTO_HEX=$(sha256sum "$T/photo.png" | cut -d' ' -f1)
start_server

begin "browser"
HAVEN_URL=$URL HAVEN_USER=dana HAVEN_PASSWORD=$pw HAVEN_SERIAL=$SERIAL HAVEN_PHOTO=$T/photo.png \
	HAVEN_LAT=41.79003 HAVEN_LON=-87.65001 node "$ROOT/tests/browser/signs.js" >"$T/browser.out" 2>&1
rc=$?
cat "$T/browser.out"
n_ok=$(grep -c '^ok' "$T/browser.out")
n_bad=$(grep -c '^FAIL' "$T/browser.out")
n_pass=$((n_pass + n_ok))
n_fail=$((n_fail + n_bad))
[ "$rc" = 0 ] || [ "$n_bad" != 0 ] || fail "the browser script exited $rc"

begin "what the browser recorded"
run_haven 0 signs show "$SERIAL" --json
eq "state" "$(json 'j["state"]')" installed
eq "the photo's hash" "$(json '[e for e in j["events"] if e["kind"] == "installed"][0]["photo_sha256"]')" "$PHOTO_HEX"
eq "the browser's fix" "$(json '[e for e in j["events"] if e["kind"] == "installed"][0]["lat"]')" 41.79003
eq "inside the lot" "$(json '[e for e in j["events"] if e["kind"] == "installed"][0]["distance_m"]')" 0
eq "installed by" "$(json '[e for e in j["events"] if e["kind"] == "installed"][0]["installer"]')" "Dana Field"
eq "recorded by the signed-in user" "$(json '[e for e in j["events"] if e["kind"] == "installed"][0]["actor"]')" dana
check "the photo is in the blob store" bash -c "find '$HAVEN_DB.blobs' -name '$PHOTO_HEX*' | grep -q ."
check "screenshots kept" test -s "$HAVEN_ARTEFACTS/signs-verify.png"
eq "the opt-in was stored" "$(sqlite3 "$HAVEN_DB" 'select organisation from sign_optins')" "Corner Clinic"
kill "$server"
wait "$server" 2>/dev/null
finish
