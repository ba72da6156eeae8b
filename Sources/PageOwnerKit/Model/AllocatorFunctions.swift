/// The page, slab and vmalloc allocator's own functions. The `caller` of a stack is its
/// first frame that matches none of these. A pattern ending in `*` matches a prefix.
/// The list is documented in the man page and extended with `--allocator-function`.
public struct AllocatorFunctions: Sendable {
    public static let defaults: [String] = [
        // page allocator
        "post_alloc_hook", "prep_new_page", "get_page_from_freelist", "__alloc_pages*", "alloc_pages*",
        "__alloc_frozen_pages*", "alloc_frozen_pages*", "__folio_alloc*", "folio_alloc*", "vma_alloc_folio*",
        "alloc_pages_mpol*", "__alloc_pages_bulk*", "alloc_pages_bulk*", "__get_free_pages", "get_zeroed_page*",
        "alloc_pages_exact*", "__alloc_pages_node*", "alloc_pages_node*", "alloc_page_interleave",
        "alloc_pages_vma*", "alloc_pages_current*", "__alloc_pages_slowpath*", "__alloc_pages_direct_compact*",
        "alloc_slab_page", "stack_trace_save", "__page_cache_alloc*", "filemap_alloc_folio*",
        "alloc_contig_range*", "__alloc_contig_migrate_range", "alloc_buddy_hugetlb_folio*",
        "alloc_surplus_hugetlb_folio", "alloc_fresh_hugetlb_folio", "__alloc_fresh_hugetlb_folio",
        "only_alloc_fresh_hugetlb_folio", "alloc_pool_huge_folio", "__alloc_buddy_huge_page",
        // slab
        "allocate_slab", "new_slab", "___slab_alloc*", "__slab_alloc*", "slab_alloc_node*", "kmem_cache_alloc*",
        "__kmem_cache_alloc*", "kmem_cache_alloc_bulk*", "__kmalloc*", "kmalloc*", "___kmalloc_large_node*",
        "__kmalloc_large_node*", "kmalloc_large*", "kmalloc_order*", "kzalloc*", "kvmalloc*", "__kvmalloc*",
        "krealloc*", "__do_krealloc", "kmemdup*", "kstrdup*", "kcalloc*",
        // vmalloc
        "__vmalloc_area_node", "vm_area_alloc_pages", "__vmalloc_node_range*", "__vmalloc_node*", "__vmalloc*",
        "vmalloc*", "vzalloc*", "vmalloc_node*", "vzalloc_node*", "__vmalloc_node_noprof",
    ]

    var exact: Set<[UInt8]> = []
    var prefixes: [[UInt8]] = []

    public init(extra: [String] = []) {
        for p in Self.defaults + extra {
            if p.hasSuffix("*") { prefixes.append(Array(p.dropLast().utf8)) } else { exact.insert(Array(p.utf8)) }
        }
    }

    /// Whether the symbol `sym` is an allocator function.
    public func matches(_ sym: UnsafeRawBufferPointer) -> Bool {
        if exact.contains(Array(sym)) { return true }
        for p in prefixes where sym.count >= p.count {
            if p.withUnsafeBytes({ Bytes.compare($0, UnsafeRawBufferPointer(rebasing: sym[0..<p.count])) == 0 }) { return true }
        }
        return false
    }
}
