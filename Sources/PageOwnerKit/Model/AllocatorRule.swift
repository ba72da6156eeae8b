/// What allocated a page: the one rule, with the kernel tool's variant as an explicit case.
///
/// Both variants read the same two things, the page's own word (its PFN line) and its stack
/// (read once per distinct stack, in `StackTable.derive`), but they cannot be one function:
/// the compatible mode must write the kernel tool's bytes, and the kernel tool decides on
/// text, not on functions.
///
/// - `classes` (`report`, `diff`, `series`, the `allocator` key): the stack's
///   `AllocationClass`, read from its frame symbols leaf first; a page that says it is a
///   slab page (`Slab cache page`, the `slab` flag) is `slab` when its stack names nothing.
/// - `kernelTool` (the compatible mode, `tools/mm/page_owner_sort`'s `get_allocator`): a set
///   of labels. CMA and SLAB come from the last PFN line read (which may be a previous
///   block's), not from the stack; VMALLOC is a text test (the first `__vmalloc_node_range`
///   with `alloc_pages` on the line before it) on the stacktrace, trailer lines included;
///   OTHERS when none holds. A page allocated through `__vmalloc_node` alone, or a CMA
///   allocation on a movable block, or a slab page of a ≥6.10 kernel (no `slab` flag) is
///   OTHERS there and `vmalloc`, `cma`, `slab` in `report`: taking the `classes` answer
///   would change the kernel tool's output, and taking the kernel tool's would make
///   `report`'s `allocator` key say OTHERS for most of a modern dump.
public enum AllocatorRule: Sendable, Equatable {
    case classes
    case kernelTool

    /// The `classes` label of a page: its stack's class, or `slab` when the page says it is
    /// a slab page and the stack names no other class.
    @inline(__always)
    public static func pageClass(stack c: AllocationClass, pageSaysSlab: Bool) -> AllocationClass {
        (c == .other || c == .unknown) && pageSaysSlab ? .slab : c
    }

    /// The `kernelTool` label of a block: the PFN line's bits and the stacktrace's VMALLOC test.
    @inline(__always)
    public static func kernelToolLabel(pfnCMA: Bool, pfnSlab: Bool, vmalloc: Bool) -> CompatAllocator {
        CompatAllocator(pfnCMA: pfnCMA, pfnSlab: pfnSlab, vmalloc: vmalloc)
    }

    /// What a stack says under the rule, for `StackTable.Info.allocationClass`: its class
    /// read from its frames (`classes`; see `AllocationClassifier`, run by `StackTable`), or
    /// `.vmalloc`/`.other` from the kernel tool's VMALLOC test on its text (`kernelTool`).
    static func kernelToolStackClass(_ p: ByteView) -> AllocationClass {
        saysVmalloc(p) ? .vmalloc : .other
    }

    /// The kernel tool's VMALLOC test on a block's text. The fast path runs it on the
    /// stacktrace alone (once per distinct stacktrace): the header could only count if the
    /// first frame were `__vmalloc_node_range`, and a page_owner stack starts inside
    /// page_owner itself.
    static func saysVmalloc(_ p: ByteView) -> Bool {
        let n = p.count
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
