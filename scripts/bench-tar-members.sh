#!/usr/bin/env bash
# Cost per archive member: times `report`, `series` and `info` on tar archives of many tiny
# page_owner members (issue 18: "100,000 tiny members do not finish in 120 s"). Each member
# is a few consecutive records of a real fixture dump (k6.12-m1024 s2-workload), taken in
# turn through the dump, so members share stacks the way snapshots of one machine do.
#
#   scripts/bench-tar-members.sh                 # 16000 and 100000 members
#   MEMBERS="1000 16000" RECORDS=5 scripts/bench-tar-members.sh
#
# Env: MEMBERS (archive sizes, "16000 100000"), RECORDS (records a member, 3),
# BIN (.build/release/page-owner-sort; built with `swift build -c release` when missing),
# DATA (bench-data), TIMEOUT (seconds a command may run, 300).
# Prints one markdown table: wall seconds and peak RSS of each command, and its exit status.
set -euo pipefail
cd "$(dirname "$0")/.."

MEMBERS=${MEMBERS:-"16000 100000"}
RECORDS=${RECORDS:-3}
BIN=${BIN:-.build/release/page-owner-sort}
DATA=${DATA:-bench-data}
TIMEOUT=${TIMEOUT:-300}
FIXTURE=../shared/fixtures/k6.12-m1024/s2-workload/page_owner.zst

[[ -x /usr/bin/time ]] || { echo "bench-tar-members.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
if [[ ! -x "$BIN" ]]; then
    echo "building release binaries" >&2
    swift build -c release >&2
fi
mkdir -p "$DATA"

# make_tar N: $DATA/members-N-R.tar, N members of RECORDS records each (reused when present).
make_tar() {
    local n=$1 out="$DATA/members-$1-$RECORDS.tar"
    if [[ ! -s "$out" ]]; then
        zstd -dc "$FIXTURE" | python3 -c '
import io, sys, tarfile
n, per, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
recs = [r for r in sys.stdin.buffer.read().split(b"\n\n") if r.strip()]
with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as t:
    for i in range(n):
        k = (i * per) % len(recs)
        body = b"\n\n".join(recs[(k + j) % len(recs)] for j in range(per)) + b"\n\n"
        info = tarfile.TarInfo("snap/s%06d" % i)
        info.size = len(body)
        info.mtime = 1700000000
        t.addfile(info, io.BytesIO(body))
' "$n" "$RECORDS" "$out.part"
        mv "$out.part" "$out"
    fi
    echo "$out"
}

echo "| members | command | wall s | peak RSS MB | exit |"
echo "|---:|---|---:|---:|---:|"
for n in $MEMBERS; do
    tar=$(make_tar "$n")
    for cmd in "report -o /dev/null" "series -o /dev/null" "info"; do
        tf=$(mktemp)
        t0=$(date +%s%N)
        rc=0
        # shellcheck disable=SC2086
        /usr/bin/time -f '%M' -o "$tf" timeout "$TIMEOUT" "$BIN" $cmd "$tar" >/dev/null 2>"$tf.err" || rc=$?
        t1=$(date +%s%N)
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
        rss=$(tail -n 1 "$tf" | tr -dc '0-9')
        [[ $rc == 124 ]] && secs=">$TIMEOUT"
        echo "| $n | ${cmd%% *} | $secs | $(( ${rss:-0} / 1024 )) | $rc |"
        rm -f "$tf" "$tf.err"
    done
done
