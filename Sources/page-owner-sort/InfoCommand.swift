import ArgumentParser
import PageOwnerKit

/// `page-owner-sort info <input>…`: what each input (or archive member) is.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print each input's detected format, kernel-era features, records, distinct stacks, pages and warnings."
    )

    @OptionGroup var input: InputOptionGroup
    @Argument(help: "Inputs (files, compressed files, tar archives, - for stdin).", completion: .file()) var inputs: [String]

    func run() throws {
        var run = ReportRun()
        run.keys = [.stack]
        run.input = input.options()
        // Each snapshot's distinct stacks, counted as it is read; then its metrics are freed.
        var distinct: [Int: Int] = [:]
        run.snapshotRead = { agg, s in distinct[s] = agg.metrics[s].filter { $0.records != 0 || $0.pages != 0 }.count }
        run.retention = .none
        var pipeline = try Pipeline(run)
        var lines: [String] = []
        for i in inputs {
            if let (kind, vmcore) = try Inputs.crashDump(path: i) {
                let reading = kind != .elfOther && input.vmlinux != nil
                lines += InputSummary.crashDump(i, kind, vmcore, reading: reading, spelling: .commandLine)
                if !reading { continue }
            }
            let skippedBefore = pipeline.diagnostics.skippedTotal
            for s in try pipeline.read(i) {
                lines += InputSummary.snapshot(pipeline.aggregator.totals[s], distinctStacks: distinct[s] ?? 0)
            }
            lines += InputSummary.skipped(pipeline.diagnostics.skippedTotal - skippedBefore)
        }
        lines += InputSummary.closing(pipeline)
        ProgressLine.stop()
        print(lines.joined(separator: "\n"))
    }
}
