/// Addresses to `symbol+0xoffset/0xsize [module]`, the way the kernel's `%pS` prints them:
/// the size is the distance to the next symbol, as kallsyms sees it.
public struct KernelSymbols {
    struct Entry {
        var address: UInt64
        var name: String
        var module: String?
    }

    var entries: [Entry] = []
    /// End of each module's text, to bound the size of its last symbol.
    var moduleEnds: [(start: UInt64, end: UInt64, name: String)] = []

    /// The kernel's own symbols from the vmlinux symbol table.
    public init(vmlinux: ELFFile) { self.init(symbols: vmlinux.symbols()) }

    /// The kernel's own symbols from the vmlinux symbol table's entries.
    public init(symbols: [ELFFile.Symbol]) {
        var raw: [(UInt64, String, Int, Int)] = []  // address, name, weak, underscores
        for s in symbols {
            guard s.value >= 0xffff_ffff_8000_0000, !s.name.isEmpty, s.type <= 2, s.shndx != 0, s.shndx != 0xfff1 else { continue }
            if s.name.hasPrefix("__crc_") || s.name.hasPrefix(".L") || s.name.hasPrefix("$") { continue }
            raw.append((s.value, s.name, s.binding == 2 ? 1 : 0, s.name.prefix { $0 == "_" }.count))
        }
        // kallsyms' order: by address, then strong before weak, then fewer leading underscores.
        raw.sort { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            if a.2 != b.2 { return a.2 < b.2 }
            return a.3 < b.3
        }
        entries = raw.map { Entry(address: $0.0, name: $0.1, module: nil) }
    }

    /// The kernel's own symbols, already in kallsyms order (from a `VmlinuxCache` file).
    init(entries list: [(UInt64, String)]) {
        entries = list.map { Entry(address: $0.0, name: $0.1, module: nil) }
    }

    /// Adds a module's symbols (from its in-memory kallsyms) and its text range.
    public mutating func addModule(_ name: String, symbols: [(UInt64, String)], textStart: UInt64, textEnd: UInt64) {
        for (a, n) in symbols where a >= textStart && a < textEnd && !n.isEmpty {
            entries.append(Entry(address: a, name: n, module: name))
        }
        moduleEnds.append((textStart, textEnd, name))
    }

    /// Sorts after modules were added.
    public mutating func finish() {
        entries.sort { $0.address < $1.address }
        moduleEnds.sort { $0.start < $1.start }
    }

    /// `%pS` for `address`; `0x…` when no symbol covers it.
    public func format(_ address: UInt64) -> String {
        var lo = 0
        var hi = entries.count - 1
        var best = -1
        while lo <= hi {
            let m = (lo + hi) / 2
            if entries[m].address <= address {
                best = m
                lo = m + 1
            } else {
                hi = m - 1
            }
        }
        guard best >= 0 else { return "0x" + String(address, radix: 16) }
        // The first symbol at that address (aliases share it).
        var first = best
        while first > 0 && entries[first - 1].address == entries[best].address { first -= 1 }
        let e = entries[first]
        var next = best + 1
        while next < entries.count && entries[next].address == e.address { next += 1 }
        var end = next < entries.count ? entries[next].address : e.address
        if let m = e.module, let r = moduleEnds.first(where: { $0.name == m && e.address >= $0.start && e.address < $0.end }) {
            if next >= entries.count || entries[next].module != m || entries[next].address > r.end { end = r.end }
            if address >= r.end { return "0x" + String(address, radix: 16) }
        } else if e.module == nil, moduleEnds.contains(where: { address >= $0.start && address < $0.end }) == false,
            next >= entries.count
        {
            return "0x" + String(address, radix: 16)
        }
        let off = address - e.address
        let size = end > e.address ? end - e.address : 0
        var s = "\(e.name)+0x\(String(off, radix: 16))/0x\(String(size, radix: 16))"
        if let m = e.module { s += " [\(m)]" }
        return s
    }
}
