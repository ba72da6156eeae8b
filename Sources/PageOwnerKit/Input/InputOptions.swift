#if canImport(Glibc)
import Glibc
#endif

/// How inputs are read: one value, made by the command line and passed down to
/// `Inputs.forEach`, `ReportRun` and `CompatRun` (the library keeps no global setting).
public struct InputOptions {
    /// The vmlinux that matches the vmcores given as input; with it, an ELF or kdump vmcore
    /// is read as the page_owner text it holds.
    public var vmlinux: String?
    /// A folder of kernel module objects, for modules whose symbols the vmcore does not hold.
    public var modules: String?
    /// Where the facts of vmlinux images are cached by build ID (`VmlinuxCache`); nil: not
    /// cached (the library's default; the command line sets it unless `--no-cache`).
    public var vmlinuxCache: VmlinuxCache?
    /// Stop at the first malformed record, or at a vmcore's unreadable pages.
    public var strict = false
    /// The input format, when detection is skipped.
    public var format: InputFormat?
    /// Parsing threads per input.
    public var threads = InputOptions.machineThreads
    /// Regular files of at least this many bytes are mapped and parsed in parallel parts;
    /// smaller ones are read (tests lower it to run the mapped path on small fixtures).
    public var mapThreshold = InputOptions.defaultMapThreshold
    /// 32 MiB: below it, reading costs less than mapping and setting up the parts.
    public static let defaultMapThreshold = 32 << 20
    /// How the options the library's messages name are spelled (`CommandOption`); the
    /// command line sets its own.
    public var spelling = OptionSpelling.none
    /// Where a vmcore's losses are reported (see `VmcoreSource.problems`): stderr unless
    /// replaced (tests).
    public var warn: (String) -> Void = { line in
        StandardError.write("page-owner-sort: warning: \(line)\n")
    }

    public init() {}

    /// Options with these settings and the defaults for the rest.
    public init(strict: Bool, threads: Int = InputOptions.machineThreads, mapThreshold: Int = InputOptions.defaultMapThreshold) {
        self.strict = strict
        self.threads = threads
        self.mapThreshold = mapThreshold
    }

    /// The cores this process may use, at most 8.
    public static var machineThreads: Int {
        max(1, min(8, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
