import CShims
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A progress line on stderr while inputs are read: bytes read (of the total, when the
/// inputs are regular files of known size), rate and records, redrawn in place. Shown only
/// when stderr is a terminal and the run lasts over a second; never in a file or a pipe.
///
/// Readers and parsers only add to two atomic counters, once per read(2) or per chunk
/// (`count`); a timer thread formats and prints the line. `@unchecked Sendable`: the timer
/// thread and `stop` share `stopping`, `printed` and `finished` under `condition` only; the
/// other properties are set before the thread starts.
public final class ProgressLine: @unchecked Sendable {
    /// Adds bytes read and records parsed (any thread).
    @inline(__always)
    public static func count(bytes: Int = 0, records: Int = 0) {
        po_progress_add(bytes, records)
    }

    /// Whether progress may be shown on `fd`: a terminal (not a file, not a pipe), and not
    /// a `dumb` one.
    public static func allowed(fd: Int32, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        isatty(fd) == 1 && environment["TERM"] != "dumb"
    }

    /// The total size of `paths` when each is a regular file of known size, else nil (stdin,
    /// pipes, and debugfs files, whose size reads 0).
    public static func totalSize(_ paths: [String]) -> Int64? {
        var total: Int64 = 0
        for p in paths {
            var st = stat()
            guard p != "-", stat(p, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 else { return nil }
            total &+= Int64(st.st_size)
        }
        return total
    }

    /// One progress line: `read 1.2 GiB of 3.4 GiB (35%), 410.3 MiB/s, 5123456 records`, or
    /// without a known total `read 12.0 MiB, 4.0 MiB/s, 30699 records`.
    public static func line(bytes: Int64, total: Int64?, records: Int64, seconds: Double) -> String {
        var s = "page-owner-sort: read " + Render.human(bytes)
        if let total, total > 0 {
            let shown = min(bytes, total)
            s += " of " + Render.human(total) + " (\(Int(Double(shown) * 100 / Double(total)))%)"
        }
        let rate = seconds > 0 ? Int64(Double(bytes) / seconds) : 0
        s += ", " + Render.human(rate) + "/s, \(records) records"
        return s
    }

    /// The line running. `nonisolated(unsafe)`: `start` and `stop` are called by the command on
    /// the main thread only (never by readers or parsers), so no two threads touch it.
    nonisolated(unsafe) static var current: ProgressLine?

    let fd: Int32
    let total: Int64?
    let delay: Double
    let interval: Double
    let condition = NSCondition()
    var stopping = false
    var printed = false
    var finished = false
    let started = Date()

    init(fd: Int32, total: Int64?, delay: Double, interval: Double) {
        self.fd = fd
        self.total = total
        self.delay = delay
        self.interval = interval
    }

    /// Starts the progress line on `fd` (stderr) when it is a terminal; `paths` give the
    /// total. The first line appears after `delay` seconds, then every `interval`.
    public static func start(paths: [String], fd: Int32 = 2, delay: Double = 1, interval: Double = 0.25) {
        guard current == nil, allowed(fd: fd) else { return }
        po_progress_reset()
        let p = ProgressLine(fd: fd, total: totalSize(paths), delay: delay, interval: interval)
        current = p
        let t = Thread { p.loop() }
        t.name = "progress"
        t.start()
    }

    /// Stops the progress line and erases it; call before anything else is written to the
    /// terminal. Cheap when no progress runs.
    public static func stop() {
        guard let p = current else { return }
        current = nil
        p.condition.lock()
        p.stopping = true
        p.condition.broadcast()
        while !p.finished { p.condition.wait() }
        p.condition.unlock()
    }

    func loop() {
        condition.lock()
        var next = started.addingTimeInterval(delay)
        while !stopping {
            if !condition.wait(until: next) && !stopping {
                let seconds = Date().timeIntervalSince(started)
                let text = ProgressLine.line(
                    bytes: Int64(po_progress_bytes()), total: total, records: Int64(po_progress_records()), seconds: seconds)
                write("\r" + text + "\u{1B}[K")
                printed = true
                next = Date().addingTimeInterval(interval)
            }
        }
        if printed { write("\r\u{1B}[K") }
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    func write(_ s: String) {
        var s = s
        s.withUTF8 { b in _ = Glibc.write(fd, b.baseAddress, b.count) }
    }
}
