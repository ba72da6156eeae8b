import ArgumentParser
import Foundation
import PageOwnerKit

/// How inputs are read, the same flags with the same help in every subcommand that reads
/// dumps (compat, report, diff, series, info).
struct InputOptionGroup: ParsableArguments {
    @Option(
        help: "The vmlinux (with DWARF debug info) of the kernel whose vmcore is given as input; plain or compressed.", completion: .file())
    var vmlinux: String?
    @Option(
        help: "A folder of kernel module objects (.ko, plain or compressed) for modules whose symbols the vmcore lacks.",
        completion: .directory)
    var modules: String?
    @Flag(help: "Stop at the first malformed record (exit 2, no output file).") var strict = false
    @Flag(name: .customLong("no-cache"), help: ArgumentHelp(stringLiteral: VmlinuxCacheHelp.noCache)) var noCache = false
    @Flag(help: ArgumentHelp(stringLiteral: VmlinuxCacheHelp.verbose)) var verbose = false

    /// The library's input options; `PAGE_OWNER_SORT_THREADS` sets the parsing threads
    /// (benchmarks compare 1 and 2).
    func options(format: InputFormat? = nil) -> InputOptions {
        var o = InputOptions()
        o.vmlinux = vmlinux
        o.modules = modules
        o.strict = strict
        o.spelling = .commandLine
        o.format = format
        o.vmlinuxCache = vmlinuxCache(noCache: noCache, verbose: verbose)
        if let e = ProcessInfo.processInfo.environment["PAGE_OWNER_SORT_THREADS"], let n = Int(e), n >= 1 { o.threads = min(n, 64) }
        return o
    }

    /// The files read besides the inputs (`-o` must not be one of them).
    var otherReads: [String] { vmlinux.map { [$0] } ?? [] }
}
