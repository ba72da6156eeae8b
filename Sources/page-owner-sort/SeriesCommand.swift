import ArgumentParser
import PageOwnerKit

/// `page-owner-sort series <input>…`: how memory moves over a series of snapshots.
struct SeriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "series",
        abstract: "One row per group, one column per snapshot (files in order, or tar members in order), ranked by least-squares slope."
    )

    @OptionGroup var options: ReportOptions
    @Flag(
        name: .customLong("given-order"),
        help: "Keep the snapshots in the order given (archive order) instead of capture time (latest ts) or name order.")
    var givenOrder = false
    @Argument(help: "Snapshots in time order (files, or a tar archive whose members are the snapshots).", completion: .file()) var inputs:
        [String]

    func run() throws {
        let format = try options.parsedFormat()
        guard SeriesFormatter.formats.contains(format) else {
            throw ValidationError(
                "series does not write --format \(format.rawValue) (a folded file holds one count per stack, a series one per snapshot); use \(SeriesFormatter.formats.map(\.rawValue).joined(separator: ", ")), or `report --format folded` on one snapshot"
            )
        }
        var (run, ctx) = try options.makeRun()
        let keys = run.keys
        if format == .html { run.keys = HtmlFormatter.keys(keys, command: "series") }
        try options.checkOutput(inputs: inputs)
        let loaded = try Pipeline.load(inputs: inputs, options: run)
        let agg = loaded.aggregator
        // A show_stacks_handles snapshot only resolves handles; it is not a column.
        let given = loaded.perInput.map { $0.filter { agg.totals[$0].format != .showStacksHandles } }
        let (columns, basis) = SnapshotPlan.order(agg, inputs: given, keepGiven: givenOrder)
        let view = format == .html ? agg.projected(onto: keys).aggregator : agg
        let s = SeriesReport(view, columns: columns, top: options.top, minPages: options.minPages, pageSize: options.pageSize)
        let found = CommandFindings.series(loaded, columns: columns, basis: basis, given: given, keys: keys)
        try options.apply(found, to: &ctx)
        ctx.command = "series"
        ctx.title = "page-owner-sort series: top groups over \(s.snapshots.count) snapshots"
        let sink = try OutputSink(path: options.output)
        if format == .html {
            try HtmlFormatter.writeSeries(s, fine: agg, view: view, columns: columns, context: ctx, to: sink)
        } else {
            try SeriesFormatter(format).write(s, context: ctx, to: sink)
        }
        try sink.commit()
        for l in loaded.notes { printErr("page-owner-sort: \(l)") }
        for l in loaded.diagnostics.summary() { printErr(l) }
        options.tell(found, format: format)
    }
}
