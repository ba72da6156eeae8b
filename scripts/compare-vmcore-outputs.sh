#!/usr/bin/env bash
# Writes the outputs of one page-owner-sort binary over the shared real vmcores (the ELF core
# and the flattened kdump-zlib file, as shipped and unpacked when given), so that two builds can
# be compared byte for byte (compare-outputs.sh covers the text dumps):
#
#   scripts/compare-vmcore-outputs.sh BIN OUTDIR [UNPACKED_VMCORE ...]
#   diff -r OUTDIR_BEFORE OUTDIR_AFTER && echo identical
#
# Covers report in every byte format by stack and by comm, --as-text, info, the compatible
# mode, --modules, and diff against the text snapshot of the same moment. The input paths
# appear in some outputs: give both builds the same ones.
set -uo pipefail
BIN=$1
OUT=$2
shift 2
SHARED=${SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
V=$SHARED/vmcore
VMLINUX=${VMLINUX:-$V/vmlinux.zst}
TEXT=$SHARED/fixtures/k6.12-m1024/s3-after/page_owner.zst
mkdir -p "$OUT"

. "$(dirname "$0")/compare-run.sh"

n=0
for i in "$V/vmcore.elf.zst" "$V/vmcore.kdump-zlib.zst" "$@"; do
  n=$((n + 1))
  for g in stack comm; do
    for f in text csv json jsonl folded svg; do
      run "report-$n-$g-$f" report "$i" --vmlinux "$VMLINUX" --group-by "$g" --format "$f"
    done
  done
  run "as-text-$n" report "$i" --vmlinux "$VMLINUX" --as-text
  run "info-$n" info "$i" --vmlinux "$VMLINUX"
  run "info-$n-bare" info "$i"
  run "compat-$n" --vmlinux "$VMLINUX" "$i" "$OUT/compat-$n.txt"
  run "modules-$n" report "$i" --vmlinux "$VMLINUX" --modules "$V/modules" --format folded
  run "diff-$n" diff "$TEXT" "$i" --vmlinux "$VMLINUX" --format csv
done
echo "wrote $(ls "$OUT" | wc -l) files to $OUT"
