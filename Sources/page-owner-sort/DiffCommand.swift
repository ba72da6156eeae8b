import ArgumentParser
import PageOwnerKit

/// `page-owner-sort diff <before> <after>`: what grew between two snapshots.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two snapshots group by group: before, after, change, ratio; new and gone groups marked.",
        discussion:
            "Exit status 3 when --fail-on-growth or --fail-on-growth-percent is exceeded by any group (offenders on stderr), 0 otherwise."
    )

    @OptionGroup var options: ReportOptions
    @Flag(name: .customLong("ignore-offsets"), help: "Match stacks by symbol names alone (compare two kernel builds).") var ignoreOffsets =
        false
    @Option(name: .customLong("fail-on-growth"), help: "Exit 3 when any group's pages_delta is greater than this.") var failOnGrowth: Int64?
    @Option(
        name: .customLong("fail-on-growth-percent"),
        help: "Exit 3 when any group grew by more than this percent of its size before (a new group counts as infinite growth).")
    var failOnGrowthPercent: Double?
    @Argument(help: "The earlier snapshot.") var before: String
    @Argument(help: "The later snapshot.") var after: String

    func run() throws {
        let format = try options.parsedFormat()
        var (run, ctx) = try options.makeRun()
        run.ignoreOffsets = ignoreOffsets
        let selection = try options.selection(defaultSort: [Report.SortField(field: .pages, descending: true)])
        try refuseSamePath(input: before, output: options.output)
        try refuseSamePath(input: after, output: options.output)
        let agg = try run.makeAggregator()
        let a = try run.read(before, into: agg)
        let b = try run.read(after, into: agg)
        agg.resolveLateHandles()
        let d = DiffReport(agg, before: a, after: b, selection: selection, pageSize: options.pageSize)
        ctx.command = "diff"
        ctx.inputs = agg.totals
        var found = RunWarnings.collect(agg, run.diagnostics, snapshots: a + b)
        found.warnings += SnapshotPlan.doubleCounting(agg, a, summing: false, side: "before")
        found.warnings += SnapshotPlan.doubleCounting(agg, b, summing: false, side: "after")
        try options.apply(found, to: &ctx)
        ctx.title = "page-owner-sort diff: growth from \(before) to \(after)"
        let sink = try OutputSink(path: options.output)
        try DiffFormatter(format).write(d, context: ctx, to: sink)
        try sink.commit()
        for l in run.diagnostics.summary() { printErr(l) }
        options.tell(found, format: format)
        if failOnGrowth != nil || failOnGrowthPercent != nil {
            let off = d.offenders(pages: failOnGrowth, percent: failOnGrowthPercent)
            if !off.isEmpty {
                var msg = "page-owner-sort: \(off.count) group(s) grew beyond the bound:"
                for r in off.prefix(20) {
                    let key = zip(d.keys, r.cells).map { k, c in k == .stack ? "stack " + c.text : "\(k.rawValue)=\(c.text)" }
                        .joined(separator: " ")
                    msg += "\n  +\(r.pagesDelta) pages (\(r.before.pages) -> \(r.after.pages)) \(key)"
                }
                throw CommandFailure(status: ExitStatus.growth, message: msg)
            }
        }
    }
}
