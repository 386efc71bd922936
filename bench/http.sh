#!/usr/bin/env bash
# bench/http: `haven serve` answering GET /api/v1/lookup at random points of the demo city,
# beside a bare libmicrohttpd server answering a fixed 200-byte JSON (bench/bare_mhd.c), in one
# run with the same load: wrk -t2 -c64 -d10s on loopback. Prints requests/s, p50, p99, errors,
# haven's resident memory before and after, and the ratio of the two rates (goal: >= 60%).
# Usage: bench/http.sh [DURATION]   (default 10s)
# Environment: BENCH_BUILD (build dir, default build-bench; configured with -Dbench=true).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${BENCH_BUILD:-$ROOT/build-bench}
DUR=${1:-10s}

"$ROOT/scripts/install-deps.sh" bench ||
	echo "bench/http: installing packages failed; going on with what is there" >&2
if [ ! -f "$B/build.ninja" ]; then
	meson setup "$B" --buildtype=release -Dbench=true -Dtests=disabled >/dev/null
elif ! meson introspect --buildoptions "$B" | grep -q '"name": "bench", "value": true'; then
	meson configure "$B" -Dbench=true >/dev/null
fi
ninja -C "$B" haven bench_bare_mhd >/dev/null
HAVEN=$B/haven

T=$(mktemp -d "${TMPDIR:-/tmp}/haven-bench-http.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
export HAVEN_DB=$T/haven.db

echo "== the demo city" >&2
"$HAVEN" demo-city --out "$T/city" >/dev/null
"$HAVEN" init >/dev/null
"$HAVEN" import "$T/city/parcels.shp" --source parcels --id-field parcel_id --kind-field kind >/dev/null 2>&1
"$HAVEN" import "$T/city/points.csv" --source facilities --id-field facility_id --kind-field kind >/dev/null 2>&1
"$HAVEN" scope add order --where "status = 'Owned by City' and kind in ('lot', 'garage', 'vacant lot', 'school lot', 'building')" >/dev/null
read -r minx miny maxx maxy <<<"$(sqlite3 -separator ' ' "$HAVEN_DB" \
	'select min(minx), min(miny), max(maxx), max(maxy) from property_versions where minx is not null')"
echo "bbox $minx $miny $maxx $maxy" >&2

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_up URL: until it answers (10 s at most)
wait_up() {
	for _ in $(seq 1 100); do
		curl -sf -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "bench/http: $1 did not come up" >&2
	exit 1
}

hport=$(free_port)
"$HAVEN" serve --listen "127.0.0.1:$hport" >/dev/null 2>"$T/haven.log" &
hpid=$!
pids+=("$hpid")
bport=$(free_port)
"$B/bench_bare_mhd" "$bport" >/dev/null &
pids+=($!)
wait_up "http://127.0.0.1:$hport/healthz"
wait_up "http://127.0.0.1:$bport/"

# Random points over the city's bbox; done() prints one line the shell below reads.
cat >"$T/points.lua" <<LUA
math.randomseed(os.time())
request = function()
	local lon = $minx + math.random() * ($maxx - $minx)
	local lat = $miny + math.random() * ($maxy - $miny)
	return wrk.format("GET", string.format("/api/v1/lookup?lon=%.6f&lat=%.6f", lon, lat))
end
LUA
cat >"$T/report.lua" <<'LUA'
done = function(summary, latency, requests)
	local e = summary.errors
	local errs = e.connect + e.read + e.write + e.status + e.timeout
	io.write(string.format("RESULT %.0f %.3f %.3f %d\n",
		summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
		latency:percentile(99) / 1000, errs))
end
LUA
cat "$T/report.lua" >>"$T/points.lua"

rss() { awk '/VmRSS/ {print $2 / 1024 " MiB"}' "/proc/$1/status"; }

# A short warm-up so both start with their caches and connections ready.
wrk -t2 -c64 -d2s -s "$T/points.lua" "http://127.0.0.1:$hport" >/dev/null
rss_before=$(rss "$hpid")
echo "== wrk -t2 -c64 -d$DUR: haven /api/v1/lookup (random points)" >&2
read -r h_rps h_p50 h_p99 h_err <<<"$(wrk -t2 -c64 -d"$DUR" -s "$T/points.lua" \
	"http://127.0.0.1:$hport" | awk '/^RESULT/ {print $2, $3, $4, $5}')"
rss_after=$(rss "$hpid")
echo "== wrk -t2 -c64 -d$DUR: bare libmicrohttpd (fixed 200-byte JSON)" >&2
# The same script (random lookup URLs, which the bare server ignores): wrk shares the cores with
# the server, so generating the requests must cost it the same in both runs.
read -r b_rps b_p50 b_p99 b_err <<<"$(wrk -t2 -c64 -d"$DUR" -s "$T/points.lua" \
	"http://127.0.0.1:$bport/" | awk '/^RESULT/ {print $2, $3, $4, $5}')"
n_lines=$(wc -l <"$T/haven.log")

printf '\n%-34s %12s %9s %9s %7s\n' "server" "requests/s" "p50 ms" "p99 ms" "errors"
printf '%-34s %12s %9s %9s %7s\n' "haven /api/v1/lookup" "$h_rps" "$h_p50" "$h_p99" "$h_err"
printf '%-34s %12s %9s %9s %7s\n' "bare libmicrohttpd, 200 B" "$b_rps" "$b_p50" "$b_p99" "$b_err"
python3 - "$h_rps" "$b_rps" <<'PY'
import sys
h, b = float(sys.argv[1]), float(sys.argv[2])
r = h / b if b else 0
print("\nratio haven / bare: %.0f%%  (goal >= 60%%: %s)" % (100 * r, "met" if r >= 0.6 else "NOT met"))
PY
echo "haven resident memory: $rss_before before, $rss_after after the run; $n_lines request log lines"
echo "($(nproc) cores; wrk shares them with the server under test)"
