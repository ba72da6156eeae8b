/// The page, slab and vmalloc allocator's own functions. The `caller` of a stack is its
/// first frame that matches none of these. A pattern ending in `*` matches a prefix;
/// compiler suffixes (`.isra.0`, `.constprop.0`, `.part.0`, `.cold`) are dropped from
/// the frame's symbol first (see `SymbolPatterns`). The list is documented in the man
/// page and extended with `--allocator-function`.
public struct AllocatorFunctions: Sendable {
    public static let defaults: [String] = [
        // page allocator
        "post_alloc_hook", "prep_new_page", "get_page_from_freelist", "__alloc_pages*", "alloc_pages*",
        "__alloc_frozen_pages*", "alloc_frozen_pages*", "__folio_alloc*", "folio_alloc*", "vma_alloc_folio*",
        "alloc_pages_mpol*", "__alloc_pages_bulk*", "alloc_pages_bulk*", "__get_free_pages*", "get_free_pages*",
        "get_zeroed_page*", "alloc_pages_exact*", "__alloc_pages_node*", "alloc_pages_node*", "alloc_page_interleave",
        "alloc_pages_vma*", "alloc_pages_current*", "__alloc_pages_slowpath*", "__alloc_pages_direct_compact*",
        "alloc_slab_page", "stack_trace_save", "__page_cache_alloc*", "filemap_alloc_folio*",
        "alloc_contig_range*", "__alloc_contig_migrate_range", "alloc_buddy_hugetlb_folio*",
        "alloc_surplus_hugetlb_folio", "alloc_fresh_hugetlb_folio", "__alloc_fresh_hugetlb_folio",
        "only_alloc_fresh_hugetlb_folio", "alloc_pool_huge_folio", "__alloc_buddy_huge_page",
        "alloc_buddy_huge_page", "alloc_fresh_huge_page", "alloc_pool_huge_page", "alloc_surplus_huge_page",
        // slab, and the slab sheaves of 7.x kernels
        "allocate_slab", "new_slab", "___slab_alloc*", "__slab_alloc*", "slab_alloc_node*", "kmem_cache_alloc*",
        "__kmem_cache_alloc*", "kmem_cache_alloc_bulk*", "__kmalloc*", "kmalloc*", "___kmalloc_large_node*",
        "__kmalloc_large_node*", "kmalloc_large*", "kmalloc_order*", "kzalloc*", "kvmalloc*", "__kvmalloc*",
        "krealloc*", "__do_krealloc", "kmemdup*", "kstrdup*", "kcalloc*",
        "refill_objects", "__pcs_replace_empty_main", "__prefill_sheaf*", "kmem_cache_prefill_sheaf*",
        "refill_sheaf", "alloc_full_sheaf", "alloc_from_pcs*", "alloc_slab_obj_exts*", "memcg_alloc_slab_cgroups",
        "__memcg_slab_post_alloc_hook", "memcg_slab_post_alloc_hook*", "slab_post_alloc_hook*",
        // mempools hand out what their alloc function (slab, pages) returns
        "mempool_alloc*", "mempool_init*", "mempool_create*", "mempool_kmalloc", "mempool_alloc_slab",
        "mempool_alloc_pages",
        // vmalloc, and module text (execmem) built on it
        "__vmalloc_area_node", "vm_area_alloc_pages", "__vmalloc_node_range*", "__vmalloc_node*", "__vmalloc*",
        "vmalloc*", "vzalloc*", "vmalloc_node*", "vzalloc_node*", "__vmalloc_node_noprof",
        "execmem_*", "module_alloc",
    ]

    let patterns: SymbolPatterns<Bool>

    public init(extra: [String] = []) {
        patterns = SymbolPatterns((Self.defaults + extra).map { ($0, true) })
    }

    /// Whether the symbol `sym` is an allocator function.
    public func matches(_ sym: ByteView) -> Bool {
        patterns.match(sym) ?? false
    }
}
