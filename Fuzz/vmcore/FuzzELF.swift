// FuzzVmcore target (FUZZ_TARGET=elf): ELFFile (headers, sections, symbols), VmcoreInfo.parse and the ELF core's
// memory map (VmcoreMemory) over any bytes. Any input must end in a value or an error, never a
// trap or a hang. Compiled with Sources/PageOwnerKit by scripts/fuzz.sh (one module, no import).

func fuzzELF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    _ = VmcoreInfo.parse(Array(raw))
    if let elf = try? ELFFile(raw) {
        for s in elf.sections { _ = elf.data(s).count }
        _ = KernelSymbols(vmlinux: elf).format(0xffff_ffff_8100_0000)
        if var d = try? DWARF(elf) { try? d.index(types: ["page_owner"], variables: ["stack_pools"], enumerators: ["PAGE_EXT_OWNER"]) }
    }
    if let file = try? MappedFile(copying: raw, name: "fuzz"), let m = try? VmcoreMemory(file) {
        for r in m.ranges.prefix(16) { _ = m.physical(r.paddr, 64) }
        _ = m.read(0xffff_ffff_ffff_fff4, 8)
        _ = m.u64(0xffff_8880_0000_0000)
    }
    return 0
}
