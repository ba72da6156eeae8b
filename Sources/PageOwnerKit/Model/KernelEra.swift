extension RecordFields {
    /// The features a set of fields shows and the kernel era they point to, as `info`
    /// prints them (and pprof profiles carry in a comment).
    public var eraDescription: String {
        var parts = names
        if contains(.stackCount) { parts.append("count=stack_count (v6.8.0: outstanding allocations)") }
        if contains(.basePages) { parts.append("count=nr_base_pages (v6.9+: base pages)") }
        if contains(.pfnLine) { parts.append(contains(.pfnHex) ? "pfn-base=hex (6.5+)" : "pfn-base=decimal") }
        if contains(.freeTs) {
            parts.append(contains(.tgid) ? "era=5.18-6.6 (tgid, free_ts)" : "era=5.13-5.17 (free_ts)")
        } else if contains(.tgid) {
            parts.append("era=6.7+ (tgid, no free_ts)")
        } else if contains(.ts) {
            parts.append("era=5.11-5.12 (pid, ts)")
        } else if contains(.gfpNames) {
            parts.append("era=4.6-5.10")
        } else if contains(.mask) {
            parts.append("era=2.6 -mm to 4.5 (mask only)")
        } else if contains(.order) {
            parts.append("era=2.6.11 -mm (order only)")
        }
        return parts.joined(separator: ", ")
    }
}
