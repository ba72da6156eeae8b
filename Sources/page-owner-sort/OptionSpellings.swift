import PageOwnerKit

extension OptionSpelling {
    /// page-owner-sort's flags, which the library's messages name (`CommandOption`): given to
    /// the library in `InputOptions` and `ReportContext`, and to the calls that take it.
    static let commandLine = OptionSpelling([
        .groupBy: "--group-by",
        .pid: "--pid",
        .tgid: "--tgid",
        .comm: "--comm",
        .since: "--since",
        .until: "--until",
        .gfpFlag: "--gfp-flag",
        .order: "--order",
        .migratetype: "--migratetype",
        .memcg: "--memcg",
        .excludePlaceholders: "--exclude-placeholders",
        .sum: "--sum",
        .top: "--top",
        .format: "--format",
        .output: "-o",
        .vmlinux: "--vmlinux",
        .stacks: "--stacks",
        .strict: "--strict",
    ])
}
