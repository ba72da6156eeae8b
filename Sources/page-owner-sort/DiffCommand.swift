import ArgumentParser
import PageOwnerKit

/// `page-owner-sort diff <before> <after>`: what grew between two snapshots.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two snapshots group by group: before, after, change, ratio; new and gone groups marked.",
        discussion:
            "Exit status 3 when --fail-on-growth or --fail-on-growth-percent is exceeded by any group, or --fail-on-total-growth by the whole snapshot (offenders on stderr), 0 otherwise. A bound is pages when a bare number (4096), or a size with a unit (512KiB, 10MiB, 1G)."
    )

    @OptionGroup var options: ReportOptions
    @Flag(name: .customLong("ignore-offsets"), help: "Match stacks by symbol names alone (compare two kernel builds).") var ignoreOffsets =
        false
    @Option(
        name: .customLong("fail-on-growth"),
        help: "Exit 3 when any group grew by more than this: pages as a bare number, or a size (10MiB, 512KiB, 1G, 4096B).")
    var failOnGrowth: String?
    @Option(
        name: .customLong("fail-on-total-growth"),
        help: "Exit 3 when the whole snapshot (all groups after filters) grew by more than this: pages or a size, as --fail-on-growth.")
    var failOnTotalGrowth: String?
    @Option(
        name: .customLong("fail-on-growth-percent"),
        help: "Exit 3 when any group grew by more than this percent of its size before (a new group counts as infinite growth).")
    var failOnGrowthPercent: Double?
    @Argument(help: "The earlier snapshot.", completion: .file()) var before: String
    @Argument(help: "The later snapshot.", completion: .file()) var after: String

    func run() throws {
        let format = try options.parsedFormat()
        var (run, ctx) = try options.makeRun()
        run.ignoreOffsets = ignoreOffsets
        let keys = run.keys
        if format == .html { run.keys = HtmlFormatter.keys(keys, command: "diff") }
        let selection = try options.selection(defaultSort: [Report.SortField(field: .pages, descending: true)])
        let groupBound = try failOnGrowth.map(Self.bound)
        let totalBound = try failOnTotalGrowth.map(Self.bound)
        try options.checkOutput(inputs: [before, after])
        // Each side is summed: its snapshots' metrics are added up as they are read.
        run.retention = .sum
        let loaded = try Pipeline.load(inputs: [before, after], options: run)
        let agg = loaded.aggregator
        let (a, b) = (loaded.perInput[0], loaded.perInput[1])
        let view = format == .html ? agg.projected(onto: keys).aggregator : agg
        let d = DiffReport(view, before: a, after: b, selection: selection, pageSize: options.pageSize)
        ctx.command = "diff"
        ctx.inputs = agg.totals
        let found = CommandFindings.diff(loaded, before: a, after: b, keys: keys)
        try options.apply(found, to: &ctx)
        ctx.title = "page-owner-sort diff: growth from \(before) to \(after)"
        let sink = try OutputSink(path: options.output)
        if format == .html {
            try HtmlFormatter.writeDiff(d, fine: agg, view: view, before: a, after: b, context: ctx, to: sink)
        } else {
            try DiffFormatter(format).write(d, context: ctx, to: sink)
        }
        try sink.commit()
        for l in loaded.diagnostics.summary() { printErr(l) }
        options.tell(found, format: format)
        let failures = CommandFindings.growthFailures(
            d, total: totalBound, group: groupBound, percent: failOnGrowthPercent, pageSize: options.pageSize)
        if !failures.isEmpty { throw CommandFailure(status: ExitStatus.growth, message: failures.joined(separator: "\n")) }
    }

    /// A `--fail-on-…growth` value (pages or a size); a bad one is a usage error.
    static func bound(_ s: String) throws -> SizeBound {
        do { return try SizeBound.parse(s) } catch let e as UsageError { throw ValidationError(e.description) }
    }
}
