// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): ELF structures read in
// place from a mapped file.
/// A read-only view of a 64-bit little-endian ELF file held in memory (mapped or loaded):
/// its sections, program headers and symbol table. Used for the vmlinux, for kernel
/// modules, and for ELF vmcores.
public struct ELFFile {
    public struct Section: Sendable {
        public var name: String
        public var type: UInt32
        public var flags: UInt64
        public var addr: UInt64
        public var offset: Int
        public var size: Int
        public var link: UInt32
        public var entsize: Int
    }

    public struct Segment: Sendable {
        public var type: UInt32
        public var offset: Int
        public var vaddr: UInt64
        public var paddr: UInt64
        public var filesz: Int
        public var memsz: UInt64
    }

    public struct Symbol: Sendable {
        public var name: String
        public var value: UInt64
        public var size: UInt64
        public var info: UInt8
        public var shndx: UInt16
        public var type: UInt8 { info & 0xf }
        public var binding: UInt8 { info >> 4 }
    }

    public let bytes: UnsafeRawBufferPointer
    public let type: UInt16
    public private(set) var sections: [Section] = []
    public private(set) var segments: [Segment] = []

    public init(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes = bytes
        guard bytes.count >= 64, bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46 else {
            throw VmcoreError.elf("not an ELF file")
        }
        guard bytes[4] == 2, bytes[5] == 1 else { throw VmcoreError.elf("not a 64-bit little-endian ELF file") }
        type = UInt16(truncatingIfNeeded: ELFFile.read(bytes, 16, 2))
        // Every offset and size below comes from the file: each is checked before use, and
        // one that does not fit the file is an error naming the field and where it is.
        let count = bytes.count
        func offset(_ at: Int, _ what: String) throws -> Int {
            let v = ELFFile.read(bytes, at, 8)
            guard let i = Int(exactly: v) else {
                throw VmcoreError.elf("\(what) at file offset \(at) is 0x\(String(v, radix: 16)), past any file")
            }
            return i
        }
        /// `[start, start + count * size)` when it lies inside the file.
        func within(_ start: Int, _ n: Int, _ size: Int) -> Bool {
            let (span, o1) = n.multipliedReportingOverflow(by: size)
            let (end, o2) = start.addingReportingOverflow(span)
            return !o1 && !o2 && start >= 0 && end <= count
        }
        let phoff = try offset(32, "e_phoff")
        let shoff = try offset(40, "e_shoff")
        let phentsize = Int(ELFFile.read(bytes, 54, 2))
        let phnum = Int(ELFFile.read(bytes, 56, 2))
        let shentsize = Int(ELFFile.read(bytes, 58, 2))
        let shnum = Int(ELFFile.read(bytes, 60, 2))
        let shstrndx = Int(ELFFile.read(bytes, 62, 2))
        if phnum > 0 {
            guard phentsize >= 56, within(phoff, phnum, phentsize) else {
                throw VmcoreError.elf("program headers out of the file (e_phoff \(phoff), \(phnum) of \(phentsize) bytes, file \(count) bytes)")
            }
            for i in 0..<phnum {
                let p = phoff + i * phentsize
                let off = try offset(p + 8, "program header \(i) p_offset")
                let filesz = try offset(p + 32, "program header \(i) p_filesz")
                segments.append(
                    Segment(
                        type: UInt32(ELFFile.read(bytes, p, 4)), offset: off, vaddr: ELFFile.read(bytes, p + 16, 8),
                        paddr: ELFFile.read(bytes, p + 24, 8), filesz: filesz, memsz: ELFFile.read(bytes, p + 40, 8)))
            }
        }
        if shnum > 0 && shoff > 0 {
            guard shentsize >= 64, within(shoff, shnum, shentsize) else {
                throw VmcoreError.elf("section headers out of the file (e_shoff \(shoff), \(shnum) of \(shentsize) bytes, file \(count) bytes)")
            }
            var raw: [(UInt32, Section)] = []
            raw.reserveCapacity(shnum)
            for i in 0..<shnum {
                let s = shoff + i * shentsize
                let type = UInt32(ELFFile.read(bytes, s + 4, 4))
                // A section past the end (a cut file) reads as empty: see `data`.
                let off = try offset(s + 24, "section header \(i) sh_offset")
                let size = try offset(s + 32, "section header \(i) sh_size")
                raw.append(
                    (
                        UInt32(ELFFile.read(bytes, s, 4)),
                        Section(
                            name: "", type: type, flags: ELFFile.read(bytes, s + 8, 8), addr: ELFFile.read(bytes, s + 16, 8),
                            offset: off, size: size, link: UInt32(ELFFile.read(bytes, s + 40, 4)),
                            entsize: Int(truncatingIfNeeded: ELFFile.read(bytes, s + 56, 8)))
                    ))
            }
            let strtab = shstrndx < raw.count && raw[shstrndx].1.type != 8 && within(raw[shstrndx].1.offset, 1, raw[shstrndx].1.size) ? raw[shstrndx].1 : nil
            for (nameOff, var sec) in raw {
                if let st = strtab { sec.name = ELFFile.cString(bytes, st.offset + Int(nameOff), limit: st.offset + st.size) }
                sections.append(sec)
            }
        }
    }

    @inline(__always)
    static func read(_ b: UnsafeRawBufferPointer, _ at: Int, _ n: Int) -> UInt64 {
        guard at >= 0, at <= b.count &- n else { return 0 }
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(b[at + i]) << (8 * UInt64(i)) }
        return v
    }

    static func cString(_ b: UnsafeRawBufferPointer, _ at: Int, limit: Int) -> String {
        guard at >= 0 else { return "" }
        var e = at
        let lim = min(limit, b.count)
        while e < lim && b[e] != 0 { e += 1 }
        return at < e ? String(decoding: UnsafeRawBufferPointer(rebasing: b[at..<e]), as: UTF8.self) : ""
    }

    public func section(_ name: String) -> Section? { sections.first { $0.name == name } }

    /// The bytes of a section (empty for NOBITS or out-of-range sections).
    public func data(_ s: Section) -> UnsafeRawBufferPointer {
        guard s.type != 8, s.offset >= 0, s.size >= 0, s.offset <= bytes.count - s.size else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(rebasing: bytes[s.offset..<(s.offset + s.size)])
    }

    /// Every entry of `.symtab` (falls back to `.dynsym`).
    public func symbols() -> [Symbol] {
        guard let symtab = section(".symtab") ?? section(".dynsym"), Int(symtab.link) < sections.count else { return [] }
        let strtab = sections[Int(symtab.link)]
        guard strtab.type != 8, strtab.offset >= 0, strtab.offset <= bytes.count, strtab.size >= 0, strtab.size <= bytes.count - strtab.offset else { return [] }
        let d = data(symtab)
        var out: [Symbol] = []
        out.reserveCapacity(d.count / 24)
        var i = 0
        while i + 24 <= d.count {
            let nameOff = Int(ELFFile.read(d, i, 4))
            out.append(
                Symbol(
                    name: ELFFile.cString(bytes, strtab.offset + nameOff, limit: strtab.offset + strtab.size),
                    value: ELFFile.read(d, i + 8, 8), size: ELFFile.read(d, i + 16, 8), info: d[i + 4],
                    shndx: UInt16(ELFFile.read(d, i + 6, 2))))
            i += 24
        }
        return out
    }
}
