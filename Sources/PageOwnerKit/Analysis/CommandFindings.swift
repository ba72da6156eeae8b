/// What report, diff and series say besides their numbers, for each command: the run's
/// warnings (`RunWarnings.collect`) and what the command adds to them. Every formatter puts
/// them in its output; the command line prints them on stderr where the output has no place
/// for them.
public enum CommandFindings {
    /// `report` of the snapshots `choice` picked (`SnapshotPlan.report`); `pprof` when the
    /// output is one pprof profile, `sum` when the snapshots are added up.
    public static func report(
        _ p: Pipeline, choice: SnapshotPlan.ReportChoice, keys: [GroupKey], pprof: Bool, sum: Bool, pageSize: Int64
    ) -> RunWarnings {
        let agg = p.aggregator
        var found = RunWarnings.collect(agg, p.diagnostics, snapshots: choice.snapshots, keys: keys, spelling: p.run.input.spelling)
        found.warnings += choice.warnings
        found.notes += choice.notes
        if pprof && !sum && p.perInput.joined().filter({ SnapshotPlan.view(agg.totals[$0].format) != nil }).count > 1 {
            let o = p.run.input.spelling
            found.notes.append("with \(o[.format]) pprof, \(o[.output]) DIR/ writes one profile per snapshot instead")
        }
        found.notes += PlaceholderNote.notes(choice.snapshots.map { agg.totals[$0] }, pageSize: pageSize, spelling: p.run.input.spelling)
        return found
    }

    /// One profile of `report --format pprof -o DIR/`: the findings of its snapshot alone.
    public static func profile(_ p: Pipeline, snapshot: Int, pageSize: Int64) -> RunWarnings {
        var found = RunWarnings.collect(p.aggregator, p.diagnostics, snapshots: [snapshot], spelling: p.run.input.spelling)
        found.notes += PlaceholderNote.notes([p.aggregator.totals[snapshot]], pageSize: pageSize, spelling: p.run.input.spelling)
        return found
    }

    /// `diff` of the snapshots `before` and `after` (each side added up).
    public static func diff(_ p: Pipeline, before: [Int], after: [Int], keys: [GroupKey]) -> RunWarnings {
        let agg = p.aggregator
        var found = RunWarnings.collect(agg, p.diagnostics, snapshots: before + after, keys: keys, spelling: p.run.input.spelling)
        found.warnings += SnapshotPlan.doubleCounting(agg, before, summing: false, side: "before", spelling: p.run.input.spelling)
        found.warnings += SnapshotPlan.doubleCounting(agg, after, summing: false, side: "after", spelling: p.run.input.spelling)
        return found
    }

    /// `series` over `columns`, ordered by `basis` from the snapshots `given` per input.
    public static func series(
        _ p: Pipeline, columns: [Int], basis: SnapshotPlan.Basis, given: [[Int]], keys: [GroupKey]
    ) -> RunWarnings {
        var found = RunWarnings.collect(p.aggregator, p.diagnostics, snapshots: columns, keys: keys, spelling: p.run.input.spelling)
        if let n = SnapshotPlan.orderNote(p.aggregator, columns, basis, inputs: given) { found.notes.append(n) }
        return found
    }

    /// Where `d` grew beyond the bounds given (the whole snapshot beyond `total`, any group
    /// beyond `group` pages or `percent`), one message per bound broken, offenders listed
    /// (at most 20); empty when within them.
    public static func growthFailures(
        _ d: DiffReport, total: SizeBound?, group: SizeBound?, percent: Double?, pageSize: Int64
    ) -> [String] {
        var failures: [String] = []
        if let b = total {
            let delta = d.after.pages &- d.before.pages
            if delta > b.pages(pageSize: pageSize) {
                failures.append(
                    "page-owner-sort: the snapshot grew beyond the bound \(b): +\(delta) pages (\(d.before.pages) -> \(d.after.pages)), +\(Render.human(delta &* pageSize))"
                )
            }
        }
        if group != nil || percent != nil {
            let off = d.offenders(pages: group?.pages(pageSize: pageSize), percent: percent)
            if !off.isEmpty {
                var msg = "page-owner-sort: \(off.count) group(s) grew beyond the bound:"
                for r in off.prefix(20) {
                    let key = zip(d.keys, r.cells).map { k, c in k == .stack ? "stack " + c.text : "\(k.rawValue)=\(c.text)" }
                        .joined(separator: " ")
                    msg += "\n  +\(r.pagesDelta) pages (\(r.before.pages) -> \(r.after.pages)) \(key)"
                }
                failures.append(msg)
            }
        }
        return failures
    }
}
