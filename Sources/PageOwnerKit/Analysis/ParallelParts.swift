// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): `Slots`, the buffer
// several threads write disjoint slots of.
import Foundation

/// Splitting the work after the parse (ordering and rendering a report's groups) over the
/// cores: a loop over `0..<count` cut into contiguous ranges, one a thread, the caller's
/// thread taking the first. Each range's results go to their own slots, so what a loop
/// makes does not depend on the number of threads.
///
/// One of the places unsafe code lives: `Slots`, the one way several threads write into
/// one array (each its own slots), holds the array's buffer for the scope of `withSlots`.
enum ParallelParts {
    /// An array's elements that the ranges of `forEach` (or the jobs of `run`) fill at once,
    /// each range only its own slots: element access without a uniqueness check or a copy
    /// of the array (bounds are checked in debug builds only). Valid inside `withSlots`.
    struct Slots<Element> {
        @usableFromInline let base: UnsafeMutablePointer<Element>
        @usableFromInline let count: Int

        @inlinable
        subscript(i: Int) -> Element {
            @inline(__always) get {
                assert(i >= 0 && i < count, "slot out of range")
                return base[i]
            }
            @inline(__always) nonmutating set {
                assert(i >= 0 && i < count, "slot out of range")
                base[i] = newValue
            }
        }
    }

    /// Runs `body` with the slots of `array` (which it must not resize).
    @inlinable
    static func withSlots<T, R>(_ array: inout [T], _ body: (Slots<T>) throws -> R) rethrows -> R {
        try array.withUnsafeMutableBufferPointer { b in
            guard let base = b.baseAddress else { return try body(Slots(base: UnsafeMutablePointer(bitPattern: 8)!, count: 0)) }
            return try body(Slots(base: base, count: b.count))
        }
    }

    /// Calls `body` with contiguous ranges that cover `0..<count`, on up to `threads` threads
    /// at once; one range (on this thread) when `count` is below `minimum` a thread, where
    /// starting a thread costs more than it saves. `body` runs on several threads at once:
    /// it must write only its range's slots and read only what no range writes.
    static func forEach(_ count: Int, threads: Int, minimum: Int = 8192, _ body: (Range<Int>) -> Void) {
        let parts = max(1, min(threads, count / max(minimum, 1)))
        if parts == 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { b in
            WorkerPool(count: parts).run(parts: parts) { p in b((count * p / parts)..<(count * (p + 1) / parts)) }
        }
    }

    /// `body` of contiguous ranges of `0..<count` (as `forEach` cuts them), its results in
    /// range order.
    static func map<T>(_ count: Int, threads: Int, minimum: Int = 8192, _ body: (Range<Int>) -> T) -> [T] {
        let parts = max(1, min(threads, count / max(minimum, 1)))
        if parts == 1 { return [body(0..<count)] }
        // Each part's result is handed back when `run` returns (the pool's threads are done).
        let results = (0..<parts).map { _ in Handoff<T?>(nil) }
        withoutActuallyEscaping(body) { b in
            WorkerPool(count: parts).run(parts: parts) { p in results[p].value = b((count * p / parts)..<(count * (p + 1) / parts)) }
        }
        return results.map { $0.value! }
    }

    /// `body` of each of `0..<count`, on up to `threads` threads at once, each thread taking
    /// the next index when it is done with one; the results in index order. For pieces of
    /// work of unequal cost, where contiguous ranges would leave one thread waiting on the
    /// other. What `body` returns must not depend on the thread that ran it.
    static func mapEach<T>(_ count: Int, threads: Int, _ body: (Int) -> T) -> [T] {
        let parts = max(1, min(threads, count))
        if parts == 1 { return (0..<count).map(body) }
        let results = (0..<count).map { _ in Handoff<T?>(nil) }
        let next = NextIndex()
        withoutActuallyEscaping(body) { b in
            WorkerPool(count: parts).run(parts: parts) { _ in
                while true {
                    let i = next.take()
                    if i >= count { return }
                    results[i].value = b(i)
                }
            }
        }
        return results.map { $0.value! }
    }

    /// Hands out 0, 1, 2, … to threads that ask at once, each number once: a thread done
    /// with one piece of work takes the next.
    final class NextIndex: @unchecked Sendable {
        private var value = 0
        private let lock = NSLock()

        func take() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value - 1
        }
    }

    /// Calls each of `jobs` once, on up to `threads` threads at once (the first job on this
    /// thread, the second on another, the rest after the first on this thread): for a few
    /// independent pieces of work of which the second is the largest.
    static func run(_ jobs: [() -> Void], threads: Int) {
        if threads < 2 || jobs.count < 2 {
            for j in jobs { j() }
            return
        }
        withoutActuallyEscaping(jobs[1]) { second in
            WorkerPool(count: 2).run(parts: 2) { p in
                if p == 1 {
                    second()
                } else {
                    jobs[0]()
                    for j in jobs.dropFirst(2) { j() }
                }
            }
        }
    }
}

extension ParallelParts {
    /// Renders `count` rows in order through `write`, `batch` rows at a time, each batch cut
    /// into ranges that `render` turns into bytes (one buffer a range, written in range
    /// order): the bytes are those of one pass. With `threads` above 1 a batch is written
    /// while the next one is rendered: the caller's thread writes, then takes ranges of the
    /// next batch as the other threads do, each the next range left (writing a large output
    /// to a file costs about as much as rendering it). At most two batches' bytes are held
    /// at a time. `write` runs beside `render` and must not change what `render` reads.
    static func render(
        _ count: Int, threads: Int, batch: Int = 16_384, _ render: (Range<Int>, inout [UInt8]) -> Void,
        write: ([UInt8]) throws -> Void
    ) throws {
        let parts = max(1, threads)
        if parts == 1 || count < 2048 {
            var buffer: [UInt8] = []
            var start = 0
            while start < count {
                let end = min(count, start + batch)
                buffer.removeAll(keepingCapacity: true)
                render(start..<end, &buffer)
                try write(buffer)
                start = end
            }
            return
        }
        let pieces = parts * 4
        var ready = [[UInt8]](repeating: [], count: pieces)
        var readyCount = 0
        var making = [[UInt8]](repeating: [], count: pieces)
        var start = 0
        while start < count || readyCount > 0 {
            let end = min(count, start + batch)
            let n = end - start
            let used = n >= 2048 ? pieces : (n > 0 ? 1 : 0)
            if used == 0 {
                for p in 0..<readyCount { try write(ready[p]) }
                break
            }
            let next = NextIndex()
            let failure = Handoff<Error?>(nil)
            let from = start
            let toWrite = readyCount
            withSlots(&making) { out in
                withoutActuallyEscaping(render) { render in
                    withoutActuallyEscaping(write) { write in
                        WorkerPool(count: parts).run(parts: parts) { p in
                            if p == 0 {
                                do {
                                    for b in ready[0..<toWrite] { try write(b) }
                                } catch {
                                    failure.value = error
                                }
                            }
                            while true {
                                let i = next.take()
                                if i >= used { return }
                                out[i].removeAll(keepingCapacity: true)
                                render((from + n * i / used)..<(from + n * (i + 1) / used), &out[i])
                            }
                        }
                    }
                }
            }
            if let e = failure.value { throw e }
            swap(&ready, &making)
            readyCount = used
            start = end
        }
    }
}
