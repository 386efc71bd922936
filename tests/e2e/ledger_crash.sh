#!/usr/bin/env bash
# Crash durability of the ledger's group commit: 4 writers append through the committer, each
# acknowledged entry is printed only after its batch committed; the process is killed with
# SIGKILL mid-stream, three times over the same store. Every acknowledged entry must then be
# there with its exact body, and `haven verify` (checkpoints signed every 200 ms included) passes.
. "$(dirname "$0")/lib.sh"
WRITER=${1:?usage: ledger_crash.sh PATH_TO_ledger_crash_writer}

run_haven 0 init
run_haven 0 ledger keygen --key "$T/k" --name haven.test/ledger
cp "$T/out" "$T/k.pub"
: >"$T/acked"
for round in 1 2 3; do
	begin "round $round: kill -9 while 4 writers append"
	"$WRITER" "$HAVEN_DB" "$T/k" 4 >>"$T/acked" 2>"$T/writer.err" &
	pid=$!
	sleep 2
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	check "the writer was running until killed" test ! -s "$T/writer.err"
	n=$(wc -l <"$T/acked")
	check "entries were acknowledged ($n so far)" test "$n" -gt 0
done

begin "after the crashes"
sqlite3 -separator ' ' "$HAVEN_DB" \
	"SELECT seq, CAST(substr(entry, instr(entry, '{')) AS TEXT) FROM ledger_entries" | sort >"$T/stored"
# the last line may be cut mid-write by the kill: keep whole lines only
grep -E '^[0-9]+ \{"writer":[0-9]+,"n":[0-9]+\}$' "$T/acked" | sort >"$T/acked.whole"
missing=$(comm -23 "$T/acked.whole" "$T/stored" | wc -l)
eq "acknowledged entries missing or different after kill -9" "$missing" 0
check "seqs are unique" test "$(cut -d' ' -f1 "$T/acked.whole" | sort | uniq -d | wc -l)" = 0
run_haven 0 verify --pubkey "$T/k.pub"
out_has "signatures verified"
run_haven 0 ledger checkpoint
check "a checkpoint was signed" test -s "$T/out"
finish
