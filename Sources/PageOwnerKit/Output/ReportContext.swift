import Foundation

/// What a formatter may say about a run besides the groups: inputs, filters, warnings.
public struct ReportContext {
    public var command: String = "report"
    public var inputs: [Aggregator.SnapshotTotals] = []
    public var skipped: [String: Int] = [:]
    public var warnings: [String] = []
    /// What the reader should know: which snapshot or order was chosen, what the
    /// placeholders are; text `note:` lines, JSON `notes` (written only when there is one).
    public var notes: [String] = []
    public var filters: [String: String] = [:]
    public var sort: String = "pages:desc"
    public var foldedKeepOffsets = false
    public var title: String = "page-owner-sort"
    /// `--label KEY=VALUE` pairs: a label on every pprof sample, a column of every CSV/JSON row.
    public var labels: [(key: String, value: String)] = []
    /// When the input was captured (ns since the Unix epoch), when it says.
    public var captureTimeNanos: Int64?
    /// Threads a formatter may use (pprof compresses its parts on them; the bytes do not
    /// depend on it).
    public var threads = InputOptions.machineThreads
    /// How the options a formatter's text names are spelled (`CommandOption`).
    public var spelling = OptionSpelling.none
    public init() {}

    /// The warnings and notes of a run, as the formats without a place for them print them
    /// (as lines for the end of a text output; `<desc>` elements for SVG).
    public var footerLines: String {
        var f = ""
        for w in warnings { f += "warning: \(w)\n" }
        for n in notes { f += "note: \(n)\n" }
        return f
    }

    /// The JSON `notes` member with its leading comma, or nothing when there is no note.
    var jsonNotes: String {
        notes.isEmpty ? "" : ",\"notes\":[" + notes.map(Render.json).joined(separator: ",") + "]"
    }

    /// Warnings and notes as SVG `<desc>` elements (none when there is nothing to say).
    var svgDescriptions: String {
        var s = ""
        for w in warnings { s += "<desc>warning: \(FlameGraphSVG.xml(w))</desc>\n" }
        for n in notes { s += "<desc>note: \(FlameGraphSVG.xml(n))</desc>\n" }
        return s
    }
}

/// Shared rendering helpers.
public enum Render {
    /// `1.5 MiB`-style sizes (binary units, one decimal, rounded).
    public static func human(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var v = Double(bytes.magnitude)
        var u = 0
        while v >= 1024 && u < units.count - 1 {
            v /= 1024
            u += 1
        }
        let sign = bytes < 0 ? "-" : ""
        if u == 0 { return "\(sign)\(bytes.magnitude) B" }
        return sign + fixed(v, 1) + " " + units[u]
    }

    static func fixed(_ v: Double, _ digits: Int) -> String { fixedText(rounded(v, digits), digits) }

    /// `v` rounded to `digits` decimals: what `fixed` prints.
    @inline(__always)
    static func rounded(_ v: Double, _ digits: Int) -> Double {
        var m = 1.0
        for _ in 0..<digits { m *= 10 }
        return (v * m).rounded() / m
    }

    /// `fixed` of a value `rounded` already.
    static func fixedText(_ r: Double, _ digits: Int) -> String {
        var s = String(r)
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
        } else if digits > 0 {
            s += "." + String(repeating: "0", count: digits)
        }
        return s
    }

    /// `fixed(_:digits)` of many values, each distinct rounded value formatted once (a
    /// report's percents repeat: they are page counts over one total).
    struct FixedMemo {
        let digits: Int
        var texts: [UInt64: String] = [:]
        init(digits: Int) { self.digits = digits }

        mutating func callAsFunction(_ v: Double) -> String {
            let r = Render.rounded(v, digits)
            if let t = texts[r.bitPattern] { return t }
            let t = Render.fixedText(r, digits)
            texts[r.bitPattern] = t
            return t
        }
    }

    static func percent(_ part: Int64, _ whole: Int64) -> Double {
        whole == 0 ? 0 : Double(part) * 100 / Double(whole)
    }

    /// JSON string literal.
    static func json(_ s: String) -> String {
        // Most text (frames, names) needs no escape: one pass over the bytes says so.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5c }) { return "\"" + s + "\"" }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// RFC 4180 field.
    static func csv(_ s: String) -> String {
        if s.utf8.contains(where: { $0 == 0x2c || $0 == 0x22 || $0 == 0x0a || $0 == 0x0d }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    /// The symbol and module of a frame, offset removed (`ext4_writepages [ext4]`).
    static func frameName(_ f: String, keepOffsets: Bool) -> String {
        if keepOffsets { return f }
        var s = Substring(f)
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            s = s[s.index(after: close)...].drop(while: { $0 == " " })
        }
        let sym = s.prefix(while: { $0 != "+" && $0 != " " })
        var out = String(sym)
        if let open = s.lastIndex(of: "["), s.hasSuffix("]") {
            out += " " + s[open...]
        }
        return out
    }
}

/// A report formatter.
public protocol ReportFormatter {
    func write(_ report: Report, context: ReportContext, to out: OutputSink) throws
}

/// The output formats of `report`.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, csv, json, jsonl, folded, svg, pprof, html

    public var formatter: ReportFormatter {
        switch self {
        case .text: return TableFormatter()
        case .csv: return CSVFormatter()
        case .json: return JSONFormatter(lines: false)
        case .jsonl: return JSONFormatter(lines: true)
        case .folded: return FoldedFormatter()
        case .svg: return FlameGraphSVG()
        case .pprof: return PprofFormatter()
        case .html: return HtmlFormatter()
        }
    }

    /// Whether the formatter prints `Report.Row.frames`: none does, they all render the
    /// stack bytes of `Report.stacks` (`ByteRendering`).
    public var needsFrameText: Bool { false }

    /// Whether the formatter reads `Report.Row.cells`: pprof reads each distinct cell
    /// once, from `Report.cellTable`.
    public var needsCells: Bool { self != .pprof }

    /// Whether the formatter writes the rows in the report's order: folded sorts its lines
    /// by text, so a report for it skips the sort (unless `--top` picks rows by it).
    public var needsOrder: Bool { self != .folded }
}
