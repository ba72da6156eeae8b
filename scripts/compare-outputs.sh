#!/usr/bin/env bash
# Writes every output of one page-owner-sort binary over the real fixtures (and, when given,
# generated dumps) into a folder, so that two builds can be compared byte for byte:
#
#   scripts/compare-outputs.sh BIN OUTDIR [GENERATED_DUMP ...]
#   diff -r OUTDIR_BEFORE OUTDIR_AFTER && echo identical
#
# Covers report in every byte format (text, csv, json, jsonl, folded, svg) by stack, by
# caller/comm, by module+allocator+node and by comm+order, with --top and --keep-offsets
# variants; diff and series of the real snapshot series; and the compatible mode with its
# main flag sets; pprof profiles (default labels, by comm, with pid/tgid labels) as their
# decompressed protobuf bytes, since the gzip framing may change while the profile does not.
set -uo pipefail
BIN=$1
OUT=$2
shift 2
FIX=${FIXTURES:-$(cd "$(dirname "$0")/../.." && pwd)/shared/fixtures}
mkdir -p "$OUT"

inputs=(
  "$FIX/k6.1-m1024/s1-boot/page_owner"
  "$FIX/k6.12-m1024/s2-workload/page_owner.zst"
  "$FIX/k7.3-m1536-numa/s2-workload/page_owner.zst"
  "$FIX/k7.3-m1536-numa/s2-workload/show_stacks"
  "$FIX/k7.3-m1536-numa/s3-after/page_owner.mode_handle.zst"
)
groupings=("stack" "caller,comm" "module,allocator,node" "comm,order")
formats=(text csv json jsonl folded svg)

. "$(dirname "$0")/compare-run.sh"

n=0
for i in "${inputs[@]}" "$@"; do
  n=$((n + 1))
  for g in "${groupings[@]}"; do
    for f in "${formats[@]}"; do
      run "report-$n-${g//,/+}-$f" report "$i" --group-by "$g" --format "$f"
    done
  done
  run "report-$n-top5" report "$i" --top 5
  run "report-$n-keep-offsets" report "$i" --format folded --keep-offsets
  run "report-$n-sort-comm" report "$i" --group-by comm,stack --sort comm,pages --format csv
  for p in "" "--group-by comm" "--pprof-labels pid,tgid"; do
    name="report-$n-pprof${p:+-${p//[ ,-]/}}"
    "$BIN" report "$i" $p --format pprof -o - 2>"$OUT/$name.err" | gzip -dc >"$OUT/$name.out"
    echo "exit ${PIPESTATUS[0]}" >>"$OUT/$name.err"
  done
  run "compat-$n-default" "$i" /dev/stdout
  run "compat-$n-m" -m "$i" /dev/stdout
  run "compat-$n-cull" --cull=st,pid,name "$i" /dev/stdout
done

for k in k6.12-m1024 k7.3-m1536-numa; do
  a="$FIX/$k/s1-boot/page_owner"
  [ -e "$a" ] || a="$a.zst"
  b="$FIX/$k/s2-workload/page_owner.zst"
  c="$FIX/$k/s3-after/page_owner.zst"
  for f in text csv json; do
    run "diff-$k-$f" diff "$a" "$b" --format "$f"
    run "diff-$k-comm-$f" diff "$a" "$b" --group-by comm --format "$f"
    run "series-$k-$f" series "$a" "$b" "$c" --format "$f"
  done
done
echo "wrote $(ls "$OUT" | wc -l) files to $OUT"
