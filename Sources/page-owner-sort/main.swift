import ArgumentParser
import PageOwnerKit

#if canImport(Glibc)
import Glibc
#endif

/// Exit statuses (documented in the man page).
enum ExitStatus {
    static let success: Int32 = 0
    static let usage: Int32 = 1
    static let input: Int32 = 2
    static let growth: Int32 = 3
}

struct PageOwnerSort: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "page-owner-sort",
        abstract: "Turns Linux page_owner dumps into answers: who holds the memory, and what grew.",
        discussion: "With no subcommand it works as the kernel's tools/mm/page_owner_sort: page-owner-sort [options] <input> <output>.",
        version: ToolVersion.current,
        subcommands: [CompatCommand.self, ReportCommand.self, DiffCommand.self, SeriesCommand.self, InfoCommand.self, RecordCommand.self, TopCommand.self],
        defaultSubcommand: CompatCommand.self
    )
}

func printErr(_ s: String) {
    ProgressLine.stop()
    var s = s
    if !s.hasSuffix("\n") { s += "\n" }
    StandardError.write(s)
}

/// A first word that is neither a command nor an existing file, but close to a command name
/// (`reprot`): the message that says so, instead of "No such file" for it.
func unknownCommand(_ args: [String]) -> String? {
    guard let w = args.first, !w.hasPrefix("-"), access(w, F_OK) != 0 else { return nil }
    let names = PageOwnerSort.configuration.subcommands.map { $0.configuration.commandName ?? "" } + ["help"]
    guard !names.contains(w), let c = Suggestion.closest(to: w, among: names) else { return nil }
    return "page-owner-sort: '\(w)' is neither a command nor a file; did you mean `\(c)`?\n"
        + "  See 'page-owner-sort --help' for the commands."
}

/// Runs the command and maps every error to one documented exit status. An error found after
/// parsing (a bad value) shows the usage of the subcommand that was run.
func runMain() -> Never {
    SignalGuard.install()
    MemoryPolicy.install()
    let args = Array(CommandLine.arguments.dropFirst())
    if let m = unknownCommand(args) {
        printErr(m)
        exit(ExitStatus.usage)
    }
    if let shell = Completions.requestedShell(args), let script = Completions.script(shell) {
        print(script, terminator: "")
        exit(ExitStatus.success)
    }
    var parsed: ParsableCommand?
    do {
        var command = try PageOwnerSort.parseAsRoot(args)
        parsed = command
        if let c = command as? ReadsInputs { ProgressLine.start(paths: c.inputPaths) }
        try command.run()
        ProgressLine.stop()
        exit(ExitStatus.success)
    } catch let e as InputError {
        printErr("page-owner-sort: \(e)")
        exit(e.kind == .unreadable ? ExitStatus.usage : ExitStatus.input)
    } catch let e as SystemError {
        // A temporary file that cannot be made or written ($TMPDIR) is an I/O error.
        printErr("page-owner-sort: \(e)")
        exit(e.role == .temporary ? ExitStatus.input : ExitStatus.usage)
    } catch let e as OutputError {
        printErr("page-owner-sort: \(e)")
        exit(ExitStatus.usage)
    } catch let e as CommandFailure {
        if !e.message.isEmpty { printErr(e.message) }
        exit(e.status)
    } catch {
        let code = PageOwnerSort.exitCode(for: error)
        if code == .success {
            PageOwnerSort.exit(withError: error)
        }
        if let c = parsed {
            let t = type(of: c)
            let name = ([PageOwnerSort.configuration.commandName, t.configuration.commandName] as [String?]).compactMap { $0 }.joined(
                separator: " ")
            printErr(
                "Error: \(PageOwnerSort.message(for: error))\nUsage: \(PageOwnerSort.usageString(for: t))\n  See '\(name) --help' for more information."
            )
        } else {
            printErr(PageOwnerSort.fullMessage(for: error))
        }
        exit(ExitStatus.usage)
    }
}

/// An error that already carries its message and exit status.
struct CommandFailure: Error {
    var status: Int32
    var message: String
}

runMain()
