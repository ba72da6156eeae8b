/// Rendering of stack frames and fields straight from interned bytes into an output
/// buffer: no `String` per frame or per row. Every function here writes exactly the bytes
/// the `String`-based helpers in `Render` and `GroupRendering` write for the same text —
/// ASCII takes the byte path, and anything else (rare: a comm or a module name with
/// non-ASCII or invalid UTF-8) goes through the same `String` code as before, so outputs
/// stay byte-identical.
enum ByteRendering {
    /// Whether every byte is ASCII (then bytes and `Character`s coincide, and decoding
    /// as UTF-8 changes nothing).
    @inline(__always)
    static func isASCII(_ b: ByteView) -> Bool {
        // Eight bytes at a time.
        var i = 0
        let n = b.count
        while i + 8 <= n {
            if b.loadWord(i) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < n {
            if b[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// Text as `String(decoding:as:)` would give it, in bytes.
    @inline(__always)
    static func appendText(_ b: ByteView, to out: inout [UInt8]) {
        if isASCII(b) {
            out.append(b)
        } else {
            out.append(String(decoding: b, as: UTF8.self))
        }
    }

    /// Whether `b` is ASCII and holds none of the bytes an RFC 4180 field is quoted for
    /// (`,` `"` CR LF): eight bytes at a time, a zero-byte test per special byte.
    @inline(__always)
    static func isPlainCSV(_ b: ByteView) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func has(_ x: UInt64, _ c: UInt64) -> Bool {
            let v = x ^ (ones &* c)
            return (v &- ones) & ~v & highs != 0
        }
        var i = 0
        let n = b.count
        while i + 8 <= n {
            let x = b.loadWord(i)
            if x & highs != 0 || has(x, 0x2c) || has(x, 0x22) || has(x, 0x0a) || has(x, 0x0d) { return false }
            i += 8
        }
        while i < n {
            let c = b[i]
            if c >= 0x80 || c == 0x2c || c == 0x22 || c == 0x0a || c == 0x0d { return false }
            i += 1
        }
        return true
    }

    /// An RFC 4180 field (as `Render.csv`).
    static func appendCSV(_ b: ByteView, to out: inout [UInt8]) {
        guard isASCII(b) else {
            out.append(Render.csv(String(decoding: b, as: UTF8.self)))
            return
        }
        var quote = false
        for c in b where c == 0x2c || c == 0x22 || c == 0x0a || c == 0x0d {
            quote = true
            break
        }
        if !quote {
            out.append(b)
            return
        }
        out.append(0x22)
        for c in b {
            if c == 0x22 { out.append(0x22) }
            out.append(c)
        }
        out.append(0x22)
    }

    /// A JSON string literal (as `Render.json`).
    static func appendJSON(_ b: ByteView, to out: inout [UInt8]) {
        guard isASCII(b) else {
            out.append(Render.json(String(decoding: b, as: UTF8.self)))
            return
        }
        out.append(0x22)
        for c in b {
            switch c {
            case 0x22: out.append("\\\"")
            case 0x5c: out.append("\\\\")
            case 0x0a: out.append("\\n")
            case 0x0d: out.append("\\r")
            case 0x09: out.append("\\t")
            case 0..<0x20:
                out.append("\\u00")
                let hex: StaticString = "0123456789abcdef"
                out.append(hex.utf8Start[Int(c >> 4)])
                out.append(hex.utf8Start[Int(c & 15)])
            default: out.append(c)
            }
        }
        out.append(0x22)
    }

    /// A frame's name in folded stacks and flame graphs (as `Render.frameName`): the symbol
    /// without `[<addr>] ` prefix and `+off/size`, then ` [module]` when the frame ends
    /// with one; the frame as printed with `keepOffsets`.
    static func appendFrameName(_ b: ByteView, keepOffsets: Bool, to out: inout [UInt8]) {
        if keepOffsets {
            appendText(b, to: &out)
            return
        }
        guard isASCII(b) else {
            out.append(Render.frameName(String(decoding: b, as: UTF8.self), keepOffsets: false))
            return
        }
        let n = b.count
        var s = 0
        if n > 0 && b[0] == 0x5b /* [ */ {
            var close = 1
            while close < n && b[close] != 0x5d { close += 1 }
            if close < n {
                s = close + 1
                while s < n && b[s] == 0x20 { s += 1 }
            }
        }
        var e = s
        while e < n && b[e] != 0x2b /* + */ && b[e] != 0x20 { e += 1 }
        out.append(b.slice(s, e))
        if n > s && b[n - 1] == 0x5d /* ] */ {
            var open = n - 1
            while open > s && b[open] != 0x5b { open -= 1 }
            if b[open] == 0x5b && open >= s {
                out.append(0x20)
                out.append(b.slice(open, n))
            }
        }
    }
}

extension OutputSink {
    /// Appends to the output buffer in place (no intermediate array), then flushes when it
    /// is large.
    func append(_ body: (inout [UInt8]) throws -> Void) throws {
        try body(&buffer)
        if buffer.count >= 1 << 20 { try flush() }
    }
}

extension ByteRendering {
    /// A stack as one CSV field: its frames joined by `;`, innermost first (as
    /// `GroupRendering.csvKeys`).
    static func appendStackCSV(_ stacks: StackTable, _ h: Int32, scratch: inout [UInt8], to out: inout [UInt8]) {
        // Most stacks are ASCII with no byte CSV must quote: their frames go straight to
        // `out`, each checked eight bytes at a time. Any other is built in `scratch` and
        // written as one field, as before.
        let start = out.count
        var plain = true
        var first = true
        stacks.forEachFrame(h) { f in
            guard plain else { return }
            guard isPlainCSV(f) else {
                plain = false
                return
            }
            if !first { out.append(0x3b) }
            first = false
            out.append(f)
        }
        if plain { return }
        out.removeSubrange(start...)
        scratch.removeAll(keepingCapacity: true)
        first = true
        stacks.forEachFrame(h) { f in
            if !first { scratch.append(0x3b) }
            first = false
            scratch.append(f)
        }
        ByteView.with(scratch) { appendCSV($0, to: &out) }
    }

    /// A stack as a JSON array of frame strings, innermost first.
    static func appendStackJSON(_ stacks: StackTable, _ h: Int32, to out: inout [UInt8]) {
        out.append(0x5b)
        var first = true
        stacks.forEachFrame(h) { f in
            if !first { out.append(0x2c) }
            first = false
            appendJSON(f, to: &out)
        }
        out.append(0x5d)
    }

    /// The stack printed under a group in text tables (as `GroupRendering.stackLines`).
    static func appendStackLines(_ stacks: StackTable, _ h: Int32, label: String?, to out: inout [UInt8]) {
        if let label {
            out.append("    [")
            out.append(label)
            out.append("]\n")
        }
        stacks.forEachFrame(h) { f in
            out.append("    ")
            appendText(f, to: &out)
            out.append(0x0a)
        }
        out.append(0x0a)
    }

    /// One folded line (as `GroupRendering.foldedLine`): non-stack key cells first, then the
    /// stack root first, `;` inside a part turned into `,`; `all` when there is nothing.
    /// `parts` is scratch for the frame boundaries.
    static func appendFoldedLine(
        keys: [GroupKey], cells: [Report.Cell], stacks: StackTable, stack h: Int32, label: String?,
        names: FrameNames, parts: inout [Int], to out: inout [UInt8]
    ) {
        let start = out.count
        var any = false
        func separate(_ out: inout [UInt8]) {
            if any { out.append(0x3b) }
            any = true
        }
        for (i, k) in keys.enumerated() where k != .stack {
            separate(&out)
            let from = out.count
            var t = cells[i].text
            if t.isEmpty { out.append(0x2d) } else { t.withUTF8 { out.append(contentsOf: $0) } }
            semicolonsToCommas(&out, from: from)
        }
        if h >= 0 {
            // Each frame's name (made once a frame line), then appended root first.
            parts.removeAll(keepingCapacity: true)
            for line in stacks.stacks.frameIDs(h) {
                let r = names.known(line)
                if r.lowerBound >= 0 {
                    parts.append(r.lowerBound)
                    parts.append(r.upperBound)
                }
            }
            let frames = parts.count / 2
            if let label, frames <= 1 {
                separate(&out)
                let from = out.count
                out.append(0x5b)
                out.append(label)
                out.append(0x5d)
                semicolonsToCommas(&out, from: from)
            } else {
                // The names' bytes through one view a line: a slice a frame retains and
                // releases the array, which threads making lines at once contend for.
                ByteView.with(names.bytes) { nameBytes in
                    var i = frames
                    while i > 0 {
                        separate(&out)
                        out.append(nameBytes.slice(parts[2 * i - 2], parts[2 * i - 1]))
                        i -= 1
                    }
                }
            }
        }
        if out.count == start { out.append("all") }
    }

    @inline(__always)
    static func semicolonsToCommas(_ out: inout [UInt8], from: Int) {
        var i = from
        let n = out.count
        while i < n {
            if out[i] == 0x3b { out[i] = 0x2c }
            i += 1
        }
    }
}

/// The folded name of each frame line of a stack table (`appendFrameName`, its `;` made
/// `,`), made the first time a stack holds the line: a frame shared by many stacks is read
/// and cut once, not once a stack.
struct FrameNames {
    /// The names, back to back.
    var bytes: [UInt8] = []
    /// Per frame line: where its name starts and ends in `bytes`; (-1, -1) not made yet,
    /// (-2, -2) a line with no frame text (which `StackTable.forEachFrame` skips).
    var bounds: [(Int, Int)] = []

    init() {}

    /// The name of every frame line of `store`, made now (the folded lines are then made on
    /// several threads, which only read them).
    init(_ store: StackStore, keepOffsets: Bool) {
        for f in 0..<Int32(store.frames.count) { _ = name(f, store, keepOffsets: keepOffsets) }
    }

    /// The range of line `line`'s name in `bytes` (a range starting below 0 for a line
    /// that has none), when made already (by `init(_:keepOffsets:)`).
    @inline(__always)
    func known(_ line: Int32) -> Range<Int> {
        let b = bounds[Int(line)]
        precondition(b.0 != -1, "a frame name not made yet")
        return b.0 < 0 ? -1 ..< -1 : b.0..<b.1
    }

    /// The range of line `line`'s name in `bytes`, or a range starting below 0 for a line
    /// that has none.
    @inline(__always)
    mutating func name(_ line: Int32, _ store: StackStore, keepOffsets: Bool) -> Range<Int> {
        let i = Int(line)
        if i >= bounds.count { bounds.append(contentsOf: repeatElement((-1, -1), count: store.frames.count - bounds.count)) }
        var b = bounds[i]
        if b.0 == -1 {
            b = store.frames.withBytes(line) { p in
                guard p.count > 0 else { return (-2, -2) }
                let (s, e) = StackTable.frameText(p, 0, p.count)
                guard e > s else { return (-2, -2) }
                let from = bytes.count
                ByteRendering.appendFrameName(p.slice(s, e), keepOffsets: keepOffsets, to: &bytes)
                ByteRendering.semicolonsToCommas(&bytes, from: from)
                return (from, bytes.count)
            }
            bounds[i] = b
        }
        return b.0 < 0 ? -1 ..< -1 : b.0..<b.1
    }
}

/// Folded lines, each distinct line stored once with the sum of its values; written merged
/// and sorted by text (as `GroupRendering.fold`).
struct FoldedLines {
    var lines = ByteInterner(capacity: 4096)
    var values: [Int64] = []

    var count: Int { values.count }

    /// Room for `n` lines of `bytes` bytes in all.
    mutating func reserve(lines n: Int, bytes: Int) {
        lines.reserve(count: n, bytes: bytes)
        values.reserveCapacity(n)
    }

    /// Adds `line` with its value.
    mutating func add(_ value: Int64, line: ByteView) {
        let h = lines.intern(line)
        if Int(h) == values.count { values.append(value) } else { values[Int(h)] += value }
    }

    func withLine<R>(_ i: Int, _ body: (ByteView) throws -> R) rethrows -> R { try lines.withBytes(Int32(i), body) }

    func string(_ i: Int) -> String { lines.string(Int32(i)) }

    /// The order of the lines sorted by text (byte order for ASCII lines, the same as
    /// `String`'s; `String` order otherwise), lines equal as `String`s next to each other
    /// in byte order (not first seen first: the order rows come in must not matter).
    ///
    /// With `threads` above 1, the halves are sorted on two threads and then merged: the
    /// order is total, so the result is the same on any number.
    /// Line numbers are `Int32` (a folded report of 10^6 lines holds three such arrays at
    /// its peak).
    func sortedOrder(threads: Int = 1) -> (order: [Int32], ascii: [Bool]) {
        let n = count
        var ascii = [Bool](repeating: true, count: n)
        var allASCII = true
        for i in 0..<n {
            ascii[i] = withLine(i) { ByteRendering.isASCII($0) }
            allASCII = allASCII && ascii[i]
        }
        func less(_ x: Int32, _ y: Int32) -> Bool {
            let c = compare(Int(x), Int(y), ascii: allASCII || (ascii[Int(x)] && ascii[Int(y)]))
            return c != 0 ? c < 0 : lines.compare(x, y) < 0
        }
        let halves = ParallelParts.map(n, threads: min(threads, 2)) { range -> [Int32] in
            var part = range.map { Int32($0) }
            part.sort(by: less)
            return part
        }
        guard halves.count == 2 else { return (halves.first ?? [], ascii) }
        let (a, b) = (halves[0], halves[1])
        var order: [Int32] = []
        order.reserveCapacity(n)
        var i = 0
        var j = 0
        while i < a.count && j < b.count {
            if less(b[j], a[i]) {
                order.append(b[j])
                j += 1
            } else {
                order.append(a[i])
                i += 1
            }
        }
        order.append(contentsOf: a[i...])
        order.append(contentsOf: b[j...])
        return (order, ascii)
    }

    func compare(_ x: Int, _ y: Int, ascii: Bool) -> Int {
        if ascii { return lines.compare(Int32(x), Int32(y)) }
        let sx = string(x)
        let sy = string(y)
        return sx == sy ? 0 : (sx < sy ? -1 : 1)
    }

    /// Equal lines summed, in text order: calls `body` with each line's index (its text is
    /// `withLine`) and its sum.
    func forEachMerged(threads: Int = 1, _ body: (Int, Int64) throws -> Void) rethrows {
        let (order, ascii) = sortedOrder(threads: threads)
        let n = count
        var i = 0
        while i < n {
            let a = Int(order[i])
            var sum = values[a]
            var j = i + 1
            // Distinct bytes, but two non-ASCII lines may still be equal as `String`s.
            while j < n && !(ascii[a] && ascii[Int(order[j])]) && compare(a, Int(order[j]), ascii: false) == 0 {
                sum += values[Int(order[j])]
                j += 1
            }
            try body(a, sum)
            i = j
        }
    }
}
