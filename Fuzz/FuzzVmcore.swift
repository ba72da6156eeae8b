// libFuzzer harness for the crash-dump readers, one binary for five targets (one compile of
// PageOwnerKit instead of five): FUZZ_TARGET=elf|kdump|vmcoreinfo|dwarf|tar picks the one the
// fuzzer drives (see Fuzz/vmcore/Fuzz*.swift). Compiled with Sources/PageOwnerKit and
// Fuzz/vmcore/*.swift by scripts/fuzz.sh (one module, no import).
#if canImport(Glibc)
import Glibc
#endif

let fuzzTarget: (UnsafePointer<UInt8>, Int) -> CInt = {
    let t = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
    switch t {
    case "elf": return fuzzELF
    case "kdump": return fuzzKdump
    case "vmcoreinfo": return fuzzVmcoreInfo
    case "dwarf": return fuzzDWARF
    case "tar": return fuzzTar
    default: fatalError("FUZZ_TARGET must be elf, kdump, vmcoreinfo, dwarf or tar (got '\(t)')")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { fuzzTarget(data, size) }
