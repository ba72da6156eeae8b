import Foundation

/// A field records can be grouped by. Names are the same in `report`, `diff`, `series`,
/// CSV headers, JSON fields and the man page.
public enum GroupKey: String, CaseIterable, Sendable {
    case stack, caller, pid, tgid, comm, gfp, migratetype, blocktype, order, allocator, module, memcg, node, zone, swapped, handle

    /// Parses `stack,comm,…`; throws on an unknown name.
    public static func parseList(_ s: String, spelling: OptionSpelling) throws -> [GroupKey] {
        var keys: [GroupKey] = []
        for w in s.split(separator: ",") {
            let name = w.trimmingCharacters(in: .whitespaces)
            guard let k = GroupKey(rawValue: name) ?? GroupKey.aliases[name] else {
                throw UsageError(
                    "unknown group key '\(name)'\(Suggestion.hint(name, among: GroupKey.allCases.map(\.rawValue)))"
                        + "; keys are: \(GroupKey.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !keys.contains(k) { keys.append(k) }
        }
        if keys.isEmpty { throw UsageError("\(spelling[.groupBy]) needs at least one key") }
        return keys
    }

    static let aliases: [String: GroupKey] = [
        "st": .stack, "stacktrace": .stack, "p": .pid, "tg": .tgid, "n": .comm, "name": .comm,
        "ator": .allocator, "mod": .module, "mt": .migratetype, "mask": .gfp,
    ]

    /// Whether the key's values are numbers in JSON.
    public var isNumeric: Bool {
        switch self {
        case .pid, .tgid, .order, .node, .zone, .handle: return true
        default: return false
        }
    }

    /// Whether computing the key needs the stack table.
    var needsStack: Bool {
        switch self {
        case .stack, .caller, .module, .allocator: return true
        default: return false
        }
    }
}

