import ArgumentParser
import Foundation
import PageOwnerKit

#if canImport(Glibc)
import Glibc
#endif

/// `page-owner-sort record -o run.tar.zst`: samples a live page_owner at an interval.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Sample a live kernel's page_owner at an interval into one tar.zst archive that series, diff and report read.",
        discussion:
            "Ctrl-C (SIGINT) or SIGTERM ends the recording cleanly: the archive keeps every sample taken and the exit status is 0."
    )

    @Option(help: "Where debugfs is mounted.") var debugfs = "/sys/kernel/debug"
    @Option(help: "Time between samples: 0.2, 200ms, 5s, 1m.") var interval = "1s"
    @Option(help: "Stop after this many samples.") var count: Int?
    @Option(help: "Stop after this long (0.2, 200ms, 5s, 1m).") var duration: String?
    @Option(
        help: "What to sample: auto (the cheapest the kernel has: show_handles, else show_stacks, else page_owner), show_handles, show_stacks, page_owner."
    )
    var source = "auto"
    @Option(help: "KEY=VALUE stored with every sample (repeatable), e.g. host=web-17.") var label: [String] = []
    @Option(name: [.customShort("o"), .customLong("output")], help: "The archive to write (tar, zstd-compressed), atomically.")
    var output: String
    @Option(
        name: .customLong("fail-on-growth"),
        help: "Stop with exit status 3 as soon as a group grew by more than this many pages since the first sample.")
    var failOnGrowth: Int64?
    @Option(name: .customLong("group-by"), help: "Groups for --fail-on-growth (default stack).") var groupBy = "stack"
    @Option(help: "With --fail-on-growth: only groups with a frame whose symbol matches this regular expression.") var frame: String?
    @Option(help: "With --fail-on-growth: only these command names (comma-separated).") var comm: String?
    @Flag(help: "Print each sample's size, read time, CPU time and new handles on stderr.") var verbose = false

    func run() throws {
        var o = Recorder.Options()
        o.debugfs = debugfs
        guard let i = DurationParser.nanoseconds(interval), i > 0 else { throw ValidationError("bad --interval '\(interval)'") }
        o.intervalNs = i
        if let duration {
            guard let d = DurationParser.nanoseconds(duration) else { throw ValidationError("bad --duration '\(duration)'") }
            o.durationNs = d
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        o.count = count
        guard let s = LiveSource(rawValue: source) else {
            throw ValidationError("unknown source '\(source)'; sources are: \(LiveSource.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        o.source = s
        for l in label {
            guard let eq = l.firstIndex(of: "="), eq != l.startIndex else { throw ValidationError("bad --label '\(l)': use KEY=VALUE") }
            o.labels.append((String(l[..<eq]), String(l[l.index(after: eq)...])))
        }
        o.output = output
        o.failOnGrowth = failOnGrowth
        do { o.keys = try GroupKey.parseList(groupBy, spelling: .commandLine) } catch let e as UsageError { throw ValidationError(e.description) }
        if let frame {
            do { o.filters.frame = try Regex(frame) } catch { throw ValidationError("bad --frame regular expression: \(error)") }
        }
        if let comm { o.filters.comms = Set(comm.split(separator: ",").map { Array($0.utf8) }) }

        let recorder: Recorder
        do { recorder = try Recorder(o) } catch let e as LiveError {
            throw CommandFailure(status: ExitStatus.input, message: "page-owner-sort: \(e)")
        }
        installStopHandlers()
        let outcome: Recorder.Outcome
        do {
            outcome = try recorder.run(stop: { stopRequested }) { c in
                if verbose {
                    printErr(
                        "sample \(c.index): \(c.bytes) bytes, read \(String(format: "%.3f", Double(c.readNs) / 1e6)) ms, CPU \(String(format: "%.3f", Double(c.cpuNs) / 1e6)) ms, \(c.newHandles) new handles"
                    )
                }
            }
        } catch let e as LiveError {
            throw CommandFailure(status: ExitStatus.input, message: "page-owner-sort: \(e)")
        }
        if verbose || !outcome.offenders.isEmpty {
            printErr("page-owner-sort: \(outcome.samples) samples of \(outcome.source.rawValue) in \(output)")
        }
        if !outcome.offenders.isEmpty {
            var m = "page-owner-sort: growth over \(failOnGrowth ?? 0) pages since the first sample:"
            for l in outcome.offenders.prefix(20) { m += "\n  " + l }
            throw CommandFailure(status: ExitStatus.growth, message: m)
        }
    }
}
