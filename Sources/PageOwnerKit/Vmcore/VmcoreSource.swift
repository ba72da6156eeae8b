// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): the walk's text handed
// out as a byte source.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A vmcore read as page_owner text: every parser, report and format reads it like a
/// debugfs dump. Records are made a few thousand PFNs at a time into one reused buffer,
/// so memory stays bounded by the mapping of the dump, never by the records.
///
/// Nothing is lost silently: at the end of the stream, dumped pages that could not be read
/// (a truncated or corrupt kdump file) and PFNs whose records could not be read are listed
/// (`problems`, printed by `Inputs.forEach`); with `strict`, or when the dump yields no record
/// at all, the end of the stream is an error instead.
public final class VmcoreSource: ByteSource {
    public let name: String
    let reader: VmcorePageOwner
    let kdump: KdumpFile?
    let ranges: [(UInt64, UInt64)]
    var range = 0
    var pfn: UInt64
    var pending: [UInt8] = []
    var offset = 0
    /// What the setup took from the vmlinux (recorded from it, or from the cache).
    public let facts: VmlinuxFacts
    /// Keeps the mappings alive while the source is read.
    let files: [AnyObject]
    /// Records written so far.
    public private(set) var records = 0
    /// Stop with an error at the end when anything was lost.
    public var strict = false
    /// How `strict`'s option is spelled in its error.
    public var spelling = OptionSpelling.none
    var finished = false

    /// Reads an ELF core, a compressed kdump file or a flattened one (unpacked first).
    public convenience init(name: String, vmcore: MappedFile, vmlinux: MappedFile, moduleFiles: String? = nil) throws {
        try self.init(name: name, vmcore: vmcore, vmlinux: vmlinux, facts: nil, moduleFiles: moduleFiles)
    }

    /// Reads the dump with what `facts` (recorded from `vmlinux`, or cached) say about its
    /// kernel; with `facts` nil, they are read from `vmlinux`, which is then required.
    public init(name: String, vmcore: MappedFile, vmlinux: MappedFile?, facts: VmlinuxFacts?, moduleFiles: String? = nil) throws {
        self.name = name
        var keep: [AnyObject] = [vmcore]
        if let vmlinux { keep.append(vmlinux) }
        let memory: VmcoreMemory
        if vmcore.bytes.starts(with: Array("makedumpfile".utf8)) {
            // Unpacked into an unlinked temporary file: nothing is left behind, and every
            // message names the flattened dump.
            let fd = try MappedFile.temporaryFile(for: name)
            defer { close(fd) }
            try KdumpFile.unflatten(vmcore.bytes, name: name, to: fd, output: "a temporary file")
            let file = try MappedFile(fd: fd, name: name)
            let k = try KdumpFile(file, name: name)
            keep += [file, k]
            kdump = k
            memory = VmcoreMemory(kdump: k)
        } else if vmcore.bytes.starts(with: Array("KDUMP   ".utf8)) {
            let k = try KdumpFile(vmcore)
            keep.append(k)
            kdump = k
            memory = VmcoreMemory(kdump: k)
        } else {
            kdump = nil
            memory = try VmcoreMemory(vmcore)
        }
        guard let f = try facts ?? vmlinux.map({ try VmlinuxFacts(recording: $0) }) else {
            throw VmcoreError.walk("no vmlinux given")
        }
        reader = try VmcorePageOwner(memory: memory, facts: f, moduleFiles: moduleFiles)
        self.facts = f
        ranges = reader.pfnRanges
        pfn = ranges.first?.0 ?? 0
        files = keep
        pending.reserveCapacity(1 << 20)
    }

    /// What could not be read, one line each (file, PFN ranges, reason); empty when nothing was lost.
    public var problems: [String] { (kdump?.lossSummary() ?? []) + reader.lossSummary(name) }

    /// Threads that make the records (1: this thread, as it reads).
    public var workers = InputOptions.machineThreads
    var walk: ParallelWalk?
    var nextTask = 0
    /// Where the walk of a range stands after the last piece taken (see `ParallelWalk`).
    var carry: (range: Int, pfn: UInt64) = (-1, 0)

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if workers > 1 { return try readParallel(into: buffer) }
        while offset >= pending.count {
            guard range < ranges.count else {
                try finish()
                return 0
            }
            pending.removeAll(keepingCapacity: true)
            offset = 0
            while pending.count < 1 << 20 && range < ranges.count {
                if pfn >= ranges[range].1 {
                    range += 1
                    if range < ranges.count { pfn = ranges[range].0 }
                    continue
                }
                let before = pending.count
                pfn += reader.appendRecord(pfn: pfn, to: &pending)
                if pending.count != before { records += 1 }
            }
        }
        let n = min(buffer.count, pending.count - offset)
        pending.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }

    /// `read` with the records made on `workers` threads, piece by piece of the PFN ranges,
    /// and taken in order: the same bytes, losses and counts as one thread makes.
    func readParallel(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if walk == nil {
            // Ranges that add up to more than 2^32 PFNs (16 TiB: a corrupt segment) are walked
            // by this thread alone, rather than cut into that many pieces.
            var total: UInt64 = 0
            for r in ranges where r.1 > r.0 { total = total &+ min(r.1 - r.0, 1 << 40) }
            guard total <= 1 << 32 else {
                workers = 1
                return try read(into: buffer)
            }
            walk = ParallelWalk(reader: reader, ranges: ranges, threads: workers)
        }
        let w = walk!
        while offset >= pending.count {
            guard nextTask < w.tasks.count else {
                w.stop()
                try finish()
                return 0
            }
            pending.removeAll(keepingCapacity: true)
            offset = 0
            let k = nextTask
            nextTask += 1
            let out = w.take(k)
            let task = w.tasks[k]
            let first = task[0]
            if task.count == 1, first.start != ranges[first.range].0, carry.range == first.range, carry.pfn > first.start {
                // The piece before ended inside this one (a record of a larger order than a
                // piece, or a corrupt order): walk it again from there, as one thread would.
                var p = carry.pfn
                while p < first.end {
                    let before = pending.count
                    p += reader.appendRecord(pfn: p, to: &pending)
                    if pending.count != before { records += 1 }
                }
                carry = (first.range, p)
                continue
            }
            pending = out.text
            records += out.records
            reader.absorb(lost: out.lost)
            kdump?.absorb(failures: out.failures)
            carry = (task[task.count - 1].range, out.end)
        }
        let n = min(buffer.count, pending.count - offset)
        pending.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }

    deinit { walk?.stop() }

    /// The end of the stream: an error when no record could be read, or under `strict` when
    /// anything was lost.
    func finish() throws {
        guard !finished else { return }
        finished = true
        let lines = problems
        if records == 0 {
            throw InputError(
                .corrupt, input: name,
                "no page_owner record could be read from the dump"
                    + (lines.isEmpty ? " (is page_owner enabled: page_owner=on on the kernel command line?)" : ": " + lines.joined(separator: "; ")))
        }
        if strict && !lines.isEmpty {
            throw InputError(.corrupt, input: name, "parts of the dump could not be read (\(spelling[.strict])): " + lines.joined(separator: "; "))
        }
    }
}

/// The page_owner walk of a dump on several threads. The PFN ranges are cut into tasks of
/// about `pieceSize` PFNs: a range that size or larger into pieces at multiples of it (so a
/// record's pages, aligned to its order, stay in one piece), smaller ones grouped whole.
/// Each thread walks tasks with its own walker (its own caches and losses) and keeps what
/// each made until `take`; at most `window` tasks are made ahead of the one taken.
/// `@unchecked Sendable`: `results`, `claimed`, `taken`, `stopped` and `running` are read and
/// written under `lock`; `tasks`, `window` and `threads` are set before the threads start.
final class ParallelWalk: @unchecked Sendable {
    struct Piece {
        var range: Int
        var start: UInt64
        var end: UInt64
    }
    struct Output {
        var text: [UInt8] = []
        var records = 0
        var lost: [String: (count: Int, runs: [(UInt64, UInt64)])] = [:]
        var failures: [UInt64: String] = [:]
        /// Where the walk of the task's last range stopped (at or past its end).
        var end: UInt64 = 0
    }

    static let pieceSize: UInt64 = 8192
    let tasks: [[Piece]]
    var results: [Output?]
    let lock = NSCondition()
    var claimed = 0
    var taken = 0
    var stopped = false
    let window: Int
    var threads: [Thread] = []
    var running = 0

    init(reader: VmcorePageOwner, ranges: [(UInt64, UInt64)], threads n: Int) {
        var tasks: [[Piece]] = []
        var group: [Piece] = []
        var groupSize: UInt64 = 0
        let size = ParallelWalk.pieceSize
        for (i, r) in ranges.enumerated() where r.0 < r.1 {
            if r.1 - r.0 < size {
                group.append(Piece(range: i, start: r.0, end: r.1))
                groupSize += r.1 - r.0
                if groupSize >= size {
                    tasks.append(group)
                    group = []
                    groupSize = 0
                }
                continue
            }
            if !group.isEmpty {
                tasks.append(group)
                group = []
                groupSize = 0
            }
            var a = r.0
            while a < r.1 {
                let next = a / size * size
                let (b, o) = next.addingReportingOverflow(size)
                let e = o ? r.1 : min(b, r.1)
                tasks.append([Piece(range: i, start: a, end: e)])
                a = e
            }
        }
        if !group.isEmpty { tasks.append(group) }
        self.tasks = tasks
        results = Array(repeating: nil, count: tasks.count)
        window = max(4, 4 * n)
        running = n
        for _ in 0..<n {
            // Each walker belongs to its thread alone from here on.
            let walker = Handoff(reader.worker())
            let t = Thread { [unowned self] in self.work(walker.value) }
            t.stackSize = 1 << 20
            threads.append(t)
        }
        for t in threads { t.start() }
    }

    func work(_ walker: VmcorePageOwner) {
        while true {
            lock.lock()
            while !stopped && claimed < tasks.count && claimed >= taken + window { lock.wait() }
            if stopped || claimed >= tasks.count {
                running -= 1
                lock.broadcast()
                lock.unlock()
                return
            }
            let k = claimed
            claimed += 1
            lock.unlock()
            var out = Output()
            out.text.reserveCapacity(1 << 20)
            for piece in tasks[k] {
                var p = piece.start
                while p < piece.end {
                    let before = out.text.count
                    p += walker.appendRecord(pfn: p, to: &out.text)
                    if out.text.count != before { out.records += 1 }
                }
                out.end = p
            }
            out.lost = walker.takeLost()
            out.failures = walker.memory.kdump?.takeFailures() ?? [:]
            lock.lock()
            results[k] = out
            lock.broadcast()
            lock.unlock()
        }
    }

    /// The output of task `k` (tasks are taken in order).
    func take(_ k: Int) -> Output {
        lock.lock()
        defer { lock.unlock() }
        while results[k] == nil { lock.wait() }
        taken = k + 1
        lock.broadcast()
        let o = results[k]!
        results[k] = nil
        return o
    }

    /// Ends the threads (at the end, or when the reader is dropped early) and waits for them.
    func stop() {
        lock.lock()
        stopped = true
        lock.broadcast()
        while running > 0 { lock.wait() }
        lock.unlock()
    }
}
