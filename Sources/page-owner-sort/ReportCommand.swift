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
    @Flag(help: "Add up several snapshots of one archive instead of reporting the last one (and add up several dumps without a warning).")
    var sum = false
    @Argument(
        help: "Dumps of any supported format (- for stdin); compressed files and tar archives are read too.", completion: .file())
    var inputs: [String]

    func run() throws {
        let format = try options.parsedFormat(report: true)
        var (run, ctx) = try options.makeRun()
        let keys = run.keys
        if format == .html { run.keys = HtmlFormatter.keys(keys, command: "report") }
        let selection = try options.selection(defaultSort: [Report.SortField(field: .pages, descending: true)])
        try options.checkOutput(inputs: inputs)
        let perSnapshot = format == .pprof && SnapshotProfiles.isDirectory(options.output)
        if perSnapshot && (sum || asText) {
            let why = sum ? "--sum adds them up" : "--as-text writes text"
            throw ValidationError("-o DIR/ writes one profile per snapshot; \(why): give -o FILE")
        }
        if !perSnapshot && options.output != "-" && options.output.hasSuffix("/") {
            throw ValidationError("-o \(options.output): a folder is an output only for --format pprof (one profile per snapshot)")
        }
        if asText {
            let sink = try OutputSink(path: options.output)
            var buf = [UInt8](repeating: 0, count: 1 << 20)
            for i in inputs {
                try Inputs.forEach(path: i, options: run.input, skipped: { _ in }) { src in
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
        // Only the snapshot report will choose (or the sum) keeps per-group metrics; one
        // profile per snapshot needs every snapshot's.
        run.retention = perSnapshot ? .all : (sum ? .sum : .latest)
        var perInput: [[Int]] = []
        for i in inputs { perInput.append(try run.read(i, into: agg)) }
        agg.resolveLateHandles()
        if perSnapshot {
            try writeProfiles(agg, perInput: perInput, run: run, context: ctx, selection: selection)
            return
        }
        // A page reads finer groups than its table; the table is their projection.
        let (view, groupOf) = format == .html ? agg.projected(onto: keys) : (agg, [])
        let choice = SnapshotPlan.report(agg, inputs: perInput, sum: sum)
        var found = RunWarnings.collect(agg, run.diagnostics, snapshots: choice.snapshots, keys: keys)
        found.warnings += choice.warnings
        found.notes += choice.notes
        if format == .pprof && !sum && perInput.joined().filter({ SnapshotPlan.view(agg.totals[$0].format) != nil }).count > 1 {
            found.notes.append("with --format pprof, -o DIR/ writes one profile per snapshot instead")
        }
        found.notes += PlaceholderNote.notes(choice.snapshots.map { agg.totals[$0] }, pageSize: options.pageSize)
        try options.apply(found, to: &ctx)
        let report = Report(
            view, snapshots: choice.snapshots, selection: selection, pageSize: options.pageSize, frameText: format.needsFrameText)
        ctx.inputs = choice.snapshots.map { agg.totals[$0] }
        ctx.skipped = run.diagnostics.skipped
        ctx.title = "page-owner-sort report: " + inputs.joined(separator: " ")
        if format == .pprof { ctx.captureTimeNanos = Self.captureTime(inputs) }
        let sink = try OutputSink(path: options.output)
        let formatter =
            format == .html ? HtmlFormatter(detail: .init(fine: agg, snapshots: choice.snapshots, groupOf: groupOf)) : format.formatter
        try formatter.write(report, context: ctx, to: sink)
        try sink.commit()
        for l in run.notes { printErr("page-owner-sort: \(l)") }
        for l in run.diagnostics.summary() { printErr(l) }
        options.tell(found, format: format)
        if agg.totals.allSatisfy({ $0.recordsRead == 0 }) { printErr("page-owner-sort: no records in the input") }
    }

    /// The latest capture time the inputs state (a vmcore's VMCOREINFO CRASHTIME), in ns.
    /// Inputs were read in full above, so an error here was already reported; an input that
    /// is no crash dump, or has no CRASHTIME, simply has no capture time.
    static func captureTime(_ inputs: [String]) -> Int64? {
        inputs.filter { $0 != "-" }.compactMap { i -> Int64? in
            guard let (_, info) = try? Inputs.crashDump(path: i), let t = info?["CRASHTIME"], let s = Int64(t) else { return nil }
            let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
            return overflow || s < 0 ? nil : ns
        }.max()
    }
}
