#!/usr/bin/env bash
# Throughput of page-owner-sort against wc -l and cat on generated page_owner dumps.
#
#   scripts/bench.sh                      # sizes 256M 1G 4G
#   SIZES="256M 1G" scripts/bench.sh
#   POS_CMD='.build/release/page-owner-sort {} /dev/null' scripts/bench.sh   # compatible mode
#
# Each row times wc -l, cat, the command with all threads and with PAGE_OWNER_SORT_THREADS=1,
# in turn, RUNS rounds, and prints medians; the zstd row adds `zstd -dc` alone (the floor)
# and the plain file again, for the zstd/plain ratio.
#
# Env: SIZES (page-owner-gen sizes; empty skips the throughput table), STACKS (distinct stacks, 5000), SEED (1), RUNS (5),
# POS_CMD (the command timed; {} is the input file; default
# '.build/release/page-owner-sort report {} -o /dev/null': aggregate by stack),
# ZSTD_SIZE (which generated size gets the zstd -1 row; default 1G, else the last size),
# DATA (bench-data). Prints one markdown table; inputs stay in $DATA (gitignored) and are
# reused when their size already matches.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES-"256M 1G 4G"}
STACKS=${STACKS:-5000}
SEED=${SEED:-1}
DATA=${DATA:-bench-data}
POS_CMD=${POS_CMD:-'.build/release/page-owner-sort report {} -o /dev/null'}
ZSTD_SIZE=${ZSTD_SIZE:-1G}
RUNS=${RUNS:-5}

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time (for peak RSS)" >&2
    { apt-get update -qq && apt-get install -y -qq time; } >/dev/null 2>&1 || true
fi
[[ -x /usr/bin/time ]] || { echo "bench.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    echo "building release binaries" >&2
    swift build -c release >&2
fi

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

# median V… : the middle value.
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# The machine is shared and one run can be off by 30%: each row runs its commands in turn,
# RUNS rounds, and reports medians, so that every ratio compares runs made side by side.
row() { # label file
    local label=$1 f=$2 bytes mb i ok=1 rss=0 rss1=0
    local w=() c=() p=() p1=()
    bytes=$(stat -c %s "$f")
    mb=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1048576 }')
    cat "$f" >/dev/null  # warm the page cache
    for ((i = 0; i < RUNS; i++)); do
        run_once wc -l "$f"; w+=("$SECS")
        run_once cat "$f"; c+=("$SECS")
        run_once bash -c "${POS_CMD//\{\}/$f}"; [[ $OK == 1 ]] || ok=0; p+=("$SECS"); (( RSS_KB > rss )) && rss=$RSS_KB
        run_once env PAGE_OWNER_SORT_THREADS=1 bash -c "${POS_CMD//\{\}/$f}"; [[ $OK == 1 ]] || ok=0; p1+=("$SECS")
        (( RSS_KB > rss1 )) && rss1=$RSS_KB
    done
    local ws cs ps p1s
    ws=$(median "${w[@]}"); cs=$(median "${c[@]}"); ps=$(median "${p[@]}"); p1s=$(median "${p1[@]}")
    if [[ $ok == 1 ]]; then
        awk -v l="$label" -v mb="$mb" -v w="$ws" -v c="$cs" -v p="$ps" -v q="$p1s" -v r="$rss" -v r1="$rss1" 'BEGIN {
            printf "| %s | %d MB | %.3f | %.3f | %.3f | %.0f | %.1f× | %.3f | %.0f | %.2f× | %.0f / %.0f |\n", l, mb, w, c, p, mb / p, p / w, q, mb / q, q / p, r / 1024, r1 / 1024 }'
    else
        echo "| $label | $mb MB | $ws | $cs | n/a | n/a | n/a | n/a | n/a | n/a | n/a |"
    fi
}

if [[ -n $SIZES ]]; then
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
echo "| input | size | wc -l s | cat s | page-owner-sort s | MB/s | ÷ wc -l | one thread s | MB/s | speed-up | peak RSS MB (all / one) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
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
    # The floor: decompressing alone, with the zstd tool (one thread); and the plain file
    # again, in the same rounds, for the ratio.
    zd=() zp=() zp1=() pp=() zrss=0 zrss1=0 zok=1
    for ((i = 0; i < RUNS; i++)); do
        run_once zstd -q -d -c "$z"; zd+=("$SECS")
        run_once bash -c "${POS_CMD//\{\}/$z}"; [[ $OK == 1 ]] || zok=0; zp+=("$SECS"); (( RSS_KB > zrss )) && zrss=$RSS_KB
        run_once env PAGE_OWNER_SORT_THREADS=1 bash -c "${POS_CMD//\{\}/$z}"; [[ $OK == 1 ]] || zok=0; zp1+=("$SECS")
        (( RSS_KB > zrss1 )) && zrss1=$RSS_KB
        run_once bash -c "${POS_CMD//\{\}/$zsrc}"; pp+=("$SECS")
    done
    if [[ $zok == 1 ]]; then
        awk -v zb="$zb" -v umb="$umb" -v d="$(median "${zd[@]}")" -v p="$(median "${zp[@]}")" -v q="$(median "${zp1[@]}")" \
            -v pl="$(median "${pp[@]}")" -v r="$zrss" -v r1="$zrss1" 'BEGIN {
            printf "| zstd -1 of %d MB (%d MB) | %d MB | – | %.3f (zstd -dc) | %.3f | %.0f | %.0f%% of plain (%.3f s) | %.3f | %.0f | %.2f× | %.0f / %.0f |\n",
                umb, zb / 1048576, umb, d, p, umb / p, 100 * pl / p, pl, q, umb / q, q / p, r / 1024, r1 / 1024 }'
    else
        echo "| zstd -1 of $umb MB | – | – | – | n/a | n/a | n/a | n/a | n/a | n/a | n/a |"
    fi
else
    echo "| zstd -1 | – | – | – | n/a (no zstd) | n/a | n/a | n/a | n/a | n/a | n/a |"
fi
fi

# Scale: the same 1 GB with more distinct stacks (issue 14). Each row times `report` by stack
# in CSV, folded, text and JSON on a SCALE_SIZE dump of N stacks, the kernel-style naive awk
# summing folded stacks, and gives peak RSS, each format's ratio to the first row's and the
# per-stack memory budget (64 MiB + 256 bytes a stack) the peaks are held to.
# Env: STACK_ROWS ("5000 50000 200000 1000000"; empty skips), SCALE_SIZE (1G), SCALE_RUNS (3).
STACK_ROWS=${STACK_ROWS-"5000 50000 200000 1000000"}
SCALE_SIZE=${SCALE_SIZE:-1G}
SCALE_RUNS=${SCALE_RUNS:-3}
if [[ -n $STACK_ROWS ]]; then
    awkf=$(mktemp)
    cat >"$awkf" <<'AWK'
/^Page allocated/ { match($0, /order [0-9]+/); n = 2 ^ substr($0, RSTART + 6, RLENGTH - 6); s = ""; instack = 0; next }
/^ / { s = s ";" $1; instack = 1; next }
/^$/ { if (instack) { pages[s] += n }; s = ""; instack = 0 }
END { for (k in pages) print k, pages[k] }
AWK
    echo
    echo "Scale: report by stack of $SCALE_SIZE dumps with N distinct stacks (medians of $SCALE_RUNS; s and peak RSS MiB)"
    echo
    echo "| stacks | CSV s | MiB | folded s | MiB | text s | MiB | JSON s | MiB | naive awk s | MiB | ÷ first row (CSV / folded / text / JSON) | budget MiB |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    declare -A first=()
    for n in $STACK_ROWS; do
        f="$DATA/page_owner-$SCALE_SIZE-$n-stacks.txt"
        if [[ ! -s $f ]]; then
            echo "generating $f" >&2
            .build/release/page-owner-gen scale --format page_owner --size "$SCALE_SIZE" --stacks "$n" --seed "$SEED" "$f" >&2
        fi
        cat "$f" >/dev/null
        line="| $n"
        ratios=""
        for fmt in csv folded text json awk; do
            t=() rss=0
            for ((i = 0; i < SCALE_RUNS; i++)); do
                if [[ $fmt == awk ]]; then
                    run_once awk -f "$awkf" "$f"
                else
                    run_once .build/release/page-owner-sort report "$f" --format "$fmt" -o /dev/null
                fi
                t+=("$SECS")
                (( RSS_KB > rss )) && rss=$RSS_KB
            done
            m=$(median "${t[@]}")
            line="$line | $m | $((rss / 1024))"
            if [[ $fmt != awk ]]; then
                [[ -n ${first[$fmt]:-} ]] || first[$fmt]=$m
                ratios="$ratios${ratios:+ / }$(awk -v a="$m" -v b="${first[$fmt]}" 'BEGIN { printf "%.2f×", a / b }')"
            fi
        done
        line="$line | $ratios | $(awk -v n="$n" 'BEGIN { printf "%.1f", 64 + n * 256 / 1048576 }') |"
        echo "$line"
    done
    rm -f "$awkf"
fi

# Vmcore (issue 14): `report` of the shared real vmcores (ELF core and flattened kdump-zlib, as
# shipped .zst and unpacked) against the report of the text snapshot of the same moment; cold
# = an empty vmlinux cache (the facts are read from the vmlinux's DWARF and written), warm = the
# cache written by an earlier run. Opt-in: VMCORE_ROWS=1 (needs ../shared/vmcore).
# Env: VMCORE_DIR (../shared/vmcore), VMCORE_TEXT (its s3-after page_owner.zst), VMCORE_RUNS (5),
# VMCORE_BIN (the binary timed; .build/release/page-owner-sort). SKIP_BUILD=1 skips the build.
if [[ ${VMCORE_ROWS:-0} == 1 ]]; then
    V=${VMCORE_DIR:-../shared/vmcore}
    T=${VMCORE_TEXT:-../shared/fixtures/k6.12-m1024/s3-after/page_owner.zst}
    VRUNS=${VMCORE_RUNS:-5}
    U="$DATA/vmcore"
    mkdir -p "$U"
    for n in vmcore.elf vmcore.kdump-zlib vmlinux; do
        [[ -s $U/$n ]] || { echo "unpacking $V/$n.zst" >&2; zstd -q -d -f "$V/$n.zst" -o "$U/$n"; }
    done
    [[ -s $U/page_owner ]] || zstd -q -d -f "$T" -o "$U/page_owner"
    POS=${VMCORE_BIN:-.build/release/page-owner-sort}
    warm=$(mktemp -d)
    # vrow LABEL CMD… : medians of VRUNS cold and warm runs; sets VS (warm s) for the ratio.
    vrow() {
        local label=$1 i c=() w=() rc=0 rw=0 cold
        shift
        run_once env PAGE_OWNER_SORT_CACHE_DIR="$warm" "$@"  # writes the warm cache
        for ((i = 0; i < VRUNS; i++)); do
            cold=$(mktemp -d)
            run_once env PAGE_OWNER_SORT_CACHE_DIR="$cold" "$@"; c+=("$SECS"); (( RSS_KB > rc )) && rc=$RSS_KB
            rm -rf "$cold"
            run_once env PAGE_OWNER_SORT_CACHE_DIR="$warm" "$@"; w+=("$SECS"); (( RSS_KB > rw )) && rw=$RSS_KB
        done
        awk -v l="$label" -v c="$(median "${c[@]}")" -v w="$(median "${w[@]}")" -v t="$TS" -v rc="$rc" -v rw="$rw" 'BEGIN {
            printf "| %s | %.3f | %.1f× | %.0f | %.3f | %.1f× | %.0f |\n", l, c, c / t, rc / 1024, w, w / t, rw / 1024 }'
    }
    t=() trss=0
    for ((i = 0; i < VRUNS; i++)); do run_once "$POS" report "$T"; t+=("$SECS"); (( RSS_KB > trss )) && trss=$RSS_KB; done
    TS=$(median "${t[@]}")
    tu=()
    for ((i = 0; i < VRUNS; i++)); do run_once "$POS" report "$U/page_owner"; tu+=("$SECS"); done
    echo
    echo "Vmcore: \`report\` of the shared vmcores (1 GiB guest) vs its text snapshot \`report\` ($(median "${tu[@]}") s unpacked, $TS s .zst, $((trss / 1024)) MB); medians of $VRUNS; ratios to the .zst text"
    echo
    echo "| input | cold s | ÷ text | cold RSS MB | warm s | ÷ text | warm RSS MB |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    vrow "ELF core .zst (1.09 GB raw)" "$POS" report "$V/vmcore.elf.zst" --vmlinux "$V/vmlinux.zst"
    vrow "kdump-zlib flattened .zst" "$POS" report "$V/vmcore.kdump-zlib.zst" --vmlinux "$V/vmlinux.zst"
    vrow "ELF core, unpacked" "$POS" report "$U/vmcore.elf" --vmlinux "$U/vmlinux"
    vrow "kdump-zlib flattened, unpacked" "$POS" report "$U/vmcore.kdump-zlib" --vmlinux "$U/vmlinux"
    rm -rf "$warm"
fi
