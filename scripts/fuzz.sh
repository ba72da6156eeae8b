#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses in Fuzz/.
#   scripts/fuzz.sh [seconds-per-harness]     (default 120)
#   HARNESSES="FuzzVmcore:elf FuzzVmcore:tar" RUNS=2000000 scripts/fuzz.sh   (some; stop after RUNS executions)
# Harnesses: FuzzParser (text parser), FuzzDecompress (zstd, gzip) and FuzzVmcore's targets:
# elf (ELF files, ELF vmcores), kdump (kdump and flattened kdump files), vmcoreinfo, dwarf, tar.
# Each harness is compiled with the PageOwnerKit sources directly into one module:
#   swiftc -sanitize=fuzzer,address -parse-as-library Fuzz/X.swift Sources/PageOwnerKit/**/*.swift
# CShims (every .c file) is compiled with clang; CZstd/CZlib/CLzo/CSnappy come from their module maps (libzstd-dev, zlib1g-dev, liblzo2-dev, libsnappy-dev).
# Seeds are small slices of the fixtures and of the real dumps in ../shared/vmcore (headers,
# not whole dumps; skipped when absent).
# Crashes are written to .fuzz/<harness>/artifacts/crash-*; turn each into a regression test.
# Each run's log (executions at the end) is .fuzz/<harness>.log (FuzzVmcore-elf.log, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
out=.fuzz
vm=../shared/vmcore
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
# PageOwnerKit imports SwiftProtobuf (pprof output): its module and objects come from the
# release build (run `swift build -c release` first), copied aside and linked uninstrumented.
pb=.build/release
if [ ! -f "$pb/Modules/SwiftProtobuf.swiftmodule" ]; then
  echo "fuzz.sh: SwiftProtobuf is needed: run swift build -c release first" >&2
  exit 1
fi
mkdir -p "$out/protobuf"
cp "$pb/Modules/SwiftProtobuf.swiftmodule" "$out/protobuf/"
cp "$pb"/SwiftProtobuf.build/*.o "$out/protobuf/"

# Seeds from the real dumps: unpacked once into $out/vmcore.
seed_vmcore() {
  [ -f "$vm/vmlinux.zst" ] || return 0
  mkdir -p "$out/vmcore"
  [ -f "$out/vmcore/elf-head" ] || zstd -dcq "$vm/vmcore.elf.zst" | head -c 65536 > "$out/vmcore/elf-head" || true
  [ -f "$out/vmcore/flat-head" ] || zstd -dcq "$vm/vmcore.kdump-zlib.zst" | head -c 262144 > "$out/vmcore/flat-head" || true
  [ -f "$out/vmcore/vmlinux-head" ] || zstd -dcq "$vm/vmlinux.zst" | head -c 4096 > "$out/vmcore/vmlinux-head" || true
}
seed_vmcore

# FuzzVmcore is one binary for five targets (elf, kdump, vmcoreinfo, dwarf, tar): a harness
# name FuzzVmcore:T runs it with FUZZ_TARGET=T.
built=" "
for h in ${HARNESSES:-FuzzParser FuzzDecompress FuzzVmcore:elf FuzzVmcore:kdump FuzzVmcore:vmcoreinfo FuzzVmcore:dwarf FuzzVmcore:tar}; do
  bin=${h%%:*}
  target=${h#*:}
  [ "$target" = "$h" ] && target=
  if [[ "$built" != *" $bin "* ]]; then
    extra=()
    [ "$bin" = FuzzVmcore ] && extra=(Fuzz/vmcore/*.swift)
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name PageOwnerFuzz \
      -I "$out/shims" -I "$out/protobuf" -I Sources/CZstd -I Sources/CZlib -I Sources/CLzo -I Sources/CSnappy \
      "Fuzz/$bin.swift" "${extra[@]}" "${kit[@]}" "${shims[@]}" "$out"/protobuf/*.o -lzstd -lz -llzo2 -lsnappy -o "$out/$bin.bin"
    built+="$bin "
  fi
  h=${h/:/-}
  c="$out/$h/corpus"
  mkdir -p "$c" "$out/$h/artifacts"
  maxlen=${MAX_LEN:-4096}
  case $h in
    FuzzParser)
      head -c 20000 Fixtures/k6.12-m1024/s1-boot/page_owner > "$c/seed-page_owner"
      head -c 4000 Fixtures/k6.12-m1024/s1-boot/show_stacks > "$c/seed-show_stacks" ;;
    FuzzDecompress)
      head -c 20000 Fixtures/k6.12-m1024/s1-boot/page_owner | zstd -q -c > "$c/seed.zst" || true
      head -c 20000 Fixtures/k6.12-m1024/s1-boot/page_owner | gzip -c > "$c/seed.gz" || true ;;
    FuzzVmcore-elf)
      maxlen=${MAX_LEN:-65536}
      [ -f "$out/vmcore/elf-head" ] && head -c 8192 "$out/vmcore/elf-head" > "$c/seed-vmcore-head"
      # small real ELF objects: the unstripped modules of the same kernel
      for m in crc16 crc32c_generic; do
        if [ -f "$vm/modules/$m.ko.zst" ]; then zstd -dcq "$vm/modules/$m.ko.zst" | head -c 65536 > "$c/seed-$m.ko" || true; fi
      done ;;
    FuzzVmcore-kdump)
      maxlen=${MAX_LEN:-262144}
      [ -f "$out/vmcore/flat-head" ] && cp "$out/vmcore/flat-head" "$c/seed-flat" ;;
    FuzzVmcore-vmcoreinfo)
      maxlen=${MAX_LEN:-16384}
      [ -f "$out/vmcore/elf-head" ] && head -c 16384 "$out/vmcore/elf-head" > "$c/seed-note" ;;
    FuzzVmcore-dwarf)
      maxlen=${MAX_LEN:-8192}
      # a small unit (the shape VmcoreCorruptionTests builds): split byte, abbrev, info
      printf '\x77\x01\x11\x01\x00\x00\x02\x13\x01\x03\x08\x01\x13\x0b\x21\x10\x00\x00\x00\x11\x00\x00\x00\x04\x00\x00\x00\x00\x00\x08\x01\x02\x73\x00\x12\x00\x00\x00\x00\x00' > "$c/seed-unit" ;;
    FuzzVmcore-tar)
      tmpd=$(mktemp -d)
      head -c 3000 Fixtures/k6.12-m1024/s1-boot/page_owner > "$tmpd/page_owner"
      head -c 1000 Fixtures/k6.12-m1024/s1-boot/show_stacks > "$tmpd/a-very-long-name-$(printf 'x%.0s' {1..120})"
      tar -C "$tmpd" -cf "$c/seed-gnu.tar" --format=gnu . 2>/dev/null || true
      tar -C "$tmpd" -cf "$c/seed-pax.tar" --format=pax . 2>/dev/null || true
      rm -rf "$tmpd" ;;
  esac
  runs=()
  [ -n "${RUNS:-}" ] && runs=(-runs="$RUNS")
  FUZZ_TARGET=$target "$out/$bin.bin" -max_total_time="$secs" "${runs[@]}" -max_len="$maxlen" -rss_limit_mb=2048 -timeout=30 \
    -artifact_prefix="$out/$h/artifacts/" "$c" \
    2>&1 | tee "$out/$h.log" | grep -E '^#[0-9]+ +(DONE|pulse)|ERROR|crash|Done' || true
done
