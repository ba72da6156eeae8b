#!/usr/bin/env bash
# Per-sample cost of `record` on a generated show_handles tree: CPU time of reading and
# storing one sample (median of COUNT samples, from `record --verbose`, which reads
# CLOCK_PROCESS_CPUTIME_ID around each sample: user + system time), at 1,000 and 100,000
# handles; cross-checked with getrusage (user + system of the child) of a
# COUNT-sample run minus a 1-sample run, over COUNT - 1. Release build: swift build -c release.
#   scripts/bench-record.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-30}
BIN=.build/release/page-owner-sort
[ -x "$BIN" ] || { echo "build first: swift build -c release" >&2; exit 2; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
echo "| handles | show_handles bytes | CPU per sample ms (median) | read ms (median) | CPU per sample ms (getrusage) | archive bytes per sample |"
echo "|---:|---:|---:|---:|---:|---:|"
# User + system CPU seconds of running "$@" (getrusage of the finished child).
cpu() { python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stderr=subprocess.DEVNULL, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN); print(r.ru_utime + r.ru_stime)' "$@"; }
for N in 1000 100000; do
  T=$W/t$N; mkdir -p "$T/page_owner_stacks"
  # show_handles: N handles; show_stacks_handles: a stack for each, so samples find no new handle.
  python3 - "$N" "$T/page_owner_stacks" <<'PY'
import sys, random
n = int(sys.argv[1]); d = sys.argv[2]; r = random.Random(1)
with open(d + "/show_handles", "w") as h, open(d + "/show_stacks_handles", "w") as s:
    for i in range(n):
        handle = 1048577 + i * 64
        h.write(f"handle: {handle}\nnr_base_pages: {r.randint(1, 4096)}\n\n")
        frames = "".join(f" fn_{r.randint(0, 5000)}+0x{r.randint(16, 4095):x}/0x1000\n" for _ in range(r.randint(8, 24)))
        s.write(f"{frames}handle: {handle}\n\n")
PY
  "$BIN" record --debugfs "$T" --source show_handles --count "$COUNT" --interval 1ms -o "$W/r$N.tar.zst" --verbose 2>"$W/log$N"
  cpu=$(grep '^sample ' "$W/log$N" | sed -E 's/.*CPU ([0-9.]+) ms.*/\1/' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  rd=$(grep '^sample ' "$W/log$N" | sed -E 's/.*read ([0-9.]+) ms.*/\1/' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  size=$(stat -c %s "$T/page_owner_stacks/show_handles")
  one=$(cpu "$BIN" record --debugfs "$T" --source show_handles --count 1 --interval 1ms -o "$W/one$N.tar.zst")
  all=$(cpu "$BIN" record --debugfs "$T" --source show_handles --count "$COUNT" --interval 1ms -o "$W/all$N.tar.zst")
  ru=$(python3 -c "print(($all - $one) * 1000 / ($COUNT - 1))")
  arch=$(( $(stat -c %s "$W/all$N.tar.zst") - $(stat -c %s "$W/one$N.tar.zst") ))
  printf '| %d | %d | %.3f | %.3f | %.3f | %d |\n' "$N" "$size" "$cpu" "$rd" "$ru" "$((arch / (COUNT - 1)))"
done
