/// The groups of one snapshot, filtered, sorted and cut to what the user asked for, with
/// every value rendered for the formatters. Formatters only print what is here.
public struct Report {
    /// One rendered key value.
    public struct Cell: Sendable {
        public var text: String
        /// Set for numeric keys (nil when the input did not carry the field).
        public var number: Int64?
        public var isNumeric: Bool
        public var bool: Bool?
    }

    public struct Row: Sendable {
        public var group: Int32
        public var metrics: Aggregator.Metrics
        public var cells: [Cell]
        /// Frames, innermost first, when `stack` is a key.
        public var frames: [String]?
        /// A label for placeholder and unresolved stacks.
        public var stackLabel: String?
        /// The stack's handle in `Report.stacks` when `stack` is a key, else -1.
        public var stack: Int32 = -1
    }

    /// A sort field: a metric or a group key.
    public struct SortField: Sendable, Equatable {
        public enum Field: Sendable, Equatable {
            case records, pages, bytes, firstTs, lastTs
            case key(GroupKey)
        }
        public var field: Field
        public var descending: Bool

        public init(field: Field, descending: Bool) {
            self.field = field
            self.descending = descending
        }

        /// The metric names and the group keys (for completion and "did you mean").
        public static let names = ["records", "pages", "bytes", "first_ts", "last_ts"] + GroupKey.allCases.map(\.rawValue)

        /// Parses `pages`, `pages:asc`, `comm:desc`, `-pages`, `+comm`.
        public static func parseList(_ s: String) throws -> [SortField] {
            try s.split(separator: ",").map { w in
                var word = String(w)
                var dir: Bool? = nil
                if word.hasPrefix("-") {
                    dir = true
                    word.removeFirst()
                } else if word.hasPrefix("+") {
                    dir = false
                    word.removeFirst()
                }
                if let c = word.firstIndex(of: ":") {
                    let d = word[word.index(after: c)...]
                    word = String(word[..<c])
                    switch d {
                    case "asc": dir = false
                    case "desc": dir = true
                    default: throw ReportError.usage("bad sort direction '\(d)': use asc or desc")
                    }
                }
                let f: Field
                switch word {
                case "records", "times": f = .records
                case "pages": f = .pages
                case "bytes": f = .bytes
                case "first_ts", "first-ts": f = .firstTs
                case "last_ts", "last-ts", "ts": f = .lastTs
                default:
                    guard let k = GroupKey(rawValue: word) ?? GroupKey.aliases[word] else {
                        throw ReportError.usage(
                            "unknown sort field '\(word)'\(Suggestion.hint(word, among: SortField.names)): use records, pages, bytes, first_ts, last_ts or a group key"
                        )
                    }
                    f = .key(k)
                }
                let numericMetric: Bool = { if case .key = f { return false } else { return true } }()
                return SortField(field: f, descending: dir ?? numericMetric)
            }
        }
    }

    public struct Selection: Sendable {
        public var top: Int?
        public var minPages: Int64?
        public var minPercent: Double?
        public var sort: [SortField] = [SortField(field: .pages, descending: true)]
        public init() {}
    }

    public let keys: [GroupKey]
    public let pageSize: Int64
    /// The stacks rows refer to (`Row.stack`), for formatters that read frames as bytes.
    public let stacks: StackTable
    /// Totals after filters (every group), and of the rows shown.
    public var total = Aggregator.Metrics()
    public var shown = Aggregator.Metrics()
    public var groupCount = 0
    public var rows: [Row] = []

    /// Builds the report of snapshot `snapshot`. With `frameText` false, rows carry no
    /// `frames` strings (a formatter that reads `stacks` needs none).
    public init(_ agg: Aggregator, snapshots: [Int]? = nil, selection: Selection, pageSize: Int64 = 4096, frameText: Bool = true) {
        agg.resolveLateHandles()
        keys = agg.keys
        self.pageSize = pageSize
        stacks = agg.stacks
        let m = agg.summed(snapshots ?? Array(0..<agg.snapshotCount))
        var live: [Int32] = []
        for (g, x) in m.enumerated() where x.records != 0 || x.pages != 0 {
            live.append(Int32(g))
            total.add(x)
        }
        groupCount = live.count
        let order = Report.order(agg, groups: live, metrics: { m[Int($0)] }, sort: selection.sort)
        var out: [Int32] = []
        for g in order {
            let x = m[Int(g)]
            if let mp = selection.minPages, x.pages < mp { continue }
            if let pc = selection.minPercent, total.pages > 0, Double(x.pages) * 100 / Double(total.pages) < pc { continue }
            if let t = selection.top, out.count >= t { break }
            out.append(g)
        }
        for g in out {
            let x = m[Int(g)]
            shown.records += x.records
            shown.pages +|= x.pages
            rows.append(Report.render(agg, group: g, metrics: x, frameText: frameText))
        }
    }

    /// Groups in the requested order; ties are broken by the key values (stack bytes,
    /// comm bytes, numbers), so the order is total and the same on every run.
    ///
    /// The sort fields are turned into one flat array of unsigned keys first (ascending
    /// order = the order asked for), so the sort compares integers; only groups equal on
    /// every sort field are then ordered by their key bytes.
    public static func order(_ agg: Aggregator, groups: [Int32], metrics: (Int32) -> Aggregator.Metrics, sort: [SortField]) -> [Int32] {
        let keys = agg.keys
        let n = groups.count
        let width = sort.count
        // Ranks only for the text keys the user sorts by (ties use byte comparisons).
        var ranks: [GroupKey: [Int32]] = [:]
        for s in sort {
            guard case .key(let k) = s.field, keys.contains(k), ranks[k] == nil else { continue }
            switch k {
            case .stack: ranks[k] = agg.stacks.stacks.sortedRanks()
            case .comm: ranks[k] = agg.comms.sortedRanks()
            case .caller, .module: ranks[k] = agg.stacks.names.sortedRanks()
            case .memcg: ranks[k] = agg.memcgs.sortedRanks()
            default: break
            }
        }
        var flat = [UInt64](repeating: 0, count: n * width)
        for (i, g) in groups.enumerated() {
            let m = metrics(g)
            for (j, s) in sort.enumerated() {
                var v: UInt64
                switch s.field {
                case .records: v = UInt64(bitPattern: m.records) ^ (1 << 63)
                case .pages, .bytes: v = UInt64(bitPattern: m.pages) ^ (1 << 63)
                case .firstTs: v = m.firstTs
                case .lastTs: v = m.lastTs
                case .key(let k):
                    if let pos = keys.firstIndex(of: k) {
                        v = sortKey(k, agg.keyValue(g, pos), ranks[k])
                    } else {
                        v = 0
                    }
                }
                flat[i * width + j] = s.descending ? ~v : v
            }
        }
        // First field inline with the index (sequential memory, integer compares); the
        // other fields only inside runs equal on the first.
        struct Entry {
            var key: UInt64
            var index: Int32
        }
        var entries = [Entry]()
        entries.reserveCapacity(n)
        for i in 0..<n { entries.append(Entry(key: width > 0 ? flat[i * width] : 0, index: Int32(i))) }
        entries.sort { $0.key != $1.key ? $0.key < $1.key : $0.index < $1.index }
        var idx = entries.map(\.index)
        if width > 1 {
            var start = 0
            while start < n {
                var end = start + 1
                while end < n && entries[end].key == entries[start].key { end += 1 }
                if end - start > 1 {
                    idx[start..<end].sort { x, y in
                        let a = Int(x) * width
                        let b = Int(y) * width
                        for j in 1..<width where flat[a + j] != flat[b + j] { return flat[a + j] < flat[b + j] }
                        return x < y
                    }
                }
                start = end
            }
        }
        // Runs equal on every sort field: by key values, then group number (stacks by
        // their frames' ranks, computed once).
        let texts = KeyTexts(agg, frameRanks: keys.contains(.stack) && n > 1)
        let table = agg.groups
        var start = 0
        while start < n {
            var end = start + 1
            let a = Int(idx[start]) * width
            while end < n {
                let b = Int(idx[end]) * width
                var same = true
                for j in 0..<width where flat[a + j] != flat[b + j] {
                    same = false
                    break
                }
                if !same { break }
                end += 1
            }
            if end - start > 1 {
                idx[start..<end].sort { x, y in
                    let ga = groups[Int(x)]
                    let gb = groups[Int(y)]
                    for pos in keys.indices {
                        let c = texts.compare(keys[pos], table.value(ga, pos), table.value(gb, pos))
                        if c != 0 { return c < 0 }
                    }
                    return ga < gb
                }
            }
            start = end
        }
        return idx.map { groups[Int($0)] }
    }

    /// A key value as an unsigned sort key (ascending = the key's natural order).
    static func sortKey(_ k: GroupKey, _ x: UInt64, _ rank: [Int32]?) -> UInt64 {
        switch k {
        case .stack, .comm, .caller, .module:
            // A missing value (-1) first.
            return x == 0xffff_ffff ? 0 : UInt64(rank![Int(x)]) + 1
        case .memcg:
            if x == .max { return 0 }
            return (UInt64(rank![Int(x & 0xffff_ffff)]) + 1) << 32 | (x >> 32)
        case .pid, .tgid, .order:
            return UInt64(bitPattern: Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: x)))) ^ (1 << 63)
        case .node, .zone:
            return UInt64(bitPattern: Int64(Int16(bitPattern: UInt16(truncatingIfNeeded: x)))) ^ (1 << 63)
        default:
            return x
        }
    }

    /// What comparing key values needs: the text stores of the text keys, and the frame
    /// ranks that order stacks without reading their bytes.
    struct KeyTexts {
        let stacks: StackStore
        let comms: ByteInterner
        let names: ByteInterner
        let memcgs: ByteInterner
        let frameRanks: [Int32]

        init(_ agg: Aggregator, frameRanks: Bool) {
            stacks = agg.stacks.stacks
            comms = agg.comms
            names = agg.stacks.names
            memcgs = agg.memcgs
            self.frameRanks = frameRanks ? stacks.frameRanks() : []
        }

        /// Two key values compared in the key's natural order (text keys by their bytes).
        func compare(_ k: GroupKey, _ x: UInt64, _ y: UInt64) -> Int {
            if x == y { return 0 }
            switch k {
            case .stack, .comm, .caller, .module:
                if x == 0xffff_ffff { return -1 }
                if y == 0xffff_ffff { return 1 }
                let a = Int32(truncatingIfNeeded: x)
                let b = Int32(truncatingIfNeeded: y)
                switch k {
                case .stack: return frameRanks.isEmpty ? stacks.compare(a, b) : stacks.compare(a, b, frameRanks: frameRanks)
                case .comm: return comms.compare(a, b)
                default: return names.compare(a, b)
                }
            case .memcg:
                if x == .max { return -1 }
                if y == .max { return 1 }
                let c = memcgs.compare(Int32(truncatingIfNeeded: x & 0xffff_ffff), Int32(truncatingIfNeeded: y & 0xffff_ffff))
                if c != 0 { return c }
                return x < y ? -1 : 1
            case .pid, .tgid, .order:
                let sx = Int32(bitPattern: UInt32(truncatingIfNeeded: x))
                let sy = Int32(bitPattern: UInt32(truncatingIfNeeded: y))
                return sx < sy ? -1 : 1
            case .node, .zone:
                let sx = Int16(bitPattern: UInt16(truncatingIfNeeded: x))
                let sy = Int16(bitPattern: UInt16(truncatingIfNeeded: y))
                return sx < sy ? -1 : 1
            default:
                return x < y ? -1 : 1
            }
        }
    }

    /// Renders group `g`'s key values.
    public static func render(_ agg: Aggregator, group g: Int32, metrics: Aggregator.Metrics, frameText: Bool = true) -> Row {
        let values = agg.keyValues(g)
        var cells: [Cell] = []
        var frames: [String]?
        var label: String?
        var stack: Int32 = -1
        for (i, k) in agg.keys.enumerated() {
            let v = values[i]
            switch k {
            case .stack:
                let h = Int32(bitPattern: UInt32(truncatingIfNeeded: v))
                let info = agg.stacks.info[Int(h)]
                if frameText { frames = agg.stacks.frames(h) }
                stack = h
                label = info.kind.label
                let caller = info.caller >= 0 ? agg.stacks.names.string(info.caller) : ""
                cells.append(Cell(text: caller, number: nil, isNumeric: false))
            case .caller, .module:
                let h = Int32(bitPattern: UInt32(truncatingIfNeeded: v))
                let text = h >= 0 ? agg.stacks.names.string(h) : (k == .module ? "vmlinux" : "")
                cells.append(Cell(text: text, number: nil, isNumeric: false))
            case .pid, .tgid, .order:
                let n = Int32(bitPattern: UInt32(truncatingIfNeeded: v))
                cells.append(Cell(text: n < 0 ? "" : String(n), number: n < 0 ? nil : Int64(n), isNumeric: true))
            case .node, .zone:
                let n = Int16(bitPattern: UInt16(truncatingIfNeeded: v))
                cells.append(Cell(text: n < 0 ? "" : String(n), number: n < 0 ? nil : Int64(n), isNumeric: true))
            case .handle:
                cells.append(Cell(text: v == .max ? "" : String(v), number: v == .max ? nil : Int64(v), isNumeric: true))
            case .comm:
                cells.append(Cell(text: agg.comms.string(Int32(v)), number: nil, isNumeric: false))
            case .gfp:
                if v == .max {
                    cells.append(Cell(text: "", number: nil, isNumeric: false))
                } else {
                    var t: [UInt8] = [48, 120]
                    t.appendHex(v)
                    let names = agg.gfpText(v) ?? ""
                    cells.append(Cell(text: String(decoding: t, as: UTF8.self) + "(\(names))", number: nil, isNumeric: false))
                }
            case .migratetype, .blocktype:
                cells.append(Cell(text: MigrateType(rawValue: UInt8(truncatingIfNeeded: v)).name, number: nil, isNumeric: false))
            case .allocator:
                let c = AllocationClass(rawValue: UInt8(truncatingIfNeeded: v)) ?? .unknown
                cells.append(Cell(text: c.name, number: nil, isNumeric: false))
            case .memcg:
                if v == .max {
                    cells.append(Cell(text: "", number: nil, isNumeric: false))
                } else {
                    let name = agg.memcgs.string(Int32(v & 0xffff_ffff))
                    let state = MemcgState(rawValue: UInt8(v >> 32)) ?? .charged
                    let suffix: String
                    switch state {
                    case .offline: suffix = " (offline)"
                    case .viaObjcg: suffix = " (via objcg)"
                    case .viaObjcgOffline: suffix = " (via objcg, offline)"
                    default: suffix = ""
                    }
                    cells.append(Cell(text: name + suffix, number: nil, isNumeric: false))
                }
            case .swapped:
                cells.append(Cell(text: v == 1 ? "yes" : "no", number: nil, isNumeric: false, bool: v == 1))
            }
        }
        return Row(group: g, metrics: metrics, cells: cells, frames: frames, stackLabel: label, stack: stack)
    }
}
