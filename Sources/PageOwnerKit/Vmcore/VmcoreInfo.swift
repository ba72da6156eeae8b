/// What an ELF core dump says about itself: its VMCOREINFO note (kernel release, page size,
/// phys_base, kernel offset, sparsemem layout, symbol addresses) and its memory segments.
/// Read from the first bytes of the (decompressed) stream, so a compressed dump need not
/// be unpacked to be described.
public struct VmcoreInfo: Sendable {
    /// `KEY=VALUE` lines of the VMCOREINFO note, in order.
    public var entries: [(key: String, value: String)] = []

    /// Adds the `KEY=value` lines of a VMCOREINFO text.
    mutating func addEntries(_ text: String) {
        for line in text.split(separator: "\n") {
            if let eq = line.firstIndex(of: "=") { entries.append((String(line[..<eq]), String(line[line.index(after: eq)...]))) }
        }
    }
    /// PT_LOAD segments: physical address and size.
    public var segments: [(paddr: UInt64, size: UInt64)] = []

    public subscript(_ key: String) -> String? { entries.first { $0.key == key }?.value }

    /// Bytes of physical memory the segments hold.
    public var memoryBytes: UInt64 { segments.reduce(0) { $0 &+ $1.size } }

    /// Parses the ELF64 little-endian core in `head` (its first bytes); nil when the
    /// header or the note is not within `head`.
    public static func parse(_ head: [UInt8]) -> VmcoreInfo? {
        guard head.count >= 64, head[0] == 0x7f, head[1] == 0x45, head[2] == 0x4c, head[3] == 0x46,
            head[4] == 2, head[5] == 1
        else { return nil }
        func u16(_ o: Int) -> Int { o + 2 <= head.count ? Int(head[o]) | Int(head[o + 1]) << 8 : 0 }
        func u32(_ o: Int) -> UInt64 { o + 4 <= head.count ? (0..<4).reduce(0) { $0 | UInt64(head[o + $1]) << (8 * UInt64($1)) } : 0 }
        func u64(_ o: Int) -> UInt64 { o + 8 <= head.count ? (0..<8).reduce(0) { $0 | UInt64(head[o + $1]) << (8 * UInt64($1)) } : 0 }
        // Offsets and sizes are the file's word: each is bounded by `head` before any sum.
        let phoff = Int(clamping: u64(32))
        let phentsize = u16(54)
        let phnum = u16(56)
        guard phentsize >= 56, phoff > 0, phoff <= head.count, phnum * phentsize <= head.count - phoff else { return nil }
        var info = VmcoreInfo()
        var foundNote = false
        for i in 0..<phnum {
            let p = phoff + i * phentsize
            let type = u32(p)
            if type == 1 {  // PT_LOAD
                info.segments.append((u64(p + 24), u64(p + 32)))
            } else if type == 4 {  // PT_NOTE
                let off = Int(clamping: u64(p + 8))
                let size = Int(clamping: u64(p + 32))
                guard off >= 0, size >= 0, off <= head.count, size <= head.count - off else { continue }
                var n = off
                while n + 12 <= off + size {
                    let namesz = Int(u32(n))
                    let descsz = Int(u32(n + 4))
                    let name = n + 12
                    let desc = name + (namesz + 3) / 4 * 4
                    guard desc <= off + size, descsz <= off + size - desc else { break }
                    let noteName = String(decoding: head[name..<(name + max(0, namesz - 1))], as: UTF8.self)
                    if noteName == "VMCOREINFO" {
                        foundNote = true
                        info.addEntries(String(decoding: head[desc..<(desc + descsz)], as: UTF8.self))
                    }
                    n = desc + (descsz + 3) / 4 * 4
                }
            }
        }
        return foundNote || !info.segments.isEmpty ? info : nil
    }
}
