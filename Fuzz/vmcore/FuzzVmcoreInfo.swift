// FuzzVmcore target (FUZZ_TARGET=vmcoreinfo): VMCOREINFO, as an ELF note (VmcoreInfo.parse) and as text (addEntries),
// and the kernel placement read from it (VmcoreMemory.applyInfo).

func fuzzVmcoreInfo(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let v = VmcoreInfo.parse(bytes) {
        _ = v.memoryBytes
        _ = v["OSRELEASE"]
    }
    var v = VmcoreInfo()
    v.addEntries(String(decoding: bytes, as: UTF8.self))
    _ = v["NUMBER(SECTION_SIZE_BITS)"]
    return 0
}
