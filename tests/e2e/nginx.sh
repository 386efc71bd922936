#!/usr/bin/env bash
# Debian's nginx in front of haven on loopback with the site block of docs/deploy.md (test ports
# and a self-signed certificate put in): a lookup and OGC next links through it (https, every
# parameter kept), the login cookie Secure, the per-address login limit by X-Real-IP, nginx's and
# haven's body limits, HTTP redirected to HTTPS, and no query strings in nginx's access log.
. "$(dirname "$0")/lib.sh"
ROOT=${HAVEN_SOURCE_ROOT:?}

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ]; then
	fail "nginx is not installed (scripts/install-deps.sh check installs nginx-light)"
	finish
	exit 1
fi
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

run_haven 0 import "$CHI/city_owned_lots_englewood.geojson" --kind lot --source englewood
run_haven 0 scope add order --where "status = 'Owned by City' and kind = 'lot'"
echo "proxy-admin-secret" | "$HAVEN" user add proxyadmin --role admin --password-stdin >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null

begin "haven behind nginx"
nport=$(free_port)
hport80=$(free_port)
NG=https://127.0.0.1:$nport
start_server --public-url "$NG" --trust-proxy
mkdir -p "$T/nginx/tmp"
# The documented block, with this test's ports, certificate and log put in.
sed -n '/^```nginx$/,/^```$/p' "$ROOT/docs/deploy.md" | sed '1d;$d' |
	sed -e '/listen \[::\]/d' \
		-e "s|listen 80;|listen 127.0.0.1:$hport80;|" \
		-e "s|listen 443 ssl http2;|listen 127.0.0.1:$nport ssl http2;|" \
		-e "s|server 127.0.0.1:8080;|server 127.0.0.1:$port;|" \
		-e "s|/etc/ssl/haven/fullchain.pem|$T/cert.pem|" \
		-e "s|/etc/ssl/haven/privkey.pem|$T/key.pem|" \
		-e "s|/var/log/nginx/haven.access.log|$T/nginx/access.log|" >"$T/nginx/site.conf"
check "the site block was taken from docs/deploy.md" grep -q "proxy_set_header X-Real-IP" "$T/nginx/site.conf"
{
	[ "$(id -u)" = 0 ] && echo "user root;"
	cat <<CONF
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 256; }
http {
    client_body_temp_path $T/nginx/tmp/body;
    proxy_temp_path $T/nginx/tmp/proxy;
    fastcgi_temp_path $T/nginx/tmp/fastcgi;
    uwsgi_temp_path $T/nginx/tmp/uwsgi;
    scgi_temp_path $T/nginx/tmp/scgi;
    include $T/nginx/site.conf;
}
CONF
} >"$T/nginx/nginx.conf"
"$NGINX" -t -p "$T/nginx" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" 2>"$T/nginx/t.err"
eq "nginx -t" "$?" 0
"$NGINX" -p "$T/nginx" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" -g 'daemon off;' \
	2>>"$T/nginx/error.log" &
nginx_pid=$!
stop_all() {
	kill -TERM "$nginx_pid" 2>/dev/null
	wait "$nginx_pid" 2>/dev/null
	kill -TERM "$server" 2>/dev/null
	wait "$server" 2>/dev/null
}
up=""
for _ in $(seq 1 100); do
	curl -sf --cacert "$T/cert.pem" "$NG/healthz" >/dev/null && up=1 && break
	sleep 0.1
done
if [ -z "$up" ]; then
	fail "nginx did not come up: $(tail -5 "$T/nginx/error.log")"
	stop_all
	finish
	exit 1
fi
pass "nginx on $NG in front of haven on port $port"

begin "through nginx"
c() { curl -s --cacert "$T/cert.pem" "$@"; }
code=$(c -o "$T/out" -w '%{http_code}' "$NG/api/v1/lookup?lon=-87.64&lat=41.78")
eq "lookup" "$code" 200
check "a lookup answer" python3 -c "import json; json.load(open('$T/out'))['matches']"
code=$(c -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$hport80/ogc?f=json")
eq "plain HTTP is redirected" "$code" "301 https://127.0.0.1/ogc?f=json"

begin "OGC next links through nginx"
box=-87.70,41.76,-87.60,41.80
url="$NG/ogc/collections/zones/items?limit=97&bbox=$box"
n_pages=0 n_feats=0 matched="" bad=""
while [ -n "$url" ] && [ "$n_pages" -lt 500 ]; do
	code=$(c -o "$T/page" -w '%{http_code}' "$url")
	[ "$code" = 200 ] || { bad="page $n_pages: $code"; break; }
	read -r n m next < <(python3 -c "
import json; j = json.load(open('$T/page'))
nx = [l['href'] for l in j['links'] if l['rel'] == 'next']
print(j['numberReturned'], j['numberMatched'], nx[0] if nx else '')")
	n_feats=$((n_feats + n))
	matched=$m
	n_pages=$((n_pages + 1))
	if [ -n "$next" ]; then
		case $next in "$NG/ogc/collections/zones/items?"*bbox=-87.7*) ;; *) bad="next link $next" ;; esac
	fi
	url=$next
done
check "every next link is https through nginx and keeps bbox ${bad:+($bad)}" test -z "$bad"
check "several pages ($n_pages)" test "$n_pages" -gt 2
eq "features over all pages" "$n_feats" "$matched"

begin "login through nginx"
c -o "$T/out" -D "$T/h" -H 'Content-Type: application/json' \
	-d '{"name":"proxyadmin","password":"proxy-admin-secret"}' "$NG/api/v1/login"
cookie=$(grep -i '^set-cookie: haven_session=' "$T/h" | tr -d '\r')
case $cookie in *"; Secure"*) pass "the session cookie has Secure" ;; *) fail "cookie: $cookie" ;; esac

begin "the per-address login limit sees the real client"
for i in $(seq 1 20); do
	c -o /dev/null --interface 127.0.0.2 -H 'Content-Type: application/json' \
		-d "{\"name\":\"nobody$i\",\"password\":\"wrong-password\"}" "$NG/api/v1/login"
done
code=$(c -o /dev/null -w '%{http_code}' --interface 127.0.0.2 -H 'Content-Type: application/json' \
	-d '{"name":"proxyadmin","password":"proxy-admin-secret"}' "$NG/api/v1/login")
eq "127.0.0.2 after 20 failures" "$code" 429
code=$(c -o /dev/null -w '%{http_code}' --interface 127.0.0.3 -H 'Content-Type: application/json' \
	-H 'X-Real-IP: 127.0.0.2' \
	-d '{"name":"proxyadmin","password":"proxy-admin-secret"}' "$NG/api/v1/login")
eq "127.0.0.3 (claiming 127.0.0.2) still logs in" "$code" 200

begin "body limits"
head -c 1500000 /dev/zero | tr '\0' ' ' >"$T/b15"
code=$(c -o "$T/out" -w '%{http_code}' --data-binary "@$T/b15" "$NG/api/v1/lookup")
eq "1.5 MB: haven's 413" "$code" 413
out_has "over 1048576 bytes"
head -c 3000000 /dev/zero | tr '\0' ' ' >"$T/b3"
code=$(c -o /dev/null -w '%{http_code}' --data-binary "@$T/b3" "$NG/api/v1/lookup")
eq "3 MB: nginx's 413" "$code" 413

begin "logs"
stop_all
if grep -q "lon=\|bbox=\|127.0.0.2" "$T/nginx/access.log"; then
	fail "query strings or addresses in nginx's log: $(grep -m1 'lon=\|bbox=' "$T/nginx/access.log")"
else
	pass "nginx's access log has no query strings or client addresses ($(wc -l <"$T/nginx/access.log") lines)"
fi
if grep -q "127.0.0.2\|proxy-admin-secret\|proxyadmin" "$T/serve.err"; then
	fail "personal data in haven's log"
else pass "haven's log has no client addresses, names or passwords"; fi
finish
