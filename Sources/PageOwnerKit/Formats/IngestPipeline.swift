import Foundation

/// Streamed input (stdin, pipes, compressed files, tar members, small files) on several
/// workers: the calling thread reads (and decompresses) and cuts chunks, the other workers
/// parse whole chunks as they come, and nothing waits for a chunk's parse until the end.
/// When the reader is ahead (every chunk buffer is out) it parses a waiting chunk itself,
/// so reading never competes with parsing for a core, and both cores stay busy whichever
/// is the slower. A worker takes chunks in input order and feeds only its own consumer, so
/// records still reach each consumer in input order; line numbers and diagnostics are put
/// together in input order at the end.
extension Ingest {
    /// What the reading thread met, in input order.
    enum Event {
        /// A chunk handed to the workers (its index in `PipelineState.parts`).
        case chunk(Int)
        /// An over-long record dropped, after `lead` blank lines.
        case tooLong(lead: Int)
        /// Newlines dropped with an over-long record.
        case dropped(lines: Int)
    }

    /// A chunk waiting for a worker.
    struct Job {
        let index: Int
        let chunk: ByteView
        let offset: Int64
        let crlf: Bool
        let expected: InputFormat?
        let release: () -> Void
    }

    /// The queue of chunks and the parts parsed from them, shared by the reading thread
    /// and the workers under one lock.
    final class PipelineState: @unchecked Sendable {
        let ingest: Ingest
        let name: String
        let condition = NSCondition()
        var jobs: [Job] = []
        var head = 0
        var closed = false
        var parts: [Part?] = []
        var failed = false
        var finishedWorkers = 0

        init(ingest: Ingest, name: String) {
            self.ingest = ingest
            self.name = name
        }

        /// Parses one chunk into `consumer` and files its part.
        func process(_ job: Job, _ consumer: RecordConsumer) {
            var part = Part()
            var exp = job.expected
            let base = job.chunk
            do {
                try ingest.parseRange(
                    base, 0, job.chunk.count, crlf: job.crlf, offset: job.offset, name: name, expected: &exp, part: &part, consumer)
            } catch {
                part.error = error
            }
            job.release()
            store(part, at: job.index)
        }

        func push(_ job: Job) {
            condition.lock()
            jobs.append(job)
            parts.append(nil)
            condition.broadcast()
            condition.unlock()
        }

        /// The next chunk if one is waiting.
        func tryPop() -> Job? {
            condition.lock()
            defer { condition.unlock() }
            return popLocked()
        }

        /// The next chunk, or nil once the queue is closed and empty.
        func pop() -> Job? {
            condition.lock()
            defer { condition.unlock() }
            while head == jobs.count && !closed { condition.wait() }
            return popLocked()
        }

        func popLocked() -> Job? {
            if head == jobs.count { return nil }
            let j = jobs[head]
            head += 1
            if head > 64 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return j
        }

        func store(_ part: Part, at index: Int) {
            condition.lock()
            parts[index] = part
            if part.error != nil { failed = true }
            condition.unlock()
        }

        func close() {
            condition.lock()
            closed = true
            condition.broadcast()
            condition.unlock()
        }

        func workerDone() {
            condition.lock()
            finishedWorkers += 1
            condition.broadcast()
            condition.unlock()
        }

        func waitForWorkers(_ n: Int) {
            condition.lock()
            while finishedWorkers < n { condition.wait() }
            condition.unlock()
        }

        var hasFailed: Bool {
            condition.lock()
            defer { condition.unlock() }
            return failed
        }
    }

    /// Stops the reading thread once a worker has failed (strict mode).
    struct StopReading: Error {}

    func runPipelined(_ source: ByteSource, consumers: [RecordConsumer]) throws {
        let name = source.name
        let chunker = Chunker(source: source, chunkSize: pipelineChunkSize, maxRecord: maxRecord)
        let state = PipelineState(ingest: self, name: name)
        let strict = self.strict
        // A chunk being filled, one per worker being parsed, one waiting.
        let buffers = BufferPool(limit: consumers.count + 2)
        // This thread feeds consumers[0] when it helps; a thread per other consumer.
        for w in 1..<consumers.count {
            // Only this thread uses the consumer until `waitForWorkers` below has seen its
            // `workerDone` (under `state.condition`); then the caller reads it again.
            let consumer = Handoff(consumers[w])
            let t = Thread {
                while let job = state.pop() { state.process(job, consumer.value) }
                state.workerDone()
            }
            t.name = "page-owner-parse-\(w)"
            t.stackSize = 1 << 20
            t.start()
        }
        buffers.whileWaiting = {
            guard let job = state.tryPop() else { return false }
            state.process(job, consumers[0])
            return true
        }
        defer { buffers.whileWaiting = nil }

        var events: [Event] = []
        var expected = forcedFormat
        var offset: Int64 = 0
        var readError: Error?
        var chunks = 0
        do {
            try chunker.forEachChunk(lending: buffers) { chunk, release in
                guard chunk.count > 0 else { return release() }
                if strict && state.hasFailed {
                    release()
                    throw StopReading()
                }
                let base = ByteView(chunk)
                // The first usable record decides the format; a chunk with none cannot.
                if expected == nil { expected = Ingest.firstFormat(base, chunk.count, crlf: chunker.crlf) }
                let index = chunks
                chunks += 1
                events.append(.chunk(index))
                state.push(Job(index: index, chunk: base, offset: offset, crlf: chunker.crlf, expected: expected, release: release))
                offset += Int64(chunk.count)
            } tooLong: { lead in
                events.append(.tooLong(lead: lead))
                if strict { throw StopReading() }
            } dropped: { lines in
                events.append(.dropped(lines: lines))
            }
        } catch is StopReading {
        } catch {
            readError = error
        }
        state.close()
        while let job = state.tryPop() { state.process(job, consumers[0]) }
        state.waitForWorkers(consumers.count - 1)

        // Put it together in input order.
        var nextLine = 1
        for e in events {
            switch e {
            case .chunk(let i):
                nextLine = try absorb(state.parts[i]!, at: nextLine)
            case .tooLong(let lead):
                try tooLong(at: nextLine + lead, name: name)
            case .dropped(let lines):
                nextLine += lines
            }
        }
        if let readError { throw readError }
        try finish(bytes: chunker.bytesRead, format: expected, name: name)
    }
}
