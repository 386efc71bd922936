#!/usr/bin/env bash
# make check: configure the ASan+UBSan build, build everything, run every test, and close with
# one plain "N passed, N failed" line.
set -uo pipefail
B=${1:-build-check}
if [ ! -f "$B/build.ninja" ]; then
	meson setup "$B" --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
		-Dtests=enabled || exit 1
fi
ninja -C "$B" || exit 1
meson test -C "$B" --print-errorlogs --num-processes 2 | tee "$B/check.out"
rc=${PIPESTATUS[0]}
ok=$(awk '/^Ok:/ {print $2}' "$B/check.out")
bad=$(awk '/^(Fail|Timeout|Unexpected Pass):/ {s += $NF} END {print s + 0}' "$B/check.out")
echo "${ok:-0} passed, ${bad:-0} failed"
exit "$rc"
