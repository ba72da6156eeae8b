/// An option of a command line that the library's messages point the user to, named by
/// what it does. The library never spells one: a message takes the spelling from the
/// `OptionSpelling` its caller supplies (`InputOptions.spelling`, `ReportContext.spelling`,
/// or an argument); the command-line target supplies its flags.
public enum CommandOption: String, Sendable, CaseIterable {
    /// The group keys.
    case groupBy
    /// The filters on a record's fields.
    case pid, tgid, comm, since, until, gfpFlag, order, migratetype, memcg
    /// Leave placeholder stacks (early boot, dummy, stack depot failure) out.
    case excludePlaceholders
    /// Add up the snapshots of one input instead of reporting the latest.
    case sum
    /// How many groups a report lists.
    case top
    /// The output format, and where the output goes.
    case format, output
    /// The vmlinux that matches a vmcore.
    case vmlinux
    /// A file of handle→stack maps (show_stacks_handles).
    case stacks
    /// Stop at the first malformed record or unreadable page.
    case strict
}

/// How a command line spells each `CommandOption`, for the library's messages. An option
/// the table lacks is written by its meaning in backquotes (`` `groupBy` ``): what a
/// library caller without a command line (`.none`) gets.
public struct OptionSpelling: Sendable, Equatable {
    public var names: [CommandOption: String]

    public init(_ names: [CommandOption: String] = [:]) { self.names = names }

    /// The spelling of `option`.
    public subscript(_ option: CommandOption) -> String { names[option] ?? "`\(option.rawValue)`" }

    /// No command line: every option written by its meaning.
    public static let none = OptionSpelling()
}
