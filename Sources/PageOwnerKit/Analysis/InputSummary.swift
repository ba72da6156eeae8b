/// What `info` says about each input: a crash dump's kind and VMCOREINFO, and each snapshot's
/// format, kernel-era features, records, distinct stacks and pages.
public enum InputSummary {
    /// A crash dump: what it is and what its VMCOREINFO says; `reading` when its page_owner
    /// records are read too (a vmlinux was given).
    public static func crashDump(
        _ name: String, _ kind: CrashDumpSniffer.Kind, _ v: VmcoreInfo?, reading: Bool, spelling: OptionSpelling
    ) -> [String] {
        var l = ["\(name):", "  format: \(kind.rawValue)"]
        if let v {
            for k in [
                "OSRELEASE", "PAGESIZE", "KERNELOFFSET", "NUMBER(phys_base)", "NUMBER(SECTION_SIZE_BITS)",
                "NUMBER(MAX_PHYSMEM_BITS)", "SYMBOL(mem_section)", "CRASHTIME",
            ] {
                if let x = v[k] { l.append("  \(k): \(x)") }
            }
            l.append("  memory segments: \(v.segments.count), \(Render.human(Int64(clamping: v.memoryBytes)))")
        }
        if kind != .elfOther && !reading {
            l.append("  page_owner records: not read (give the matching vmlinux with \(spelling[.vmlinux]))")
        }
        return l
    }

    /// One snapshot read: its name, format, kernel-era features, records, distinct stacks, pages.
    public static func snapshot(_ t: Aggregator.SnapshotTotals, distinctStacks: Int) -> [String] {
        [
            "\(t.name):",
            "  format: \(t.format?.rawValue ?? "unknown (no usable record)")",
            "  features: \(t.fields.eraDescription)",
            "  records: \(t.recordsRead)",
            "  distinct stacks: \(distinctStacks)",
            "  pages: \(t.pagesRead) (\(Render.human(t.pagesRead &* 4096)) at 4 KiB)",
        ]
    }

    /// The malformed records an input's snapshots skipped, when any.
    public static func skipped(_ n: Int) -> [String] {
        n > 0 ? ["  skipped malformed records: \(n)"] : []
    }

    /// The closing lines: the run's notes and its diagnostics' summary.
    public static func closing(_ p: Pipeline) -> [String] {
        p.notes.map { "note: \($0)" } + p.diagnostics.summary()
    }
}
