/// A failure of the synthesisers: a vocabulary file that cannot be read or holds nothing
/// usable, or an output that cannot be written.
public struct SynthError: Error, CustomStringConvertible, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
