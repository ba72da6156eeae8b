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
        subcommands: [CompatCommand.self, ReportCommand.self, DiffCommand.self, SeriesCommand.self, InfoCommand.self],
        defaultSubcommand: CompatCommand.self
    )
}

func printErr(_ s: String) {
    var s = s
    if !s.hasSuffix("\n") { s += "\n" }
    fputs(s, stderr)
}

/// Runs the command and maps every error to one documented exit status.
func runMain() -> Never {
    SignalGuard.install()
    do {
        var command = try PageOwnerSort.parseAsRoot()
        try command.run()
        exit(ExitStatus.success)
    } catch let e as InputError {
        printErr("page-owner-sort: \(e)")
        exit(e.kind == .unreadable ? ExitStatus.usage : ExitStatus.input)
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
        printErr(PageOwnerSort.fullMessage(for: error))
        exit(ExitStatus.usage)
    }
}

/// An error that already carries its message and exit status.
struct CommandFailure: Error {
    var status: Int32
    var message: String
}

runMain()
