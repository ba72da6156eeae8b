/// The kernel tool's allocator label of a block: `AllocatorRule.kernelTool`'s answer (both the
/// fast and the exact path of the compatible mode go through `init(pfnCMA:pfnSlab:vmalloc:)`
/// and `AllocatorRule.saysVmalloc`). `report`'s `allocator` key is the rule's `classes`
/// variant (see `AllocatorRule` for why they differ):
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
        // Built from raw bits, not an array literal: the optimizer does not always fold the
        // literal, and this runs once a record.
        var a = CompatAllocator(rawValue: 0)
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
}
