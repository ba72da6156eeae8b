/// Which record fields a group key or a filter reads, and, when the input lacks one, why:
/// the page_owner header gained its fields kernel by kernel (formats.md §1.2–§1.5), and the
/// page_owner_stacks files carry stacks and counts only. A key on a missing field puts every
/// record in one `-` group; a filter on it keeps nothing (or everything): both say so.
public enum FieldNeeds {
    /// A field some key or filter needs.
    struct Need {
        var field: RecordFields
        var name: String
        /// The keys and filters that need it.
        var users: [User]
    }

    /// What needs a field: a group key, or a filter's option.
    enum User: Equatable {
        case key(GroupKey)
        case filter(CommandOption)

        /// How a warning names it: the group-by option and the key (`--group-by comm`), or
        /// the filter's option (`--comm`).
        func text(_ spelling: OptionSpelling) -> String {
            switch self {
            case .key(let k): return "\(spelling[.groupBy]) \(k.rawValue)"
            case .filter(let o): return spelling[o]
            }
        }

        var isKey: Bool {
            if case .key = self { return true }
            return false
        }
    }

    /// When each field appears in page_owner output.
    static func era(_ f: RecordFields) -> String {
        switch f {
        case .pid, .ts: return "pid and ts appear in page_owner from Linux 5.11"
        case .tgid, .comm: return "tgid and comm from 5.18"
        case .memcg: return "memcg lines from 5.18, and only for pages charged to a memory cgroup"
        case .flagFields: return "node= and zone= in the PFN line's flags from 5.13"
        case .gfpNames: return "gfp flag names from 4.6"
        case .mask: return "the gfp mask from -mm 2.6.12 (mainline 3.19)"
        case .pageType: return "migratetype names on the PFN line from 4.6"
        case .handle: return "handle lines in show_handles, show_stacks_handles (6.19) and the handle print modes"
        default: return "the order in every page_owner header"
        }
    }

    /// Fields in the order the kernel added them, for the era text.
    static func rank(_ f: RecordFields) -> Int {
        switch f {
        case .order: return 0
        case .mask: return 1
        case .gfpNames, .pageType: return 2
        case .pid, .ts: return 3
        case .flagFields: return 4
        case .tgid, .comm: return 5
        case .memcg: return 6
        default: return 7
        }
    }

    /// The fields `keys` and `filters` read, with the options that read them, in a fixed order.
    static func needs(keys: [GroupKey], filters: Filters) -> [Need] {
        var out: [Need] = []
        func need(_ f: RecordFields, _ name: String, _ user: User) {
            if let i = out.firstIndex(where: { $0.field == f }) {
                if !out[i].users.contains(user) { out[i].users.append(user) }
            } else {
                out.append(Need(field: f, name: name, users: [user]))
            }
        }
        for k in keys {
            let user = User.key(k)
            switch k {
            case .pid: need(.pid, "pid", user)
            case .tgid: need(.tgid, "tgid", user)
            case .comm: need(.comm, "comm", user)
            case .gfp: need(.mask, "gfp mask", user)
            case .migratetype, .blocktype: need(.pageType, "migratetype", user)
            case .order: need(.order, "order", user)
            case .memcg: need(.memcg, "memcg", user)
            case .node, .zone: need(.flagFields, "node/zone", user)
            case .handle: need(.handle, "handle", user)
            default: break
            }
        }
        if filters.pids != nil { need(.pid, "pid", .filter(.pid)) }
        if filters.tgids != nil { need(.tgid, "tgid", .filter(.tgid)) }
        if filters.comms != nil { need(.comm, "comm", .filter(.comm)) }
        if filters.since != nil { need(.ts, "ts", .filter(.since)) }
        if filters.until != nil { need(.ts, "ts", .filter(.until)) }
        if !filters.gfpFlags.isEmpty { need(.gfpNames, "gfp flag names", .filter(.gfpFlag)) }
        if filters.orders != nil { need(.order, "order", .filter(.order)) }
        if filters.migratetypes != nil { need(.pageType, "migratetype", .filter(.migratetype)) }
        if filters.memcgs != nil { need(.memcg, "memcg", .filter(.memcg)) }
        return out
    }

    /// One warning per set of counted snapshots that lacks fields the run needs; empty
    /// when every counted snapshot carries them. `keys` replaces `agg.keys` when given.
    public static func warnings(_ agg: Aggregator, snapshots: [Int], keys: [GroupKey]? = nil, spelling: OptionSpelling) -> [String] {
        let needs = needs(keys: keys ?? agg.keys, filters: agg.filters)
        if needs.isEmpty { return [] }
        // A show_stacks_handles file only resolves handles: it counts nothing.
        let counted = snapshots.filter { agg.totals[$0].format != .showStacksHandles && agg.totals[$0].recordsRead > 0 }
        // Snapshots that lack the same fields get one warning.
        var bySet: [(missing: [Need], names: [String], stackFiles: Bool, era: String)] = []
        for s in counted {
            let t = agg.totals[s]
            let missing = needs.filter { !t.fields.contains($0.field) }
            if missing.isEmpty { continue }
            let stackFile = t.format == .showStacks || t.format == .showHandles
            let era = stackFile ? "" : eraName(t.fields)
            if let i = bySet.firstIndex(where: { $0.missing.map(\.name) == missing.map(\.name) && $0.stackFiles == stackFile }) {
                bySet[i].names.append(t.name)
            } else {
                bySet.append((missing, [t.name], stackFile, era))
            }
        }
        return bySet.map { m in
            let users = m.missing.flatMap(\.users).map { $0.text(spelling) }
            let fields = m.missing.map(\.name)
            var w = "\(users.joined(separator: ", ")) need\(users.count == 1 ? "s" : "") \(fields.joined(separator: ", ")), which "
            w += m.names.count == 1 ? "\(m.names[0]) does not carry" : "these inputs do not carry: \(m.names.joined(separator: ", "))"
            if m.stackFiles {
                w += " (show_stacks and show_handles hold stacks or handles and page counts only; read the page_owner file)"
            } else {
                var eras: [String] = []
                for n in m.missing.sorted(by: { rank($0.field) < rank($1.field) }) where !eras.contains(era(n.field)) {
                    eras.append(era(n.field))
                }
                w += " (\(eras.joined(separator: "; "))"
                if !m.era.isEmpty { w += "; this input's header is of the \(m.era) era" }
                w += ")"
            }
            let keyUse = m.missing.contains { $0.users.contains { $0.isKey } }
            let filterUse = m.missing.contains { $0.users.contains { !$0.isKey } }
            if keyUse { w += "; their records are grouped under '-'" }
            if filterUse { w += "; a filter on a missing field cannot select" }
            return w
        }
    }

    /// The kernel era a page_owner header's fields point to.
    static func eraName(_ f: RecordFields) -> String {
        if f.contains(.freeTs) { return f.contains(.tgid) ? "5.18-6.6" : "5.13-5.17" }
        if f.contains(.tgid) { return "6.7+" }
        if f.contains(.ts) { return "5.11-5.12" }
        if f.contains(.gfpNames) { return "4.6-5.10" }
        if f.contains(.mask) { return "3.19-4.5 (mask only)" }
        if f.contains(.order) { return "-mm 2.6.11 (order only)" }
        return ""
    }
}
