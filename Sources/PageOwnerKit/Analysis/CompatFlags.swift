/// The kernel tool's command-line semantics, separate from any argument parser: which
/// single-letter sort flags were given, and the raw `--pid/--tgid/--name/--module/--cull/--sort`
/// values. `resolve()` applies its rules (the 2026 ones: `--sort` is honoured; `-M`,
/// `--module` and the `mod` key are known).
public struct CompatFlags: Sendable {
    public enum Letter: Character, CaseIterable, Sendable {
        case allocTime = "a"
        case memory = "m"
        case name = "n"
        case pid = "p"
        case tgid = "P"
        case stack = "s"
        case times = "t"
        case module = "M"
    }

    public var letters: [Letter] = []
    public var pids: String?
    public var tgids: String?
    public var names: String?
    public var modules: String?
    public var cull: String?
    public var sort: String?
    public var debug = false

    public init() {}

    /// Reads kernel-tool arguments (`-m`, `-ma`, `--cull=st`, `--cull st`, …); returns the
    /// positional arguments. Used by tests and by anything that takes the old argv.
    public static func parse(_ args: [String]) throws -> (CompatFlags, [String]) {
        var f = CompatFlags()
        var positional: [String] = []
        var i = 0
        let longs = ["pid", "tgid", "name", "module", "cull", "sort"]
        while i < args.count {
            let a = args[i]
            if a == "--" {
                positional.append(contentsOf: args[(i + 1)...])
                break
            }
            if a.hasPrefix("--") {
                var name = String(a.dropFirst(2))
                var value: String?
                if let eq = name.firstIndex(of: "=") {
                    value = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                guard longs.contains(name) else { throw UsageError(description: "unrecognized option '\(a)'", showUsage: true) }
                if value == nil {
                    i += 1
                    guard i < args.count else { throw UsageError(description: "option '--\(name)' requires an argument", showUsage: true) }
                    value = args[i]
                }
                switch name {
                case "pid": f.pids = value
                case "tgid": f.tgids = value
                case "name": f.names = value
                case "module": f.modules = value
                case "cull": f.cull = value
                default: f.sort = value
                }
            } else if a.hasPrefix("-") && a.count > 1 {
                for c in a.dropFirst() {
                    if c == "d" {
                        f.debug = true
                        continue
                    }
                    guard let l = Letter(rawValue: c) else { throw UsageError(description: "invalid option -- '\(c)'", showUsage: true) }
                    f.letters.append(l)
                }
            } else {
                positional.append(a)
            }
            i += 1
        }
        return (f, positional)
    }

    /// Applies the kernel tool's rules and checks every value.
    public func resolve() throws -> CompatOptions {
        var o = CompatOptions()
        if let pids {
            guard let l = CompatOptions.parseNumbers(pids) else {
                throw UsageError(description: "wrong/invalid pid in from the command line:\(pids)", showUsage: false)
            }
            o.pids = Set(l)
        }
        if let tgids {
            guard let l = CompatOptions.parseNumbers(tgids) else {
                throw UsageError(description: "wrong/invalid tgid in from the command line:\(tgids)", showUsage: false)
            }
            o.tgids = Set(l)
        }
        if let names {
            o.comms = Set(names.split(separator: ",", omittingEmptySubsequences: false).map { Array($0.utf8) })
        }
        if let modules {
            o.modules = Set(modules.split(separator: ",", omittingEmptySubsequences: false).map { String($0) })
        }
        if let cull {
            guard let c = CompatOptions.parseCull(cull) else {
                throw UsageError(description: "wrong argument after --cull option:\(cull)", showUsage: false)
            }
            o.cull = c
        }
        var sortKeys: [CompatOptions.SortKey]?
        if let sort {
            guard let s = CompatOptions.parseSort(sort) else {
                throw UsageError(description: "wrong argument after --sort option:\(sort)", showUsage: false)
            }
            sortKeys = s
        }
        let distinct = Set(letters.map(\.rawValue))
        if distinct.count > 1 {
            throw UsageError(description: "only one of -a -m -n -p -P -s -t -M may be given", showUsage: true)
        }
        if let l = letters.first {
            switch l {
            case .allocTime: o.sort = [.init(.allocTs, descending: false)]
            case .memory: o.sort = [.init(.pages, descending: true)]
            case .name: o.sort = [.init(.comm, descending: false)]
            case .pid: o.sort = [.init(.pid, descending: false)]
            case .tgid: o.sort = [.init(.tgid, descending: false)]
            case .stack: o.sort = [.init(.stacktrace, descending: false)]
            case .times: o.sort = [.init(.times, descending: true)]
            case .module: o.sort = [.init(.module, descending: false)]
            }
        } else if let sortKeys {
            o.sort = sortKeys
        } else {
            o.sort = [.init(.times, descending: true)]
        }
        return o
    }
}
