// FuzzVmcore target (FUZZ_TARGET=dwarf): the DWARF reader. The input is split in two (its first byte gives the
// split, in 1/256ths) into `.debug_abbrev` and `.debug_info` of a small ELF made here; the
// reader indexes it and looks up members, sizes and variables as VmcorePageOwner does.
func dwarfTestELF(info: [UInt8], abbrev: [UInt8]) -> [UInt8] {
    func put(_ b: inout [UInt8], _ at: Int, _ v: UInt64, _ n: Int) {
        for i in 0..<n { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }
    let names: [UInt8] = Array("\0.debug_info\0.debug_abbrev\0.shstrtab\0".utf8)
    var b = [UInt8](repeating: 0, count: 64)
    b[0] = 0x7f
    b[1] = 0x45
    b[2] = 0x4c
    b[3] = 0x46
    b[4] = 2
    b[5] = 1
    let infoAt = b.count
    b += info
    let abbrevAt = b.count
    b += abbrev
    let namesAt = b.count
    b += names
    let shoff = b.count
    func section(_ name: Int, _ type: UInt32, _ off: Int, _ size: Int) -> [UInt8] {
        var s = [UInt8](repeating: 0, count: 64)
        put(&s, 0, UInt64(name), 4)
        put(&s, 4, UInt64(type), 4)
        put(&s, 24, UInt64(off), 8)
        put(&s, 32, UInt64(size), 8)
        return s
    }
    b += section(0, 0, 0, 0) + section(1, 1, infoAt, info.count) + section(13, 1, abbrevAt, abbrev.count) + section(27, 3, namesAt, names.count)
    put(&b, 40, UInt64(shoff), 8)
    put(&b, 58, 64, 2)
    put(&b, 60, 4, 2)
    put(&b, 62, 3, 2)
    return b
}


func fuzzDWARF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let split = min(bytes.count, Int(data[0]) * bytes.count / 256)
    let elf = dwarfTestELF(info: Array(bytes[split...]), abbrev: Array(bytes[..<split]))
    elf.withUnsafeBytes { raw in
        guard let e = try? ELFFile(raw), var d = try? DWARF(e) else { return }
        do {
            try d.index(types: ["s", "page_owner", "rec"], variables: ["v", "stack_pools"], enumerators: ["A", "PAGE_EXT_OWNER"])
        } catch is DWARF.Failure {
            return
        } catch {
            fatalError("unexpected error \(error)")
        }
        for t in ["s", "page_owner", "rec"] {
            _ = try? d.size(of: t)
            if let o = d.types[t] {
                for m in d.members(o) { _ = d.byteSize(m.type) }
                _ = d.isArray(o)
            }
            _ = try? d.member(t, "a.b")
        }
        _ = try? d.variableType("v")
    }
    return 0
}
