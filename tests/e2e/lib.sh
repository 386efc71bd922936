#!/usr/bin/env bash
# Shared helpers for end-to-end tests: the real haven binary, a fresh store per test, and a
# closing "N passed, N failed" line.
set -uo pipefail

HAVEN=${HAVEN_BIN:?HAVEN_BIN must name the haven binary}
DATA=${HAVEN_SHARED_DATA:?HAVEN_SHARED_DATA must name ../shared/data}
CHI=$DATA/chicago
T=$(mktemp -d "${TMPDIR:-/tmp}/haven-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
export HAVEN_DB=$T/haven.db
n_pass=0
n_fail=0
current=""

begin() {
	current=$1
}

pass() {
	n_pass=$((n_pass + 1))
	echo "ok   - $current${1:+: $1}"
}

fail() {
	n_fail=$((n_fail + 1))
	echo "FAIL - $current: $*"
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# run_haven EXPECTED_EXIT ARGS...: runs haven, keeps stdout in $T/out and stderr in $T/err
run_haven() {
	local want=$1
	shift
	"$HAVEN" "$@" >"$T/out" 2>"$T/err"
	local got=$?
	if [ "$got" != "$want" ]; then
		fail "haven $* exited $got, expected $want"
		sed 's/^/    stderr: /' "$T/err" | head -20
		sed 's/^/    stdout: /' "$T/out" | head -20
		return 1
	fi
	return 0
}

# err_has TEXT: the last command's stderr contains TEXT
err_has() {
	if grep -qF -- "$1" "$T/err"; then pass "message names: $1"; else
		fail "stderr lacks \"$1\": $(head -c 400 "$T/err")"; fi
}

out_has() {
	if grep -qF -- "$1" "$T/out"; then pass "output has: $1"; else
		fail "stdout lacks \"$1\": $(head -c 400 "$T/out")"; fi
}

# eq DESCRIPTION GOT WANT
eq() {
	if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got $2, want $3"; fi
}

# json EXPR: evaluates a Python expression over the last stdout parsed as JSON (as `j`)
json() {
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$T/out"
}

dump() {
	sqlite3 "$HAVEN_DB" .dump
}

finish() {
	echo "$n_pass passed, $n_fail failed"
	[ "$n_fail" -eq 0 ]
}

# start_server [serve options]: starts `haven serve` on a free loopback port and waits until
# /healthz answers; sets $server (pid), $port and $URL. A server that does not come up ends the
# test as failed.
start_server() {
	"$HAVEN" serve --listen 127.0.0.1:0 "$@" >"$T/serve.out" 2>"$T/serve.err" &
	server=$!
	port=""
	for _ in $(seq 1 300); do
		port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/serve.out")
		[ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
		sleep 0.1
	done
	if [ -z "$port" ]; then
		fail "the server did not start"
		cat "$T/serve.err"
		kill "$server" 2>/dev/null
		finish
		exit 1
	fi
	pass "listening on port $port"
	URL=http://127.0.0.1:$port
}

# Puts a new sign up on property $1 through the signs module's own commands (issue, assign,
# install: the sign_event entries a real install writes) and prints the install's ledger seq.
# The GPS fix is not the test's point: the install carries a written reason.
install_sign() {
	local pid=$1 serial
	serial=$("$HAVEN" signs issue --property "$pid" --json |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["signs"][0]["serial"])') ||
		return 1
	"$HAVEN" signs assign "$serial" --to-kind department --to Facilities >/dev/null || return 1
	"$HAVEN" signs install "$serial" --installer "test crew" --lat 0 --lon 0 \
		--reason "test fixture: position not checked" >/dev/null || return 1
	sqlite3 "$HAVEN_DB" "select max(seq) from ledger_entries where kind = 'sign_event'"
}
