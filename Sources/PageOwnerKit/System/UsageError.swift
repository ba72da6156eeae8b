/// A mistake in the command line or in an option's value, the user's to fix: the command
/// line reports it with exit status 1.
public struct UsageError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    /// Whether the usage text goes with the message (the compatible mode prints the
    /// kernel tool's usage after some of its errors, as the kernel tool does).
    public var showUsage: Bool

    public init(_ description: String, showUsage: Bool = false) {
        self.description = description
        self.showUsage = showUsage
    }

    public init(description: String, showUsage: Bool) {
        self.init(description, showUsage: showUsage)
    }
}
