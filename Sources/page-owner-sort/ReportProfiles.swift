import ArgumentParser
import Foundation
import PageOwnerKit

extension ReportCommand {
    /// `report --format pprof -o DIR/`: one profile per snapshot (see `SnapshotProfiles`),
    /// each checked like `-o` (never an input, an existing dump only with `--force`) before
    /// any is written, each written atomically. The folder is made when missing.
    func writeProfiles(_ loaded: Pipeline, context: ReportContext, selection: Report.Selection) throws {
        let agg = loaded.aggregator
        let planned = SnapshotProfiles.plan(agg, inputs: inputs, perInput: loaded.perInput, directory: options.output)
        if planned.isEmpty {
            throw CommandFailure(
                status: ExitStatus.input, message: "page-owner-sort: no snapshot in the inputs counts pages: no profile written")
        }
        let readToo = inputs + options.stacks + options.input.otherReads
        for p in planned { try guardOutput(p.path, inputs: readToo, force: options.force) }
        if !SnapshotProfiles.isDirectory(options.output) || !FileManager.default.fileExists(atPath: options.output) {
            do {
                try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
            } catch {
                throw OutputError(path: options.output, "cannot create the folder: \(error.localizedDescription)")
            }
        }
        var told: [String] = []
        for p in planned {
            let found = CommandFindings.profile(loaded, snapshot: p.snapshot, pageSize: options.pageSize)
            var ctx = context
            try options.apply(found, to: &ctx)
            let report = Report(
                agg, snapshots: [p.snapshot], selection: selection, pageSize: options.pageSize, frameText: false, cells: false,
                threads: context.threads)
            ctx.inputs = [agg.totals[p.snapshot]]
            ctx.skipped = loaded.diagnostics.skipped
            ctx.title = "page-owner-sort report: " + agg.totals[p.snapshot].name
            ctx.captureTimeNanos = Self.captureTime([inputs[p.input]])
            let sink = try OutputSink(path: p.path)
            try PprofFormatter().write(report, context: ctx, to: sink)
            try sink.commit()
            for l in found.stderrLines() where !told.contains(l) { told.append(l) }
        }
        for l in loaded.notes { printErr("page-owner-sort: \(l)") }
        for l in loaded.diagnostics.summary() { printErr(l) }
        for l in told { printErr(l) }
        for p in planned { printErr("page-owner-sort: wrote \(p.path) (\(agg.totals[p.snapshot].name))") }
    }
}
