#!/usr/bin/env bash
# Accounts and roles over the real server: users of every role made with the CLI, then every
# route of the route table (as `haven serve --routes` prints it) asked by every role, by session
# cookie and by API token, each answer checked against the roles the route declares (allowed,
# 401 or 403); session fixation, CSRF rejection, revoked tokens, disabled users and the login
# limits per account and per address. No password or token may reach the log.
. "$(dirname "$0")/lib.sh"

ROLES="admin law facilities staff auditor"
run_haven 0 init

begin "accounts"
for r in $ROLES; do
	echo "pw-$r-secret" | "$HAVEN" user add "u_$r" --role "$r" --password-stdin 2>"$T/err"
	eq "user add u_$r" "$?" 0
	"$HAVEN" token add "t_$r" --role "$r" >"$T/tok_$r" 2>"$T/err"
	eq "token add t_$r" "$?" 0
done
run_haven 0 user add onetime --role staff
pw_onetime=$(cat "$T/out")
check "a one-time password is printed" test "${#pw_onetime}" -ge 16
run_haven 2 user add bad --role public
run_haven 1 user add u_admin --role admin --password-stdin </dev/null
run_haven 0 user list --json
eq "users listed" "$(json 'len(j["users"])')" 6
check "no password hash in the list" bash -c "! grep -q argon2 '$T/out'"

begin "start"
start_server

# http METHOD PATH [curl args]: body in $T/out, headers in $T/hdr, code in $code
http() {
	local m=$1 p=$2
	shift 2
	code=$(curl -s -X "$m" -o "$T/out" -D "$T/hdr" -w '%{http_code}' "$@" "$URL$p")
}
cookie_of() { sed -n 's/^Set-Cookie: haven_session=\([^;]*\);.*/\1/Ip' "$T/hdr" | tr -d '\r'; }

# login NAME PASSWORD [curl args]: sets $sess and $csrf
login() {
	local n=$1 p=$2
	shift 2
	http POST /api/v1/login -H 'Content-Type: application/json' \
		--data "{\"name\":\"$n\",\"password\":\"$p\"}" "$@"
	sess=$(cookie_of)
	csrf=$(json 'j.get("csrf_token", "")' 2>/dev/null)
}

begin "login"
declare -A SESS CSRF
for r in $ROLES; do
	login "u_$r" "pw-$r-secret"
	eq "login u_$r" "$code" 200
	check "u_$r has a cookie" test -n "$sess"
	SESS[$r]=$sess
	CSRF[$r]=$csrf
done
grep -i '^Set-Cookie' "$T/hdr" | tr -d '\r' >"$T/setcookie"
for attr in HttpOnly "SameSite=Strict" "Path=/"; do
	check "cookie has $attr" grep -qi "; $attr" "$T/setcookie"
done
login u_law wrong-password
eq "wrong password" "$code" 401
eq "problem+json" "$(grep -i '^Content-Type' "$T/hdr" | tr -d '\r' | cut -d' ' -f2)" \
	"application/problem+json"

begin "route table"
"$HAVEN" serve --routes >"$T/routes" 2>"$T/err"
eq "serve --routes" "$?" 0
check "the table lists /api/v1/users" grep -q '^GET /api/v1/users admin$' "$T/routes"
# Logout (the API's and the page's) ends the session it is sent with: walk them last, signing
# every role in again after each.
{ grep -v -E ' /(api/v1/)?logout ' "$T/routes"; grep -E ' /(api/v1/)?logout ' "$T/routes"; } >"$T/walk"
n_checked=0
# expect ROLE ALLOWED_LIST: the answer in $code is right for ROLE on this route
expect() {
	local who=$1 allowed=$2 want
	if [[ ",$allowed," == *",$who,"* ]]; then
		if [ "$code" = 401 ] || [ "$code" = 403 ] || [ "$code" = 000 ] || [ "$code" -ge 500 ]; then
			fail "$method $pattern as $who ($3): $code, but the role is allowed"
		else
			n_checked=$((n_checked + 1))
		fi
		return
	fi
	if [ "$who" = public ]; then want=401; else want=403; fi
	# A page asked for by the public with GET sends it to the sign-in form instead.
	if [ "$who" = public ] && [ "$code" = 303 ] && [ "$method" = GET ] &&
		[[ "$pattern" != /api/* && "$pattern" != /ogc* ]] &&
		grep -qi '^Location: /login?next=' "$T/hdr"; then
		n_checked=$((n_checked + 1))
		return
	fi
	if [ "$code" = "$want" ]; then n_checked=$((n_checked + 1)); else
		fail "$method $pattern as $who ($3): $code, want $want"; fi
}
while read -r method pattern allowed; do
	path=${pattern//\{id\}/1}
	path=$(sed 's/{[^}]*}/1/g' <<<"$path")
	http "$method" "$path"
	expect public "$allowed" anonymous
	for r in $ROLES; do
		http "$method" "$path" -H "Authorization: Bearer $(cat "$T/tok_$r")"
		expect "$r" "$allowed" token
		http "$method" "$path" -b "haven_session=${SESS[$r]}" -H "X-CSRF-Token: ${CSRF[$r]}"
		expect "$r" "$allowed" session
	done
	if [[ "$pattern" == */logout ]]; then
		for r in $ROLES; do
			login "u_$r" "pw-$r-secret"
			SESS[$r]=$sess
			CSRF[$r]=$csrf
		done
	fi
done <"$T/walk"
n_routes=$(wc -l <"$T/walk")
eq "answers checked (routes x 11 askers)" "$n_checked" "$((n_routes * 11))"

begin "session fixation"
login u_staff pw-staff-secret
first=$sess
login u_staff pw-staff-secret -b "haven_session=$first"
second=$sess
check "a new cookie at login" test -n "$second" -a "$second" != "$first"
http GET /api/v1/me -b "haven_session=$first"
eq "the cookie from before that login is refused" "$code" 401
planted=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
login u_staff pw-staff-secret -b "haven_session=$planted"
check "a planted cookie is replaced" test -n "$sess" -a "$sess" != "$planted"
http GET /api/v1/me -b "haven_session=$planted"
eq "the planted cookie gives no access" "$code" 401
http GET /api/v1/me -b "haven_session=$sess"
eq "the new one does" "$code" 200
eq "me" "$(json 'j["name"] + "/" + j["role"]')" "u_staff/staff"
http POST /api/v1/logout -b "haven_session=$sess" -H "X-CSRF-Token: $csrf"
eq "logout" "$code" 200
http GET /api/v1/me -b "haven_session=$sess"
eq "the cookie is refused after logout" "$code" 401

begin "CSRF"
login u_facilities pw-facilities-secret
http POST /api/v1/logout -b "haven_session=$sess"
eq "POST by cookie without X-CSRF-Token" "$code" 403
eq "problem names the header" "$(json '"X-CSRF-Token" in j["detail"]')" True
http POST /api/v1/logout -b "haven_session=$sess" -H "X-CSRF-Token: ${CSRF[admin]}"
eq "POST with another session's CSRF token" "$code" 403
http POST /api/v1/logout -b "haven_session=$sess" -H "X-CSRF-Token: x"
eq "POST with a wrong CSRF token" "$code" 403
http GET /api/v1/me -b "haven_session=$sess"
eq "the session survived the refused requests" "$code" 200
http POST /api/v1/logout -H "Authorization: Bearer $(cat "$T/tok_staff")"
eq "an API token needs no CSRF token" "$code" 200

begin "revoked token and disabled user"
"$HAVEN" token add revokeme --role admin >"$T/tok_r" 2>"$T/err"
tid=$(sed -n 's/^haven: token \([0-9]*\) .*/\1/p' "$T/err")
http GET /api/v1/users -H "Authorization: Bearer $(cat "$T/tok_r")"
eq "the token works" "$code" 200
run_haven 0 token revoke "$tid"
http GET /api/v1/users -H "Authorization: Bearer $(cat "$T/tok_r")"
eq "the revoked token is refused" "$code" 401
run_haven 1 token revoke "$tid"
http GET /api/v1/me -H "Authorization: Bearer not-a-token"
eq "an unknown token" "$code" 401
login onetime "$pw_onetime"
eq "one-time password logs in" "$code" 200
run_haven 0 user disable onetime
http GET /api/v1/me -b "haven_session=$sess"
eq "a disabled user's session ends" "$code" 401
login onetime "$pw_onetime"
eq "a disabled user cannot log in" "$code" 401

begin "login limit per account"
for i in 1 2 3 4; do
	login u_auditor "wrong-$i"
	[ "$code" = 401 ] || fail "failure $i: $code"
done
login u_auditor wrong-5
eq "fifth failure" "$code" 401
login u_auditor pw-auditor-secret
eq "sixth attempt, right password" "$code" 429
retry=$(sed -n 's/^Retry-After: *\([0-9]*\).*/\1/Ip' "$T/hdr")
check "Retry-After ($retry s) within 15 min" test "${retry:-0}" -gt 0 -a "${retry:-0}" -le 900
eq "problem+json" "$(json 'j["status"]')" 429
login u_law pw-law-secret
eq "another account from the same address still logs in" "$code" 200

begin "login limit per address"
got=""
for i in $(seq 1 25); do
	login "nobody$i" wrong
	if [ "$code" = 429 ]; then got=$i; break; fi
done
check "429 for the address after repeated failures (at attempt ${got:-none})" test -n "$got"
login u_law pw-law-secret
eq "the address is refused even with a right password" "$code" 429
check "Retry-After" grep -qi '^Retry-After: [0-9]' "$T/hdr"

begin "secrets stay out of the log"
kill -TERM "$server"
wait "$server"
eq "server exit status" "$?" 0
leaks=0
for s in "${SESS[@]}" "${CSRF[@]}" $(cat "$T"/tok_*) pw-admin-secret "$pw_onetime"; do
	grep -qF -- "$s" "$T/serve.err" && leaks=$((leaks + 1))
done
eq "passwords, tokens or cookies in the log" "$leaks" 0

begin "Secure cookie behind TLS"
"$HAVEN" serve --listen 127.0.0.1:0 --public-url https://haven.example.org/ >"$T/serve2.out" \
	2>"$T/serve2.err" &
server2=$!
port=""
for _ in $(seq 1 300); do
	port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/serve2.out")
	[ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
	sleep 0.1
done
URL=http://127.0.0.1:$port
login u_law pw-law-secret
eq "login (a fresh server forgets the failed logins)" "$code" 200
check "the cookie is Secure" grep -qi '^Set-Cookie: haven_session=.*; Secure' "$T/hdr"
kill -TERM "$server2"
wait "$server2"

finish
