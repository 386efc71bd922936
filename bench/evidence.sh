#!/usr/bin/env bash
# Evidence uploads through the real server (streamed to disk, SHA-256 while writing, fsync'd,
# recorded with its ledger entry) beside the peer doing the same work by hand in the same run, in
# one pass as haven does: `tee COPY <FILE | sha256sum; sync COPY`. Prints MB/s and the ratio.
# Usage: bench/evidence.sh [HAVEN_BINARY] [SIZE_MB]   (a release build gives the real figures)
set -euo pipefail
HAVEN=${1:-build/haven}
SIZE_MB=${2:-1024}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/haven-bench-evidence.XXXXXX")
server=""
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

HAVEN_DEMO_SERVE=0 bash "$ROOT/scripts/demo.sh" "$HAVEN" "$T/demo" >/dev/null 2>&1
export HAVEN_DB=$T/demo/haven.db
"$HAVEN" incident add --property 1 --type staging --at 2026-11-20T14:03Z --text bench >/dev/null
TOKEN=$("$HAVEN" token add bench --role staff 2>/dev/null | tail -1)
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$T/file"
"$HAVEN" serve --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
server=$!
for _ in $(seq 1 300); do
	port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/serve.out")
	[ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
	sleep 0.1
done
URL=http://127.0.0.1:$port

now() { date +%s.%N; }
rate() { python3 -c "print('%.0f' % ($SIZE_MB / ($2 - $1)))"; }

# the files are read from the page cache in every run: read it once first
sha256sum "$T/file" >/dev/null
t0=$(now)
tee "$T/copy" <"$T/file" | sha256sum >/dev/null
sync "$T/copy"
t1=$(now)
peer=$(rate "$t0" "$t1")
rm -f "$T/copy"

t0=$(now)
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/octet-stream' \
	-X POST -T "$T/file" "$URL/api/v1/incidents/1/evidence?filename=raw.bin"
t1=$(now)
raw=$(rate "$t0" "$t1")

head -c 1 /dev/urandom >>"$T/file" # a different blob, so nothing is deduplicated
t0=$(now)
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -F "file=@$T/file" \
	"$URL/api/v1/incidents/1/evidence"
t1=$(now)
multi=$(rate "$t0" "$t1")

echo "evidence upload of $SIZE_MB MB (random bytes), one client, 127.0.0.1:"
printf '  %-44s %6s MB/s\n' "peer: tee COPY | sha256sum; sync" "$peer"
printf '  %-44s %6s MB/s  (%.2fx the peer)\n' "haven: raw body, streamed, hashed, fsync'd" "$raw" \
	"$(python3 -c "print($raw / $peer)")"
printf '  %-44s %6s MB/s  (%.2fx the peer)\n' "haven: multipart/form-data" "$multi" \
	"$(python3 -c "print($multi / $peer)")"
