import CShims

/// Why a record was rejected. The lenient default skips and counts it; `--strict` stops.
#if canImport(Glibc)
import Glibc
#endif
public enum ParseProblem: Equatable, Sendable, CustomStringConvertible {
    /// The first line is not a header this format knows.
    case noHeader
    /// The header starts like one but a field is cut short or unexpected.
    case badHeader(String)
    /// NUL bytes: binary data, not text.
    case binary
    /// A show_* block without its count or handle line.
    case badStackBlock(String)

    public var description: String {
        switch self {
        case .noHeader: return "expected a record header ('Page allocated via order N, …'), a stack, or 'handle: N'"
        case .badHeader(let s): return "malformed header: \(s)"
        case .binary: return "binary data (NUL bytes) where text was expected"
        case .badStackBlock(let s): return "malformed stack block: \(s)"
        }
    }

    /// A short stable name for counting by kind.
    public var kindName: String {
        switch self {
        case .noHeader: return "no-header"
        case .badHeader: return "bad-header"
        case .binary: return "binary"
        case .badStackBlock: return "bad-stack-block"
        }
    }
}

/// Parses one record of any page_owner-family text format into a `Record`: page_owner of
/// every era, swap_page_owner, show_stacks, show_handles and show_stacks_handles. It works
/// on bytes, keys each header field by its word, and allocates nothing.
public struct RecordParser {
    public init() {}

    /// Parses `[start, stop)` of `base` into `r`.
    /// - Returns: `nil` when the record is usable, else why it is not.
    public func parse(_ base: ByteView, _ start: Int, _ stop: Int, crlf: Bool, into r: inout Record) -> ParseProblem? {
        parse(base, start, stop, crlf: crlf, lineEnds: nil, mayHoldNUL: true, into: &r)
    }

    /// Parses `[start, stop)`, reusing the newline positions a `RecordSplitter` found
    /// (`lineEnds`), so that each line is scanned once.
    func parse(
        _ base: ByteView, _ start: Int, _ stop: Int, crlf: Bool,
        lineEnds: RecordSplitter.LineEnds?, mayHoldNUL: Bool, into r: inout Record
    ) -> ParseProblem? {
        r = Record()
        r.chunk = base
        r.whole = ByteRange(start, stop)
        if crlf { r.fields.insert(.crlf) }
        if mayHoldNUL && base.containsNUL(start, stop) { return .binary }

        var s = LineState()
        var pos = start
        var li = 0
        while pos < stop {
            let nl: Int
            if let lineEnds {
                nl = li < lineEnds.count ? lineEnds[li] : stop
                li += 1
            } else {
                nl = Bytes.find(10, base, pos, stop)
            }
            var end = nl
            if end > pos && base[end - 1] == 13 { end -= 1 }
            let next = nl < stop ? nl + 1 : stop
            if let p = line(base, pos, end, next, &s, &r) { return p }
            pos = next
        }
        return finish(s, &r)
    }

    /// Parses the record that starts at `start` (the first byte of a line that is not blank)
    /// and finds where it ends, without a line splitter: `po_scan_lines` skips each run of
    /// stack lines in one vector scan, so only the header, PFN and trailer lines are read
    /// one by one. It takes the common shapes only: on a record with CR, NUL, `[<address>]`
    /// frames, lines ending in a space, a problem, or one that runs into `limit`, it returns
    /// `nil` and the caller parses the record the careful way (which gives the same result
    /// for every record this one accepts).
    /// - Returns: where the record stops (its last newline + 1, or `limit`) and how many
    ///   newlines it holds.
    @inline(__always)
    func parseFast(_ base: ByteView, _ start: Int, _ limit: Int, into r: inout Record) -> (stop: Int, lines: Int)? {
        r = Record()
        r.chunk = base
        var s = LineState()
        var pos = start
        var lines = 0
        var firstNL = 0
        var newlines = 0
        while true {
            // `pos` starts a line: scan to the end of the run of stack lines after it.
            let f = base.scanLines(pos, limit, &firstNL, &newlines)
            if f >= limit || base[f] != 10 { return nil }
            if f + 1 < limit && base[f + 1] == 32 { return nil }  // "\n [": an address frame
            let lineEnd = firstNL >= 0 ? firstNL : f
            if line(base, pos, lineEnd, lineEnd + 1, &s, &r) != nil { return nil }
            if newlines > 0 {
                // `newlines` frame lines, from after the first line through `f`.
                s.li2 += newlines
                if s.stackStart < 0 {
                    s.stackStart = lineEnd + 1
                    s.inStack = true
                }
                if s.inStack {
                    s.stackEnd = f + 1
                    r.frameCount += Int32(truncatingIfNeeded: newlines)
                } else {
                    r.unknownLines += Int32(truncatingIfNeeded: newlines)
                }
            }
            lines += newlines + 1
            pos = f + 1
            if pos >= limit || base[pos] == 10 { break }
        }
        r.whole = ByteRange(start, pos)
        if finish(s, &r) != nil { return nil }
        return (pos, lines)
    }

    /// Where a record's line-by-line parse stands.
    @usableFromInline
    struct LineState {
        var first = true
        var inStack = false
        var stackStart = -1
        var stackEnd = -1
        var sawCount = false
        var sawHandle = false
        /// Lines seen so far, this one included.
        var li2 = 0
    }

    /// One line `[pos, end)` (without its newline or CR); `next` starts the line after it.
    @inline(__always)
    func line(_ base: ByteView, _ pos: Int, _ end: Int, _ next: Int, _ s: inout LineState, _ r: inout Record) -> ParseProblem? {
        s.li2 += 1
        if s.first {
            s.first = false
            r.headerLine = ByteRange(pos, end)
            if Bytes.hasPrefix("Page allocated via ", base, pos, end) {
                return parseHeader(base, pos + 19, end, &r)
            }
            // Blocks of the page_owner_stacks files.
            if Bytes.hasPrefix("handle: ", base, pos, end) {
                guard let h = parseHandle(base, pos + 8, end) else { return .badStackBlock("bad handle value") }
                r.handle = h
                r.fields.insert(.handle)
                r.kind = .handlePages
                s.sawHandle = true
                return nil
            }
            if isFrameLine(base, pos, end) {
                r.kind = .stackPages
                r.pages = 0
                // falls through to the frame handling below
            } else {
                return .noHeader
            }
        }
        let c = base[pos]
        if c == 80 /* P */ {
            if Bytes.hasPrefix("PFN ", base, pos, end) {
                parsePFNLine(base, pos + 4, end, &r)
                r.afterPFN = s.li2 == 2 ? Int32(truncatingIfNeeded: next) : -2
                s.inStack = false
                return nil
            }
            if Bytes.hasPrefix("Page has been migrated, last migrate reason: ", base, pos, end) {
                r.migrateReason = ByteRange(pos + 45, end)
                r.fields.insert(.migrateReason)
                s.inStack = false
                return nil
            }
            if Bytes.hasPrefix("Page allocated by module ", base, pos, end) {
                r.moduleLine = ByteRange(pos + 25, end)
                r.fields.insert(.module)
                return nil
            }
        } else if c == 83 /* S */ {
            if Bytes.hasPrefix("SWP entry ", base, pos, end) {
                var i = pos + 10
                if Bytes.hasPrefix("0x", base, i, end) { i += 2 }
                if let v = Bytes.hex(base, i, end) { r.swapEntry = v.value }
                r.fields.insert(.swapEntry)
                return nil
            }
            if Bytes.hasPrefix("Slab cache page", base, pos, end) {
                r.slabCache = true
                r.fields.insert(.slabCache)
                s.inStack = false
                return nil
            }
        } else if c == 67 /* C */ && Bytes.hasPrefix("Charged ", base, pos, end) {
            parseMemcg(base, pos + 8, end, &r)
            s.inStack = false
            return nil
        } else if c == 104 /* h */ && Bytes.hasPrefix("handle: ", base, pos, end) {
            if let h = parseHandle(base, pos + 8, end) {
                r.handle = h
                r.fields.insert(.handle)
                s.sawHandle = true
            } else {
                r.unknownLines += 1
            }
            s.inStack = false
            return nil
        } else if c == 110 /* n */ && Bytes.hasPrefix("nr_base_pages: ", base, pos, end) {
            guard let d = Bytes.decimal(base, pos + 15, end), !d.overflow, d.value <= UInt64(Int64.max) else {
                return .badStackBlock("bad nr_base_pages value")
            }
            r.pages = Int64(clamping: d.value)
            r.times = 0
            r.fields.insert([.count, .basePages])
            s.sawCount = true
            if r.kind == .pageOwner { r.unknownLines += 1 }
            s.inStack = false
            return nil
        } else if c == 115 /* s */ && Bytes.hasPrefix("stack_count: ", base, pos, end) {
            guard let d = Bytes.decimal(base, pos + 13, end), !d.overflow, d.value <= UInt64(Int64.max) else {
                return .badStackBlock("bad stack_count value")
            }
            r.times = Int64(clamping: d.value)
            r.pages = 0
            r.fields.insert([.count, .stackCount])
            if r.kind == .stackPages { r.kind = .stackCount }
            s.sawCount = true
            s.inStack = false
            return nil
        }
        if isFrameLine(base, pos, end) || (r.kind == .swap && end > pos) {
            if s.stackStart < 0 {
                s.stackStart = pos
                s.inStack = true
            } else if !s.inStack {
                // Frame-like lines after a trailer: kept out of the stack, counted.
                r.unknownLines += 1
                return nil
            }
            if base[pos] == 91 /* [ */ || (end - pos > 2 && base[pos + 1] == 91) { r.fields.insert(.addressPrefix) }
            s.stackEnd = next
            r.frameCount += 1
            return nil
        }
        if end > pos { r.unknownLines += 1 }
        s.inStack = false
        return nil
    }

    /// What the record's lines add up to, once all are read.
    @inline(__always)
    func finish(_ s: LineState, _ r: inout Record) -> ParseProblem? {
        if s.stackStart >= 0 {
            r.stack = ByteRange(s.stackStart, s.stackEnd)
            r.fields.insert(.stack)
        }
        switch r.kind {
        case .stackPages, .stackCount:
            if !s.sawCount {
                if s.sawHandle {
                    r.kind = .stackHandle
                    r.pages = 0
                    r.times = 0
                } else {
                    return .badStackBlock("expected 'nr_base_pages: N' or 'handle: N' after the stack")
                }
            }
        case .handlePages:
            if !s.sawCount { return .badStackBlock("expected 'nr_base_pages: N' after 'handle: N'") }
        default:
            break
        }
        return nil
    }

    /// A stack line: one leading space (or tab), or an `[<addr>]` / `[0x…]` prefix.
    @inlinable
    func isFrameLine(_ p: ByteView, _ pos: Int, _ end: Int) -> Bool {
        guard end > pos else { return false }
        let c = p[pos]
        if c == 32 || c == 9 { return end > pos + 1 }
        if c == 91 /* [ */ { return true }
        return false
    }

    @inlinable
    func parseHandle(_ p: ByteView, _ i: Int, _ end: Int) -> UInt32? {
        var i = i
        var negative = false
        if i < end && p[i] == 45 {
            negative = true
            i += 1
        }
        guard let d = Bytes.decimal(p, i, end), d.end == end, !d.overflow else { return nil }
        if negative {
            // show_handles prints with %d: a handle of 2^31 or more comes out negative.
            guard d.value <= 0x8000_0000 else { return nil }
            return UInt32(truncatingIfNeeded: 0 &- d.value)
        }
        guard d.value <= UInt64(UInt32.max) else { return nil }
        return UInt32(d.value)
    }

    /// Parses the header after `Page allocated via `.
    func parseHeader(_ p: ByteView, _ from: Int, _ end: Int, _ r: inout Record) -> ParseProblem? {
        var i = from
        if Bytes.hasPrefix("order ", p, i, end) {
            guard let d = Bytes.decimal(p, i + 6, end) else { return .badHeader("expected a number after 'order'") }
            // 2^order base pages must fit in Int64: order 63 saturates, above that is garbage.
            guard !d.overflow, d.value <= 63 else { return .badHeader("order out of range (0…63)") }
            r.order = Int32(d.value)
            r.pages = d.value > 62 ? Int64.max : Int64(1) << Int64(d.value)
            r.fields.insert(.order)
            i = d.end
            if Bytes.hasPrefix(", mask ", p, i, end) {
                i += 7
                if Bytes.hasPrefix("0x", p, i, end) { i += 2 }
                guard let h = Bytes.hex(p, i, end) else { return .badHeader("expected a hex value after 'mask'") }
                guard !h.overflow else { return .badHeader("mask out of range (over 64 bits)") }
                r.gfp = h.value
                r.fields.insert(.mask)
                i = h.end
                if i < end && p[i] == 40 /* ( */ {
                    let close = Bytes.findShort(41, p, i + 1, end)
                    guard close < end else { return .badHeader("gfp names not closed with ')'") }
                    r.gfpNames = ByteRange(i + 1, close)
                    r.fields.insert(.gfpNames)
                    i = close + 1
                }
            }
        } else if Bytes.hasPrefix("pid ", p, i, end) {
            // swap_page_owner: no order, no mask; one base page.
            r.kind = .swap
            r.pages = 1
            return parseFields(p, i, end, &r, swapStart: true)
        } else {
            return .badHeader("expected 'order N' after 'Page allocated via'")
        }
        return parseFields(p, i, end, &r, swapStart: false)
    }

    func parseFields(_ p: ByteView, _ from: Int, _ end: Int, _ r: inout Record, swapStart: Bool) -> ParseProblem? {
        var i = from
        var firstField = swapStart
        while i < end {
            if firstField || Bytes.hasPrefix(", pid ", p, i, end) {
                i += firstField ? 4 : 6
                firstField = false
                guard case .ok(let v, let next) = idAndComm(p, i, end, &r) else { return idProblem(p, i, end, "pid") }
                r.pid = v
                r.fields.insert(.pid)
                i = next  // `pid %d (%s)` is the transient 5.18 form
            } else if Bytes.hasPrefix(", tgid ", p, i, end) {
                guard case .ok(let v, let next) = idAndComm(p, i + 7, end, &r) else { return idProblem(p, i + 7, end, "tgid") }
                r.tgid = v
                r.fields.insert(.tgid)
                i = next
            } else if Bytes.hasPrefix(", ts ", p, i, end) {
                guard let d = Bytes.decimal(p, i + 5, end) else { return .badHeader("expected a number after 'ts'") }
                guard Bytes.hasPrefix(" ns", p, d.end, end) else { return .badHeader("expected ' ns' after the ts value") }
                guard !d.overflow else { return .badHeader("ts out of range (over 64 bits)") }
                r.ts = d.value
                r.fields.insert(.ts)
                r.tsDigits = ByteRange(i + 5, d.end)
                i = d.end + 3
            } else if Bytes.hasPrefix(", free_ts ", p, i, end) {
                guard let d = Bytes.decimal(p, i + 10, end) else { return .badHeader("expected a number after 'free_ts'") }
                guard Bytes.hasPrefix(" ns", p, d.end, end) else { return .badHeader("expected ' ns' after the free_ts value") }
                guard !d.overflow else { return .badHeader("free_ts out of range (over 64 bits)") }
                r.freeTs = d.value
                r.fields.insert(.freeTs)
                i = d.end + 3
            } else if Bytes.hasPrefix(" (swapped)", p, i, end) {
                r.swapped = true
                r.fields.insert(.swapped)
                i += 10
            } else {
                return .badHeader("unexpected text '\(Self.snippet(p, i, end))'")
            }
        }
        return nil
    }

    enum IdResult {
        case ok(Int32, Int)
        case bad
    }

    /// A pid or tgid at `i`, and the ` (comm)` after it if there is one.
    @inline(__always)
    func idAndComm(_ p: ByteView, _ i: Int, _ end: Int, _ r: inout Record) -> IdResult {
        guard let d = Bytes.decimal(p, i, end), !d.overflow, d.value <= UInt64(Int32.max) else { return .bad }
        var next = d.end
        if Bytes.hasPrefix(" (", p, next, end) {
            guard let c = commEnd(p, next + 2, end) else { return .bad }
            r.comm = ByteRange(next + 2, c)
            r.fields.insert(.comm)
            next = c + 1
        }
        return .ok(Int32(d.value), next)
    }

    /// Why `idAndComm` refused the field at `i` (the error path only).
    func idProblem(_ p: ByteView, _ i: Int, _ end: Int, _ word: String) -> ParseProblem {
        guard let d = Bytes.decimal(p, i, end) else { return .badHeader("expected a number after '\(word)'") }
        guard !d.overflow, d.value <= UInt64(Int32.max) else { return .badHeader("\(word) out of range") }
        return .badHeader("comm not closed with ')'")
    }

    /// The `)` that ends a comm starting at `from`: the one before the last `), ts ` of
    /// the line, or else the line's last `)` (a comm may itself hold `)` and `), ts `).
    @inlinable
    func commEnd(_ p: ByteView, _ from: Int, _ end: Int) -> Int? {
        if let j = Bytes.findLast("), ts ", p, from, end) { return j }
        if let j = Bytes.findLast("), ", p, from, end) { return j }
        var j = end - 1
        while j >= from {
            if p[j] == 41 { return j }
            j -= 1
        }
        return nil
    }

    static func snippet(_ p: ByteView, _ i: Int, _ end: Int) -> String {
        let n = min(24, end - i)
        return n > 0 ? p.slice(i, i + n).string : ""
    }

    /// `PFN <n> [type <mt>] Block <n> type <mt> [Fallback] Flags <flags>`, every era.
    func parsePFNLine(_ p: ByteView, _ from: Int, _ end: Int, _ r: inout Record) {
        r.fields.insert(.pfnLine)
        var i = from
        if Bytes.hasPrefix("0x", p, i, end) {
            if let h = Bytes.hex(p, i + 2, end) {
                r.pfn = h.value
                i = h.end
            }
            r.fields.insert(.pfnHex)
        } else if let d = Bytes.decimal(p, i, end) {
            r.pfn = d.value
            i = d.end
        }
        if Bytes.hasPrefix(" type ", p, i, end) {
            (r.pageType, i) = MigrateType.word(p, i + 6, end)
            r.fields.insert(.pageType)
        }
        if Bytes.hasPrefix(" Block ", p, i, end), let d = Bytes.decimal(p, i + 7, end) {
            i = d.end
        }
        if Bytes.hasPrefix(" type ", p, i, end) {
            (r.blockType, i) = MigrateType.word(p, i + 6, end)
        }
        // The kernel tool's allocator test: "CMA" anywhere on the PFN line (a migratetype
        // name) and "slab" (a page flag name).
        if r.pageType == .cma || r.blockType == .cma {
            r.pfnSaysCMA = true
        } else if r.pageType.rawValue >= MigrateType.other.rawValue || r.blockType.rawValue >= MigrateType.other.rawValue {
            r.pfnSaysCMA = Bytes.contains("CMA", p, from, end)
        }
        var j = i
        if Bytes.hasPrefix(" Flags ", p, i, end) { j = i + 7 } else if let f = Bytes.find(" Flags ", p, i, end) { j = f + 7 }
        if j > i {
            if Bytes.hasPrefix("0x", p, j, end), let h = Bytes.hex(p, j + 2, end) {
                r.flags = h.value
                j = h.end
            }
            // Names and fields, `|`-separated: `(uptodate|lru|slab|node=0|zone=1|…)`.
            var k = j < end && p[j] == 40 ? j + 1 : j
            while k < end {
                switch p[k] {
                case 115 /* s */:
                    if Bytes.hasPrefix("slab", p, k, end) { r.pfnSaysSlab = true }
                case 110 /* n */:
                    if Bytes.hasPrefix("node=", p, k, end), let d = Bytes.decimal(p, k + 5, end) {
                        r.node = Int16(clamping: d.value)
                        r.fields.insert(.flagFields)
                    }
                case 122 /* z */:
                    if Bytes.hasPrefix("zone=", p, k, end), let d = Bytes.decimal(p, k + 5, end) {
                        r.zone = Int16(clamping: d.value)
                    }
                default:
                    break
                }
                k = Bytes.findShort(124 /* | */, p, k, end) + 1
            }
        }
        if !r.pfnSaysSlab && j <= i { r.pfnSaysSlab = Bytes.contains("slab", p, from, end) }
    }

    /// `Charged [(via objcg) ]to [offline ]memcg NAME`.
    func parseMemcg(_ p: ByteView, _ from: Int, _ end: Int, _ r: inout Record) {
        var i = from
        var via = false
        var offline = false
        if Bytes.hasPrefix("(via objcg) ", p, i, end) {
            via = true
            i += 12
        }
        if Bytes.hasPrefix("to ", p, i, end) { i += 3 }
        if Bytes.hasPrefix("offline ", p, i, end) {
            offline = true
            i += 8
        }
        if Bytes.hasPrefix("offlined ", p, i, end) {
            offline = true
            i += 9
        }
        if Bytes.hasPrefix("memcg ", p, i, end) { i += 6 }
        r.memcg = ByteRange(i, end)
        r.memcgState = via ? (offline ? .viaObjcgOffline : .viaObjcg) : (offline ? .offline : .charged)
        r.fields.insert(.memcg)
    }
}
