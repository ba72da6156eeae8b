/// Everything a report-family run must say besides its numbers, made in one place: every
/// formatter prints these (the text footer, the JSON `warnings` and `notes`, SVG comments)
/// and the command prints them on stderr for the formats that have no place for them.
/// A warning says the numbers may mislead; a note says what was chosen for the user.
public struct RunWarnings: Sendable {
    public var warnings: [String] = []
    public var notes: [String] = []
    /// Warnings that some key or filter needs a field the input lacks (`--strict` fails on them).
    public var missingFields: [String] = []
    /// Warnings `Diagnostics.summary` prints on stderr already.
    var fromDiagnostics: Set<String> = []

    public init() {}

    /// The warnings about the counted `snapshots` of `agg` and what reading them met.
    /// `sides` names the snapshots of each side of a `diff` (nil for report and series).
    /// `keys` are the keys the user asked for when `agg` groups by more (the HTML page's
    /// finer groups): a missing field is warned about for those alone.
    public static func collect(
        _ agg: Aggregator, _ d: Diagnostics, snapshots: [Int], keys: [GroupKey]? = nil, spelling: OptionSpelling
    ) -> RunWarnings {
        var r = RunWarnings()
        let unresolved = agg.unresolvedHandles.count
        if unresolved > 0 && agg.handleStacks.isEmpty {
            r.warnings.append(
                "\(unresolved) handle(s) have no stack in the inputs (give a show_stacks_handles file with \(spelling[.stacks])); they are reported as 'unresolved handle N'"
            )
        } else if unresolved > 0 {
            r.warnings.append(
                "\(unresolved) handle(s) are not in the handle->stack map given (show_stacks_handles lists only some stacks: placeholder and early-boot handles, for example, are not in it); they are reported as 'unresolved handle N'"
            )
        }
        for t in agg.totals where t.fields.contains(.stackCount) {
            r.warnings.append(
                "\(t.name) is a v6.8.0 show_stacks: its stack_count is outstanding allocations, not pages; it is counted as records, with 0 pages"
            )
        }
        for (k, v) in d.warnings.sorted(by: { $0.key < $1.key }) {
            r.warnings.append("\(k): \(v)")
            r.fromDiagnostics.insert("\(k): \(v)")
        }
        r.missingFields = FieldNeeds.warnings(agg, snapshots: snapshots, keys: keys, spelling: spelling)
        r.warnings += r.missingFields
        r.warnings += pfnWarnings(agg, snapshots: snapshots)
        return r
    }

    /// PFNs that go back inside one page_owner stream (dumps joined into one file), and
    /// more pages than the highest PFN leaves room for.
    static func pfnWarnings(_ agg: Aggregator, snapshots: [Int]) -> [String] {
        var w: [String] = []
        for s in snapshots where agg.totals[s].format == .pageOwner {
            let n = agg.pfnRestarts(s)
            if n > 0 {
                w.append(
                    "\(agg.totals[s].name): the PFNs go back \(n) time(s), but page_owner lists pages in ascending PFN order: it looks like \(n + 1) dumps joined into one, and their pages are added up; split it and compare the parts with `diff` or `series`"
                )
            }
        }
        let po = snapshots.filter { agg.totals[$0].format == .pageOwner }
        let pages = po.reduce(Int64(0)) { $0 &+ agg.totals[$1].pagesRead }
        let end = po.map { agg.totals[$0].pfnEnd }.max() ?? 0
        if end > 0 && pages > 0 && UInt64(pages) > end {
            w.append(
                "\(pages) pages are counted, but the highest PFN leaves room for \(end) (\(Render.human(Int64(clamping: end) &* 4096)) at 4 KiB): some pages are counted more than once"
            )
        }
        return w
    }

    /// The message that ends a `--strict` run (exit status 2, no output) when a key or
    /// filter needs a field the input lacks; nil when none does.
    public var strictFailure: String? {
        missingFields.isEmpty ? nil : missingFields.map { "page-owner-sort: \($0)" }.joined(separator: "\n")
    }

    /// Lines for stderr: the warnings that `Diagnostics.summary` does not print already, and the notes.
    public func stderrLines() -> [String] {
        var out: [String] = []
        for w in warnings where !fromDiagnostics.contains(w) { out.append("page-owner-sort: warning: \(w)") }
        for n in notes { out.append("page-owner-sort: note: \(n)") }
        return out
    }
}
