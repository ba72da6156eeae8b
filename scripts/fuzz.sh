#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses in Fuzz/ (parser, decompression).
#   scripts/fuzz.sh [seconds-per-harness]     (default 120)
# Each harness is compiled with the PageOwnerKit sources directly into one module:
#   swiftc -sanitize=fuzzer,address -parse-as-library Fuzz/X.swift Sources/PageOwnerKit/**/*.swift
# CShims (every .c file) is compiled with clang; CZstd/CZlib/CLzo/CSnappy come from their module maps (libzstd-dev, zlib1g-dev, liblzo2-dev, libsnappy-dev).
# Crashes are written to .fuzz/<harness>/crash-*; turn each into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
out=.fuzz
mkdir -p "$out/shims"
# A module map for CShims so the sources' `import CShims` resolves.
cat > "$out/shims/module.modulemap" <<MM
module CShims {
    header "$PWD/Sources/CShims/include/cshims.h"
    export *
}
MM
shims=()
for c in Sources/CShims/*.c; do
  o="$out/$(basename "$c" .c).o"
  clang -c -O1 -fsanitize=fuzzer-no-link,address -I Sources/CShims/include "$c" -o "$o"
  shims+=("$o")
done
mapfile -t kit < <(find Sources/PageOwnerKit -name '*.swift' | sort)
for h in FuzzParser FuzzDecompress; do
  swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name PageOwnerFuzz \
    -I "$out/shims" -I Sources/CZstd -I Sources/CZlib -I Sources/CLzo -I Sources/CSnappy \
    "Fuzz/$h.swift" "${kit[@]}" "${shims[@]}" -lzstd -lz -llzo2 -lsnappy -o "$out/$h.bin"
  mkdir -p "$out/$h/corpus" "$out/$h/artifacts"
  if [ "$h" = FuzzParser ]; then
    head -c 20000 Fixtures/k6.12-m1024/s1-boot/page_owner > "$out/$h/corpus/seed-page_owner"
    head -c 4000 Fixtures/k6.12-m1024/s1-boot/show_stacks > "$out/$h/corpus/seed-show_stacks"
  else
    head -c 20000 Fixtures/k6.12-m1024/s1-boot/page_owner | zstd -q -c > "$out/$h/corpus/seed.zst" || true
    head -c 20000 Fixtures/k6.12-m1024/s1-boot/page_owner | gzip -c > "$out/$h/corpus/seed.gz" || true
  fi
  "$out/$h.bin" -max_total_time="$secs" -max_len="${MAX_LEN:-4096}" -rss_limit_mb=2048 -artifact_prefix="$out/$h/artifacts/" "$out/$h/corpus" \
    2>&1 | tee "$out/$h.log" | grep -E '^#[0-9]+ +(DONE|pulse)|ERROR|crash' || true
done
