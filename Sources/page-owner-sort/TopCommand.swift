import ArgumentParser
import Foundation
import PageOwnerKit

#if canImport(Glibc)
import Glibc
#endif

/// `page-owner-sort top`: the biggest and fastest-growing groups, refreshed in place.
struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "A live view of the biggest and fastest-growing groups of a running kernel (or a recorded archive, replayed).",
        discussion:
            "Keys: q quits, s cycles the sort (growth, pages, rate), g cycles the grouping (stack, caller, comm, module, allocator), p pauses. On a non-terminal stdout it prints one plain table per sample."
    )

    @Option(help: "Where debugfs is mounted.") var debugfs = "/sys/kernel/debug"
    @Option(help: "Time between samples (and between replayed samples): 0.2, 200ms, 5s, 1m.") var interval = "2s"
    @Option(help: "What to sample: auto, show_handles, show_stacks, page_owner.") var source = "auto"
    @Option(name: .customLong("group-by"), help: "Group by these keys (default caller).") var groupBy = "caller"
    @Option(help: "Sort by growth (since the first sample), pages or rate.") var sort = "growth"
    @Option(help: "Stop after this many samples.") var count: Int?
    @Option(help: "Rows in the plain (non-terminal) table.") var top = 20
    @Argument(help: "An archive written by record, replayed instead of sampling a live kernel.") var archive: String?

    func run() throws {
        guard let step = DurationParser.nanoseconds(interval), step > 0 else { throw ValidationError("bad --interval '\(interval)'") }
        guard var order = TopModel.Sort(rawValue: sort) else { throw ValidationError("unknown sort '\(sort)': growth, pages or rate") }
        let keys: [GroupKey]
        do { keys = try GroupKey.parseList(groupBy, spelling: .commandLine) } catch let e as UsageError { throw ValidationError(e.description) }
        let model = TopModel(keys: keys)
        // The samples: live, or the archive's members in order.
        var next: () throws -> Bool
        var title: String
        if let archive {
            var members: [(String, [UInt8])] = []
            try Inputs.forEach(path: archive) { src in
                var all: [UInt8] = []
                var buf = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                    if n == 0 { break }
                    all += buf[0..<n]
                }
                members.append((src.name, all))
            }
            var i = 0
            var t: UInt64 = 0
            next = {
                while i < members.count {
                    let (name, bytes) = members[i]
                    i += 1
                    if name.hasSuffix("show_stacks_handles") {
                        try model.addStacks(bytes)
                    } else {
                        try model.addSample(bytes, name: name, monotonicNs: t)
                        t &+= step
                        return true
                    }
                }
                return false
            }
            title = "page-owner-sort top: " + archive
        } else {
            guard let s = LiveSource(rawValue: source) else { throw ValidationError("unknown source '\(source)'") }
            let sampler: LiveSampler
            do { sampler = try LiveSampler(debugfs: debugfs, source: s) } catch let e as LiveError {
                throw CommandFailure(status: ExitStatus.input, message: "page-owner-sort: \(e)")
            }
            if let st = try sampler.newStacks() { try model.addStacks(st) }
            next = {
                let smp = try sampler.sample { try model.addStacks($0) }
                try model.addSample(smp.bytes, name: smp.kind, monotonicNs: smp.monotonicNs)
                return true
            }
            title = "page-owner-sort top: \(sampler.source.rawValue) in \(debugfs)"
        }
        installStopHandlers()

        if !Terminal.isTerminal {
            var n = 0
            while !stopRequested, count.map({ n < $0 }) ?? true, try next() {
                n += 1
                for l in model.render(sort: order, width: 400, height: top + 3, title: title) { print(l) }
                print("")
                // All output streams: stdout is the one with buffered text (C's `stdout` is a
                // global variable the Swift 6 language mode does not let code read).
                fflush(nil)
                if archive == nil { sleepSlices(step) }
            }
            return
        }
        let term = Terminal()
        term.enter()
        defer { term.leave() }
        var paused = false
        var grouping = TopModel.groupings.firstIndex(of: keys) ?? -1
        var n = 0
        var more = try next()
        if more { n += 1 }
        var due = LiveSampler.now(CLOCK_MONOTONIC) &+ step
        while !stopRequested {
            let (w, h) = term.size
            var lines = model.render(sort: order, width: w, height: h - 1, title: title)
            lines.append(
                (paused ? "[paused] " : "") + (more ? "" : "[end of archive] ") + "q quit  s sort  g group  p pause")
            term.draw(lines)
            let now = LiveSampler.now(CLOCK_MONOTONIC)
            let wait = Int32(min(1000, due > now ? (due &- now) / 1_000_000 : 0))
            if let k = term.key(timeoutMs: max(wait, 1)) {
                switch k {
                case UInt8(ascii: "q"): return
                case UInt8(ascii: "s"): order = order.next
                case UInt8(ascii: "g"):
                    grouping = (grouping + 1) % TopModel.groupings.count
                    try model.regroup(TopModel.groupings[grouping])
                case UInt8(ascii: "p"): paused.toggle()
                default: break
                }
                continue
            }
            if LiveSampler.now(CLOCK_MONOTONIC) >= due {
                due = LiveSampler.now(CLOCK_MONOTONIC) &+ step
                if !paused, more, count.map({ n < $0 }) ?? true {
                    more = try next()
                    if more { n += 1 }
                }
            }
        }
    }

    func sleepSlices(_ ns: UInt64) {
        let end = LiveSampler.now(CLOCK_MONOTONIC) &+ ns
        while !stopRequested {
            let now = LiveSampler.now(CLOCK_MONOTONIC)
            if now >= end { return }
            var ts = timespec(tv_sec: 0, tv_nsec: Int(min(end &- now, 100_000_000)))
            nanosleep(&ts, nil)
        }
    }
}
