import ArgumentParser
import PageOwnerKit

#if canImport(Glibc)
import Glibc
#endif

/// `page-owner-sort [options] <input> <output>`: the kernel tool's command line and output.
struct CompatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compat",
        abstract: "Sort and cull like tools/mm/page_owner_sort (the default).",
        discussion: """
            Writes the same bytes as the kernel's page_owner_sort for the same flags. Fixes: input \
            may be stdin (-), a debugfs file, compressed or a tar archive; output may be - for \
            stdout and is written atomically; counters are 64-bit; --sort is honoured; a last \
            record without a blank line is read.
            """
    )

    @Flag(name: .customShort("a"), help: "Sort by memory allocation time.") var byAllocTime = false
    @Flag(name: .customShort("m"), help: "Sort by total memory.") var byMemory = false
    @Flag(name: .customShort("n"), help: "Sort by task command name.") var byName = false
    @Flag(name: .customShort("p"), help: "Sort by pid.") var byPid = false
    @Flag(name: .customShort("P"), help: "Sort by tgid.") var byTgid = false
    @Flag(name: .customShort("s"), help: "Sort by the stack trace.") var byStack = false
    @Flag(name: .customShort("t"), help: "Sort by number of times a record is seen (default).") var byTimes = false
    @Flag(name: .customShort("M"), help: "Sort by module (first [mod] frame, else vmlinux).") var byModule = false
    @Flag(name: .customShort("d"), help: "Print debug information.") var debug = false

    @Option(name: .customLong("pid"), help: "Select by pid (comma-separated list).") var pids: String?
    @Option(name: .customLong("tgid"), help: "Select by tgid (comma-separated list).") var tgids: String?
    @Option(name: .customLong("name"), help: "Select by command name (comma-separated list).") var names: String?
    @Option(name: .customLong("module"), help: "Select by module (comma-separated list; vmlinux for none).") var moduleNames: String?
    @Option(
        name: .customLong("cull"), help: "Cull by rules: pid|p, tgid|tg, name|n, stacktrace|st, allocator|ator, module|mod.")
    var cull: String?
    @Option(
        name: .customLong("sort"), help: "Sort order: [+|-]key[,[+|-]key…] with keys p, tg, n, st, at, T, ator, mod.",
        completion: .list(["p", "tg", "n", "st", "at", "T", "ator", "mod"])) var sort: String?
    @OptionGroup var inputOptions: InputOptionGroup
    @Flag(help: "Overwrite the output even when it is a page_owner dump (it is never allowed to be the input).") var force = false

    @Argument(help: "The page_owner dump (- for stdin).", completion: .file()) var input: String
    @Argument(help: "Where to write the result (- for stdout); an existing dump is not overwritten without --force.", completion: .file())
    var output: String

    func resolveOptions() throws -> CompatOptions {
        var f = CompatFlags()
        let letters: [(Bool, CompatFlags.Letter)] = [
            (byAllocTime, .allocTime), (byMemory, .memory), (byName, .name), (byPid, .pid),
            (byTgid, .tgid), (byStack, .stack), (byTimes, .times), (byModule, .module),
        ]
        f.letters = letters.filter(\.0).map(\.1)
        f.pids = pids
        f.tgids = tgids
        f.names = names
        f.modules = moduleNames
        f.cull = cull
        f.sort = sort
        f.debug = debug
        do {
            return try f.resolve()
        } catch let e as UsageError {
            throw CommandFailure(
                status: ExitStatus.usage,
                message: e.showUsage ? "page-owner-sort: \(e.description)\n\n" + CompatCommand.helpMessage() : e.description)
        }
    }

    func run() throws {
        let options = try resolveOptions()
        try guardOutput(
            output, inputs: [input] + inputOptions.otherReads, force: force,
            dumpHint: "; did you mean `page-owner-sort diff \(input) \(output)`?")
        let result = try CompatRun.aggregate(inputPath: input, options: options, input: inputOptions.options())
        let sink = try OutputSink(path: output)
        try result.write(to: sink)
        try sink.commit()
        for l in result.diagnostics.summary() { printErr(l) }
        if result.records == 0 { printErr("page-owner-sort: no records in \(input)") }
        if debug {
            printErr("page-owner-sort: \(result.records) records, \(result.groups) groups")
        }
    }
}

/// Checks the output path (see `OutputGuard`): exit 1 when it is one of the inputs, exit 2
/// when it is an existing dump and `force` is not given (`dumpHint` is added to that message).
func guardOutput(_ output: String, inputs: [String], force: Bool, dumpHint: String = "") throws {
    do {
        try OutputGuard.check(output: output, inputs: inputs, force: force)
    } catch let r as OutputGuard.Refusal {
        switch r {
        case .isInput: throw CommandFailure(status: ExitStatus.usage, message: "page-owner-sort: \(r)")
        case .isDump: throw CommandFailure(status: ExitStatus.input, message: "page-owner-sort: \(r)\(dumpHint) (--force overwrites it)")
        }
    }
}
