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
            try Inputs.writeText(inputs, options: run.input, to: options.output)
            return
        }
        // Only the snapshot report will choose (or the sum) keeps per-group metrics; one
        // profile per snapshot needs every snapshot's.
        run.retention = perSnapshot ? .all : (sum ? .sum : .latest)
        let loaded = try Pipeline.load(inputs: inputs, options: run)
        let agg = loaded.aggregator
        if perSnapshot {
            try writeProfiles(loaded, context: ctx, selection: selection)
            return
        }
        // A page reads finer groups than its table; the table is their projection.
        let (view, groupOf) = format == .html ? agg.projected(onto: keys) : (agg, [])
        let choice = SnapshotPlan.report(agg, inputs: loaded.perInput, sum: sum, spelling: .commandLine)
        let found = CommandFindings.report(
            loaded, choice: choice, keys: keys, pprof: format == .pprof, sum: sum, pageSize: options.pageSize)
        try options.apply(found, to: &ctx)
        let report = Report(
            view, snapshots: choice.snapshots, selection: selection, pageSize: options.pageSize, frameText: format.needsFrameText,
            cells: format.needsCells, ordered: format.needsOrder, threads: ctx.threads)
        // The rows hold what the formatter prints (HTML alone reads the finer groups): the
        // per-group metrics are freed before it runs (32 bytes a group, 32 MB at 10^6 stacks,
        // while a folded report holds its lines).
        if format != .html { for s in choice.snapshots { agg.releaseMetrics(s) } }
        ctx.inputs = choice.snapshots.map { agg.totals[$0] }
        ctx.skipped = loaded.diagnostics.skipped
        ctx.title = "page-owner-sort report: " + inputs.joined(separator: " ")
        if format == .pprof { ctx.captureTimeNanos = Self.captureTime(inputs) }
        let sink = try OutputSink(path: options.output)
        let formatter =
            format == .html ? HtmlFormatter(detail: .init(fine: agg, snapshots: choice.snapshots, groupOf: groupOf)) : format.formatter
        try formatter.write(report, context: ctx, to: sink)
        try sink.commit()
        for l in loaded.notes { printErr("page-owner-sort: \(l)") }
        for l in loaded.diagnostics.summary() { printErr(l) }
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
