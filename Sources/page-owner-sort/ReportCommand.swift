import ArgumentParser
import PageOwnerKit

/// `page-owner-sort report <input>…`: who holds the memory, grouped any way.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Aggregate records by any combination of keys and print a table, CSV, JSON, folded stacks, a flame graph or a pprof profile."
    )

    @OptionGroup var options: ReportOptions
    @Flag(
        name: .customLong("as-text"),
        help: "Write the inputs' records as page_owner text instead of a report (for example a vmcore, to feed the compatible mode).")
    var asText = false
    @Argument(help: "Dumps of any supported format (- for stdin); compressed files and tar archives are read too.")
    var inputs: [String]

    func run() throws {
        let format = try options.parsedFormat(report: true)
        var (run, ctx) = try options.makeRun()
        let selection = try options.selection(defaultSort: [Report.SortField(field: .pages, descending: true)])
        for i in inputs { try refuseSamePath(input: i, output: options.output) }
        if asText {
            let sink = try OutputSink(path: options.output)
            var buf = [UInt8](repeating: 0, count: 1 << 20)
            for i in inputs {
                try Inputs.forEach(path: i) { src in
                    while true {
                        let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                        if n == 0 { break }
                        try buf.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    }
                }
            }
            try sink.commit()
            return
        }
        let agg = try run.makeAggregator()
        for i in inputs { try run.read(i, into: agg) }
        agg.resolveLateHandles()
        let report = Report(agg, selection: selection, pageSize: options.pageSize, frameText: format.needsFrameText)
        ctx.inputs = agg.totals
        ctx.skipped = run.diagnostics.skipped
        ctx.warnings = Self.warnings(agg, run.diagnostics)
        ctx.title = "page-owner-sort report: " + inputs.joined(separator: " ")
        if format == .pprof { ctx.captureTimeNanos = Self.captureTime(inputs) }
        let sink = try OutputSink(path: options.output)
        try format.formatter.write(report, context: ctx, to: sink)
        try sink.commit()
        for l in run.notes { printErr("page-owner-sort: \(l)") }
        for l in run.diagnostics.summary() { printErr(l) }
    }

    /// The latest capture time the inputs state (a vmcore's VMCOREINFO CRASHTIME), in ns.
    static func captureTime(_ inputs: [String]) -> Int64? {
        inputs.filter { $0 != "-" }.compactMap { i -> Int64? in
            guard let (_, info) = try? Inputs.crashDump(path: i), let t = info?["CRASHTIME"], let s = Int64(t) else { return nil }
            let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
            return overflow || s < 0 ? nil : ns
        }.max()
    }

    static func warnings(_ agg: Aggregator, _ d: Diagnostics) -> [String] {
        var w: [String] = []
        let unresolved = agg.stacks.info.filter { $0.kind == .unresolvedHandle }.count
        if unresolved > 0 {
            w.append(
                "\(unresolved) handle(s) have no stack in the inputs (give a show_stacks_handles file with --stacks); they are reported as 'unresolved handle N'"
            )
        }
        for t in agg.totals where t.fields.contains(.stackCount) {
            w.append(
                "\(t.name) is a v6.8.0 show_stacks: its stack_count is outstanding allocations, not pages; it is counted as records, with 0 pages"
            )
        }
        for (k, v) in d.warnings.sorted(by: { $0.key < $1.key }) { w.append("\(k): \(v)") }
        return w
    }
}
