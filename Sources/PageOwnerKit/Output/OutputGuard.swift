#if canImport(Glibc)
import Glibc
#endif

/// Checks an output path before anything is written to it: it must never be one of the
/// inputs (same file by device and inode, or by name), and, unless forced, never an existing
/// dump (see `DumpSniffer`).
public enum OutputGuard {
    public enum Refusal: Error, CustomStringConvertible {
        /// The output is the input named here.
        case isInput(output: String, input: String)
        /// The output is an existing dump of the kind described.
        case isDump(output: String, kind: String)

        public var description: String {
            switch self {
            case .isInput(let output, let input):
                return "refusing to overwrite the input file \(input)" + (output == input ? "" : " (\(output) is the same file)")
            case .isDump(let output, let kind):
                return "refusing to overwrite \(output): it is \(kind)"
            }
        }
    }

    /// Throws a `Refusal` when writing to `output` would overwrite one of `inputs` (`-` is
    /// stdin, compared when it is a file) or, unless `force`, an existing dump. `-` as output
    /// (stdout) is compared with the inputs when stdout is a file.
    public static func check(output: String, inputs: [String], force: Bool) throws {
        var out = stat()
        let outExists = output == "-" ? fstat(1, &out) == 0 : stat(output, &out) == 0
        for input in inputs {
            if input == output && input != "-" { throw Refusal.isInput(output: output, input: input) }
            guard outExists, out.st_mode & S_IFMT == S_IFREG else { continue }
            var st = stat()
            let ok = input == "-" ? fstat(0, &st) == 0 : stat(input, &st) == 0
            if ok && st.st_dev == out.st_dev && st.st_ino == out.st_ino {
                throw Refusal.isInput(output: output, input: input)
            }
        }
        if !force && output != "-", let kind = DumpSniffer.describe(path: output) {
            throw Refusal.isDump(output: output, kind: kind)
        }
    }
}
