/// What the reports say about page_owner's placeholder stacks, which look like any other
/// group and mislead when unexplained (`[early boot]` is often the third-largest group of
/// a fresh boot, and its pages show as comm `swapper`).
public enum PlaceholderNote {
    /// One note per snapshot that holds early-boot pages, for the text footer.
    public static func notes(_ inputs: [Aggregator.SnapshotTotals], pageSize: Int64, spelling: OptionSpelling) -> [String] {
        inputs.filter { $0.earlyBootPages > 0 }.map { t in
            let share = Render.fixed(Render.percent(t.earlyBootPages, t.pages), 1)
            let size = Render.human(t.earlyBootPages.multipliedReportingOverflow(by: pageSize).partialValue)
            return
                "\(t.name): \(t.earlyBootPages) pages (\(size), \(share)%) are [early boot]: allocated before page_owner started (register_early_stack), so they have no real stack and do not change after boot; \(spelling[.excludePlaceholders]) leaves them out"
        }
    }
}
