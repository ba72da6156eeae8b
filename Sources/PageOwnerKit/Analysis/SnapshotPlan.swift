/// Which snapshots a command counts, and in what order. A snapshot is one input stream (a
/// file or an archive member). Archive order is not time order (`tar -cf` may store s3
/// before s1), so snapshots are put in capture order when every one carries timestamps (the
/// latest allocation `ts`, which grows while a machine runs), else archive members in
/// natural name order (`s2` before `s10`); files given one by one keep the order given.
public enum SnapshotPlan {
    /// What a snapshot's counts are a view of. Two views of one moment double count.
    public enum View: String, Sendable {
        /// page_owner (and swap_page_owner, the swapped-out pages beside it).
        case pageOwner = "page_owner"
        /// show_stacks or show_handles: pages per stack, or per handle.
        case stacks = "show_stacks/show_handles"
    }

    public static func view(_ f: InputFormat?) -> View? {
        switch f {
        case .pageOwner, .swapPageOwner: return .pageOwner
        case .showStacks, .showHandles: return .stacks
        default: return nil
        }
    }

    /// How an order was chosen.
    public enum Basis: Sendable {
        case captureTime, name, given
    }

    /// `snapshots` grouped by input (one array per path, archive members in archive order),
    /// in time order, and how it was chosen. With `keepGiven`, the order given.
    public static func order(_ agg: Aggregator, inputs: [[Int]], keepGiven: Bool = false) -> ([Int], Basis) {
        let given = inputs.flatMap { $0 }
        if keepGiven || given.count < 2 { return (given, .given) }
        if given.allSatisfy({ agg.totals[$0].fields.contains(.ts) && agg.totals[$0].maxTs > 0 }) {
            let pos = Dictionary(uniqueKeysWithValues: given.enumerated().map { ($1, $0) })
            let sorted = given.sorted { a, b in
                let ta = agg.totals[a].maxTs
                let tb = agg.totals[b].maxTs
                return ta != tb ? ta < tb : pos[a]! < pos[b]!
            }
            return (sorted, .captureTime)
        }
        var byName: [Int] = []
        for group in inputs {
            byName += group.sorted {
                naturalLess(agg.totals[$0].name, agg.totals[$1].name) || (agg.totals[$0].name == agg.totals[$1].name && $0 < $1)
            }
        }
        return (byName, byName == given ? .given : .name)
    }

    /// The note that says which order a series used: when it differs from the order given,
    /// or when an archive's members were ordered (files given in time order need none).
    public static func orderNote(_ agg: Aggregator, _ order: [Int], _ basis: Basis, inputs: [[Int]]) -> String? {
        let moved = order != inputs.flatMap { $0 }
        if !moved && !inputs.contains(where: { $0.count > 1 }) { return nil }
        switch basis {
        case .given: return nil
        case .captureTime:
            let list = listed(order.map { "\(agg.totals[$0].name) (ts \(seconds(agg.totals[$0].maxTs)))" })
            return "snapshots in capture order (each one's latest allocation ts)\(moved ? ", not the order given" : ""): \(list)"
        case .name:
            return "snapshots carry no timestamps: archive members in name order\(moved ? ", not archive order" : ""): "
                + listed(order.map { agg.totals[$0].name })
        }
    }

    static func seconds(_ ns: UInt64) -> String { Render.fixed(Double(ns) / 1e9, 3) + " s" }

    /// `a` before `b` with digit runs compared as numbers (`s2` before `s10`).
    public static func naturalLess(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var i = 0
        var j = 0
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        while i < x.count && j < y.count {
            if isDigit(x[i]) && isDigit(y[j]) {
                var ie = i
                while ie < x.count && isDigit(x[ie]) { ie += 1 }
                var je = j
                while je < y.count && isDigit(y[je]) { je += 1 }
                // Compare by value: strip leading zeros, then length, then digits.
                var a0 = i
                while a0 < ie - 1 && x[a0] == 48 { a0 += 1 }
                var b0 = j
                while b0 < je - 1 && y[b0] == 48 { b0 += 1 }
                if ie - a0 != je - b0 { return ie - a0 < je - b0 }
                for k in 0..<(ie - a0) where x[a0 + k] != y[b0 + k] { return x[a0 + k] < y[b0 + k] }
                i = ie
                j = je
            } else {
                if x[i] != y[j] { return x[i] < y[j] }
                i += 1
                j += 1
            }
        }
        return x.count - i < y.count - j
    }

    /// What `report` counts: from each input that holds several snapshots of one view (an
    /// archive of dumps taken at different times), the last in time order, unless `sum`;
    /// then every snapshot. Streams that count nothing (show_stacks_handles) stay.
    public struct ReportChoice {
        public var snapshots: [Int] = []
        public var notes: [String] = []
        public var warnings: [String] = []
    }

    public static func report(_ agg: Aggregator, inputs: [[Int]], sum: Bool, spelling: OptionSpelling) -> ReportChoice {
        var c = ReportChoice()
        for group in inputs {
            var keep = Set(group)
            for v in [View.pageOwner, .stacks] {
                let of = group.filter { view(agg.totals[$0].format) == v }
                guard of.count > 1 else { continue }
                let (ordered, basis) = order(agg, inputs: [of])
                let names = listed(ordered.map { agg.totals[$0].name })
                if sum {
                    c.notes.append(
                        "summing \(of.count) \(v.rawValue) snapshots of one input, as \(spelling[.sum]) asks: \(names)")
                    continue
                }
                let last = ordered.last!
                for s in of where s != last { keep.remove(s) }
                let how: String
                switch basis {
                case .captureTime: how = "the latest by allocation ts"
                case .name: how = "the last by name"
                case .given: how = "the last in the archive"
                }
                c.notes.append(
                    "an input holds \(of.count) \(v.rawValue) snapshots (\(names)): reporting \(how), \(agg.totals[last].name); give \(spelling[.sum]) to add them up, or compare them with `diff` or `series`"
                )
            }
            c.snapshots += group.filter { keep.contains($0) }
        }
        c.warnings += doubleCounting(agg, c.snapshots, summing: sum, spelling: spelling)
        return c
    }

    /// The snapshots of one input that `report` may still choose, kept while the input is
    /// read: per view, the latest by allocation ts and the last by name (which of the two
    /// `order` goes by is known only at the end). Every other snapshot's per-group metrics
    /// can be freed as soon as it is read, so an archive of 100,000 members costs the
    /// memory of a few.
    public struct Latest {
        var byTs: [View: (s: Int, ts: UInt64)] = [:]
        var byName: [View: Int] = [:]
        /// Views of which a snapshot had no ts: they go by name.
        var untimed: Set<View> = []

        public init() {}

        /// Notes snapshot `s` (read in full; later than every snapshot noted before) and
        /// returns the snapshots noted before that `report` can no longer choose.
        public mutating func add(_ agg: Aggregator, _ s: Int) -> [Int] {
            let t = agg.totals[s]
            guard let v = SnapshotPlan.view(t.format) else { return [] }
            let before = Set([byTs[v]?.s, byName[v]].compactMap { $0 })
            // `order`: capture order is by ts, a later snapshot winning a tie; name order is
            // natural, a later snapshot winning a tie.
            if !(t.fields.contains(.ts) && t.maxTs > 0) {
                untimed.insert(v)
                byTs[v] = nil
            } else if !untimed.contains(v), byTs[v].map({ t.maxTs >= $0.ts }) ?? true {
                byTs[v] = (s, t.maxTs)
            }
            if byName[v].map({ !naturalLess(t.name, agg.totals[$0].name) }) ?? true { byName[v] = s }
            let after = Set([byTs[v]?.s, byName[v]].compactMap { $0 })
            return before.subtracting(after).sorted() + (after.contains(s) ? [] : [s])
        }
    }

    /// Names for a note: all of them up to 12, else the first 8 and the last 2 (an archive
    /// of 100,000 members makes a note, not a megabyte).
    static func listed(_ names: [String]) -> String {
        if names.count <= 12 { return names.joined(separator: ", ") }
        return (names.prefix(8) + ["… \(names.count - 10) more"] + names.suffix(2)).joined(separator: ", ")
    }

    /// Snapshots of one view added up, and two views of one moment added up.
    public static func doubleCounting(
        _ agg: Aggregator, _ snapshots: [Int], summing: Bool, side: String? = nil, spelling: OptionSpelling
    ) -> [String] {
        var w: [String] = []
        let counted = snapshots.filter { view(agg.totals[$0].format) != nil && agg.totals[$0].recordsRead > 0 }
        let po = counted.filter { view(agg.totals[$0].format) == .pageOwner && agg.totals[$0].format == .pageOwner }
        let st = counted.filter { view(agg.totals[$0].format) == .stacks }
        let prefix = side.map { "\($0): " } ?? ""
        if !summing {
            for (v, list) in [(View.pageOwner, po), (.stacks, st)]
            where list.count > 1 && Set(list.map { agg.totals[$0].format }).count == 1 {
                w.append(
                    "\(prefix)\(list.count) \(v.rawValue) snapshots are added up (\(listed(list.map { agg.totals[$0].name }))): if they were taken at different times, the pages are counted more than once; compare them with `diff` or `series` (or give \(spelling[.sum]) to say the sum is meant)"
                )
            }
        }
        if Set(st.map { agg.totals[$0].format }).count > 1 {
            w.append(
                "\(prefix)show_stacks and show_handles inputs are added up: they count the same pages by stack and by handle, so each page is counted twice; read one of them"
            )
        }
        if !po.isEmpty && !st.isEmpty {
            w.append(
                "\(prefix)page_owner and show_stacks/show_handles inputs are added up: they are two views of the same pages, so each page is counted twice; read one of them (compare them with `diff`)"
            )
        }
        return w
    }
}
