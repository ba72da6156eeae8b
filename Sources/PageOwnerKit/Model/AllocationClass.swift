/// What a page was allocated for, read from its whole stack: the `allocator` key of
/// `report`, `diff` and `series`. (The compatible mode keeps the kernel tool's own
/// CMA/SLAB/VMALLOC/OTHERS rule, see `CompatAllocator`.)
///
/// The rule, documented in the man page: frames are read from the leaf (the allocator)
/// toward the root, and the first frame that names a class decides it. `vmalloc` and
/// `cma` only say how the pages were obtained, so a frame further out that names what
/// they are for (`kernel-stack`, `percpu`, `hugetlb`) takes precedence over them. A
/// stack no frame names is `other`. A record whose page says it is a slab page
/// (`Slab cache page`, or the `slab` page flag) is `slab` when its stack says nothing
/// else. Placeholder stacks are `early-boot` (`register_early_stack`) or `unknown`.
public enum AllocationClass: UInt8, CaseIterable, Sendable {
    case slab, vmalloc, percpu, pageCache, shmem, anon, pageTable, kernelStack, hugetlb, cma, other, earlyBoot, unknown

    /// The name printed in reports and accepted nowhere else.
    public var name: String {
        switch self {
        case .slab: return "slab"
        case .vmalloc: return "vmalloc"
        case .percpu: return "percpu"
        case .pageCache: return "page-cache"
        case .shmem: return "shmem"
        case .anon: return "anon"
        case .pageTable: return "page-table"
        case .kernelStack: return "kernel-stack"
        case .hugetlb: return "hugetlb"
        case .cma: return "cma"
        case .other: return "other"
        case .earlyBoot: return "early-boot"
        case .unknown: return "unknown"
        }
    }

    /// Classes that say only how pages were obtained; a purpose found further out wins.
    var isMechanism: Bool { self == .vmalloc || self == .cma }
    /// Classes that name a purpose and override a mechanism found closer to the leaf.
    var isPurpose: Bool { self == .kernelStack || self == .percpu || self == .hugetlb }

    /// The frames that name each class (`*` ends a prefix; compiler suffixes are ignored).
    static let rules: [(AllocationClass, [String])] = [
        (.slab, [
            "allocate_slab", "new_slab", "alloc_slab_page", "___slab_alloc*", "__slab_alloc*", "slab_alloc_node*",
            "refill_objects", "__pcs_replace_empty_main", "__prefill_sheaf*", "kmem_cache_prefill_sheaf*",
            "refill_sheaf", "alloc_full_sheaf", "alloc_from_pcs*", "kmem_cache_alloc*", "__kmem_cache_alloc*",
            "__kmalloc*", "___kmalloc*", "kmalloc*", "kmem_cache_alloc_bulk*",
        ]),
        (.vmalloc, [
            "__vmalloc_area_node", "vm_area_alloc_pages", "__vmalloc*", "vmalloc*", "vzalloc*", "vm_map_ram",
            "execmem_vmalloc", "module_alloc",
        ]),
        (.cma, [
            "cma_alloc*", "__cma_alloc*", "alloc_contig_range*", "alloc_contig_pages*", "alloc_contig_frozen*",
            "dma_alloc_contiguous", "dma_alloc_from_contiguous",
        ]),
        (.kernelStack, ["alloc_thread_stack_node", "alloc_vmap_stack", "dup_task_struct", "copy_process", "scs_alloc"]),
        (.percpu, ["pcpu_*"]),
        (.hugetlb, [
            "alloc_fresh_hugetlb_folio", "only_alloc_fresh_hugetlb_folio", "__alloc_fresh_hugetlb_folio",
            "alloc_buddy_hugetlb_folio*", "alloc_surplus_hugetlb_folio", "alloc_pool_huge_folio",
            "alloc_hugetlb_folio*", "alloc_gigantic_folio*", "alloc_migrate_hugetlb_folio", "hugetlb_cma_alloc*",
            "alloc_buddy_huge_page", "__alloc_buddy_huge_page", "alloc_fresh_huge_page", "alloc_pool_huge_page",
            "alloc_surplus_huge_page", "alloc_huge_page*", "alloc_gigantic_page*",
        ]),
        (.pageTable, [
            "pte_alloc_one*", "__pte_alloc*", "__pmd_alloc", "__pud_alloc", "__p4d_alloc", "pgd_alloc", "_pgd_alloc",
            "pmd_alloc_one*", "pud_alloc_one*", "p4d_alloc_one*", "pagetable_alloc*", "__pagetable_alloc*",
            "alloc_low_page*", "split_large_page", "__split_large_page", "__change_page_attr*", "spp_getpage",
            "huge_pte_alloc",
        ]),
        (.shmem, [
            "shmem_alloc_folio", "shmem_alloc_and_add_folio", "shmem_alloc_hugefolio", "shmem_get_folio*",
            "shmem_fault", "shmem_write_begin", "shmem_swapin*", "shmem_getpage*", "shmem_alloc_page",
            "shmem_alloc_hugepage", "shmem_read_folio*", "shmem_read_mapping_page*",
        ]),
        (.pageCache, [
            "__filemap_get_folio*", "filemap_alloc_folio*", "__page_cache_alloc*", "page_cache_alloc*",
            "page_cache_ra_*", "page_cache_async_ra", "page_cache_sync_ra", "ra_alloc_folio",
            "__do_page_cache_readahead", "do_page_cache_ra", "ondemand_readahead", "filemap_fault", "filemap_read",
            "filemap_get_pages", "filemap_create_folio", "do_read_cache_folio", "do_read_cache_page",
            "read_cache_folio", "read_cache_page*", "grab_cache_page*", "pagecache_get_page", "find_or_create_page",
            "collapse_file",
        ]),
        (.anon, [
            "do_anonymous_page", "alloc_anon_folio", "vma_alloc_anon_folio_pmd", "do_huge_pmd_anonymous_page",
            "__do_huge_pmd_anonymous_page", "wp_page_copy", "do_wp_page", "do_cow_fault", "do_huge_pmd_wp_page",
            "collapse_huge_page", "do_swap_page", "swapin_readahead", "swap_cluster_readahead",
            "__read_swap_cache_async", "read_swap_cache_async", "ksm_might_need_to_copy",
            "__handle_mm_fault", "handle_mm_fault",
        ]),
    ]

    static let patterns = SymbolPatterns(rules.flatMap { c, ps in ps.map { ($0, c) } })
}

/// Reads a stack's class frame by frame, leaf first (see `AllocationClass`).
struct AllocationClassifier {
    private(set) var found: AllocationClass?
    private var decided = false

    /// Looks at the next frame's symbol; returns false once the class is decided.
    mutating func add(_ sym: ByteView) -> Bool {
        add(AllocationClass.patterns.match(sym))
    }

    /// Looks at the next frame's class (nil: its symbol names none).
    mutating func add(_ class: AllocationClass?) -> Bool {
        guard !decided, let c = `class` else { return !decided }
        if let f = found {
            // A mechanism was found nearer the leaf: only a purpose overrides it.
            if f.isMechanism && c.isPurpose {
                found = c
                decided = true
            }
        } else {
            found = c
            decided = !c.isMechanism
        }
        return !decided
    }

    var result: AllocationClass { found ?? .other }
}
