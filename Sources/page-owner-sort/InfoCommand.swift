import ArgumentParser
import PageOwnerKit

/// `page-owner-sort info <input>…`: what each input (or archive member) is.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print each input's detected format, kernel-era features, records, distinct stacks, pages and warnings."
    )

    @Flag(help: "Stop at the first malformed record.") var strict = false
    @Option(help: "The vmlinux (with DWARF debug info) of the kernel whose vmcore is given, to read its page_owner records.") var vmlinux:
        String?
    @Option(help: "A folder of kernel module objects (.ko, plain or compressed) for modules whose symbols the vmcore lacks.") var modules:
        String?
    @Flag(name: .customLong("no-cache"), help: ArgumentHelp(stringLiteral: VmlinuxCacheHelp.noCache)) var noCache = false
    @Flag(help: ArgumentHelp(stringLiteral: VmlinuxCacheHelp.verbose)) var verbose = false
    @Argument(help: "Inputs (files, compressed files, tar archives, - for stdin).", completion: .file()) var inputs: [String]

    func run() throws {
        Inputs.vmlinuxPath = vmlinux
        Inputs.modulesDirectory = modules
        configureVmlinuxCache(noCache: noCache, verbose: verbose)
        var run = ReportRun()
        run.keys = [.stack]
        run.strict = strict
        let agg = try run.makeAggregator()
        // Each snapshot's distinct stacks, counted as it is read; then its metrics are freed.
        var distinct: [Int: Int] = [:]
        run.snapshotRead = { agg, s in distinct[s] = agg.metrics[s].filter { $0.records != 0 || $0.pages != 0 }.count }
        run.retention = .none
        var lines: [String] = []
        for i in inputs {
            if let (kind, vmcore) = try Inputs.crashDump(path: i) {
                let reading = kind != .elfOther && vmlinux != nil
                lines += InfoCommand.describe(i, kind, vmcore, reading: reading)
                if !reading { continue }
            }
            let before = agg.snapshotCount
            let d0 = run.diagnostics
            try run.read(i, into: agg)
            for s in before..<agg.snapshotCount {
                let t = agg.totals[s]
                let stacks = distinct[s] ?? 0
                lines.append("\(t.name):")
                lines.append("  format: \(t.format?.rawValue ?? "unknown (no usable record)")")
                lines.append("  features: \(t.fields.eraDescription)")
                lines.append("  records: \(t.recordsRead)")
                lines.append("  distinct stacks: \(stacks)")
                lines.append("  pages: \(t.pagesRead) (\(Render.human(t.pagesRead &* 4096)) at 4 KiB)")
            }
            let skipped = run.diagnostics.skippedTotal - d0.skippedTotal
            if skipped > 0 { lines.append("  skipped malformed records: \(skipped)") }
        }
        for n in run.notes { lines.append("note: \(n)") }
        for l in run.diagnostics.summary() { lines.append(l) }
        ProgressLine.stop()
        print(lines.joined(separator: "\n"))
    }

    /// A crash dump: what it is and what its VMCOREINFO says.
    static func describe(_ name: String, _ kind: CrashDumpSniffer.Kind, _ v: VmcoreInfo?, reading: Bool) -> [String] {
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
            l.append("  page_owner records: not read (give the matching vmlinux with --vmlinux)")
        }
        return l
    }
}
