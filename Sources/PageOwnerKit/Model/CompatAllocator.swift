/// The kernel tool's allocator label of a block, and the one rule that decides it (both the
/// fast and the exact path of the compatible mode go through `init(pfnCMA:pfnSlab:vmalloc:)`
/// and `saysVmalloc(_:_:)`). `report`'s `allocator` key reads the whole stack instead (see
/// `AllocationClass`); this rule is kept because the kernel tool's output depends on it:
///
/// - CMA: the last PFN line read contains `CMA` (page or block type CMA);
/// - SLAB: it contains `slab` (the page flag, which kernels since 6.10 no longer print);
/// - VMALLOC: the first `__vmalloc_node_range` of the block has `alloc_pages` on the line
///   before it (or earlier on its own line);
/// - OTHERS when none of these holds.
///
/// The bits are the kernel tool's, so labels sort the same.
public struct CompatAllocator: OptionSet, Sendable, Hashable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let cma = CompatAllocator(rawValue: 1 << 1)
    public static let slab = CompatAllocator(rawValue: 1 << 2)
    public static let vmalloc = CompatAllocator(rawValue: 1 << 3)
    public static let others = CompatAllocator(rawValue: 1 << 4)

    /// The label of a block from its PFN line's bits and its text's VMALLOC test.
    @inline(__always)
    public init(pfnCMA: Bool, pfnSlab: Bool, vmalloc: Bool) {
        var a: CompatAllocator = []
        if pfnCMA { a.insert(.cma) }
        if pfnSlab { a.insert(.slab) }
        if vmalloc { a.insert(.vmalloc) }
        self = a.isEmpty ? .others : a
    }

    /// `allocated by CMA SLAB VMALLOC OTHERS ` — each set label with a trailing space.
    public func appendLabel(to out: inout [UInt8]) {
        out.append("allocated by ")
        if contains(.cma) { out.append("CMA ") }
        if contains(.slab) { out.append("SLAB ") }
        if contains(.vmalloc) { out.append("VMALLOC ") }
        if contains(.others) { out.append("OTHERS ") }
    }

    /// The VMALLOC test on a block's text. The fast path runs it on the stacktrace alone
    /// (once per distinct stacktrace): the header could only count if the first frame were
    /// `__vmalloc_node_range`, and a page_owner stack starts inside page_owner itself.
    static func saysVmalloc(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
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
