/// `--format html`: one self-contained page per run of `report`, `diff` or `series`, with an
/// interactive flame graph (a differential one for `diff`), the `--group-by` table and what
/// the text output says about the run. See `HtmlTemplate` for the page and its self-test.
///
/// The page needs finer groups than the table: the command reads with `keys(_:_:)` and makes
/// its report of the projection onto the `--group-by` keys (`Aggregator.projected(onto:)`),
/// so the table's numbers are the text output's; the formatter gets both.
public struct HtmlFormatter: ReportFormatter {
    /// What the page is drawn from besides the report: the aggregator read with the page's
    /// keys, the snapshots counted and, per fine group, the report's group (projection).
    public struct Detail {
        public var fine: Aggregator
        public var snapshots: [Int]
        public var groupOf: [Int32]
        public init(fine: Aggregator, snapshots: [Int], groupOf: [Int32]) {
            self.fine = fine
            self.snapshots = snapshots
            self.groupOf = groupOf
        }
    }

    public var detail: Detail?
    public init(detail: Detail? = nil) { self.detail = detail }

    /// The keys a command reads with for a page: `--group-by`'s and the stack; for `report`
    /// also the keys its chips narrow by (comm, module, node, memcg, gfp).
    public static func keys(_ user: [GroupKey], command: String) -> [GroupKey] {
        if command == "report" { return HtmlReportData.keys(for: user) }
        return user.contains(.stack) ? user : user + [.stack]
    }

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        guard let d = detail else {
            throw UsageError("\(context.spelling[.format]) html is drawn from the run's aggregator: give HtmlFormatter its Detail")
        }
        let json = HtmlReportData.json(fine: d.fine, snapshots: d.snapshots, report: report, groupOf: d.groupOf, context: context)
        try HtmlWriter.write(title: context.title, json: json, to: out)
    }

    /// The differential page of `diff` (made of `view`, the projection of `fine`).
    public static func writeDiff(
        _ diff: DiffReport, fine: Aggregator, view: Aggregator, before: [Int], after: [Int], context: ReportContext, to out: OutputSink
    ) throws {
        let json = HtmlDiffData.json(fine: fine, before: before, after: after, diff: diff, view: view, context: context)
        try HtmlWriter.write(title: context.title, json: json, to: out)
    }

    /// The page of `series` (made of `view`, the projection of `fine`) over `columns`.
    public static func writeSeries(
        _ series: SeriesReport, fine: Aggregator, view: Aggregator, columns: [Int], context: ReportContext, to out: OutputSink
    ) throws {
        let json = HtmlSeriesData.json(fine: fine, columns: columns, series: series, view: view, context: context)
        try HtmlWriter.write(title: context.title, json: json, to: out)
    }
}
