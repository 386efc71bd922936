#!/usr/bin/env bash
# The web pages in Debian's chromium, driven by playwright-core (tests/browser/web.js): a fresh
# store with an admin and a scope rule, the real `haven serve` on 127.0.0.1, then an admin signs
# in, imports a file through the page, and the public map finds the lot as a zone. Screenshots
# are kept in $HAVEN_ARTEFACTS (the build's meson-logs/browser). Also the CSRF-less form posts
# and the page routes' answers to the public, checked with curl.
. "$(dirname "$0")/lib.sh"

ROOT=${HAVEN_SOURCE_ROOT:?HAVEN_SOURCE_ROOT must name the source tree}
export HAVEN_ARTEFACTS=${HAVEN_ARTEFACTS:-$T/artefacts}
CHROMIUM=${HAVEN_CHROMIUM:-/usr/bin/chromium}

begin "prerequisites"
if [ ! -d "$ROOT/node_modules/playwright-core" ] || [ ! -d "$ROOT/node_modules/leaflet/dist" ]; then
	fail "node_modules has no playwright-core or leaflet: run 'npm ci' in $ROOT (make check does)"
	finish
	exit 1
fi
check "node is installed" command -v node
check "chromium is at $CHROMIUM" test -x "$CHROMIUM"

begin "store"
run_haven 0 init
run_haven 0 scope add order --where "kind = 'lot'"
pw=browser-admin-$RANDOM$RANDOM
echo "$pw" | "$HAVEN" user add ana --role admin --password-stdin 2>"$T/err"
eq "admin added" "$?" 0
start_server

begin "pages over plain HTTP"
# http METHOD PATH [curl args]: body in $T/out, headers in $T/hdr, code in $code
http() {
	local m=$1 p=$2
	shift 2
	code=$(curl -s -X "$m" -o "$T/out" -D "$T/hdr" -w '%{http_code}' "$@" "$URL$p")
}
http GET /
eq "the public map" "$code" 200
check "it is HTML" grep -qi '^Content-Type: text/html' "$T/hdr"
check "it has a viewport for phones" grep -q 'name="viewport"' "$T/out"
check "its address field is labelled" grep -q '<label for="address">' "$T/out"
check "a Content-Security-Policy" grep -qi '^Content-Security-Policy: default-src' "$T/hdr"
http GET /static/leaflet/leaflet.js
eq "Leaflet is served from node_modules" "$code" 200
http GET /static/map.js
eq "map.js" "$code" 200
http GET /static/..%2Fhaven.db
check "no file outside the static directories (${code})" test "$code" -ge 400 -a "$code" -lt 500
http GET /admin/users
eq "the public asking for an admin page is sent to sign in" "$code" 303
check "to /login?next=/admin/users" grep -qi '^Location: /login?next=/admin/users' "$T/hdr"
http POST /admin/users --data 'name=x&role=admin'
eq "the public posting an admin form" "$code" 401
check "answered as a page" grep -qi '^Content-Type: text/html' "$T/hdr"

# Sign in with the form (curl as a browser would), then post forms with and without the token.
http POST /login --data-urlencode "name=ana" --data-urlencode "password=$pw" --data 'next=/imports'
eq "sign-in by form" "$code" 303
check "then on to /imports" grep -qi '^Location: /imports' "$T/hdr"
sess=$(sed -n 's/^Set-Cookie: haven_session=\([^;]*\);.*/\1/Ip' "$T/hdr" | tr -d '\r')
check "a session cookie" test -n "$sess"
http GET /admin/tokens -b "haven_session=$sess"
eq "the tokens page" "$code" 200
csrf=$(sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' "$T/out" | head -1)
check "its forms carry the CSRF token" test "${#csrf}" -eq 64
http POST /admin/tokens -b "haven_session=$sess" --data 'name=nocsrf&role=staff'
eq "a form post without csrf_token" "$code" 403
check "the page names csrf_token" grep -q 'csrf_token' "$T/out"
http POST /admin/tokens -b "haven_session=$sess" --data "csrf_token=${csrf/a/b}&name=badcsrf&role=staff"
eq "a form post with a wrong csrf_token" "$code" 403
http POST /imports -b "haven_session=$sess" -F "file=@/dev/null;filename=x.csv"
eq "an upload without csrf_token" "$code" 403
http GET /admin/tokens -b "haven_session=$sess"
check "no token was made by the refused posts" bash -c "! grep -q -e nocsrf -e badcsrf '$T/out'"
http POST /admin/tokens -b "haven_session=$sess" --data "csrf_token=$csrf&name=withcsrf&role=staff"
eq "the same post with its token" "$code" 201
echo "not a map" >"$T/notes.txt"
http POST /imports -b "haven_session=$sess" -F "csrf_token=$csrf" -F "file=@$T/notes.txt"
eq "an upload GDAL cannot read" "$code" 400
check "the page names the file" grep -q 'notes.txt' "$T/out"
http GET /api/v1/imports -b "haven_session=$sess"
eq "GET /api/v1/imports" "$code" 200
eq "nothing was imported by the bad upload" "$(json 'len(j["imports"])')" 0
http POST /logout -b "haven_session=$sess" --data "csrf_token=$csrf"
eq "sign-out by form" "$code" 303

begin "browser"
mkdir -p "$HAVEN_ARTEFACTS"
HAVEN_URL=$URL HAVEN_ADMIN=ana HAVEN_ADMIN_PASSWORD=$pw HAVEN_WORK=$T HAVEN_CHROMIUM=$CHROMIUM \
	timeout 300 node "$ROOT/tests/browser/web.js" >"$T/browser.out" 2>&1
rc=$?
cat "$T/browser.out"
eq "the browser run (screenshots in $HAVEN_ARTEFACTS)" "$rc" 0

begin "stop"
kill -TERM "$server"
wait "$server"
eq "server exit status" "$?" 0
check "the admin's password is not in the log" bash -c "! grep -qF -- '$pw' '$T/serve.err'"

begin "flags"
run_haven 2 serve --tile-url ftp://tiles.example.org/x --routes
err_has "--tile-url"
run_haven 1 serve --node-modules "$T/nowhere" --routes
err_has "$T/nowhere"
run_haven 1 serve --web-dir "$T/nowhere" --routes
err_has "--web-dir"
start_server --tile-url 'https://tiles.example.org/{z}/{x}/{y}.png' --tile-attribution 'Tiles & co' \
	--node-modules "$ROOT/node_modules"
http GET /
check "the tile URL reaches the map" grep -qF 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' "$T/out"
check "its attribution, escaped" grep -qF 'data-attribution="Tiles &amp; co"' "$T/out"
kill -TERM "$server"
wait "$server"
finish
