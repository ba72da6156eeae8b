#!/usr/bin/env bash
# Size and load time of the --format html report page of a large generated dump.
#
#   scripts/bench-html.sh                 # 1G dump, 100000 distinct stacks
#   SIZE=256M STACKS=20000 scripts/bench-html.sh
#
# Generates the dump with page-owner-gen (kept in $DATA, reused), times
# `page-owner-sort report --format html`, then loads the page RUNS times in headless
# chromium: the page records in <body data-draw-ms> when its first drawing was done (ms
# since navigation start: HTML parse, JSON parse, tree build, flame graph and table drawn),
# which `--dump-dom` returns; the wall time of the whole chromium run is printed beside it.
# Prints one markdown table. Needs a release build (SKIP_BUILD=1 to reuse one) and chromium.
# Env: SIZE (1G), STACKS (100000), SEED (1), RUNS (3), DATA (bench-data), BIN (.build/release).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-1G}
STACKS=${STACKS:-100000}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
DATA=${DATA:-bench-data}
BIN=${BIN:-.build/release}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[[ -n "$CHROMIUM" ]] || { echo "bench-html.sh: chromium is missing (apt-get install chromium)" >&2; exit 1; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    echo "building release binaries" >&2
    swift build -c release >&2
fi
mkdir -p "$DATA"
dump="$DATA/po-$SIZE-$STACKS-$SEED.txt"
if [[ ! -s "$dump" ]]; then
    echo "generating $dump" >&2
    "$BIN/page-owner-gen" scale --size "$SIZE" --stacks "$STACKS" --seed "$SEED" "$dump" >&2
fi
page="$DATA/report-$SIZE-$STACKS.html"
t0=$(date +%s%N)
"$BIN/page-owner-sort" report "$dump" --format html -o "$page" 2>/dev/null
t1=$(date +%s%N)
write_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
bytes=$(stat -c %s "$page")
profile=$(mktemp -d)
draws=()
walls=()
for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s%N)
    dom=$(timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$profile" \
        --window-size=1400,1100 --dump-dom "file://$PWD/$page" 2>/dev/null)
    t1=$(date +%s%N)
    ms=$(grep -o 'data-draw-ms="[0-9.]*"' <<<"$dom" | grep -o '[0-9.]*' || true)
    [[ -n "$ms" ]] || { echo "bench-html.sh: the page did not finish drawing" >&2; exit 1; }
    draws+=("$ms")
    walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) / 1e6 }')")
done
rm -rf "$profile"
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
elements=$(grep -o 'class="f[ "]' <<<"$dom" | wc -l)
echo "| dump | stacks | page size | write (s) | drawn (ms, median of $RUNS) | chromium run (ms) | frame elements |"
echo "|---|---|---|---|---|---|---|"
echo "| $SIZE ($(stat -L -c %s "$dump") B) | $STACKS | $bytes B ($(awk -v b="$bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }')) | $write_s | $(median "${draws[@]}") | $(median "${walls[@]}") | $elements |"
