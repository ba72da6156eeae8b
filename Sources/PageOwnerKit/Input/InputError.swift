/// Why an input could not be read. Every case names the input; the command line maps
/// these to exit status 2 (or 1 where the input could not be opened at all).
public struct InputError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable {
        /// The path could not be opened or read (missing, a directory, no permission).
        case unreadable
        /// Compressed data ended early or is corrupt.
        case corrupt
        /// A tar archive is malformed or a member is cut short.
        case archive
        /// The content is not a format this tool reads, or mixes formats.
        case format
        /// A malformed record, reported in `--strict` mode.
        case malformed
    }

    public var kind: Kind
    public var input: String
    public var line: Int?
    public var message: String

    public init(_ kind: Kind, input: String, line: Int? = nil, _ message: String) {
        self.kind = kind
        self.input = input
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(input):\(line): \(message)" }
        return "\(input): \(message)"
    }
}
