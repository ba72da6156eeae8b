/// The fixed word lists the era renderer draws from: gfp masks with their `%pGg` names,
/// page flags, comms, stacks (from the samples in formats.md §7 and the real 6.12 dump),
/// migrate reasons and memcg names.
public enum EraVocabulary {
    /// Masks seen in real dumps, with their names (hex value is the truth, names are text).
    public static let masks: [(UInt32, String)] = [
        (0x0, ""),
        (0xcc0, "GFP_KERNEL"),
        (0x140cca, "GFP_HIGHUSER_MOVABLE|__GFP_COMP"),
        (0x52cc0, "GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP"),
        (0x2cc2, "GFP_KERNEL|__GFP_HIGHMEM|__GFP_NOWARN"),
        (0xd2cc0, "GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC"),
        (0x820, "GFP_ATOMIC"),
        (0xdc0, "GFP_KERNEL|__GFP_ZERO"),
        (0x400dc0, "GFP_KERNEL_ACCOUNT|__GFP_ZERO"),
        (0x12a20, "GFP_ATOMIC|__GFP_NOWARN|__GFP_NORETRY"),
        (0x252800, "GFP_NOWAIT|__GFP_NORETRY|__GFP_COMP|__GFP_THISNODE"),
        (0x1000000, "0x1000000"),
    ]

    /// v4.6–v5.12 page flags: hex value and names only.
    public static let flagsNamesOnly: [String] = [
        "0x0()",
        "0x10200(slab|head)",
        "0x1fffff80010068(uptodate|lru|active|mappedtodisk)",
        "0x100000000000000()",
        "0x2013c(referenced|uptodate|dirty|lru|active|swapbacked)",
    ]

    /// v5.13+ page flags: names then `node=`/`zone=` (and `section=`/`lastcpupid=`) fields.
    public static let flagsWithFields: [String] = [
        "0x0(section=0|node=0|zone=0)",
        "0xfffffc0000000(node=0|zone=1|lastcpupid=0x1fffff)",
        "0x17ffffc0010200(slab|head|node=0|zone=2|lastcpupid=0x1fffff)",
        "0x200(workingset|node=0|zone=0)",
        "0x2013c(referenced|uptodate|dirty|lru|active|swapbacked|section=0|node=0|zone=0)",
        "0x40(head|section=0|node=0|zone=0)",
    ]

    /// Page / pageblock migratetype pairs (v4.6+ names).
    public static let migratetypes: [(String, String)] = [
        ("Unmovable", "Unmovable"), ("Movable", "Movable"), ("Reclaimable", "Reclaimable"),
        ("Movable", "CMA"), ("Unmovable", "Reclaimable"), ("HighAtomic", "HighAtomic"),
    ]

    /// The 12 flag letters of the pre-4.6 PFN line, in column order.
    public static let flagLetters: [UInt8] = Array("KERUDLASWCBM".utf8)

    /// Ordinary comms (at most 15 bytes each).
    public static let comms: [[UInt8]] = [
        "kworker/u8:0", "systemd-journal", "dd", "cat", "wl-fork-c0", "stress-ng-brk",
        "modprobe", "swapper/0", "kswapd0", "bash", "cpuhp/1", "init",
    ].map { Array($0.utf8) }

    /// Comms a naive parser gets wrong.
    public static let trickyComms: [[UInt8]] = [
        Array("my app".utf8), Array("a), ts 5 ns".utf8), Array("(sd-pam)".utf8), Array("x) (y".utf8),
        Array("a, b".utf8), [], Array("Web Content".utf8), [0x63, 0x61, 0x66, 0xc3, 0xa9], Array("), ts ".utf8),
        [0xff, 0x20, 0x29],
    ]

    /// Migrate reasons (§2.4), with `(null)`.
    public static let migrateReasons: [String] = [
        "compaction", "memory_failure", "memory_hotplug", "syscall_or_cpuset", "mempolicy_mbind",
        "numa_misplaced", "contig_range", "longterm_pin", "demotion", "(null)",
    ]

    /// memcg trailer lines (without newline).
    public static let memcgLines: [String] = [
        "Charged to memcg wl", "Charged to memcg /", "Charged to offline memcg gone",
        "Charged (via objcg) to memcg wl", "Charged (via objcg) to offline memcg gone",
    ]

    /// Real allocation stacks (§7 samples S4, S10, S11, S12 and 6.12 dumps).
    public static let stacks: [[SynthFrame]] = [
        [
            SynthFrame("get_page_from_freelist", 0x1416, 0x1600), SynthFrame("__alloc_frozen_pages_noprof", 0x18c, 0x1000),
            SynthFrame("alloc_pages_mpol", 0x43, 0x100), SynthFrame("new_slab", 0x349, 0x460),
            SynthFrame("___slab_alloc", 0x811, 0xd90), SynthFrame("__kmem_cache_alloc_bulk", 0xb8, 0x1f0),
            SynthFrame("__prefill_sheaf_pfmemalloc", 0x42, 0x90), SynthFrame("kmem_cache_prefill_sheaf", 0xa9, 0x240),
            SynthFrame("mas_preallocate", 0x32f, 0x420), SynthFrame("__split_vma", 0xdc, 0x300),
            SynthFrame("vms_gather_munmap_vmas", 0xa4, 0x240), SynthFrame("do_vmi_align_munmap", 0xe9, 0x180),
            SynthFrame("do_vmi_munmap", 0xcb, 0x160), SynthFrame("__vm_munmap", 0xa7, 0x150),
            SynthFrame("__x64_sys_munmap", 0x16, 0x20), SynthFrame("do_syscall_64", 0xa4, 0x310),
        ],
        [
            SynthFrame("post_alloc_hook", 0x177, 0x1a0), SynthFrame("get_page_from_freelist", 0xd01, 0xd80),
            SynthFrame("__alloc_pages", 0x39e, 0x7e0), SynthFrame("alloc_pages_mpol", 0x22e, 0x490),
            SynthFrame("folio_alloc", 0xd5, 0x110), SynthFrame("filemap_alloc_folio", 0x78, 0x230),
            SynthFrame("page_cache_ra_order", 0x287, 0x6f0), SynthFrame("filemap_get_pages", 0x517, 0x1160),
            SynthFrame("filemap_read", 0x304, 0x9f0), SynthFrame("xfs_file_buffered_read", 0xe6, 0x1d0, module: "xfs"),
            SynthFrame("xfs_file_read_iter", 0x1f0, 0x380, module: "xfs"), SynthFrame("__kernel_read", 0x3b9, 0x730),
            SynthFrame("kernel_read_file", 0x309, 0x4d0), SynthFrame("__do_sys_finit_module", 0x381, 0x730),
            SynthFrame("do_syscall_64", 0x8d, 0x150), SynthFrame("entry_SYSCALL_64_after_hwframe", 0x62, 0x6a),
        ],
        [
            SynthFrame("prep_new_page", 0xa9, 0x120), SynthFrame("get_page_from_freelist", 0x7e6, 0x2140),
            SynthFrame("__alloc_pages", 0x18a, 0x370), SynthFrame("new_slab", 0xc8, 0x580),
            SynthFrame("___slab_alloc", 0x1f2, 0xaf0), SynthFrame("__slab_alloc.isra.86", 0x22, 0x40),
            SynthFrame("kmem_cache_alloc", 0x31b, 0x350), SynthFrame("__khugepaged_enter", 0x39, 0x100),
            SynthFrame("dup_mmap", 0x1c7, 0x5ce), SynthFrame("copy_process", 0x1afe, 0x1c90),
            SynthFrame("kernel_clone", 0x9a, 0x3c0), SynthFrame("__do_sys_clone", 0x66, 0x90),
            SynthFrame("do_syscall_64", 0x7f, 0x160), SynthFrame("entry_SYSCALL_64_after_hwframe", 0x6c, 0x74),
        ],
        [
            SynthFrame("get_page_from_freelist", 0x1416, 0x1600), SynthFrame("__alloc_frozen_pages_noprof", 0x18c, 0x1000),
            SynthFrame("alloc_pages_mpol", 0x43, 0x100), SynthFrame("folio_alloc_noprof", 0x56, 0xa0),
            SynthFrame("page_cache_ra_unbounded", 0xd9, 0x230), SynthFrame("filemap_fault", 0x305, 0x1000),
            SynthFrame("__do_fault", 0x2c, 0xb0), SynthFrame("__handle_mm_fault", 0x6f4, 0xeb0),
            SynthFrame("handle_mm_fault", 0xd9, 0x210), SynthFrame("do_user_addr_fault", 0x205, 0x600),
            SynthFrame("exc_page_fault", 0x61, 0x130), SynthFrame("asm_exc_page_fault", 0x26, 0x30),
        ],
        [
            SynthFrame("get_page_from_freelist", 0x3a2, 0x1230), SynthFrame("__alloc_pages_noprof", 0x16c, 0x300),
            SynthFrame("alloc_pages_mpol_noprof", 0x8e, 0x1d0), SynthFrame("folio_alloc_mpol_noprof", 0x14, 0x30),
            SynthFrame("shmem_alloc_folio", 0x4f, 0x80), SynthFrame("shmem_alloc_and_add_folio", 0x1a5, 0x4f0),
            SynthFrame("shmem_get_folio_gfp", 0x1f8, 0x6d0), SynthFrame("shmem_write_begin", 0x5a, 0xc0),
            SynthFrame("generic_perform_write", 0x11a, 0x2d0), SynthFrame("shmem_file_write_iter", 0x86, 0x90),
            SynthFrame("vfs_write", 0x2a7, 0x450), SynthFrame("ksys_write", 0x6d, 0xf0),
            SynthFrame("do_syscall_64", 0x82, 0x190), SynthFrame("entry_SYSCALL_64_after_hwframe", 0x76, 0x7e),
        ],
        [
            SynthFrame("get_page_from_freelist", 0x3a2, 0x1230), SynthFrame("__alloc_pages_noprof", 0x16c, 0x300),
            SynthFrame("alloc_pages_mpol_noprof", 0x8e, 0x1d0), SynthFrame("folio_alloc_noprof", 0x5b, 0xb0),
            SynthFrame("__filemap_get_folio", 0x17e, 0x340), SynthFrame("ext4_write_begin", 0xcc, 0x4f0, module: "ext4"),
            SynthFrame("ext4_da_write_begin", 0xed, 0x2c0, module: "ext4"), SynthFrame("generic_perform_write", 0x11a, 0x2d0),
            SynthFrame("ext4_buffered_write_iter", 0x64, 0x130, module: "ext4"), SynthFrame("vfs_write", 0x2a7, 0x450),
            SynthFrame("ksys_write", 0x6d, 0xf0), SynthFrame("do_syscall_64", 0x82, 0x190),
            SynthFrame("entry_SYSCALL_64_after_hwframe", 0x76, 0x7e),
        ],
        [
            SynthFrame("prep_new_page", 0xcf, 0xf0), SynthFrame("get_page_from_freelist", 0xd8a, 0x1230),
            SynthFrame("__alloc_pages_nodemask", 0x170, 0x330), SynthFrame("allocate_slab", 0x24f, 0x2f0),
            SynthFrame("___slab_alloc", 0x480, 0x6b0), SynthFrame("__slab_alloc", 0x50, 0x60),
            SynthFrame("kmem_cache_alloc_trace", 0x1fb, 0x230), SynthFrame("sr_probe", 0x213, 0x5e0),
            SynthFrame("really_probe", 0xd6, 0x2e0), SynthFrame("driver_probe_device", 0x4a, 0xa0),
            SynthFrame("bus_for_each_drv", 0x7c, 0xc0), SynthFrame("__device_attach", 0xe8, 0x150),
            SynthFrame("bus_probe_device", 0x9a, 0xb0), SynthFrame("device_add", 0x39b, 0x850),
            SynthFrame("scsi_sysfs_add_sdev", 0x89, 0x280), SynthFrame("scsi_probe_and_add_lun", 0x81e, 0xb90),
        ],
        [
            SynthFrame("get_page_from_freelist", 0x3a2, 0x1230), SynthFrame("__alloc_pages_noprof", 0x16c, 0x300),
            SynthFrame("alloc_pages_mpol_noprof", 0x8e, 0x1d0), SynthFrame("pipe_write", 0x3c5, 0x6e0),
            SynthFrame("vfs_write", 0x2a7, 0x450), SynthFrame("ksys_write", 0x6d, 0xf0),
            SynthFrame("do_syscall_64", 0x82, 0x190), SynthFrame("entry_SYSCALL_64_after_hwframe", 0x76, 0x7e),
        ],
    ]

    /// `register_early_stack`: early-boot pages (order 0, `mask 0x0()`, the init task).
    public static let earlyStack: [SynthFrame] = [
        SynthFrame("register_early_stack", 0x2d, 0x5e), SynthFrame("init_page_owner", 0x2a, 0x2a7),
        SynthFrame("kernel_init_freeable", 0xed, 0x14d), SynthFrame("kernel_init", 0x5, 0x100),
    ]

    /// `register_dummy_stack`: pages allocated while page_owner was recursing.
    public static let dummyStack: [SynthFrame] = [
        SynthFrame("register_dummy_stack", 0x32, 0x70), SynthFrame("init_page_owner", 0x29, 0x2f0),
        SynthFrame("page_ext_init", 0x27c, 0x2b0), SynthFrame("mm_core_init", 0xdc, 0x110),
    ]

    /// `register_failure_stack`: stack-depot failures.
    public static let failureStack: [SynthFrame] = [
        SynthFrame("register_failure_stack", 0x32, 0x70), SynthFrame("init_page_owner", 0x31, 0x2f0),
        SynthFrame("page_ext_init", 0x27c, 0x2b0), SynthFrame("mm_core_init", 0xdc, 0x110),
    ]

    /// A bare unresolved frame (`%pS` with no kallsyms hit prints `0x` and the address).
    public static let bareFrame = SynthFrame("", 0, 0, address: 0xffff_ffff_c0a0_1234)
}
