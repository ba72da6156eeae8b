import Foundation

/// A few long-lived threads that run the parts of one chunk at once. Dispatch's
/// `concurrentPerform` may run every part on the calling thread when its pool is cold;
/// these threads are always there, so two parts really run on two cores.
final class WorkerPool {
    /// `@unchecked Sendable`: the pool's thread writes `job` (and `stop`) only before
    /// `start.signal()`, the worker reads them after `start.wait()` and clears `job` before
    /// `done.signal()`, which `run` waits for before it writes `job` again; `thread` is set
    /// once, before the thread starts. The semaphores order every access.
    private final class Worker: @unchecked Sendable {
        let start = DispatchSemaphore(value: 0)
        var job: (() -> Void)?
        var thread: Thread?
        var stop = false
    }

    private let workers: [Worker]
    private let done = DispatchSemaphore(value: 0)

    /// A pool that runs `count` parts at once: the caller's thread and `count - 1` others.
    init(count: Int) {
        workers = (1..<max(1, count)).map { _ in Worker() }
        for w in workers {
            let t = Thread { [done] in
                while true {
                    w.start.wait()
                    if w.stop { return }
                    w.job?()
                    w.job = nil
                    done.signal()
                }
            }
            t.stackSize = 1 << 20
            w.thread = t
            t.start()
        }
    }

    deinit {
        for w in workers {
            w.stop = true
            w.start.signal()
        }
    }

    /// Runs `body(0..<parts)`; part 0 on the calling thread. Returns when all are done.
    /// `body` runs on several threads at once, each call with its own part index: it must
    /// touch only that part's state (its slot, its consumer) besides what it only reads.
    func run(parts: Int, _ body: @escaping (Int) -> Void) {
        let extra = min(parts - 1, workers.count)
        for i in 0..<extra {
            workers[i].job = { body(i + 1) }
            workers[i].start.signal()
        }
        body(0)
        // Parts beyond the pool's size run here too.
        if parts - 1 > extra { for p in (extra + 1)..<parts { body(p) } }
        for _ in 0..<extra { done.wait() }
    }
}
