/// The kernel tool's view of a record: its regular expressions, reproduced on bytes.
#if canImport(Glibc)
import Glibc
#endif
/// `page_owner_sort` runs POSIX patterns over each block (the record without its PFN line);
/// these functions find the same matches without a regex engine, so that odd input gets
/// the same fields the kernel tool would give it.
enum CompatText {
    /// `order\s*([0-9]*),` / `pid\s*([0-9]*),`: the leftmost `word` followed by spaces,
    /// digits and `terminator`. Returns the digits' range (maybe empty), or `nil`.
    static func numberField(_ p: UnsafePointer<UInt8>, _ n: Int, word: StaticString, terminator: UInt8) -> Range<Int>? {
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
    static func tsField(_ p: UnsafePointer<UInt8>, _ n: Int) -> Range<Int>? {
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
    static func commField(_ p: UnsafePointer<UInt8>, _ n: Int) -> Range<Int>? {
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

    /// `strtol` on a digits range, as the kernel tool stores it in a `pid_t`/`int`.
    static func strtolInt32(_ p: UnsafePointer<UInt8>, _ r: Range<Int>?) -> Int32 {
        guard let r, !r.isEmpty, let d = Bytes.decimal(p, r.lowerBound, r.upperBound) else { return -1 }
        if d.overflow || d.value > UInt64(Int64.max) { return -1 }
        return Int32(truncatingIfNeeded: d.value)
    }

    /// `strtoull` on a digits range; -1 (all ones) when absent or out of range.
    static func strtoull(_ p: UnsafePointer<UInt8>, _ r: Range<Int>?) -> UInt64 {
        guard let r, !r.isEmpty, let d = Bytes.decimal(p, r.lowerBound, r.upperBound), !d.overflow else { return .max }
        return d.value
    }

    /// The kernel tool's allocator bits, with VMALLOC from the stack text.
    static func vmalloc(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard let m = Bytes.find("__vmalloc_node_range", p, 0, n) else { return false }
        // Start of the match's line, then of the line before it.
        var ls = m
        while ls > 0 && p[ls - 1] != 10 { ls -= 1 }
        var prev = ls
        if prev > 0 {
            prev -= 1
            while prev > 0 && p[prev - 1] != 10 { prev -= 1 }
        }
        guard let a = Bytes.find("alloc_pages", p, prev, n) else { return false }
        return a < m
    }
}

/// Allocator labels of the kernel tool (bits as it defines them, so they sort the same).
public struct CompatAllocator: OptionSet, Sendable, Hashable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let cma = CompatAllocator(rawValue: 1 << 1)
    public static let slab = CompatAllocator(rawValue: 1 << 2)
    public static let vmalloc = CompatAllocator(rawValue: 1 << 3)
    public static let others = CompatAllocator(rawValue: 1 << 4)

    /// `allocated by CMA SLAB VMALLOC OTHERS ` — each set label with a trailing space.
    public func appendLabel(to out: inout [UInt8]) {
        out.append("allocated by ")
        if contains(.cma) { out.append("CMA ") }
        if contains(.slab) { out.append("SLAB ") }
        if contains(.vmalloc) { out.append("VMALLOC ") }
        if contains(.others) { out.append("OTHERS ") }
    }
}
