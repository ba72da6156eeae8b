#!/usr/bin/env bash
# Throughput of page-owner-sort against wc -l and cat on generated page_owner dumps.
#
#   scripts/bench.sh                      # sizes 256M 1G 4G
#   SIZES="256M 1G" scripts/bench.sh
#   POS_CMD='.build/release/page-owner-sort report {}' scripts/bench.sh
#
# Env: SIZES (page-owner-gen sizes), STACKS (distinct stacks, 5000), SEED (1), RUNS (5: each
# time is the median of that many runs),
# POS_CMD (the command timed; {} is the input file; default
# '.build/release/page-owner-sort --cull=stacktrace {} /dev/null'),
# ZSTD_SIZE (which generated size gets the zstd -1 row; default 1G, else the last size),
# DATA (bench-data). Prints one markdown table; inputs stay in $DATA (gitignored) and are
# reused when their size already matches.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"256M 1G 4G"}
STACKS=${STACKS:-5000}
SEED=${SEED:-1}
DATA=${DATA:-bench-data}
POS_CMD=${POS_CMD:-'.build/release/page-owner-sort --cull=stacktrace {} /dev/null'}
ZSTD_SIZE=${ZSTD_SIZE:-1G}
RUNS=${RUNS:-5}

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time (for peak RSS)" >&2
    { apt-get update -qq && apt-get install -y -qq time; } >/dev/null 2>&1 || true
fi
[[ -x /usr/bin/time ]] || { echo "bench.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

echo "building release binaries" >&2
swift build -c release >&2

mkdir -p "$DATA"

# Bytes of a size like 256M / 1G / 0.25G (binary units).
to_bytes() {
    awk -v s="$1" 'BEGIN { n = s + 0; u = toupper(substr(s, length(s)));
        m = (u == "K") ? 1024 : (u == "M") ? 1048576 : (u == "G") ? 1073741824 : (u == "T") ? 1099511627776 : 1;
        printf "%.0f", n * m }'
}

# run_once CMD… : runs CMD, sets SECS (wall, ms precision), RSS_KB (peak, from GNU time)
# and ERR (its stderr); OK=0 if it failed, or skipped input as malformed (e.g. a
# compressed file read as text), since then the time measures nothing useful.
run_once() {
    local tf; tf=$(mktemp)
    local t0 t1
    OK=1
    t0=$(date +%s%N)
    if ! /usr/bin/time -f '%M' -o "$tf" "$@" >/dev/null 2>"$tf.err"; then OK=0; fi
    t1=$(date +%s%N)
    SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    RSS_KB=$(tail -n 1 "$tf" | tr -dc '0-9')
    [[ -n "$RSS_KB" ]] || RSS_KB=0
    ERR=$(head -c 4096 "$tf.err")
    if grep -qiE 'malformed|skipped' "$tf.err"; then OK=0; fi
    if [[ $OK == 0 ]]; then sed 's/^/    /' "$tf.err" | head -n 3 >&2; fi
    rm -f "$tf" "$tf.err"
}

# run_timed CMD… : run_once RUNS times (the machine is shared: one run can be off by
# 30%); SECS is the median wall time, RSS_KB the largest peak, OK=0 if any run failed.
run_timed() {
    local times=() rss=0 ok=1 i
    for ((i = 0; i < RUNS; i++)); do
        run_once "$@"
        [[ $OK == 1 ]] || ok=0
        times+=("$SECS")
        (( RSS_KB > rss )) && rss=$RSS_KB
    done
    SECS=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    RSS_KB=$rss
    OK=$ok
}


row() { # label file
    local label=$1 f=$2 bytes mb wc_s cat_s pos_s pos_rss
    bytes=$(stat -c %s "$f")
    mb=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1048576 }')
    cat "$f" >/dev/null  # warm the page cache
    run_timed wc -l "$f"; wc_s=$SECS
    run_timed cat "$f"; cat_s=$SECS
    run_timed bash -c "${POS_CMD//\{\}/$f}"; pos_s=$SECS; pos_rss=$RSS_KB
    if [[ $OK == 1 ]]; then
        awk -v l="$label" -v mb="$mb" -v w="$wc_s" -v c="$cat_s" -v p="$pos_s" -v r="$pos_rss" 'BEGIN {
            printf "| %s | %d MB | %.3f | %.3f | %.3f | %.0f | %.0f | %.1f× |\n", l, mb, w, c, p, (p > 0 ? mb / p : 0), r / 1024, (w > 0 ? p / w : 0) }'
    else
        awk -v l="$label" -v mb="$mb" -v w="$wc_s" -v c="$cat_s" 'BEGIN {
            printf "| %s | %d MB | %.3f | %.3f | n/a | n/a | n/a | n/a |\n", l, mb, w, c }'
    fi
}

files=()
for s in $SIZES; do
    f="$DATA/page_owner-$s.txt"
    want=$(to_bytes "$s")
    have=$(stat -c %s "$f" 2>/dev/null || echo 0)
    # The generator stops within one record (< 8 KiB) below the target.
    if (( have > want || have + 8192 < want )); then
        echo "generating $f" >&2
        .build/release/page-owner-gen scale --format page_owner --size "$s" --stacks "$STACKS" --seed "$SEED" "$f" >&2
    fi
    files+=("$s:$f")
done

echo
echo "page-owner-sort command: \`$POS_CMD\`; $(nproc) cores; warm page cache"
echo
echo "| input | size | wc -l s | cat s | page-owner-sort s | MB/s | peak RSS MB | ÷ wc -l |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for e in "${files[@]}"; do
    row "page_owner $STACKS stacks" "${e#*:}"
done

zsrc=""
for e in "${files[@]}"; do
    [[ ${e%%:*} == "$ZSTD_SIZE" ]] && zsrc=${e#*:}
done
[[ -n $zsrc ]] || zsrc=${files[-1]#*:}
if command -v zstd >/dev/null; then
    z="$zsrc.zst"
    if [[ ! -s $z || $z -ot $zsrc ]]; then
        echo "compressing $zsrc (zstd -1)" >&2
        zstd -q -1 -f -T0 "$zsrc" -o "$z"
    fi
    zb=$(stat -c %s "$z")
    ub=$(stat -c %s "$zsrc")
    umb=$(awk -v b="$ub" 'BEGIN { printf "%.0f", b / 1048576 }')
    # The floor: decompressing alone, with the zstd tool (one thread).
    run_timed zstd -q -d -c "$z"; zd_s=$SECS
    run_timed bash -c "${POS_CMD//\{\}/$z}"
    if [[ $OK == 1 ]]; then
        awk -v zb="$zb" -v umb="$umb" -v p="$SECS" -v r="$RSS_KB" -v zd="$zd_s" 'BEGIN {
            printf "| zstd -1 of %d MB | %d MB | – | %.3f (zstd -dc) | %.3f | %.0f (uncompressed) | %.0f | – |\n", umb, zb / 1048576, zd, p, (p > 0 ? umb / p : 0), r / 1024 }'
    else
        awk -v zb="$zb" -v umb="$umb" 'BEGIN { printf "| zstd -1 of %d MB | %d MB | – | – | n/a | n/a | n/a | – |\n", umb, zb / 1048576 }'
    fi
else
    echo "| zstd -1 | – | – | – | n/a (no zstd) | n/a | n/a | – |"
fi
