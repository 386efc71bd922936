#!/usr/bin/env bash
# The service's limits and its request log, each proven: request heads over 32 KiB get 431 and the
# server goes on; --max-connections holds (a connection past it waits until one closes); one log
# line per request, with no query string, user name, password, address or cookie in it; an
# expired session is refused and deleted at the next login.
. "$(dirname "$0")/lib.sh"

run_haven 0 init
echo "limits-secret-pw" | "$HAVEN" user add limitsuser --role staff --password-stdin >/dev/null 2>&1
start_server --max-connections 3

begin "request head limit"
big=$(head -c 40000 /dev/zero | tr '\0' 'a')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$URL/healthz")
eq "a 40 KB header" "$code" 431
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Small: $(head -c 8000 /dev/zero | tr '\0' 'a')" "$URL/healthz")
eq "an 8 KB header is fine" "$code" 200

begin "body limit"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$T/big"
code=$(curl -s -o "$T/out" -w '%{http_code}' --data-binary "@$T/big" "$URL/api/v1/lookup")
eq "a 1.1 MB body" "$code" 413
out_has "over 1048576 bytes"

begin "connection limit"
python3 - "$port" >"$T/conns" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
time.sleep(0.3)
extra = socket.create_connection(("127.0.0.1", port))
extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
extra.settimeout(1.5)
try:
    print("while full:", extra.recv(100)[:12].decode())
except socket.timeout:
    print("while full: no answer")
for s in idle:
    s.close()
extra.settimeout(5)
data = b""
try:
    while not data.endswith(b"}"):
        chunk = extra.recv(1000)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    pass
print("after:", data[:12].decode() if data else "nothing")
PY
grep -qx "while full: no answer" "$T/conns" && pass "a 4th connection waits while 3 are open" ||
	fail "$(cat "$T/conns")"
grep -qx "after: HTTP/1.1 200" "$T/conns" && pass "and is answered once they close" ||
	fail "$(cat "$T/conns")"

begin "one log line per request, no personal data"
for i in 1 2 3 4 5 6 7; do curl -s -o /dev/null "$URL/ogc/conformance?f=json&n=$i"; done
curl -s -o /dev/null "$URL/api/v1/lookup?address=1234%20W%20Secretive%20Ave"
curl -s -o /dev/null -D "$T/h" -H 'Content-Type: application/json' \
	-d '{"name":"limitsuser","password":"limits-secret-pw"}' "$URL/api/v1/login"
sess=$(sed -n 's/^[Ss]et-[Cc]ookie: haven_session=\([^;]*\).*/\1/p' "$T/h")
check "logged in" test -n "$sess"
curl -s -o /dev/null -b "haven_session=$sess" "$URL/api/v1/me"
curl -s -o /dev/null -H 'Content-Type: application/json' \
	-d '{"name":"limitsuser","password":"wrong-secret-pw"}' "$URL/api/v1/login"
sleep 0.5 # the log is written in batches every 100 ms
eq "lines for 7 requests" "$(grep -c 'path="/ogc/conformance"' "$T/serve.err")" 7
eq "lines for 2 logins" "$(grep -c 'method=POST path="/api/v1/login"' "$T/serve.err")" 2
for secret in limits-secret-pw wrong-secret-pw limitsuser Secretive "$sess" "f=json" "n=3"; do
	if grep -qF -- "$secret" "$T/serve.err"; then fail "the log holds \"$secret\""; else
		pass "the log has no \"${secret:0:12}\""; fi
done

begin "an expired session is refused, then deleted at the next login"
sqlite3 "$HAVEN_DB" "UPDATE sessions SET expires_ms = 1"
eq "sessions stored" "$(sqlite3 "$HAVEN_DB" "SELECT count(*) FROM sessions")" 1
code=$(curl -s -o /dev/null -w '%{http_code}' -b "haven_session=$sess" "$URL/api/v1/me")
eq "the expired session is the public's" "$code" 401
curl -s -o /dev/null -H 'Content-Type: application/json' \
	-d '{"name":"limitsuser","password":"limits-secret-pw"}' "$URL/api/v1/login"
eq "expired rows left" "$(sqlite3 "$HAVEN_DB" "SELECT count(*) FROM sessions WHERE expires_ms <= 1")" 0
eq "only the new session" "$(sqlite3 "$HAVEN_DB" "SELECT count(*) FROM sessions")" 1

kill -TERM "$server"
wait "$server"
eq "exit status" "$?" 0
finish
