#!/usr/bin/env bash
# What a pprof profile costs over the CSV report of the same dump (issue 15's figure):
# runs `report --group-by stack --format csv` and `report --format pprof` one after the other,
# N times, and prints the median wall time of each and the median of the paired differences
# (pairs cancel much of a shared machine's drift).
#   scripts/pprof-gap.sh [BIN] [N] [DUMP]
# DUMP defaults to the 1 GB dump of scripts/bench.sh (bench-data/page_owner-1G.txt, made when missing).
set -euo pipefail
BIN=${1:-.build/release/page-owner-sort}
N=${2:-20}
DUMP=${3:-${DATA:-bench-data}/page_owner-1G.txt}
if [ ! -f "$DUMP" ]; then
    mkdir -p "$(dirname "$DUMP")"
    .build/release/page-owner-gen scale --format page_owner --size 1G --stacks 5000 --seed 1 "$DUMP"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for _ in $(seq "$N"); do
    a=$( { /usr/bin/time -f "%e" "$BIN" report --group-by stack --format csv -o "$out/r.csv" "$DUMP" 2>&1 >/dev/null; } | tail -1)
    b=$( { /usr/bin/time -f "%e" "$BIN" report --format pprof -o "$out/r.pb.gz" "$DUMP" 2>&1 >/dev/null; } | tail -1)
    echo "$a $b"
done | python3 -c '
import statistics as st, sys
r = [tuple(map(float, l.split())) for l in sys.stdin]
a = [x for x, _ in r]; b = [y for _, y in r]; d = [y - x for x, y in r]
print(f"csv median {st.median(a):.3f} s, pprof median {st.median(b):.3f} s, "
      f"paired gap median {st.median(d):.3f} s (mean {st.mean(d):.3f}, {len(r)} pairs)")
'
