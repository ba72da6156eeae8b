/// GFP flag names as `%pGg` prints them. The hex value is the truth and bit positions
/// change between kernels, so a flag is looked for by name in the printed list, with
/// composite names (GFP_KERNEL, …) expanded to the flags they are made of.
public enum GFP {
    /// Composite names and the flags they include (union over kernel versions).
    static let composites: [String: [String]] = [
        "__GFP_RECLAIM": ["__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM"],
        "GFP_ATOMIC": ["__GFP_HIGH", "__GFP_KSWAPD_RECLAIM"],
        "GFP_KERNEL": ["__GFP_RECLAIM", "__GFP_IO", "__GFP_FS"],
        "GFP_KERNEL_ACCOUNT": ["GFP_KERNEL", "__GFP_ACCOUNT"],
        "GFP_NOWAIT": ["__GFP_KSWAPD_RECLAIM", "__GFP_NOWARN"],
        "GFP_NOIO": ["__GFP_RECLAIM"],
        "GFP_NOFS": ["__GFP_RECLAIM", "__GFP_IO"],
        "GFP_USER": ["__GFP_RECLAIM", "__GFP_IO", "__GFP_FS", "__GFP_HARDWALL"],
        "GFP_DMA": ["__GFP_DMA"],
        "GFP_DMA32": ["__GFP_DMA32"],
        "GFP_HIGHUSER": ["GFP_USER", "__GFP_HIGHMEM"],
        "GFP_HIGHUSER_MOVABLE": ["GFP_HIGHUSER", "__GFP_MOVABLE", "__GFP_SKIP_KASAN"],
        "GFP_TRANSHUGE_LIGHT": [
            "__GFP_HIGHMEM", "__GFP_MOVABLE", "__GFP_IO", "__GFP_FS", "__GFP_HARDWALL", "__GFP_COMP", "__GFP_NOMEMALLOC", "__GFP_NOWARN",
        ],
        "GFP_TRANSHUGE": ["GFP_TRANSHUGE_LIGHT", "__GFP_DIRECT_RECLAIM"],
    ]

    /// Every flag name a `|`-separated list stands for, composites expanded.
    public static func expand(_ names: String) -> Set<String> {
        var out = Set<String>()
        var work = names.split(separator: "|").map(String.init)
        while let n = work.popLast() {
            if out.insert(n).inserted, let parts = composites[n] {
                work.append(contentsOf: parts)
            }
            // Pre-4.6 spellings had no `__` prefix (GFP_NOWARN for __GFP_NOWARN).
            if !n.hasPrefix("__"), composites[n] == nil { out.insert("__" + n) }
        }
        return out
    }

    /// Whether the printed list `names` includes `flag`.
    public static func has(_ names: String, flag: String) -> Bool {
        expand(names).contains(flag) || expand(names).contains("__" + flag)
    }
}
