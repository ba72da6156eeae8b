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
        allPlain(b) { x in
            x & highs == 0 && !wordHas(x, 0x2c) && !wordHas(x, 0x22) && !wordHas(x, 0x0a) && !wordHas(x, 0x0d)
        } byte: { c in
            c < 0x80 && c != 0x2c && c != 0x22 && c != 0x0a && c != 0x0d
        }
    }

    /// Whether `b` is ASCII and holds none of the bytes a JSON string escapes (control
    /// bytes, `"` and `\`): eight bytes at a time, as `isPlainCSV`.
    @inline(__always)
    static func isPlainJSON(_ b: ByteView) -> Bool {
        allPlain(b) { x in
            // A byte below 0x20 (the word is ASCII: no byte has its high bit).
            x & highs == 0 && (x &- ones &* 0x20) & ~x & highs == 0 && !wordHas(x, 0x22) && !wordHas(x, 0x5c)
        } byte: { c in
            c < 0x80 && c >= 0x20 && c != 0x22 && c != 0x5c
        }
    }

    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether a byte of word `x` is `c` (a zero-byte test of `x ^ c…c`).
    @inline(__always)
    static func wordHas(_ x: UInt64, _ c: UInt64) -> Bool {
        let v = x ^ (ones &* c)
        return (v &- ones) & ~v & highs != 0
    }

    /// Whether every word of `b` (8 bytes, unaligned) passes `word` and every byte after the
    /// last whole word passes `byte`.
    @inline(__always)
    static func allPlain(_ b: ByteView, word: (UInt64) -> Bool, byte: (UInt8) -> Bool) -> Bool {
        var i = 0
        let n = b.count
        while i + 8 <= n {
            if !word(b.loadWord(i)) { return false }
            i += 8
        }
        while i < n {
            if !byte(b[i]) { return false }
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
        if isPlainJSON(b) {
            out.append(0x22)
            out.append(b)
            out.append(0x22)
            return
        }
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
    static func appendStackCSV(
        _ stacks: StackTable, _ h: Int32, forms: FrameForms? = nil, scratch: inout [UInt8], to out: inout [UInt8]
    ) {
        if let forms {
            var first = true
            let done = forms.appendFrames(stacks, h, need: FrameForms.plainCSV, to: &out) { f, out in
                if !first { out.append(0x3b) }
                first = false
                out.append(f)
            }
            if done { return }
        }
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
    static func appendStackJSON(_ stacks: StackTable, _ h: Int32, forms: FrameForms? = nil, to out: inout [UInt8]) {
        out.append(0x5b)
        if let forms {
            var first = true
            let done = forms.appendFrames(stacks, h, need: FrameForms.plainJSON, to: &out) { f, out in
                out.append(first ? 0x22 : 0x2c)
                if !first { out.append(0x22) }
                first = false
                out.append(f)
                out.append(0x22)
            }
            if done {
                out.append(0x5d)
                return
            }
        }
        var first = true
        stacks.forEachFrame(h) { f in
            if !first { out.append(0x2c) }
            first = false
            appendJSON(f, to: &out)
        }
        out.append(0x5d)
    }

    /// The stack printed under a group in text tables (as `GroupRendering.stackLines`).
    static func appendStackLines(_ stacks: StackTable, _ h: Int32, label: String?, forms: FrameForms? = nil, to out: inout [UInt8]) {
        if let label {
            out.append("    [")
            out.append(label)
            out.append("]\n")
        }
        if let forms {
            let done = forms.appendFrames(stacks, h, need: FrameForms.ascii, to: &out) { f, out in
                out.append("    ")
                out.append(f)
                out.append(0x0a)
            }
            if done {
                out.append(0x0a)
                return
            }
        }
        stacks.forEachFrame(h) { f in
            out.append("    ")
            appendText(f, to: &out)
            out.append(0x0a)
        }
        out.append(0x0a)
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
