import PageOwnerKit

/// Help of `--no-cache` and `--verbose`, shared by the commands that read vmcores.
enum VmlinuxCacheHelp {
    static let noCache =
        "Do not read or write the cache of vmlinux facts (by build ID, in $PAGE_OWNER_SORT_CACHE_DIR, $XDG_CACHE_HOME/page-owner-sort or ~/.cache/page-owner-sort)."
    static let verbose = "Print notes on stderr: whether the vmlinux cache was used or written, and why not."
}

/// Where the facts of a vmcore's vmlinux are cached (`InputOptions.vmlinuxCache`); nil
/// with `--no-cache` or when there is no folder for it.
func vmlinuxCache(noCache: Bool, verbose: Bool) -> VmlinuxCache? {
    guard !noCache, let dir = VmlinuxCache.defaultDirectory() else {
        if verbose && !noCache {
            printErr("page-owner-sort: note: vmlinux cache: no folder (set HOME, XDG_CACHE_HOME or PAGE_OWNER_SORT_CACHE_DIR)")
        }
        return nil
    }
    return VmlinuxCache(directory: dir, note: verbose ? { printErr("page-owner-sort: note: " + $0) } : { _ in })
}
