import PageOwnerKit

extension OptionSpelling {
    /// page-owner-sort's flags, which the library's messages name (`CommandOption`): given to
    /// the library in `InputOptions` and `ReportContext`, and to the calls that take it.
    static let commandLine = OptionSpelling(
        Dictionary(uniqueKeysWithValues: CommandOption.allCases.map { ($0, flag($0)) }))

    /// The flag of `option` (a switch: a new option does not build without its flag).
    static func flag(_ option: CommandOption) -> String {
        switch option {
        case .groupBy: return "--group-by"
        case .pid: return "--pid"
        case .tgid: return "--tgid"
        case .comm: return "--comm"
        case .since: return "--since"
        case .until: return "--until"
        case .gfpFlag: return "--gfp-flag"
        case .order: return "--order"
        case .migratetype: return "--migratetype"
        case .memcg: return "--memcg"
        case .excludePlaceholders: return "--exclude-placeholders"
        case .sum: return "--sum"
        case .top: return "--top"
        case .format: return "--format"
        case .output: return "-o"
        case .vmlinux: return "--vmlinux"
        case .stacks: return "--stacks"
        case .strict: return "--strict"
        }
    }
}
