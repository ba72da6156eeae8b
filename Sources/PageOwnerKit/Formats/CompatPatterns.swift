/// The kernel tool's regular expressions, reproduced on bytes.
///
/// `page_owner_sort` runs POSIX patterns (REG_EXTENDED | REG_NEWLINE, so `\s` matches a
/// newline too) over each block (the record without its PFN line); these functions find
/// the same matches without a regex engine, so that odd input gets the same fields the
/// kernel tool would give it. `CompatNormalizer` applies them to a whole block.
enum CompatPatterns {
    /// `order\s*([0-9]*),` / `pid\s*([0-9]*),`: the leftmost `word` followed by spaces,
    /// digits and `terminator`. Returns the digits' range (maybe empty), or `nil`.
    static func numberField(_ p: ByteView, word: StaticString, terminator: UInt8) -> Range<Int>? {
        let n = p.count
        var from = 0
        while let w = Bytes.find(word, p, from, n) {
            var i = w + word.utf8CodeUnitCount
            while i < n && Bytes.isSpace(p[i]) { i += 1 }
            let ds = i
            while i < n && p[i] &- 48 <= 9 { i += 1 }
            if i < n && p[i] == terminator { return ds..<i }
            if terminator == 32 {
                // `tgid\s*([0-9]*) `: backtracking can match an empty number on a space.
                var j = w + word.utf8CodeUnitCount
                while j < ds {
                    if p[j] == 32 { return j..<j }
                    j += 1
                }
            }
            from = w + 1
        }
        return nil
    }

    /// `ts\s*([0-9]*)\s*ns`: the digits' range of the leftmost match.
    static func tsField(_ p: ByteView) -> Range<Int>? {
        let n = p.count
        var from = 0
        while let w = Bytes.find("ts", p, from, n) {
            var i = w + 2
            while i < n && Bytes.isSpace(p[i]) { i += 1 }
            let ds = i
            while i < n && p[i] &- 48 <= 9 { i += 1 }
            let de = i
            while i < n && Bytes.isSpace(p[i]) { i += 1 }
            if Bytes.hasPrefix("ns", p, i, n) { return ds..<de }
            from = w + 1
        }
        return nil
    }

    /// `tgid\s*[0-9]*\s*\((.*)\),\s*ts`: the comm's range of the leftmost-longest match.
    static func commField(_ p: ByteView) -> Range<Int>? {
        let n = p.count
        var from = 0
        while let w = Bytes.find("tgid", p, from, n) {
            var i = w + 4
            while i < n && Bytes.isSpace(p[i]) { i += 1 }
            while i < n && p[i] &- 48 <= 9 { i += 1 }
            while i < n && Bytes.isSpace(p[i]) { i += 1 }
            if i < n && p[i] == 40 {
                let cs = i + 1
                let lineEnd = Bytes.find(10, p, cs, n)
                // The last `),\s*ts` whose `)` lies on this line.
                var k = lineEnd - 1
                while k >= cs {
                    if p[k] == 41 && k + 1 < n && p[k + 1] == 44 {
                        var j = k + 2
                        while j < n && Bytes.isSpace(p[j]) { j += 1 }
                        if Bytes.hasPrefix("ts", p, j, n) { return cs..<k }
                    }
                    k -= 1
                }
            }
            from = w + 1
        }
        return nil
    }

    /// `\+0x[0-9a-f]+/0x[0-9a-f]+\s*\[([a-zA-Z0-9_-]+)\]` (the 2026 tool's module pattern):
    /// the module name's range of the leftmost match, or `nil` (the tool then says
    /// `vmlinux`). The pattern has one way to match at each start, so the leftmost start
    /// whose scan succeeds is the match.
    static func moduleField(_ p: ByteView) -> Range<Int>? {
        let n = p.count
        var from = 0
        while let w = Bytes.find("+0x", p, from, n) {
            from = w + 1
            var i = w + 3
            let h1 = i
            while i < n && isLowerHex(p[i]) { i += 1 }
            guard i > h1, Bytes.hasPrefix("/0x", p, i, n) else { continue }
            i += 3
            let h2 = i
            while i < n && isLowerHex(p[i]) { i += 1 }
            guard i > h2 else { continue }
            while i < n && Bytes.isSpace(p[i]) { i += 1 }
            guard i < n && p[i] == 91 else { continue }
            i += 1
            let ns = i
            while i < n && isModuleNameByte(p[i]) { i += 1 }
            if i > ns && i < n && p[i] == 93 { return ns..<i }
        }
        return nil
    }

    @inline(__always)
    static func isLowerHex(_ c: UInt8) -> Bool { c &- 48 <= 9 || c &- 97 <= 5 }

    /// `[a-zA-Z0-9_-]`.
    @inline(__always)
    static func isModuleNameByte(_ c: UInt8) -> Bool { c &- 48 <= 9 || (c | 0x20) &- 97 <= 25 || c == 95 || c == 45 }

    /// `strtol` on a digits range, as the kernel tool stores it in a `pid_t`/`int`.
    static func strtolInt32(_ p: ByteView, _ r: Range<Int>?) -> Int32 {
        guard let r, !r.isEmpty, let d = Bytes.decimal(p, r.lowerBound, r.upperBound) else { return -1 }
        if d.overflow || d.value > UInt64(Int64.max) { return -1 }
        return Int32(truncatingIfNeeded: d.value)
    }

    /// `strtoull` on a digits range; -1 (all ones) when absent or out of range.
    static func strtoull(_ p: ByteView, _ r: Range<Int>?) -> UInt64 {
        guard let r, !r.isEmpty, let d = Bytes.decimal(p, r.lowerBound, r.upperBound), !d.overflow else { return .max }
        return d.value
    }
}
