#!/usr/bin/env bash
# haven serve --tls-cert/--tls-key: a self-signed certificate made with openssl at test time,
# curl --cacert over https to 127.0.0.1 (lookup, OGC links in https), the login cookie has
# Secure; and a clear error for a missing, unreadable, non-PEM or mismatched certificate or key.
. "$(dirname "$0")/lib.sh"

begin "certificates"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>"$T/openssl.err"
check "self-signed certificate for 127.0.0.1" test -s "$T/cert.pem" -a -s "$T/key.pem"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" -out "$T/other.pem" -days 2 \
	-subj "/CN=other" 2>>"$T/openssl.err"
run_haven 0 init
echo "tls-admin-secret" | "$HAVEN" user add admin1 --role admin --password-stdin >/dev/null 2>&1

begin "bad certificate or key"
run_haven 1 serve --listen 127.0.0.1:0 --tls-cert "$T/nope.pem" --tls-key "$T/key.pem" &&
	err_has "nope.pem"
run_haven 1 serve --listen 127.0.0.1:0 --tls-cert "$T/key.pem" --tls-key "$T/key.pem" &&
	err_has "key.pem: no PEM certificate"
run_haven 1 serve --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/cert.pem" &&
	err_has "cert.pem: no PEM private key"
run_haven 1 serve --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/other.key" &&
	err_has "other.key is not the private key of the certificate in $T/cert.pem"
cp "$T/key.pem" "$T/locked.pem"
chmod 000 "$T/locked.pem"
if [ "$(id -u)" != 0 ]; then
	run_haven 1 serve --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/locked.pem" &&
		err_has "locked.pem"
fi
run_haven 2 serve --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" && err_has "--tls-cert needs --tls-key too"

begin "start over https"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$HAVEN" serve --listen "127.0.0.1:$port" --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
	>"$T/serve.out" 2>"$T/serve.err" &
server=$!
URL=https://127.0.0.1:$port
up=""
for _ in $(seq 1 300); do
	curl -sf --cacert "$T/cert.pem" "$URL/healthz" >/dev/null && up=1 && break
	sleep 0.1
done
if [ -z "$up" ]; then
	fail "the server did not start: $(cat "$T/serve.err")"
	kill "$server" 2>/dev/null
	finish
	exit 1
fi
pass "listening on $URL"
grep -qF "https://127.0.0.1:$port/" "$T/serve.out" && pass "prints its https URL" ||
	fail "serve printed: $(cat "$T/serve.out")"

begin "https answers"
code=$(curl -s --cacert "$T/cert.pem" -o "$T/out" -w '%{http_code}' "$URL/api/v1/lookup?lon=-87.6&lat=41.8")
eq "lookup over https" "$code" 200
code=$(curl -s --cacert "$T/cert.pem" -o "$T/out" -w '%{http_code}' "$URL/ogc")
eq "OGC landing page" "$code" 200
eq "links are https" "$(json 'j["links"][0]["href"]')" "$URL/ogc"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")
check "an untrusted client is refused (curl without --cacert: $code)" test "$code" = 000
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
check "plain HTTP on the TLS port gets no answer ($code)" test "$code" != 200

begin "login cookie"
curl -s --cacert "$T/cert.pem" -D "$T/headers" -o "$T/out" -H 'Content-Type: application/json' \
	-d '{"name":"admin1","password":"tls-admin-secret"}' "$URL/api/v1/login" >/dev/null
cookie=$(grep -i '^set-cookie: haven_session=' "$T/headers" | tr -d '\r')
check "login sets haven_session" test -n "$cookie"
case $cookie in *"; Secure"*) pass "the cookie has Secure" ;; *) fail "no Secure: $cookie" ;; esac
case $cookie in *HttpOnly*SameSite=Strict*) pass "HttpOnly, SameSite=Strict" ;; *) fail "$cookie" ;; esac
sess=$(sed -n 's/^[Ss]et-[Cc]ookie: haven_session=\([^;]*\).*/\1/p' "$T/headers")
code=$(curl -s --cacert "$T/cert.pem" -o "$T/out" -w '%{http_code}' -b "haven_session=$sess" "$URL/api/v1/me")
eq "the session works over https" "$code" 200

begin "stop"
kill -TERM "$server"
wait "$server"
eq "exit status after SIGTERM" "$?" 0
finish
