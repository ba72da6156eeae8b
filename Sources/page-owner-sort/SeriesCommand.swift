import ArgumentParser
import PageOwnerKit

/// `page-owner-sort series <input>…`: how memory moves over a series of snapshots.
struct SeriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "series",
        abstract: "One row per group, one column per snapshot (files in order, or tar members in order), ranked by least-squares slope."
    )

    @OptionGroup var options: ReportOptions
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
        try options.checkOutput(inputs: inputs)
        let agg = try run.makeAggregator()
        for i in inputs { try run.read(i, into: agg) }
        agg.resolveLateHandles()
        // A show_stacks_handles snapshot only resolves handles; it is not a column.
        let s = SeriesReport(agg, top: options.top, minPages: options.minPages, pageSize: options.pageSize)
        ctx.command = "series"
        ctx.title = "page-owner-sort series: top groups over \(s.snapshots.count) snapshots"
        let sink = try OutputSink(path: options.output)
        try SeriesFormatter(format).write(s, context: ctx, to: sink)
        try sink.commit()
        for l in run.notes { printErr("page-owner-sort: \(l)") }
        for l in run.diagnostics.summary() { printErr(l) }
    }
}
