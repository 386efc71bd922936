#!/usr/bin/env bash
# bench/http: `haven serve` under wrk -t2 -c64 -d10s on loopback, beside a bare libmicrohttpd
# server answering a fixed 200-byte JSON (bench/bare_mhd.c) in the same run:
#   - GET /api/v1/lookup at random points                     (goal: >= 60% of the bare rate)
#   - GET /ogc/collections/zones/items?bbox=...&limit=10, random boxes about 100 m across
#   - GET /ogc/collections/zones/items/{id}, random zone ids   (goal: >= 40,000 requests/s each)
# each with requests/s, p50, p99, errors and the ratio to the bare server; then a memory run
# (MEM_DUR, default 60s, all three kinds mixed) sampling haven's resident memory every second:
# first, last and max, and whether it stayed flat. The data: the real Chicago files in
# ../shared/data/chicago when present (imported into a throwaway store), else the demo city.
# Usage: bench/http.sh [DURATION]   (default 10s)
# Environment: BENCH_BUILD (build dir, default build-bench; configured with -Dbench=true).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${BENCH_BUILD:-$ROOT/build-bench}
DUR=${1:-10s}
MEM_DUR=${MEM_DUR:-60}
CHI=${HAVEN_SHARED_DATA:-$ROOT/../shared/data}/chicago

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

if [ -f "$CHI/city_owned_land_inventory_2021.csv" ]; then
	echo "== the Chicago files (land inventory, Englewood lots, buildings, parks, libraries, stations)" >&2
	"$HAVEN" init >/dev/null
	imp() { "$HAVEN" import "$@" >/dev/null 2>&1 || echo "bench/http: import $1 failed" >&2; }
	imp "$CHI/city_owned_land_inventory_2021.csv" --kind lot --source inventory
	imp "$CHI/city_owned_lots_englewood.geojson" --kind lot --source englewood
	imp "$CHI/buildings_sample.shp" --srs EPSG:3435 --id-field BLDG_ID --kind building --source buildings
	imp "$CHI/parks_large_65.geojson" --kind park --source parks
	imp "$CHI/libraries.csv" --kind library --source libraries
	imp "$CHI/fire_stations.csv" --kind "fire station" --source fire
	imp "$CHI/police_stations.csv" --kind "police station" --source police
	"$HAVEN" scope add order --where "status = 'Owned by City' or kind in ('building', 'park', 'library', 'fire station', 'police station')" >/dev/null
	DATA="Chicago"
else
	echo "== the demo city" >&2
	"$HAVEN" demo-city --out "$T/city" >/dev/null
	"$HAVEN" init >/dev/null
	"$HAVEN" import "$T/city/parcels.shp" --source parcels --id-field parcel_id --kind-field kind >/dev/null 2>&1
	"$HAVEN" import "$T/city/points.csv" --source facilities --id-field facility_id --kind-field kind >/dev/null 2>&1
	"$HAVEN" scope add order --where "status = 'Owned by City' and kind in ('lot', 'garage', 'vacant lot', 'school lot', 'building')" >/dev/null
	DATA="the demo city"
fi
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

# The zones' ids and points, read through the API itself (every page of the collection).
python3 - "http://127.0.0.1:$hport/ogc/collections/zones/items?limit=10000" "$T" <<'PY'
import json, sys, urllib.request
url, out = sys.argv[1], sys.argv[2]
ids, pts = [], []
while url:
    page = json.load(urllib.request.urlopen(url))
    for f in page["features"]:
        ids.append(f["id"])
        g = f["geometry"]
        if g:
            c = g["coordinates"]
            while isinstance(c[0], list):
                c = c[0]
            pts.append((c[0], c[1]))
    url = next((l["href"] for l in page["links"] if l["rel"] == "next"), None)
    if url and url.startswith("/"):
        url = sys.argv[1].split("/ogc")[0] + url
with open(out + "/zones.lua", "w") as f:
    f.write("ids = {%s}\n" % ",".join(str(i) for i in ids))
    f.write("pts = {%s}\n" % ",".join("{%.7f,%.7f}" % p for p in pts))
print("%d zones, %d with a geometry" % (len(ids), len(pts)), file=sys.stderr)
PY

# Boxes about 100 m across (0.0012 degrees of longitude, 0.0009 of latitude at 41.8 N): half at
# random in the data's extent, half around a random zone (so pages are not all empty).
cat "$T/zones.lua" - >"$T/bbox.lua" <<LUA
math.randomseed(os.time())
request = function()
	local lon, lat
	if math.random() < 0.5 then
		lon = $minx + math.random() * ($maxx - $minx)
		lat = $miny + math.random() * ($maxy - $miny)
	else
		local p = pts[math.random(#pts)]
		lon = p[1] + (math.random() - 0.5) * 0.0012
		lat = p[2] + (math.random() - 0.5) * 0.0009
	end
	return wrk.format("GET", string.format(
		"/ogc/collections/zones/items?bbox=%.6f,%.6f,%.6f,%.6f&limit=10",
		lon - 0.0006, lat - 0.00045, lon + 0.0006, lat + 0.00045))
end
LUA
cat "$T/zones.lua" - >"$T/byid.lua" <<'LUA'
math.randomseed(os.time())
request = function()
	return wrk.format("GET", "/ogc/collections/zones/items/" .. ids[math.random(#ids)])
end
LUA
# The memory run mixes the three.
cat "$T/zones.lua" - >"$T/mixed.lua" <<LUA
math.randomseed(os.time())
request = function()
	local k = math.random(3)
	if k == 1 then
		return wrk.format("GET", "/ogc/collections/zones/items/" .. ids[math.random(#ids)])
	end
	local p = pts[math.random(#pts)]
	if k == 2 then
		return wrk.format("GET", string.format("/api/v1/lookup?lon=%.6f&lat=%.6f", p[1], p[2]))
	end
	return wrk.format("GET", string.format(
		"/ogc/collections/zones/items?bbox=%.6f,%.6f,%.6f,%.6f&limit=10",
		p[1] - 0.0006, p[2] - 0.00045, p[1] + 0.0006, p[2] + 0.00045))
end
LUA
for s in bbox byid mixed; do cat "$T/report.lua" >>"$T/$s.lua"; done

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
echo "== wrk -t2 -c64 -d$DUR: haven /ogc/collections/zones/items?bbox=... (100 m, limit 10)" >&2
wrk -t2 -c64 -d2s -s "$T/bbox.lua" "http://127.0.0.1:$hport" >/dev/null
read -r x_rps x_p50 x_p99 x_err <<<"$(wrk -t2 -c64 -d"$DUR" -s "$T/bbox.lua" \
	"http://127.0.0.1:$hport" | awk '/^RESULT/ {print $2, $3, $4, $5}')"
echo "== wrk -t2 -c64 -d$DUR: haven /ogc/collections/zones/items/{id}" >&2
read -r i_rps i_p50 i_p99 i_err <<<"$(wrk -t2 -c64 -d"$DUR" -s "$T/byid.lua" \
	"http://127.0.0.1:$hport" | awk '/^RESULT/ {print $2, $3, $4, $5}')"
# One sample of a bbox page and of a feature, for the record.
bbox_bytes=$(curl -s "http://127.0.0.1:$hport/ogc/collections/zones/items?bbox=$minx,$miny,$maxx,$maxy&limit=10" | wc -c)

echo "== memory: wrk -t2 -c64 -d${MEM_DUR}s, the three kinds mixed; resident memory every second" >&2
: >"$T/rss"
wrk -t2 -c64 -d"${MEM_DUR}s" -s "$T/mixed.lua" "http://127.0.0.1:$hport" >"$T/mixed.out" &
wpid=$!
while kill -0 "$wpid" 2>/dev/null; do
	awk '/VmRSS/ {print $2}' "/proc/$hpid/status" >>"$T/rss"
	sleep 1
done
wait "$wpid" || true
read -r m_rps m_p50 m_p99 m_err <<<"$(awk '/^RESULT/ {print $2, $3, $4, $5}' "$T/mixed.out")"
n_lines=$(wc -l <"$T/haven.log")

printf '\ndata: %s\n' "$DATA"
printf '\n%-44s %12s %9s %9s %7s %8s\n' "server" "requests/s" "p50 ms" "p99 ms" "errors" "vs bare"
row() {
	python3 -c 'import sys
n, r, p50, p99, e, b = sys.argv[1:]
ratio = "%.0f%%" % (100 * float(r) / float(b)) if b and float(b) else "-"
print("%-44s %12s %9s %9s %7s %8s" % (n, r, p50, p99, e, ratio))' "$@"
}
row "haven /api/v1/lookup (random points)" "$h_rps" "$h_p50" "$h_p99" "$h_err" "$b_rps"
row "haven zones/items?bbox= (100 m, limit 10)" "$x_rps" "$x_p50" "$x_p99" "$x_err" "$b_rps"
row "haven zones/items/{id}" "$i_rps" "$i_p50" "$i_p99" "$i_err" "$b_rps"
row "haven mixed, ${MEM_DUR}s (memory run)" "$m_rps" "$m_p50" "$m_p99" "$m_err" "$b_rps"
row "bare libmicrohttpd, 200 B" "$b_rps" "$b_p50" "$b_p99" "$b_err" "$b_rps"
python3 - "$h_rps" "$b_rps" "$x_rps" "$i_rps" "$T/rss" "$h_p99" "$x_p99" "$i_p99" \
	"$h_err" "$x_err" "$i_err" "$m_err" <<'PY'
import sys
h, b, x, i = (float(v) for v in sys.argv[1:5])
rss = [int(l) / 1024 for l in open(sys.argv[5]) if l.strip()]
p99 = [float(v) for v in sys.argv[6:9]]
errs = sum(int(v) for v in sys.argv[9:13])
ok = lambda c: "met" if c else "NOT met"
print("\nlookup / bare: %.0f%% (goal >= 60%%: %s)" % (100 * h / b, ok(h >= 0.6 * b)))
print("bbox %.0f/s, by id %.0f/s (goal >= 40,000 each: %s)" % (x, i, ok(x >= 40000 and i >= 40000)))
print("p99 under 10 ms: %s; errors: %d (goal 0: %s)" % (ok(max(p99) < 10), errs, ok(errs == 0)))
if rss:
    first, last, top = rss[0], rss[-1], max(rss)
    flat = last - first <= max(4.0, 0.05 * first)
    print("memory over %d samples: first %.1f MiB, last %.1f MiB, max %.1f MiB: %s" %
          (len(rss), first, last, top, "flat" if flat else "NOT flat (grew)"))
PY
echo "a page of 10 zones (whole extent) is $bbox_bytes bytes; $n_lines request log lines"
echo "($(nproc) cores; wrk shares them with the server under test)"
